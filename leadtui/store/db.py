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
`write()` as the store's errors (store/faults.py). A write transaction on PostgreSQL
ends with a NOTIFY of what it changed, for the open consoles (store/changes.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from leadtui.store import changes, faults

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    if url.startswith("sqlite"):
        parsed = make_url(url)
        path = parsed.database or ""
        if path and path != ":memory:" and not parsed.query.get("uri"):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
    """One database: an engine and the two kinds of session the store uses."""

    def __init__(self, url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
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

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One business action: one transaction, committed or rolled back whole."""
        with faults.mapped(self.describe(), self.busy_timeout_ms / 1000), self._write() as session, \
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
        from leadtui.store.models import Base
        from leadtui.store.schema import check_schema, stamp_head, where

        state = check_schema(self.engine, where(self.engine.url))
        if state.up_to_date:
            return
        with self.engine.execution_options(leadtui_write=True).begin() as conn:
            Base.metadata.create_all(conn)
            stamp_head(conn)

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
