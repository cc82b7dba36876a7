"""Engine and sessions: SQLite pragmas, BEGIN IMMEDIATE for writes, PostgreSQL.

Many operators share one SQLite file, so:
- WAL lets readers go on while one process writes;
- a busy timeout makes a writer wait for the lock instead of failing at once;
- write transactions begin with BEGIN IMMEDIATE: a deferred transaction that reads
  and then writes fails at once with "database is locked" when another process wrote
  in between, whatever the busy timeout (the SQLAlchemy pysqlite recipe).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _setup_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # Let us issue BEGIN ourselves (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        write = conn.get_execution_options().get("leadtui_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One database: an engine and the two kinds of session the store uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(leadtui_write=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One business action: one transaction, committed or rolled back whole."""
        with self._write() as session, session.begin():
            yield session

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
        return url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
