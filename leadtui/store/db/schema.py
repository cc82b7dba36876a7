"""Which version of the schema a database holds, cheaply (no alembic import).

The schema is versioned by alembic (leadtui/migrations): the `alembic_version` table
holds the database's revision. Opening a store reads it once; the upgrade itself
(leadtui.store.db.migrate) is an operator's task, `leadtui db upgrade`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from leadtui.store.errors import StoreError

# The newest migration in leadtui/store/db/migrations/versions (a test checks they agree).
HEAD = "0004"
# The first one: the schema leadtui had before it was versioned.
BASELINE = "0001"
# Revisions oldest first (a test checks this is alembic's history).
REVISIONS = ("0001", "0002", "0003", "0004")

# Alembic's own version table, as alembic creates it.
version_table = sa.Table(
    "alembic_version", sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the revision in alembic_version; None when unversioned
    has_tables: bool  # leadtui's tables exist (an unversioned one is an older leadtui's)
    head: str = HEAD

    @property
    def empty(self) -> bool:
        return self.current is None and not self.has_tables

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def too_new(self) -> bool:
        """Written by a newer leadtui: this one does not know the revision."""
        return self.current is not None and self.current not in REVISIONS

    @property
    def needs_upgrade(self) -> bool:
        return self.has_tables and not self.up_to_date and not self.too_new


class SchemaOutdated(StoreError):
    """The database's schema is older (or newer) than this leadtui's."""

    exit_code = 2


def schema_state(engine: Engine) -> SchemaState:
    """One query of alembic_version; only a database without it is inspected further."""
    try:
        with engine.connect() as conn:
            current = conn.scalar(sa.select(version_table.c.version_num).limit(1))
        # An empty version table is what alembic leaves after downgrading to the base.
        return SchemaState(current, True if current else _has_tables(engine))
    except DBAPIError:  # no alembic_version table
        return SchemaState(None, _has_tables(engine))


def _has_tables(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("users")


def check_schema(engine: Engine, where: str) -> SchemaState:
    """Raise SchemaOutdated unless the database is empty or at this leadtui's head.
    `where` names the database for the message, as `--db` would take it."""
    state = schema_state(engine)
    if state.too_new:
        raise SchemaOutdated(
            "The database {db} has schema revision {current}, newer than this leadtui knows ({head}): "
            "upgrade leadtui", db=where, current=state.current, head=state.head)
    if state.needs_upgrade and state.current is None:
        raise SchemaOutdated(
            "The database {db} was made by an older leadtui and needs an upgrade: "
            "run `leadtui db upgrade --db {db}`", db=where)
    if state.needs_upgrade:
        raise SchemaOutdated(
            "The database {db} needs an upgrade (schema {current}, this leadtui needs {head}): "
            "run `leadtui db upgrade --db {db}`", db=where, current=state.current, head=state.head)
    return state


def stamp_head(conn: Connection) -> None:
    """Record that the schema just made from the models is at HEAD."""
    version_table.create(conn, checkfirst=True)
    conn.execute(version_table.delete())
    conn.execute(version_table.insert().values(version_num=HEAD))


def stamp_ddl(dialect: sa.Dialect) -> list[str]:
    """stamp_head as SQL statements (the tests' one-round-trip schema script)."""
    create = str(sa.schema.CreateTable(version_table).compile(dialect=dialect))
    insert = str(version_table.insert().values(version_num=HEAD)
                 .compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return [create, insert]


def where(database_url: sa.URL) -> str:
    """The database as the operator would give it to --db (a file path for SQLite)."""
    if database_url.get_backend_name() == "sqlite" and database_url.database not in (None, "", ":memory:"):
        return database_url.database
    return database_url.render_as_string(hide_password=True)
