"""Live refresh (SPEC 8, issue 8): what other operators commit reaches an open console.

The change feed (store/changes.py) on both backends: it names what others changed
(SQLite: data_version and the audit trail; PostgreSQL: LISTEN/NOTIFY), says
"something, unknown what" for bursts too big to name, tells nothing of a rolled-back
write, and on PostgreSQL falls back to polling when its listening connection is lost.
Then two consoles through two Pilots on one database file: one claims, the other's
list changes within a moment, its cursor stays on its lead, its view keeps its place,
its marks hold except the one taken (with a notice), and the status line follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import text

from leadtui.app import LeadApp
from leadtui.screens.live import LiveRefresh
from leadtui.store.db import changes
from leadtui.store.db.changes import UNKNOWN, ChangeFeed, Changes
from leadtui.store.db.engine import Database
from leadtui.store.models import Lead
from tests.factories import make_lead, make_pool, make_user, store_for
from tests.test_console import screen_lines, settle, table_of


def wait_for(feed: ChangeFeed, position: int, found: Callable[[Changes], bool] = bool,
             seconds: float = 15.0) -> tuple[int, Changes]:
    """Ask the feed until it reports what `found` wants (NOTIFY arrives asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        new, got = feed.since(position)
        if got and found(got):
            return new, got
        assert time.monotonic() < deadline, f"the feed did not report it (last: {got})"
        time.sleep(0.02)


@pytest.fixture
def team(db: Database):  # noqa: ANN001, ANN201
    make_user(db, "boss", "admin")
    make_user(db, "li", "sales")
    make_user(db, "wang", "sales")
    pool = make_pool(db, "East", admins=["boss"], members=["li", "wang"])
    ids = [make_lead(db, pool, contact=f"Lead {i}") for i in range(6)]
    return db, pool, ids


def test_the_feed_names_what_others_changed(team) -> None:  # noqa: ANN001
    db, _pool, ids = team
    li, wang = store_for(db, "li"), store_for(db, "wang")
    feed = ChangeFeed(db, min_interval=0)
    try:
        position, first = feed.since(None)
        assert first == UNKNOWN  # a new subscriber refreshes once
        assert not feed.since(position)[1]
        if not db.is_sqlite:
            assert feed.listening()

        wang.claim_leads(ids[:2])
        position, got = wait_for(feed, position)
        assert got.ids("lead") == set(ids[:2])
        assert got.taken("lead", li.user.id) == set(ids[:2])
        assert got.taken("lead", wang.user.id) == set()  # one's own claim took nothing from one
        assert not feed.since(position)[1]

        wang.add_followup(ids[0], "note", "called back")
        position, got = wait_for(feed, position)
        assert got.ids("lead") == {ids[0]} and got.taken("lead", li.user.id) == set()

        # a write that rolls back tells nobody
        with pytest.raises(RuntimeError), db.write() as session:
            session.get(Lead, ids[3]).contact = "never saved"
            raise RuntimeError("changed my mind")
        wang.claim_leads([ids[4]])  # ...and the next commit is reported on its own
        position, got = wait_for(feed, position)
        assert got.ids("lead") == {ids[4]}

        # an admin assigning to li: changed, but nothing taken from li
        store_for(db, "boss").assign_leads([ids[5]], ["li"])
        position, got = wait_for(feed, position)
        assert got.ids("lead") == {ids[5]} and got.taken("lead", li.user.id) == set()
        assert got.taken("lead", wang.user.id) == {ids[5]}
    finally:
        feed.close()


def test_a_burst_too_big_to_name_is_something_unknown(team, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    db, pool, _ids = team
    monkeypatch.setattr(changes, "NAMED_MAX", 3)
    monkeypatch.setattr(changes, "READ_MAX", 3)
    more = [make_lead(db, pool, contact=f"More {i}") for i in range(5)]
    feed = ChangeFeed(db, min_interval=0)
    try:
        position, _ = feed.since(None)
        store_for(db, "wang").claim_leads(more)
        position, got = wait_for(feed, position)
        assert got.events is None and got.ids("lead") is None
        # the subscriber that looked less often than the feed remembers is told "something"
        assert feed.since(-5)[1] == UNKNOWN
    finally:
        feed.close()


def test_postgres_falls_back_to_polling_when_listening_stops(team, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    db, _pool, ids = team
    if db.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    monkeypatch.setattr(changes._PgProbe, "RELISTEN_S", 3600.0)
    feed = ChangeFeed(db, min_interval=0)
    try:
        position, _ = feed.since(None)
        assert feed.listening()
        pid = feed._probe._conn.info.backend_pid  # type: ignore[union-attr]
        with db.read() as session:
            session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        position, got = wait_for(feed, position)
        assert got == UNKNOWN and not feed.listening()  # maybe missed something: refresh
        store_for(db, "wang").claim_leads([ids[0]])
        position, got = wait_for(feed, position)  # seen by polling the snapshot
        assert got == UNKNOWN
        monkeypatch.setattr(changes._PgProbe, "RELISTEN_S", 0.0)
        feed._probe._next_listen = 0.0  # type: ignore[union-attr]
        position, _ = wait_for(feed, position)
        assert feed.listening()
        store_for(db, "wang").claim_leads([ids[1]])
        position, got = wait_for(feed, position, lambda c: c.known)
        assert got.ids("lead") == {ids[1]}
    finally:
        feed.close()


# ----------------------------------------------------------------------------- two consoles


@pytest.fixture
def shared_pool(sqlite_db: Database):  # noqa: ANN001, ANN201
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_user(sqlite_db, "li", "sales", name="Li")
    make_user(sqlite_db, "wang", "sales", name="Wang")
    # hide_assigned: a lead claimed elsewhere leaves the members' pool list
    pool = make_pool(sqlite_db, "East", members=["li", "wang"], hide_assigned=True)
    ids = [make_lead(sqlite_db, pool, contact=f"客户{i:02d}", mobile=f"1380000{i:04d}") for i in range(30)]
    return sqlite_db, ids


async def until(pilot, condition: Callable[[], bool], seconds: float = 15.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the console did not show it in time"
        await pilot.pause(0.05)


def notices(app: LeadApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_a_claim_in_one_console_shows_in_the_other(shared_pool, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    db, _ids = shared_pool
    monkeypatch.setattr(LiveRefresh, "LIVE_EVERY", 0.3)
    li_app, wang_app = LeadApp(store_for(db, "li")), LeadApp(store_for(db, "wang"))
    async with li_app.run_test(size=(100, 14), notifications=True) as li, \
            wang_app.run_test(size=(100, 14), notifications=True) as wang:
        for pilot in (li, wang):
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
        li_table, wang_table = table_of(li_app), table_of(wang_app)
        assert li_table.total == wang_table.total == 30
        # Li marks rows 3, 4 and 12, and leaves the cursor on row 14, scrolled down
        await li.press("j", "j", "j", "space", "space")
        for _ in range(7):
            await li.press("j")
        await li.press("space", "j")
        await settle(li)
        order = [li_table.record_at(r).id for r in range(15)]
        marked = {order[3], order[4], order[12]}
        assert li_table.marks == marked and li_table.cursor_row == 14
        top = round(li_table.scroll_y)
        assert top > 0
        at_cursor = order[14]
        view_line = li_table.cursor_row - top

        # Wang claims row 1 (above Li's cursor) and row 4 (one of Li's marks)
        assert [wang_table.record_at(r).id for r in range(15)] == order
        await wang.press("j", "space", "j", "j", "space", "c")
        await settle(wang)
        assert "claimed 2 of 2" in notices(wang_app)

        await until(li, lambda: li_table.total == 28)
        await until(li, lambda: li_table.marks == marked - {order[4]})
        assert li_table.cursor_record.id == at_cursor  # the cursor stayed on its lead
        assert li_table.cursor_row == 12  # two rows above it left
        assert li_table.cursor_row - round(li_table.scroll_y) == view_line  # the view kept its place
        await until(li, lambda: "were taken by someone else" in notices(li_app))
        status = "\n".join(screen_lines(li_app))
        assert "rows 28" in status and "marked 2" in status
        assert [li_table.record_at(r).id for r in range(12)] == [i for i in order[:14] if i not in (order[1], order[4])]

        # and Li's own claim refreshes Wang's list the same way
        await li.press("c")  # the two marked leads
        await settle(li)
        # (Wang still sees the two he claimed: members see their own leads)
        await until(wang, lambda: wang_table.total == 28)
        assert not li_table.marks
