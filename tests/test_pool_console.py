"""The Pool screen, the trash and the inbox through the Pilot."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Select, SelectionList

from leadtui.app import LeadApp
from leadtui.screens.inbox import InboxScreen
from leadtui.screens.leads import LeadListScreen
from leadtui.screens.pool_dialogs import AssignDialog, ConfirmDialog, ReturnDialog
from leadtui.store.records import LeadQuery
from tests.factories import make_lead, make_pool, make_user, store_for
from tests.test_console import screen_lines, settle, table_of


@pytest.fixture
def pool_world(sqlite_db):  # noqa: ANN001, ANN201
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_user(sqlite_db, "li", "sales", "East", name="Li")
    make_user(sqlite_db, "wang", "sales", "East", name="Wang")
    pool = make_pool(sqlite_db, "East", members=["li", "wang"], holding_cap=5,
                     return_reasons="Not interested\nWrong number")
    ids = [make_lead(sqlite_db, pool, contact=f"客户{i}", mobile=f"1380000{i:04d}") for i in range(8)]
    return sqlite_db, pool, ids


def owners(db, ids) -> list[str | None]:  # noqa: ANN001
    boss = store_for(db, "boss")
    rows = {r.id: r for r in boss.list_leads(LeadQuery(screen="all"), 0, 100)}
    rows.update({r.id: r for r in boss.list_leads(LeadQuery(screen="converted"), 0, 100)})
    return [rows[i].get("owner") if i in rows else "(gone)" for i in ids]


async def open_pool(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


async def test_member_claims_from_the_pool(pool_world) -> None:  # noqa: ANN001
    db, _pool, ids = pool_world
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_pool(pilot)
        table = table_of(app)
        assert table.total == 8
        assert "Pool: East" in screen_lines(app)[0]
        first = table.cursor_record.id
        await pilot.press("c")
        await settle(pilot)
        assert owners(db, [first]) == ["Li"]
        await pilot.pause(0.3)
        assert "claimed 1 of 1" in "\n".join(screen_lines(app))
        # the cap of 5: marking everything and claiming takes 4 more, and says why not the rest
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert owners(db, ids).count("Li") == 5
        await pilot.pause(0.3)
        text = "\n".join(screen_lines(app))
        assert "claimed 4 of 8" in text
        assert not table.marks - {first}  - set(ids)  # marks cleared of what was done


async def test_admin_assigns_round_robin_through_the_dialog(pool_world) -> None:  # noqa: ANN001
    db, _pool, ids = pool_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pool(pilot)
        await pilot.press("space", "space", "space", "space")
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AssignDialog)
        users = dialog.query_one("#users", SelectionList)
        users.select("li")
        users.select("wang")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, AssignDialog)
        got = owners(db, ids)
        assert got.count("Li") == 2 and got.count("Wang") == 2
        assert not table_of(app).marks


async def test_owner_returns_with_a_reason(pool_world) -> None:  # noqa: ANN001
    db, _pool, ids = pool_world
    store_for(db, "li").claim_leads(ids[:1])
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pool(pilot)
        table = table_of(app)
        row = next(i for i in range(table.total) if table.record_at(i).id == ids[0])
        table.move_cursor(row)
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReturnDialog)
        dialog.query_one("#reason", Select).value = "Wrong number"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert owners(db, ids[:1]) == [None]
        events = store_for(db, "boss").list_audit(lead_id=ids[0])
        assert events[0].action == "return" and events[0].reason == "Wrong number"


async def test_delete_asks_then_trash_restores(pool_world) -> None:  # noqa: ANN001
    db, _pool, ids = pool_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pool(pilot)
        table = table_of(app)
        doomed = table.cursor_record.id
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # cancelling changes nothing
        await settle(pilot)
        assert table.total == 8
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table.total == 7
        await pilot.press("T")
        await settle(pilot)
        trash = app.screen
        assert isinstance(trash, LeadListScreen) and trash.screen_kind == "trash"
        assert table_of(app).total == 1 and table_of(app).cursor_record.id == doomed
        await pilot.press("u")
        await settle(pilot)
        assert table_of(app).total == 0
        await pilot.press("escape")
        await settle(pilot)
        assert table_of(app).total == 8


async def test_inbox_shows_what_was_assigned(pool_world) -> None:  # noqa: ANN001
    db, _pool, ids = pool_world
    store_for(db, "boss").assign_leads(ids[:3], ["li"])
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "unread 1" in screen_lines(app)[-2]
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Boss assigned 3 lead(s) to you" in "\n".join(screen_lines(app))
        await pilot.press("enter")  # opens the lead
        await settle(pilot)
        assert "Lead L" in screen_lines(app)[0]
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert "unread 0" in screen_lines(app)[-2]
        assert app.screen.query_one(OptionList) if isinstance(app.screen, InboxScreen) else True
