"""Faults (issue 8): what happens when the process dies, the database is busy, the
disk is full or the database is read-only.

- A process killed with SIGKILL in the middle of a 10,000-lead batch leaves all of
  it or none of it, and SQLite's `PRAGMA integrity_check` says ok (real processes).
- A write that meets a database busy with another connection's write waits and then
  succeeds; past the busy timeout it fails with a plain "busy" message, nothing saved.
- A full disk and a read-only database give a clear message, not a traceback, in the
  CLI (exit status 4) and in the console, whose dialog keeps what was typed.
On SQLite always; the busy, read-only and kill tests on PostgreSQL too when
LEADTUI_TEST_PG is set.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.engine import make_url
from textual.widgets import Input
from typer.testing import CliRunner

from leadtui import cli, config
from leadtui.app import LeadApp
from leadtui.screens.followup import FollowUpDialog
from leadtui.store.db import engine as db_module
from leadtui.store.db.engine import Database
from leadtui.store.errors import Busy, DiskFull, ReadOnly
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, FollowUp, Lead
from tests.factories import NOW, make_lead, make_pool, make_user, store_for
from tests.test_console import settle

ROOT = Path(__file__).resolve().parents[1]
BATCH = 10_000


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


# ----------------------------------------------------------------------------- SIGKILL mid-batch

KILLED = r"""
import sys
from datetime import datetime
from sqlalchemy import event
url, pool_id, now = sys.argv[1:4]
from leadtui import clock, i18n
clock.freeze(datetime.fromisoformat(now))
i18n.set_language("en")
from leadtui.store.audit import trail as audit
from leadtui.store.db.engine import Database
from leadtui.store.records import LeadQuery
from leadtui.store.service import Store

db = Database(url)
if db.is_sqlite:
    @event.listens_for(db.engine, "connect")
    def small_cache(dbapi_connection, _record):
        # a small page cache: the uncommitted batch spills into the WAL file before the kill
        dbapi_connection.execute("PRAGMA cache_size=-100")
store = Store(db, "boss")
ids = store.lead_ids(LeadQuery(screen="pool", pool_id=int(pool_id)))
print("ready", flush=True)
real = audit.record_many

def stop_inside(session, rows):
    real(session, rows)
    session.flush()
    print("inside", len(rows), flush=True)
    sys.stdin.readline()  # killed here: every lead and audit row written, nothing committed

audit.record_many = stop_inside
store.assign_leads(ids, ["li", "wang"])
"""


def _pooled(db: Database) -> tuple[int, list[int]]:
    make_user(db, "boss", "admin")
    make_user(db, "li", "sales")
    make_user(db, "wang", "sales")
    pool = make_pool(db, "Big", admins=["boss"], members=["li", "wang"])
    with db.write() as session:
        numbers = intake.next_order_numbers(session, NOW, BATCH)
        rows = [intake.lead_values({"contact": f"Kill {i}", "mobile": f"136{i:08d}"}, pool_id=pool,
                                   order_no=numbers[i], submitted_at=NOW) for i in range(BATCH)]
        for start in range(0, BATCH, 5000):
            session.execute(insert(Lead.__table__), rows[start:start + 5000])
    with db.read() as session:
        ids = list(session.scalars(select(Lead.id).where(Lead.pool_id == pool)))
    assert len(ids) == BATCH
    return pool, ids


def _kill_inside_the_batch(db: Database, pool: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILLED, db.url, str(pool), NOW.isoformat()],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=_env())
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()  # type: ignore[union-attr]
        assert proc.stdout.readline().strip() == f"inside {BATCH}", proc.stderr.read()  # type: ignore[union-attr]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()


def _integrity_ok(db: Database) -> None:
    if db.is_sqlite:
        with sqlite3.connect(make_url(db.url).database) as conn:  # opening it recovers from the WAL
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def _state(db: Database, ids: list[int]) -> tuple[Counter[tuple[str, int | None]], dict[str, Counter[str]]]:
    with db.read() as session:
        leads = Counter(session.execute(select(Lead.status, Lead.owner_id).where(Lead.id.in_(ids))).all())
        batches: dict[str, Counter[str]] = {}
        for batch_id, action, n in session.execute(
                select(AuditEvent.batch_id, AuditEvent.action, func.count()).where(AuditEvent.entity == "lead")
                .group_by(AuditEvent.batch_id, AuditEvent.action)):
            batches.setdefault(batch_id, Counter())[action] += n
    return leads, batches


def test_a_process_killed_in_the_middle_of_a_batch_leaves_none_of_it(db: Database) -> None:
    pool, ids = _pooled(db)
    _kill_inside_the_batch(db, pool)
    db.dispose()
    _integrity_ok(db)
    leads, batches = _state(db, ids)
    # none of the killed batch: no lead moved, no audit event of it
    assert leads == Counter({("pooled", None): BATCH})
    assert [dict(b) for b in batches.values() if "create" not in b] == []
    # and the database works on: a batch commits whole
    assert len(store_for(db, "boss").assign_leads(ids[:500], ["li", "wang"]).done) == 500
    leads, batches = _state(db, ids)
    assert [dict(b) for b in batches.values() if "create" not in b] == [{"assign": 500}]
    assert leads[("pooled", None)] == BATCH - 500


# ----------------------------------------------------------------------------- busy


class Holder:
    """Another connection holding the write lock (SQLite) or the lead's row lock
    (PostgreSQL) until released."""

    def __init__(self, db: Database, lead_id: int) -> None:
        self.conn = db.engine.raw_connection()
        dbapi = self.conn.driver_connection
        if db.is_sqlite:
            dbapi.execute("BEGIN IMMEDIATE")
            dbapi.execute("UPDATE leads SET message = 'held' WHERE id = ?", (lead_id,))
        else:
            with dbapi.cursor() as cursor:
                cursor.execute("SELECT id FROM leads WHERE id = %s FOR UPDATE", (lead_id,))

    def release(self) -> None:
        self.conn.driver_connection.commit()
        self.conn.close()


def _follow_up_in_thread(store, lead_id: int) -> tuple[threading.Thread, dict[str, object]]:  # noqa: ANN001
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["record"] = store.add_followup(lead_id, "note", "waited for the lock")
        except Exception as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_write_waits_for_a_busy_database_then_succeeds(db: Database) -> None:
    make_user(db, "boss", "admin")
    lead = make_lead(db, contact="Busy")
    store = store_for(db, "boss")
    holder = Holder(db, lead)
    thread, outcome = _follow_up_in_thread(store, lead)
    thread.join(0.5)
    assert thread.is_alive() and not outcome  # waiting for the lock, not failed
    holder.release()
    thread.join(30)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    assert store.lead_detail(lead).followups[0].text == "waited for the lock"


def test_past_the_busy_timeout_the_write_fails_plainly_and_saves_nothing(db: Database) -> None:
    make_user(db, "boss", "admin")
    lead = make_lead(db, contact="Busy")
    impatient = Database(db.url, busy_timeout_ms=300)
    try:
        store = store_for(impatient, "boss")
        holder = Holder(db, lead)
        try:
            thread, outcome = _follow_up_in_thread(store, lead)
            thread.join(30)
        finally:
            holder.release()
        error = outcome.get("error")
        assert isinstance(error, Busy), outcome
        assert str(error) == ("The database stayed busy for over 0.3 s (other operators' changes held it): "
                              "nothing was saved; try again")
        assert store.lead_detail(lead).followups == ()
    finally:
        impatient.dispose()


def test_a_busy_answer_without_waiting_is_tried_again_within_the_timeout(sqlite_db: Database) -> None:
    """SQLite answers "busy" at once in some states (recovering a crashed process's WAL):
    the BEGIN is tried again until the busy timeout, here with SQLite's own wait off."""
    make_user(sqlite_db, "boss", "admin")
    lead = make_lead(sqlite_db, contact="Busy")
    eager = Database(sqlite_db.url, busy_timeout_ms=30_000)

    @event.listens_for(eager.engine, "connect")
    def _no_wait(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    try:
        store = store_for(eager, "boss")
        holder = Holder(sqlite_db, lead)
        thread, outcome = _follow_up_in_thread(store, lead)
        thread.join(0.3)
        assert thread.is_alive() and not outcome  # trying again, not failed
        holder.release()
        thread.join(30)
        assert "error" not in outcome, outcome
        assert store.lead_detail(lead).followups[0].text == "waited for the lock"
    finally:
        eager.dispose()


# ----------------------------------------------------------------------------- read-only, disk full


def read_only_url(db: Database) -> str:
    """The same database, opened read-only: SQLite's mode=ro, PostgreSQL's read-only transactions."""
    url = make_url(db.url)
    if db.is_sqlite:
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    options = " ".join(filter(None, [url.query.get("options", ""), "-cdefault_transaction_read_only=on"]))
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_a_read_only_database_refuses_writes_plainly(db: Database) -> None:
    make_user(db, "boss", "admin")
    lead = make_lead(db, contact="Read only")
    ro = Database(read_only_url(db))
    try:
        store = store_for(ro, "boss")
        assert store.lead_detail(lead).row.get("contact") == "Read only"  # reading works
        with pytest.raises(ReadOnly) as raised:
            store.add_followup(lead, "note", "cannot be saved")
        assert str(raised.value) == (f"The database {ro.describe()} is read-only for you: nothing was saved. "
                                     "Ask whoever runs it to make it writable")
    finally:
        ro.dispose()
    assert store_for(db, "boss").lead_detail(lead).followups == ()


def fill_up(engine: Engine) -> None:
    """SQLite's own "database or disk is full" (SQLITE_FULL) for the engine's new
    connections: the file may not grow by a page, as on a full disk."""
    with sqlite3.connect(engine.url.database) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(engine, "connect")
    def _full(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")


LONG = "a long note that needs new pages " * 600


def test_a_full_disk_gives_a_plain_message_and_saves_nothing(sqlite_db: Database) -> None:
    make_user(sqlite_db, "boss", "admin")
    lead = make_lead(sqlite_db, contact="Full")
    full = Database(sqlite_db.url)
    try:
        fill_up(full.engine)
        with pytest.raises(DiskFull) as raised:
            store_for(full, "boss").add_followup(lead, "note", LONG)
        assert "is full: nothing was saved" in str(raised.value)
    finally:
        full.dispose()
    assert store_for(sqlite_db, "boss").lead_detail(lead).followups == ()


@pytest.fixture
def cli_boss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)


def test_the_cli_says_read_only_and_disk_full_without_a_traceback(sqlite_db: Database, cli_boss: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    make_user(sqlite_db, "boss", "admin")
    lead = make_lead(sqlite_db, contact="CLI")
    runner = CliRunner()
    result = runner.invoke(cli.app, ["followup", str(lead), "--kind", "note", "--text", "hi",
                                     "--db", read_only_url(sqlite_db)])
    assert result.exit_code == 4, result.output
    assert "is read-only for you: nothing was saved" in result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)

    real = db_module.make_engine

    def full_engine(url: str, busy_timeout_ms: int = db_module.BUSY_TIMEOUT_MS):  # noqa: ANN202
        engine = real(url, busy_timeout_ms)
        fill_up(engine)
        return engine

    monkeypatch.setattr(db_module, "make_engine", full_engine)
    result = runner.invoke(cli.app, ["followup", str(lead), "--kind", "note", "--text", LONG, "--json",
                                     "--db", sqlite_db.url])
    assert result.exit_code == 4, result.output
    assert "is full: nothing was saved" in json.loads(result.stdout)["error"]
    assert isinstance(result.exception, SystemExit)
    assert store_for(sqlite_db, "boss").lead_detail(lead).followups == ()


async def test_the_console_keeps_the_dialog_and_its_text_when_the_save_fails(sqlite_db: Database) -> None:
    """Read-only here; a full disk takes the same way (a DatabaseFault from the store)."""
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_lead(sqlite_db, contact="张伟")
    database = Database(read_only_url(sqlite_db))
    app = LeadApp(store_for(database, "boss"))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, FollowUpDialog)
            await pilot.press(*"called, will call back", "ctrl+s")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FollowUpDialog)  # still open
            assert dialog.query_one("#text", Input).value == "called, will call back"  # as typed
            error = str(dialog.query_one("#error").render())
            assert "is read-only for you: nothing was saved" in error, error
    finally:
        database.dispose()
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 0
