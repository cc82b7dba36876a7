"""Engine and sessions: SQLite pragmas, BEGIN IMMEDIATE for writes, PostgreSQL.

Many operators share one SQLite file, so:
- WAL lets readers go on while one process writes;
- a busy timeout makes a writer wait for the lock instead of failing at once;
- write transactions begin with BEGIN IMMEDIATE: a deferred transaction that reads
  and then writes fails at once with "database is locked" when another process wrote
  in between, whatever the busy timeout (the SQLAlchemy pysqlite recipe);
- and should SQLite still answer "busy" at BEGIN without waiting (it does while
  another connection recovers the WAL after a crash), the BEGIN is tried again until
  the busy timeout has passed. PostgreSQL waits for row locks up to the same timeout
  (`lock_timeout`).

Faults (busy past the timeout, disk full, read-only, unreachable) leave `read()` and
`write()` as the store's errors (store/faults.py). A SQLite file is made private
(store/dbfile.py), and a write into a file that was replaced since it was opened is
refused. A write transaction on PostgreSQL ends with a NOTIFY of what it changed, for
the open consoles (store/changes.py).
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from leadtui.store.db import changes, faults
from leadtui.store.db import file as dbfile
from leadtui.store.errors import DatabaseReplaced, Unreachable

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        _setup_sqlite(engine, busy_timeout_ms)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    _setup_postgres(engine, busy_timeout_ms)
    return engine


def _setup_postgres(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # A row lock held by another operator's transaction is waited for, as long as
        # SQLite waits for its write lock; past it the write fails as Busy, not never.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
        dbapi_connection.commit()


def _is_busy(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == 5  # SQLITE_BUSY (any extended form)


def _setup_sqlite(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # Let us issue BEGIN ourselves (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        write = conn.get_execution_options().get("leadtui_write", False)
        if not write:
            conn.exec_driver_sql("BEGIN")
            return
        # SQLite's busy handler waits for the write lock; this loop covers the answers
        # it gives without waiting (SQLITE_BUSY_RECOVERY), within the same timeout.
        deadline = time.monotonic() + busy_timeout_ms / 1000
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.05)


class Database:
    """One database: an engine and the two kinds of session the store uses.

    A SQLite file that is not there yet is made here, private (or the `group`'s), before
    SQLite would make it with the umask's mode."""

    # Who runs leadtui, for the audit trail (see `acting`).
    operator_id: int | None = None

    def __init__(self, url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS, group: str | None = None) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.path = dbfile.sqlite_path(url)
        if self.path is not None:
            dbfile.create(self.path, group)
        self.identity = dbfile.identity(self.path) if self.path else None
        self.engine = make_engine(url, busy_timeout_ms)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(leadtui_write=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with faults.mapped(self.describe(), self.busy_timeout_ms / 1000), self._read() as session:
            yield session

    def acting(self, operator_id: int) -> Database:
        """This database (same engine) for one operator's store: its write sessions carry
        the operator, whom audit.record writes down where an event names someone else."""
        view = copy.copy(self)
        view.operator_id = operator_id
        return view

    def check_same_file(self) -> None:
        """Refuse to go on with a SQLite file that was moved, deleted or replaced
        since it was opened (its device and inode are no longer the path's)."""
        if self.identity is not None and dbfile.identity(self.path) != self.identity:  # type: ignore[arg-type]
            raise DatabaseReplaced(
                "The database file {path} was moved, deleted or replaced since leadtui opened it: nothing "
                "was saved. Reopen it to work on the file that is there now", path=self.path)

    def reopened(self) -> Database:
        """A new Database on the file now at this one's path."""
        if self.path is not None and not os.path.exists(self.path):
            raise Unreachable("There is no database file {path} any more: nothing was saved", path=self.path)
        fresh = Database(self.url, self.busy_timeout_ms)
        fresh.operator_id = self.operator_id
        return fresh

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One business action: one transaction, committed or rolled back whole."""
        self.check_same_file()
        info = {"operator_id": self.operator_id} if self.operator_id is not None else {}
        with faults.mapped(self.describe(), self.busy_timeout_ms / 1000), self._write(info=info) as session, \
                session.begin():
            if not self.is_sqlite:
                changes.collect(session)  # the audit trail notes what changed...
            yield session
            if not self.is_sqlite:
                changes.announce(session)  # ...and the commit tells the listening consoles

    def create_schema(self) -> None:
        """Make the schema from the models and stamp it at the newest migration; on a
        database that has it already, nothing. An older leadtui's database is refused
        (SchemaOutdated): create_all would add the new tables but not the new columns."""
        from leadtui.store.db.schema import check_schema, stamp_head, where
        from leadtui.store.models import Base

        state = check_schema(self.engine, where(self.engine.url))
        if state.up_to_date:
            return
        with self.engine.execution_options(leadtui_write=True).begin() as conn:
            Base.metadata.create_all(conn)
            stamp_head(conn)

    def exposure(self) -> list[str]:
        """The database's files every account on the server may read (SQLite)."""
        return dbfile.exposure(self.path) if self.path else []

    def describe(self) -> str:
        """A short name of the database for the status line (no password)."""
        url = self.engine.url
        if self.is_sqlite:
            return os.path.basename(url.database or ":memory:")
        # database@host, as psql says it: the whole URL (options and all) pushed the
        # row counts off the status line.
        host = url.host or "localhost"
        return f"{url.database}@{host}" + (f":{url.port}" if url.port and url.port != 5432 else "")

    def dispose(self) -> None:
        self.engine.dispose()
