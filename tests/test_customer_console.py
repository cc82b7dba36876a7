"""My Customers and the Public Sea through the Pilot: change of owner, claim, new customer."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, SelectionList

from leadtui.app import LeadApp
from leadtui.screens.customer_dialogs import NewCustomerDialog, OwnerDialog, SeaDialog
from leadtui.screens.customers import CustomerListScreen
from tests.factories import store_for
from tests.test_console import screen_lines, settle, table_of
from tests.test_customers import get, make_customers, make_sea, owners, people, set_cap, uid


@pytest.fixture
def shop(sqlite_db):  # noqa: ANN001, ANN201
    db = sqlite_db
    people(db, "boss", role="admin")
    people(db, "li", "wang", dept="East")
    sea = make_sea(db, "East Sea", members=["li", "wang"], holding_cap=3)
    mine = make_customers(db, 6, owner="boss", name="上海星辰科技")
    pooled = make_customers(db, 5, sea=sea, name="公海客户")
    return db, sea, mine, pooled


def text_of(app: LeadApp) -> str:
    return "\n".join(screen_lines(app))


async def test_batch_change_of_owner_shares_round_robin(shop) -> None:  # noqa: ANN001
    db, _sea, mine, _pooled = shop
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen)
        assert table_of(app).total == 6
        assert "上海星辰科技 1" in text_of(app)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OwnerDialog)
        users = dialog.query_one("#users", SelectionList)
        users.select("li")
        users.select("wang")
        await pilot.press("ctrl+s")
        await settle(pilot)
        counts = owners(db, mine)
        assert counts[uid(db, "li")] == 3 and counts[uid(db, "wang")] == 3
        await pilot.pause(0.3)
        assert "6 of 6" in text_of(app)
        assert table_of(app).total == 0  # none left in the boss's My Customers


async def test_change_owner_with_nobody_ticked_says_so_and_keeps_the_dialog(shop) -> None:  # noqa: ANN001
    db, _sea, mine, _pooled = shop
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OwnerDialog)
        assert "Tick one or more users" in text_of(app)
        await pilot.press("escape")
        await settle(pilot)
        assert owners(db, mine)[uid(db, "boss")] == 6


async def test_member_claims_from_the_public_sea_up_to_the_cap(shop) -> None:  # noqa: ANN001
    db, _sea, _mine, pooled = shop
    app = LeadApp(store_for(db, "li"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = table_of(app)
        assert table.total == 5
        assert "Public Sea" in screen_lines(app)[0]
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert owners(db, pooled)[uid(db, "li")] == 3
        await pilot.pause(0.3)
        text = text_of(app)
        assert "claimed 3 of 5" in text
        assert table.total == 2
        await pilot.press("4")
        await settle(pilot)
        assert table_of(app).total == 3


async def test_claim_beyond_the_users_customer_cap_names_it(shop) -> None:  # noqa: ANN001
    db, _sea, _mine, pooled = shop
    set_cap(db, "wang", 1)
    app = LeadApp(store_for(db, "wang"))
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("space", "space")
        await pilot.press("c")
        await settle(pilot)
        assert owners(db, pooled)[uid(db, "wang")] == 1
        await pilot.pause(0.3)
        assert "1 of 1 customers allowed" in text_of(app)


async def test_recycle_puts_customers_back_into_the_sea(shop) -> None:  # noqa: ANN001
    db, sea, mine, _pooled = shop
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        cursor = table_of(app).cursor_record.id
        await pilot.press("y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SeaDialog)
        dialog.query_one("#sea", Select).value = "East Sea"
        await pilot.press("ctrl+s")
        await settle(pilot)
        first = get(db, cursor)
        assert owners(db, mine)[uid(db, "boss")] == 5
        assert first.owner_id is None and first.public_sea_id == sea
        assert first.previous_owner_id == uid(db, "boss") and first.released_at is not None


async def test_new_customer_refuses_an_exact_duplicate_and_shows_it(shop) -> None:  # noqa: ANN001
    db, _sea, _mine, _pooled = shop
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewCustomerDialog)
        dialog.query_one("#name", Input).value = "上海星辰科技 1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewCustomerDialog)  # nothing lost: the dialog stays
        assert "上海星辰科技 1" in text_of(app) and "#" in text_of(app)
        dialog.query_one("#name", Input).value = "北京新客户"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NewCustomerDialog)
        assert table_of(app).total == 7
