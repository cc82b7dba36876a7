"""The "days left" column (SPEC 5: lists show and sort by the days of protection left)
on every lead list and every customer list, and `--sort days_left` on the command line.

Whole days from the one clock (NOW = 2026-11-22 09:30): 2 days 3 hours → 2, 5 hours
→ 0 (the last day), already past → 0 (the next rules run takes the record back).
Empty where nothing would be recycled: a pooled or converted lead, a lead without
protect_until, a customer without an owner, a locked customer. Sorting goes by
protect_until underneath, the empty ones last in both directions. On SQLite and (with
LEADTUI_TEST_PG) PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from leadtui import cli, config
from leadtui.display import cell
from leadtui.store.db.engine import Database
from leadtui.store.models import Lead, Pool
from leadtui.store.records import CustomerQuery, LeadQuery
from tests.factories import NOW, make_lead, make_pool, make_user, store_for
from tests.test_customers import make_customers, make_sea, uid

runner = CliRunner()

# lead key -> (owner, protect_until, days left shown)
LEADS = {
    "two": ("li", NOW + timedelta(days=2, hours=3), 2),
    "hours": ("li", NOW + timedelta(hours=5), 0),
    "past": ("li", NOW - timedelta(hours=1), 0),
    "ten": ("wang", NOW + timedelta(days=10), 10),
    "open": ("li", None, None),  # assigned, but the pool sets no protection
    "pooled": (None, None, None),
}


@pytest.fixture
def leads(db: Database) -> dict[str, int]:
    make_user(db, "boss", "admin")
    make_user(db, "li")
    make_user(db, "wang")
    pool = make_pool(db, "North", members=["li", "wang"])
    made = {key: make_lead(db, pool, owner=owner, protect_until=until, contact=key)
            for key, (owner, until, _days) in LEADS.items()}
    made["converted"] = make_lead(db, pool, owner="li", status="converted", contact="converted",
                                  protect_until=NOW + timedelta(days=3))
    return made


def shown(db: Database, query: LeadQuery, login: str = "boss") -> list[tuple[str, object]]:
    return [(str(r.get("contact")), r.get("days_left")) for r in store_for(db, login).list_leads(query, 0, 100)]


def test_lead_lists_show_whole_days_left(db: Database, leads: dict[str, int]) -> None:
    rows = dict(shown(db, LeadQuery(screen="all")))
    assert rows == {key: days for key, (_o, _u, days) in LEADS.items()}
    # the Pool screen and the owner's own view say the same
    pool_id = store_for(db, "boss").list_pools()[0].id
    assert dict(shown(db, LeadQuery(screen="pool", pool_id=pool_id)))["two"] == 2
    assert dict(shown(db, LeadQuery(screen="all"), "li"))["hours"] == 0
    # a converted lead has no protection to lose
    assert shown(db, LeadQuery(screen="converted")) == [("converted", None)]
    # the detail view counts the same way
    boss = store_for(db, "boss")
    assert boss.lead_detail(leads["two"]).protect_days_left == 2
    assert boss.lead_detail(leads["two"]).row.get("days_left") == 2
    assert boss.lead_detail(leads["pooled"]).protect_days_left is None
    assert boss.lead_detail(leads["converted"]).protect_days_left is None
    # as a cell: the number, or nothing
    assert (cell("days_left", 2), cell("days_left", 0), cell("days_left", None)) == ("2", "0", "")


def test_days_left_follows_the_clock(db: Database, leads: dict[str, int]) -> None:
    from leadtui import clock

    clock.freeze(NOW + timedelta(days=1))
    assert dict(shown(db, LeadQuery(screen="all")))["two"] == 1
    assert dict(shown(db, LeadQuery(screen="all")))["ten"] == 9


def test_own_created_leads_kept_by_the_pool_show_no_days(db: Database, leads: dict[str, int]) -> None:
    # A pool without recycle_own_created never takes back what a member made
    # themselves (store/rules.py): no countdown for those.
    li = uid(db, "li")
    with db.write() as session:
        session.execute(update(Pool).where(Pool.name == "North").values(recycle_own_created=False))
        session.execute(update(Lead).where(Lead.id == leads["two"]).values(created_by_id=li))
    assert dict(shown(db, LeadQuery(screen="all")))["two"] is None
    assert dict(shown(db, LeadQuery(screen="all")))["hours"] == 0


def test_lead_lists_sort_by_days_left_with_blanks_last(db: Database, leads: dict[str, int]) -> None:
    up = shown(db, LeadQuery(screen="all", sort="days_left", descending=False))
    assert [key for key, _ in up[:4]] == ["past", "hours", "two", "ten"]
    assert {key for key, _ in up[4:]} == {"open", "pooled"}
    down = shown(db, LeadQuery(screen="all", sort="days_left", descending=True))
    assert [key for key, _ in down[:4]] == ["ten", "two", "hours", "past"]
    assert {key for key, _ in down[4:]} == {"open", "pooled"}
    # paging keeps the order (the id breaks ties)
    boss = store_for(db, "boss")
    query = LeadQuery(screen="all", sort="days_left", descending=False)
    paged = [r.get("contact") for offset in range(0, 6, 2) for r in boss.list_leads(query, offset, 2)]
    assert paged == [key for key, _ in up]


@pytest.fixture
def customers(db: Database) -> dict[str, int]:
    make_user(db, "boss", "admin")
    make_user(db, "li")
    sea = make_sea(db, "East Sea", members=["li"])
    made = {}
    for key, until in (("two", NOW + timedelta(days=2, hours=3)), ("hours", NOW + timedelta(hours=5)),
                       ("past", NOW - timedelta(days=2)), ("ten", NOW + timedelta(days=10)), ("open", None)):
        made[key] = make_customers(db, owner="li", sea=sea, name=key, protect_until=until)[0]
    made["locked"] = make_customers(db, owner="li", sea=sea, name="locked", locked=True,
                                    protect_until=NOW + timedelta(days=1))[0]
    made["sea"] = make_customers(db, sea=sea, name="sea", protect_until=NOW + timedelta(days=4))[0]
    return made


def customer_rows(db: Database, login: str = "li", **query: object) -> list[tuple[str, object]]:
    return [(str(r.get("name")), r.get("days_left"))
            for r in store_for(db, login).list_customers(CustomerQuery(**query), 0, 100)]  # type: ignore[arg-type]


def test_customer_lists_show_whole_days_left(db: Database, customers: dict[str, int]) -> None:
    assert dict(customer_rows(db)) == {"two": 2, "hours": 0, "past": 0, "ten": 10, "open": None,
                                       "locked": None}
    # no owner: nothing counts down (the Public Sea)
    assert customer_rows(db, scope="sea") == [("sea", None)]
    assert dict(customer_rows(db, "boss", scope="all"))["sea"] is None
    li = store_for(db, "li")
    assert li.customer_detail(customers["two"]).protect_days_left == 2
    assert li.customer_detail(customers["locked"]).protect_days_left is None


def test_customer_lists_sort_by_days_left_with_blanks_last(db: Database, customers: dict[str, int]) -> None:
    up = customer_rows(db, sort="days_left", descending=False)
    assert [name for name, _ in up[:4]] == ["past", "hours", "two", "ten"]
    assert {name for name, _ in up[4:]} == {"open", "locked"}
    down = customer_rows(db, sort="days_left", descending=True)
    assert [name for name, _ in down[:4]] == ["ten", "two", "hours", "past"]
    assert {name for name, _ in down[4:]} == {"open", "locked"}


def test_the_column_can_be_chosen_and_is_remembered(db: Database, customers: dict[str, int]) -> None:
    li = store_for(db, "li")
    assert li.set_columns("all", ["order_no", "days_left"]) == ("order_no", "days_left")
    assert li.set_columns("mine", ["name", "days_left"]) == ("name", "days_left")
    assert store_for(db, "li").get_columns("mine") == ("name", "days_left")


def test_cli_sorts_by_days_left(db: Database, leads: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    url = db.url
    result = runner.invoke(cli.app, ["leads", "list", "--sort", "days_left", "--asc", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["contact"], r["days_left"]) for r in rows[:4]] == [("past", 0), ("hours", 0), ("two", 2),
                                                                  ("ten", 10)]
    assert [r["days_left"] for r in rows[4:]] == [None, None]
    # the table shows the column it sorts by
    result = runner.invoke(cli.app, ["leads", "list", "--sort", "days_left", "--db", url])
    assert result.exit_code == 0, result.output
    assert "Days le" in result.stdout  # (cut to the test terminal's width)
    result = runner.invoke(cli.app, ["customers", "list", "--all", "--sort", "days_left", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli.app, ["leads", "list", "--sort", "days", "--db", url])
    assert result.exit_code != 0 and "Cannot sort by days" in result.stderr
