"""The settings screen (key 0) through the Pilot: pools, public seas, their settings
and members, auto-assign rules; what a non-admin is told."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, OptionList, Select, SelectionList, Static, TextArea

from leadtui import i18n
from leadtui.app import LeadApp
from leadtui.screens.help import HelpDialog
from leadtui.screens.pool_dialogs import ConfirmDialog
from leadtui.screens.settings import RulesScreen, SettingsScreen
from leadtui.screens.settings_dialogs import PoolDialog, RuleDialog
from tests.factories import make_pool, make_user, store_for
from tests.test_console import screen_lines, settle


@pytest.fixture
def settings_world(sqlite_db):  # noqa: ANN001, ANN201
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_user(sqlite_db, "li", "sales", "East", name="Li")
    make_user(sqlite_db, "wang", "sales", "East", name="Wang")
    make_user(sqlite_db, "zhao", "sales", "West", name="Zhao")
    make_pool(sqlite_db, "East", admins=["wang"], members=["li"], holding_cap=5, protect_days=7,
              max_protect_days=30, return_reasons="Not interested\nWrong number")
    return sqlite_db


def text_of(app: LeadApp) -> str:
    return "\n".join(screen_lines(app))


async def open_settings(pilot) -> SettingsScreen:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("0")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def highlight(pilot, name: str) -> None:  # noqa: ANN001
    screen = pilot.app.screen
    pool = next(p for p in screen.pools if p.name == name)
    options = screen.query_one("#pools", OptionList)
    options.highlighted = options.get_option_index(f"{pool.kind}:{pool.id}")
    await settle(pilot)


def fill(dialog, selector: str, value: str) -> None:  # noqa: ANN001
    dialog.query_one(selector, Input).value = value


async def test_admin_creates_a_pool_with_settings_and_members(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        assert "East" in text_of(app)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PoolDialog)
        await pilot.press(*"West")
        fill(dialog, "#n-holding_cap", "20")
        fill(dialog, "#n-daily_claim_limit", "5")
        fill(dialog, "#n-protect_days", "10")
        fill(dialog, "#n-max_protect_days", "60")
        fill(dialog, "#n-cooldown_days", "3")
        fill(dialog, "#n-notify_before_days", "2")
        dialog.query_one("#f-hide_assigned", Checkbox).value = True
        dialog.query_one("#f-cap_counts_own_created", Checkbox).value = True
        dialog.query_one("#return-to", Select).value = "choose"
        dialog.query_one("#reasons", TextArea).text = "No budget\n\nWrong number\n"
        dialog.query_one("#admins", SelectionList).select("wang")
        dialog.query_one("#members", SelectionList).select("zhao")
        dialog.query_one("#depts", SelectionList).select("West")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "West" in text_of(app)  # listed and shown, highlighted
        assert app.screen.selected is not None and app.screen.selected.name == "West"
    west = store_for(db, "boss").show_pool("West")
    assert (west.kind, west.holding_cap, west.daily_claim_limit, west.protect_days, west.max_protect_days,
            west.cooldown_days, west.notify_before_days) == ("lead", 20, 5, 10, 60, 3, 2)
    assert west.hide_assigned and west.cap_counts_own_created and not west.hide_converted
    assert west.recycle_own_created  # the default, left ticked
    assert west.return_to == "choose" and west.return_reasons == ("No budget", "Wrong number")
    assert (west.admins, west.member_users, west.member_departments) == (("wang",), ("zhao",), ("West",))


async def test_admin_creates_a_public_sea(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_settings(pilot)
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PoolDialog) and "New public sea" in text_of(app)
        await pilot.press(*"Sea A")
        fill(dialog, "#n-holding_cap", "100")
        dialog.query_one("#default", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Sea A" in text_of(app)
        assert not app.screen.check_action("rules", ())  # rules are for lead pools
    [sea] = store_for(db, "boss").list_pools(kind="sea")
    assert (sea.name, sea.holding_cap, sea.is_default) == ("Sea A", 100, True)


async def test_edit_rejects_bad_settings_and_keeps_what_was_typed(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_settings(pilot)
        await highlight(pilot, "East")
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PoolDialog)
        assert dialog.query_one("#n-holding_cap", Input).value == "5"
        assert dialog.query_one("#reasons", TextArea).text == "Not interested\nWrong number"
        assert dialog.query_one("#admins", SelectionList).selected == ["wang"]
        # max protect days below protect days: the store refuses, the dialog says so
        fill(dialog, "#n-holding_cap", "8")
        fill(dialog, "#n-max_protect_days", "3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#error", Static).render())
        assert "Max protect days (3) cannot be below Protect days (7)" in error
        assert dialog.query_one("#n-max_protect_days", Input).value == "3"
        assert dialog.query_one("#n-holding_cap", Input).value == "8"
        assert store_for(db, "boss").show_pool("East").holding_cap == 5  # nothing saved
        # a word where a number belongs: said in the dialog, the field keeps it
        fill(dialog, "#n-max_protect_days", "30")
        fill(dialog, "#n-cooldown_days", "three")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#error", Static).render())
        assert "Cooldown days must be a whole number of 0 or more, not three" in error
        assert "Cooldown days must be" in text_of(app)  # visible at 80x24
        assert dialog.query_one("#n-cooldown_days", Input).value == "three"
        assert dialog.query_one("#n-cooldown_days", Input).has_focus
        fill(dialog, "#n-cooldown_days", "-2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "not -2" in str(dialog.query_one("#error", Static).render())
        east = store_for(db, "boss").show_pool("East")
        assert (east.holding_cap, east.max_protect_days, east.cooldown_days) == (5, 30, None)
        # corrected: saved, and the screen shows the new values
        fill(dialog, "#n-cooldown_days", "4")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.selected is not None and screen.selected.cooldown_days == 4
    east = store_for(db, "boss").show_pool("East")
    assert (east.holding_cap, east.max_protect_days, east.cooldown_days) == (8, 30, 4)
    assert east.admins == ("wang",) and east.member_users == ("li",)  # untouched lists kept


async def test_clearing_a_number_means_no_limit(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await highlight(pilot, "East")
        await pilot.press("enter")  # enter edits too
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PoolDialog)
        fill(dialog, "#n-holding_cap", "")
        fill(dialog, "#n-max_protect_days", "  ")
        dialog.query_one("#members", SelectionList).deselect("li")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "no limit" in text_of(app)
    east = store_for(db, "boss").show_pool("East")
    assert (east.holding_cap, east.max_protect_days, east.protect_days) == (None, None, 7)
    assert east.member_users == ()


async def test_rename_and_a_name_taken(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    store_for(db, "boss").add_pool("North")
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await highlight(pilot, "East")
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        fill(dialog, "#name", "North")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "A pool named North exists already" in str(dialog.query_one("#error", Static).render())
        fill(dialog, "#name", "East Coast")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
    assert store_for(db, "boss").show_pool("East Coast").holding_cap == 5


async def test_admin_adds_and_removes_auto_assign_rules(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await highlight(pilot, "East")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        assert "No rules yet" in text_of(app)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RuleDialog)
        # nothing filled: said here, nothing added
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "at least one condition" in str(dialog.query_one("#error", Static).render())
        dialog.query_one("#field-0", Select).value = "source"
        fill(dialog, "#value-0", "booking")
        dialog.query_one("#field-1", Select).value = "address"
        dialog.query_one("#op-1", Select).value = "contains"
        fill(dialog, "#value-1", "上海")
        dialog.query_one("#targets", SelectionList).select("li")
        dialog.query_one("#targets", SelectionList).select("wang")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        # a second rule, first in order; an unknown source is refused by the store, shown here
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#field-0", Select).value = "source"
        dialog.query_one("#op-0", Select).value = "in"
        fill(dialog, "#value-0", "inquiry,phonebook")
        dialog.query_one("#targets", SelectionList).select("zhao")
        fill(dialog, "#position", "1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "Unknown source phonebook" in str(dialog.query_one("#error", Static).render())
        fill(dialog, "#value-0", "inquiry,sample")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        shown = text_of(app)
        assert "1. Source is one of inquiry,sample → zhao" in shown
        assert "2. Source equals booking and Address contains 上海 → li, wang" in shown
        rules = store_for(db, "boss").list_rules("East")
        assert [(r.position, r.targets) for r in rules] == [(1, ("zhao",)), (2, ("li", "wang"))]
        assert [(c.field, c.op, c.value) for c in rules[1].conditions] == [("source", "equals", "booking"),
                                                                          ("address", "contains", "上海")]
        # remove the first, after a confirmation
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert len(store_for(db, "boss").list_rules("East")) == 2
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("shift+tab", "enter")  # from Cancel (the focus) to Remove
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        assert [r.targets for r in store_for(db, "boss").list_rules("East")] == [("li", "wang")]
        # back on the settings screen, the pool's rules are listed under its settings
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "1. Source equals booking" in text_of(app)


async def test_every_key_is_in_help(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpDialog)
        shown = text_of(app)
        for words in ("New pool", "New public sea", "Edit", "Auto-assign rules", "Back"):
            assert words in shown
        await pilot.press("escape")
        await settle(pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"New pool", "New public sea", "Edit", "Auto-assign rules", "Settings"} <= set(commands)


async def test_the_screen_in_chinese_at_80x24(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    i18n.set_language("zh")
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await highlight(pilot, "East")
        shown = text_of(app)
        assert "线索池" in shown and "公海" in shown and "持有上限" in shown
        await pilot.press("e")
        await settle(pilot)
        assert "线索池 East 的设置" in text_of(app)


async def test_hostile_pool_names_are_text(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    make_pool(db, "[@click=app.quit]x", members=["li"], return_reasons="[/]\nti\x1b]0;owned\x07tle")
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_settings(pilot)
        await highlight(pilot, "[@click=app.quit]x")
        shown = text_of(app)
        assert "[@click=app.quit]x" in shown and "[/]" in shown and "\x1b" not in shown
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, PoolDialog)


async def test_a_sales_user_may_not_open_settings(settings_world) -> None:  # noqa: ANN001
    db = settings_world
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        before = app.screen
        await pilot.press("0")
        await settle(pilot)
        assert app.screen is before and not isinstance(app.screen, SettingsScreen)
        await pilot.pause(0.3)
        shown = " ".join(" ".join(line.replace("▌", " ").split()) for line in screen_lines(app))
        assert "Only an admin may create or change pools and public seas" in shown  # the toast, wrapped
    # and the store says no whatever the screen does
    from leadtui.store.errors import Refused

    with pytest.raises(Refused):
        store_for(db, "li").set_pool("East", holding_cap=1)
