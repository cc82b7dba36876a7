"""Shared fixtures: databases on both backends, a frozen clock, English, a standard world.

- `db`: a fresh, empty schema per test, on SQLite always and on PostgreSQL when the
  env var LEADTUI_TEST_PG holds a SQLAlchemy URL (e.g.
  postgresql+psycopg://postgres@127.0.0.1:5432/test). Unset: the postgres case is
  skipped. Set but unreachable: the test fails (CI must not go green without it).
- `sqlite_db`: the SQLite case only.
- `world`: a small standard world on `db` (see `World`).
- autouse: the clock frozen at `tests.factories.NOW`, the language English.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from leadtui import clock, i18n
from leadtui.store.db.engine import Database
from leadtui.store.records import UserRecord
from leadtui.store.service import Store
from tests.factories import NOW, make_lead, make_pool, make_user, store_for

PG_ENV = "LEADTUI_TEST_PG"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _sqlite(tmp_path) -> Iterator[Database]:  # noqa: ANN001
    db = Database(f"sqlite:///{tmp_path}/t.db")
    db.create_schema()
    yield db
    db.dispose()


_pg_admin: dict[str, Engine] = {}
_pg_ddl: dict[str, str] = {}


def _admin_engine(url: str) -> Engine:
    """One AUTOCOMMIT engine per server for the whole run (creating and dropping schemas)."""
    if url not in _pg_admin:
        _pg_admin[url] = create_engine(url, isolation_level="AUTOCOMMIT")
    return _pg_admin[url]


def _ddl_script(engine: Engine) -> str:
    """The schema's DDL from the models, as one script: one round trip instead of
    create_all's ~50 (its table checks, then each statement), a fraction of the time."""
    from leadtui.store.db.schema import stamp_ddl
    from leadtui.store.models import Base

    statements = []
    for table in Base.metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=engine.dialect)))
        statements += [str(CreateIndex(index).compile(dialect=engine.dialect)) for index in table.indexes]
    statements += stamp_ddl(engine.dialect)  # versioned at the newest migration, as create_schema does
    return ";\n".join(statements)


def _postgres() -> Iterator[Database]:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    first = url not in _pg_ddl
    try:
        with admin.connect() as conn:
            if first:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            else:  # one implicit transaction; SET LOCAL leaves the pooled connection as it was
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"; SET LOCAL search_path TO "{schema}";\n'
                                     + _pg_ddl[url])
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server must fail loudly
        pytest.fail(f"{PG_ENV}={url} is set but the server cannot be used: {exc}", pytrace=False)
    parsed = make_url(url)
    # The schema, and no fsync wait per commit (the data is thrown away anyway).
    options = " ".join(filter(None, [parsed.query.get("options", ""), f"-csearch_path={schema}",
                                     "-csynchronous_commit=off"]))
    db = Database(parsed.update_query_dict({"options": options}).render_as_string(hide_password=False))
    try:
        if first:  # the first database of the run goes the real way, the others the fast one
            db.create_schema()
            _pg_ddl[url] = _ddl_script(admin)
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path) -> Iterator[Database]:  # noqa: ANN001
    """An empty database with the schema, on each backend (see the module docstring)."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres()


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[Database]:  # noqa: ANN001
    """An empty SQLite database with the schema (SQLite-specific tests, TUI tests)."""
    yield from _sqlite(tmp_path)


@dataclass
class World:
    """A small standard world (the clock is frozen at NOW = 2026-11-22 09:30).

    Users (login: role, department — each user's name is the capitalised login):
      boss: admin, —        mgr: manager, East
      li: sales, East       wang: sales, East        zhao: sales, West

    Pools:
      North: admin mgr; members li, wang (as users); protect_days 7, max_protect_days 30.
      South: admin wang; members: department West (so zhao); hide_assigned and
             hide_converted; members_see_detail.

    Leads (key in `leads`: pool, status, owner; submitted on NOW - 1 hour unless said):
      n_pooled:  North, pooled                contact "Alice North",  mobile 13800000001
      n_li:      North, assigned to li        contact "Bob North",    company "Bob Co"
      n_wang:    North, assigned to wang      contact "Carol North"
      n_conv:    North, converted, owner li   contact "Dan North"
      s_pooled:  South, pooled                contact "Erin South"
      s_zhao:    South, assigned to zhao      contact "Frank South"
      s_li:      South, assigned to li        contact "Grace South"
      s_conv:    South, converted, owner wang contact "Heidi South"

    So: li sees North's 4 and her own s_li; zhao sees s_pooled and s_zhao (South hides
    s_li and s_conv from plain members); wang (South's admin) sees all of South and all
    of North; mgr (North's admin, East's manager) sees North and the East members'
    leads s_li and s_conv; boss sees everything.
    """

    db: Database
    users: dict[str, UserRecord] = field(default_factory=dict)
    pools: dict[str, int] = field(default_factory=dict)
    leads: dict[str, int] = field(default_factory=dict)

    def store(self, login: str, as_login: str | None = None) -> Store:
        return store_for(self.db, login, as_login)

    def ids(self, *keys: str) -> set[int]:
        return {self.leads[k] for k in keys}


@pytest.fixture
def world(db: Database) -> World:
    w = World(db)
    for login, role, dept in [("boss", "admin", None), ("mgr", "manager", "East"), ("li", "sales", "East"),
                              ("wang", "sales", "East"), ("zhao", "sales", "West")]:
        w.users[login] = make_user(db, login, role, dept, name=login.capitalize())
    w.pools["North"] = make_pool(db, "North", admins=["mgr"], members=["li", "wang"],
                                 protect_days=7, max_protect_days=30)
    w.pools["South"] = make_pool(db, "South", admins=["wang"], member_depts=["West"],
                                 hide_assigned=True, hide_converted=True, members_see_detail=True)
    at = NOW - timedelta(hours=1)
    n, s = w.pools["North"], w.pools["South"]
    w.leads["n_pooled"] = make_lead(db, n, contact="Alice North", mobile="13800000001", submitted_at=at)
    w.leads["n_li"] = make_lead(db, n, owner="li", contact="Bob North", company="Bob Co", submitted_at=at)
    w.leads["n_wang"] = make_lead(db, n, owner="wang", contact="Carol North", submitted_at=at)
    w.leads["n_conv"] = make_lead(db, n, owner="li", status="converted", contact="Dan North", submitted_at=at)
    w.leads["s_pooled"] = make_lead(db, s, contact="Erin South", submitted_at=at)
    w.leads["s_zhao"] = make_lead(db, s, owner="zhao", contact="Frank South", submitted_at=at)
    w.leads["s_li"] = make_lead(db, s, owner="li", contact="Grace South", submitted_at=at)
    w.leads["s_conv"] = make_lead(db, s, owner="wang", status="converted", contact="Heidi South",
                                  submitted_at=at)
    return w
