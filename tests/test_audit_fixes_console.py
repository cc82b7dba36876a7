"""The console gaps an audit of issues 2-5 found, through the Pilot: lock and unlock
have keys that work, merge asks first, the new-customer and sea-picker wording, a
clear message where a key did nothing, the customer filter's Clear, and the pool
settings dialog's people lists at 80x24."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, SelectionList, Static, TabbedContent

from leadtui.app import LeadApp
from leadtui.screens.customer_dialogs import CustomerFilterDialog, MergeDialog, NewCustomerDialog
from leadtui.screens.customers import CustomerListScreen
from leadtui.screens.help import HelpDialog
from leadtui.screens.leads import LeadListScreen
from leadtui.screens.pool_dialogs import ConfirmDialog, PoolPicker
from leadtui.screens.settings_dialogs import PoolDialog
from tests.factories import make_pool, store_for
from tests.test_console import screen_lines, settle, table_of
from tests.test_customers import get, make_customers, make_sea, people


@pytest.fixture
def shop(sqlite_db):  # noqa: ANN001, ANN201
    db = sqlite_db
    people(db, "boss", role="admin")
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", dept="East")
    make_sea(db, "East Sea", members=["li"])
    mine = make_customers(db, 3, owner="mgr", name="星辰科技")
    make_customers(db, 1, owner="li", name="李娜的客户")
    return db, mine


def text_of(app: LeadApp) -> str:
    return "\n".join(screen_lines(app))


def notices(app: LeadApp) -> str:
    """The notifications' words (a toast wraps them over lines on the screen)."""
    return "\n".join(n.message for n in app._notifications)


async def open_customers(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerListScreen)


async def test_lock_and_unlock_have_keys_that_reach_them(shop) -> None:  # noqa: ANN001
    db, mine = shop
    app = LeadApp(store_for(db, "mgr"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_customers(pilot)
        first = table_of(app).cursor_record.id
        await pilot.press("K")
        await settle(pilot)
        assert get(db, first).locked
        assert "locked 1 of 1" in notices(app)
        await pilot.press("L")
        await settle(pilot)
        assert not get(db, first).locked
        # `?` and the palette offer both
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Lock", "Unlock"} <= commands
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpDialog)
        text = text_of(app)
        assert "Lock" in text and "Unlock" in text


async def test_keys_a_user_may_not_use_say_why(shop) -> None:  # noqa: ANN001
    db, mine = shop
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert "Only an admin may see the trash" in notices(app)
        assert isinstance(app.screen, LeadListScreen) and app.screen.screen_kind == "all"
        await open_customers(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert "Only a manager may widen the list to the department" in notices(app)
        assert app.screen.query_spec.scope == "mine"
        await pilot.press("K")  # lock: managers and admins
        await settle(pilot)
        assert "only a manager or an admin may lock" in notices(app)
        await pilot.press("5", "P")
        await settle(pilot)
        assert isinstance(app.screen, PoolPicker)
        assert "Choose a public sea" in text_of(app)


async def test_merge_asks_first_then_new_customer_and_filter_words(shop) -> None:  # noqa: ANN001
    db, mine = shop
    app = LeadApp(store_for(db, "mgr"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_customers(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MergeDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Merge into #" in text_of(app) and "2 customer(s) go to the trash" in text_of(app)
        await pilot.press("escape")  # no: nothing merged
        await pilot.pause()
        assert all(get(db, i).deleted_at is None for i in mine)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")  # yes
        await settle(pilot)
        assert sum(get(db, i).deleted_at is not None for i in mine) == 2
        assert table_of(app).total == 1

        # A new customer with a similar name: the console's words, not the CLI's --force.
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewCustomerDialog)
        dialog.query_one("#name", Input).value = "星辰科枝 1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(dialog.query_one("#error", Static).render())
        assert "press Save again" in error and "--force" not in text_of(app)
        await pilot.press("ctrl+s")  # again: added
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen) and table_of(app).total == 2
        app.screen.set_query(tags=("VIP",))
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFilterDialog)
        app.screen.query_one("#clear", Button).press()
        await settle(pilot)
        assert app.screen.query_spec.tags == () and table_of(app).total == 2


async def test_pool_settings_people_lists_are_usable_at_80x24(sqlite_db) -> None:  # noqa: ANN001
    db = sqlite_db
    people(db, "boss", role="admin")
    people(db, *[f"user{i:02d}" for i in range(14)], dept="East")
    make_pool(db, "East", admins=["user00"], members=["user01"])
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PoolDialog)
        await pilot.press("shift+tab", "right")  # from the name to the tabs, then the people tab
        await settle(pilot)
        assert dialog.query_one("#tabs", TabbedContent).active == "tab-people"
        for list_id in ("#admins", "#members"):
            people_list = dialog.query_one(list_id, SelectionList)
            assert people_list.region.height >= 12, people_list.region  # 15 users: most of them at once
            assert dialog.region.contains_region(people_list.region)
        await pilot.press("tab", "down", "down", "space")  # the admins list (boss, user00, user01…): user01
        await settle(pilot)
        assert sorted(dialog.query_one("#admins", SelectionList).selected) == ["user00", "user01"]
