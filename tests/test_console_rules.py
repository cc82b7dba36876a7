"""Rules in the open console (SPEC 5) and editing a lead, through the Pilot.

- The console runs the rules soon after start and every `RULES_EVERY` seconds (made
  small here): when the clock passes a lead's protect_until, the lead goes back to
  its pool and the owner's list loses it, with the unread count up — no sleeping
  beyond Pilot pauses. A failing run never stops the console; runs do not pile up.
- `e` opens the edit dialog (lists and detail): prefilled, saves only what changed,
  shows the store's refusals and keeps what was typed, `esc` cancels; an edit that
  makes an auto-assign rule match shows the lead assigned.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from textual.widgets import Input, TextArea

from leadtui import clock
from leadtui.app import LeadApp
from leadtui.screens.detail import LeadDetailScreen
from leadtui.screens.lead_edit import LeadEditDialog
from leadtui.screens.leads import LeadListScreen
from leadtui.store.db.engine import Database
from tests.factories import NOW, get_lead, make_lead, make_pool, make_user, store_for
from tests.test_console import screen_lines, settle, table_of


@pytest.fixture
def team(sqlite_db: Database):  # noqa: ANN201
    db = sqlite_db
    make_user(db, "boss", "admin", name="Boss")
    make_user(db, "li", "sales", "East", name="Li")
    make_user(db, "wang", "sales", "East", name="Wang")
    pool = make_pool(db, "East", members=["li", "wang"], protect_days=7)
    leads = {
        "due": make_lead(db, pool, owner="li", contact="到期客户", company="Due Co",
                         protect_until=NOW + timedelta(hours=1)),
        "kept": make_lead(db, pool, owner="li", contact="保护中", company="Kept Co",
                          protect_until=NOW + timedelta(days=5, hours=1)),
        "wangs": make_lead(db, pool, owner="wang", contact="王的客户", company="Wang Co"),
        "pooled": make_lead(db, pool, contact="池中客户", company="Pool Co", message="第一行\n第二行"),
    }
    return db, pool, leads


def text_of(app: LeadApp) -> str:
    return "\n".join(screen_lines(app))


def toasts(app: LeadApp) -> str:
    """The notifications on screen, their wrapped lines joined again."""
    return " ".join(line.rsplit("▌", 1)[1].strip() for line in screen_lines(app) if "▌" in line)


@pytest.fixture
def quick_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LeadApp, "RULES_EVERY", 0.2)


# ----------------------------------------------------------------------------- rules in the console


async def test_the_open_console_recycles_a_lead_when_its_protection_ends(team, quick_rules) -> None:  # noqa: ANN001
    db, _pool, leads = team
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeadListScreen)
        screen.set_query(owner="li")  # li's own leads (the filter's owner field)
        await settle(pilot)
        table = table_of(app)
        assert table.total == 2
        await pilot.pause(0.5)  # a few runs: nothing is due yet
        await settle(pilot)
        assert table.total == 2 and get_lead(db, leads["due"]).owner_id is not None
        clock.freeze(NOW + timedelta(hours=2))
        await pilot.pause(0.5)
        await settle(pilot)
        # back in the pool, the previous owner kept; gone from li's list without a key pressed
        lead = get_lead(db, leads["due"])
        assert (lead.status, lead.owner_id) == ("pooled", None) and lead.previous_owner_id is not None
        assert table.total == 1
        assert table.record_at(0).id == leads["kept"]
        assert "到期客户" not in text_of(app) and "保护中" in text_of(app)
        assert "unread 1" in screen_lines(app)[-2]


async def test_the_pool_screen_shows_days_left_and_refreshes(team, quick_rules) -> None:  # noqa: ANN001
    db, _pool, leads = team
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = table_of(app)
        assert "days_left" in [c.key for c in table.columns]
        days = {table.record_at(i).id: table.record_at(i).get("days_left") for i in range(table.total)}
        assert days[leads["due"]] == 0 and days[leads["kept"]] == 5 and days[leads["pooled"]] is None
        assert "Days left" in text_of(app)
        clock.freeze(NOW + timedelta(hours=2))
        await pilot.pause(0.5)
        await settle(pilot)
        days = {table.record_at(i).id: table.record_at(i).get("days_left") for i in range(table.total)}
        assert days[leads["due"]] is None  # pooled again: nothing counts down


async def test_a_failing_run_never_stops_the_console_and_runs_do_not_pile_up(team, quick_rules) -> None:  # noqa: ANN001
    db, _pool, _leads = team
    store = store_for(db, "li")
    calls: list[int] = []
    release = threading.Event()

    def slow_then_broken() -> None:
        calls.append(1)
        if len(calls) == 1:
            release.wait(5)  # a slow database: the timer fires meanwhile
        raise RuntimeError("database went away")

    store.run_rules = slow_then_broken  # type: ignore[method-assign]
    app = LeadApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.0)  # five ticks while the first run hangs
        assert len(calls) == 1
        release.set()
        await pilot.pause(0.6)
        assert len(calls) >= 2  # it goes on after the failure
        assert app.is_running
        await pilot.press("j")
        assert isinstance(app.screen, LeadListScreen)


# ----------------------------------------------------------------------------- editing a lead


async def open_edit(pilot, app: LeadApp, lead_id: int) -> LeadEditDialog:  # noqa: ANN001
    table = table_of(app)
    row = next(i for i in range(table.total) if table.record_at(i).id == lead_id)
    table.move_cursor(row)
    await pilot.pause()
    await pilot.press("f2")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, LeadEditDialog)
    return dialog


async def test_edit_a_field_through_the_dialog(team) -> None:  # noqa: ANN001
    db, _pool, leads = team
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, app, leads["pooled"])
        # prefilled with the lead as stored; the message keeps its lines
        assert dialog.query_one("#company", Input).value == "Pool Co"
        assert dialog.query_one("#contact", Input).value == "池中客户"
        assert dialog.query_one("#message", TextArea).text == "第一行\n第二行"
        assert "Edit L2026" in text_of(app)
        company = dialog.query_one("#company", Input)
        company.focus()
        company.value = ""
        await pilot.press(*"星辰科技", "enter")  # Enter goes to the next field
        await pilot.press(*"上海")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, LeadEditDialog)
        lead = get_lead(db, leads["pooled"])
        assert (lead.company, lead.website, lead.contact) == ("星辰科技", "上海", "池中客户")
        await pilot.pause(0.3)
        assert "Lead L2026" in toasts(app) and "changed Company, Website" in toasts(app)
        # the list shows it, the cursor still on the lead
        table = table_of(app)
        assert table.cursor_record.id == leads["pooled"]
        assert table.cursor_record.get("company") == "星辰科技"
        assert "星辰科技" in text_of(app)


async def test_too_long_or_refused_shows_the_message_and_keeps_the_dialog(team) -> None:  # noqa: ANN001
    db, _pool, leads = team
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # too long: the store says so, what was typed stays
        dialog = await open_edit(pilot, app, leads["kept"])
        dialog.query_one("#company", Input).value = "x" * 300
        dialog.query_one("#tags", Input).value = "VIP"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "at most 200 characters" in text_of(app)
        assert dialog.query_one("#company", Input).value == "x" * 300
        assert dialog.query_one("#tags", Input).value == "VIP"
        assert get_lead(db, leads["kept"]).company == "Kept Co"
        # nothing changed: said in the dialog
        dialog.query_one("#company", Input).value = "Kept Co"
        dialog.query_one("#tags", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "Nothing changed" in text_of(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LeadListScreen)
        # refused: li may not edit wang's lead
        dialog = await open_edit(pilot, app, leads["wangs"])
        dialog.query_one("#company", Input).value = "Mine now"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "Only the owner or an admin of pool East may edit lead" in text_of(app)
        assert dialog.query_one("#company", Input).value == "Mine now"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LeadListScreen)
        assert get_lead(db, leads["wangs"]).company == "Wang Co"


async def test_an_edit_that_matches_a_rule_assigns_the_lead(team) -> None:  # noqa: ANN001
    db, _pool, leads = team
    boss = store_for(db, "boss")
    boss.add_rule("East", [["company", "contains", "星辰"]], ["wang"])
    app = LeadApp(boss)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        dialog = await open_edit(pilot, app, leads["pooled"])
        dialog.query_one("#company", Input).value = "星辰科技"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.3)
        assert get_lead(db, leads["pooled"]).status == "assigned"
        assert "An auto-assign rule gave it to Wang" in toasts(app)
        assert table_of(app).cursor_record.get("owner") == "Wang"


async def test_edit_from_the_detail_view_hostile_text_stays_text(team) -> None:  # noqa: ANN001
    db, _pool, leads = team
    boss = store_for(db, "boss")
    boss.edit_lead(leads["kept"], {"nickname": "[@click=app.quit]x", "address": "cl\x1b[2Jear"})
    app = LeadApp(boss)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        table = table_of(app)
        table.move_cursor(next(i for i in range(table.total) if table.record_at(i).id == leads["kept"]))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LeadEditDialog)
        assert dialog.query_one("#nickname", Input).value == "[@click=app.quit]x"
        assert dialog.query_one("#address", Input).value == "cl␛[2Jear"  # shown, never sent to the terminal
        assert "\x1b" not in text_of(app)
        dialog.query_one("#job_title", Input).value = "经理"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        lead = get_lead(db, leads["kept"])
        assert lead.job_title == "经理"
        assert lead.address == "cl\x1b[2Jear"  # untouched fields are not sent back cleaned
        assert "经理" in text_of(app)  # the detail reloaded
        assert app.is_running
