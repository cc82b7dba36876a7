"""Bring a database's schema up to date with alembic (`leadtui db upgrade`).

One upgrade is one transaction: the stamp of an unversioned database and every
migration commit together, or nothing changes (PostgreSQL and SQLite both have
transactional DDL). On SQLite foreign keys are off during it, as SQLite asks for when
a table is rebuilt (batch mode), and `PRAGMA foreign_key_check` must pass before the
commit.

Who may upgrade: whoever can write the database (the file, or the PostgreSQL role);
it needs no leadtui login, since an old schema may not even open through the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import leadtui.store.db.migrations
from leadtui.store.db.engine import Database
from leadtui.store.db.migrations import baseline
from leadtui.store.db.schema import BASELINE, SchemaOutdated, SchemaState, schema_state, where
from leadtui.store.errors import StoreError

MIGRATIONS = Path(leadtui.store.db.migrations.__file__).parent


class UnknownSchema(StoreError):
    """Unversioned, and not the schema of revision 0001 either: nothing safe to do."""

    exit_code = 2


@dataclass(frozen=True)
class UpgradeReport:
    before: str | None  # the revision before (None: unversioned or empty)
    after: str
    stamped: str | None = None  # an unversioned database was recognised as this revision
    applied: list[tuple[str, str]] = field(default_factory=list)  # (revision, what it does)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def missing_baseline(engine_or_conn: sa.Engine | sa.Connection) -> list[str]:
    """What an unversioned database lacks of revision 0001's tables and columns."""
    inspector = sa.inspect(engine_or_conn)
    present = set(inspector.get_table_names())
    missing = []
    for table in baseline.metadata.sorted_tables:
        if table.name not in present:
            missing.append(table.name)
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in columns]
    return missing


def upgrade(database: Database, target: str = "head") -> UpgradeReport:
    """Upgrade to `target` (default: the newest); an unversioned database that has
    revision 0001's tables is stamped at 0001 first. Raises SchemaOutdated when the
    database is newer than this leadtui, UnknownSchema when it cannot be recognised."""
    return _run(database, "upgrade", target)


def downgrade(database: Database, target: str) -> UpgradeReport:
    """Back to `target` (tests; not offered on the command line)."""
    return _run(database, "downgrade", target)


def _run(database: Database, direction: str, target: str) -> UpgradeReport:
    state = schema_state(database.engine)
    if state.too_new:
        raise SchemaOutdated(
            "The database {db} has schema revision {current}, newer than this leadtui knows ({head}): "
            "upgrade leadtui", db=where(database.engine.url), current=state.current, head=state.head)
    cfg = alembic_config()
    scripts = ScriptDirectory.from_config(cfg)
    with database.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a no-op inside a transaction, so before BEGIN, on the driver's connection
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            conn.execution_options(leadtui_write=True)  # BEGIN IMMEDIATE on SQLite
            with conn.begin():
                stamped = None
                if state.current is None and state.has_tables:
                    missing = missing_baseline(conn)
                    if missing:
                        raise UnknownSchema(
                            "The database {db} has no schema version and is not a schema leadtui "
                            "knows (missing: {missing}); it cannot be upgraded",
                            db=where(database.engine.url), missing=", ".join(missing[:10]))
                    cfg.attributes["connection"] = conn
                    command.stamp(cfg, BASELINE)
                    stamped = BASELINE
                before = MigrationContext.configure(conn).get_current_revision()
                cfg.attributes["connection"] = conn
                if direction == "upgrade":
                    command.upgrade(cfg, target)
                else:
                    command.downgrade(cfg, target)
                after = MigrationContext.configure(conn).get_current_revision()
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError("The upgrade would break {n} reference(s); nothing was changed",
                                         n=len(broken))
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    applied = []
    if before != after:
        lower, upper = (before, after) if direction == "upgrade" else (after, before)
        revisions = list(scripts.iterate_revisions(upper, lower or "base"))
        if direction == "upgrade":
            revisions.reverse()
        applied = [(r.revision, (r.doc or "").strip()) for r in revisions]
    return UpgradeReport(state.current, after or "base", stamped, applied)


def state(database: Database) -> SchemaState:
    return schema_state(database.engine)
