"""Migrations (alembic): a database at the first revision, full of rows, upgrades to
the newest with every row intact; an unversioned older database is recognised and
upgraded; `db status`; the CLI and the console refuse an outdated database with the
command to run; new databases are versioned; the models agree with the migrations.

The upgrade tests run on SQLite always and on PostgreSQL when LEADTUI_TEST_PG is set
(each in a schema of its own, as tests/conftest.py makes them).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from leadtui import cli, config
from leadtui.store.db import migrate
from leadtui.store.db.engine import Database
from leadtui.store.db.migrations import baseline
from leadtui.store.db.schema import (
    BASELINE,
    HEAD,
    REVISIONS,
    SchemaOutdated,
    schema_state,
    version_table,
)
from leadtui.store.models import AssignRule, Base, Customer, Lead
from leadtui.store.records import LeadQuery
from leadtui.store.search import index as search_index
from tests.conftest import PG_ENV, _admin_engine
from tests.factories import NOW, store_for

runner = CliRunner()
T = baseline.metadata.tables


# ----------------------------------------------------------------------------- databases


def _empty_sqlite(tmp_path) -> Iterator[Database]:  # noqa: ANN001
    db = Database(f"sqlite:///{tmp_path}/old.db")
    yield db
    db.dispose()


def _empty_postgres() -> Iterator[Database]:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    parsed = make_url(url)
    options = " ".join(filter(None, [parsed.query.get("options", ""), f"-csearch_path={schema}"]))
    db = Database(parsed.update_query_dict({"options": options}).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request, tmp_path) -> Iterator[Database]:  # noqa: ANN001
    """A database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield from _empty_sqlite(tmp_path)
    else:
        yield from _empty_postgres()


@pytest.fixture
def empty_sqlite(tmp_path) -> Iterator[Database]:  # noqa: ANN001
    yield from _empty_sqlite(tmp_path)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)


def run(*args: str):  # noqa: ANN201
    return runner.invoke(cli.app, list(args))


def path_of(db: Database) -> str:
    return db.engine.url.database


# ----------------------------------------------------------------------------- rows of revision 0001


def fill_revision_1(db: Database) -> None:
    """Rows in every table revision 0001 had, through its own tables (not the models,
    which have moved on): values of every kind, NULLs, text that is not plain."""
    at = NOW - timedelta(days=3)
    rows = {
        "departments": [{"id": 1, "name": "East"}, {"id": 2, "name": "西部"}],
        "users": [
            {"id": 1, "login": "boss", "name": "The Boss", "role": "admin", "department_id": None,
             "customer_cap": None, "active": True},
            {"id": 2, "login": "li", "name": "李 [b]Li[/b]", "role": "sales", "department_id": 1,
             "customer_cap": 50, "active": True},
            {"id": 3, "login": "gone", "name": "Gone", "role": "sales", "department_id": 2,
             "customer_cap": None, "active": False},
        ],
        "pools": [
            {"id": 1, "kind": "lead", "name": "North", "is_default": True, "holding_cap": 10,
             "cap_counts_own_created": True, "daily_claim_limit": 5, "protect_days": 7, "max_protect_days": 30,
             "cooldown_days": 2, "notify_before_days": 1, "return_to": "origin", "return_pool_id": None,
             "return_reasons": "no answer\nwrong number", "hide_assigned": False, "hide_converted": True,
             "members_see_detail": True, "recycle_own_created": False},
            {"id": 2, "kind": "sea", "name": "Sea", "is_default": True, "holding_cap": None,
             "cap_counts_own_created": False, "daily_claim_limit": None, "protect_days": 15,
             "max_protect_days": None, "cooldown_days": None, "notify_before_days": None, "return_to": "pool",
             "return_pool_id": 1, "return_reasons": "", "hide_assigned": True, "hide_converted": False,
             "members_see_detail": False, "recycle_own_created": True},
        ],
        "pool_members": [{"id": 1, "pool_id": 1, "user_id": 2, "department_id": None},
                         {"id": 2, "pool_id": 1, "user_id": None, "department_id": 2}],
        "pool_admins": [{"pool_id": 1, "user_id": 1}, {"pool_id": 2, "user_id": 2}],
        "customers": [
            {"id": 1, "kind": "company", "name": "星辰科技", "nickname": "Star", "mobile": "13800138000",
             "phone": "010-1234", "email": "a@star.cn", "wechat": "star_wx", "qq": "12345", "address": "北京",
             "company": "星辰科技有限公司", "website": "https://star.cn", "external_id": "EXT-1",
             "mobile_norm": "13800138000", "email_norm": "a@star.cn", "status": "assigned", "owner_id": 2,
             "public_sea_id": 2, "locked": True, "tags": "vip\nhot", "source": "lead", "stage": "won",
             "created_at": at, "assigned_at": at + timedelta(hours=1), "last_followup_at": at + timedelta(days=1),
             "protect_until": NOW + timedelta(days=12), "previous_owner_id": 3, "released_at": None,
             "deleted_at": None},
            {"id": 2, "kind": "person", "name": "=1+2 '; DROP TABLE leads;--", "nickname": "", "mobile": "",
             "phone": "", "email": "", "wechat": "", "qq": "", "address": "", "company": "", "website": "",
             "external_id": "", "mobile_norm": "", "email_norm": "", "status": "unassigned", "owner_id": None,
             "public_sea_id": 2, "locked": False, "tags": "", "source": "", "stage": "new", "created_at": at,
             "assigned_at": None, "last_followup_at": None, "protect_until": None, "previous_owner_id": None,
             "released_at": at + timedelta(days=2), "deleted_at": NOW},
        ],
        "contacts": [{"id": 1, "customer_id": 1, "name": "王芳", "mobile": "13900000000", "email": "f@star.cn",
                      "job_title": "CTO", "created_at": at}],
        "deals": [{"id": 1, "customer_id": 1, "name": "First order", "amount": Decimal("123456.78"),
                   "stage": "won", "created_at": at},
                  {"id": 2, "customer_id": 1, "name": "Second", "amount": Decimal("0.00"), "stage": "new",
                   "created_at": at}],
        "leads": [
            {"id": 1, "order_no": "L20261119-000001", "contact": "张伟", "nickname": "Zhang", "mobile": "13800138000",
             "phone": "010-1", "email": "z@x.cn", "fax": "010-2", "wechat": "zw", "qq": "1", "address": "上海",
             "postcode": "200000", "company": "星辰科技", "website": "x.cn", "company_type": "LLC",
             "department": "IT", "job_title": "CEO", "business": "software", "source": "intent",
             "message": "line one\nline two \x1b[31m", "submitted_at": at, "pool_id": 1, "owner_id": 2,
             "created_by_id": 1, "status": "converted", "handled": True, "assigned_at": at + timedelta(hours=2),
             "protect_until": NOW + timedelta(days=4), "last_followup_at": at + timedelta(days=1),
             "previous_owner_id": 3, "released_at": None, "converted_at": at + timedelta(days=2), "customer_id": 1,
             "tags": "a\nb", "deleted_at": None, "search_text": "张伟 13800138000 星辰科技"},
            {"id": 2, "order_no": "L20261119-000002", "contact": "", "nickname": "", "mobile": "", "phone": "",
             "email": "", "fax": "", "wechat": "", "qq": "", "address": "", "postcode": "", "company": "",
             "website": "", "company_type": "", "department": "", "job_title": "", "business": "",
             "source": "booking", "message": "", "submitted_at": at, "pool_id": 1, "owner_id": None,
             "created_by_id": None, "status": "pooled", "handled": False, "assigned_at": None,
             "protect_until": None, "last_followup_at": None, "previous_owner_id": None, "released_at": None,
             "converted_at": None, "customer_id": None, "tags": "", "deleted_at": NOW, "search_text": ""},
        ],
        "lead_collaborators": [{"lead_id": 1, "user_id": 1}],
        "followups": [
            {"id": 1, "lead_id": 1, "customer_id": None, "author_id": 2, "kind": "call", "text": "called",
             "duration_s": 95, "outcome": "interested", "created_at": at},
            {"id": 2, "lead_id": None, "customer_id": 1, "author_id": 1, "kind": "note", "text": "备注",
             "duration_s": None, "outcome": "", "created_at": at},
        ],
        "audit_events": [{"id": 1, "at": at, "actor_id": 1, "action": "assign", "entity": "lead", "entity_id": 1,
                          "before": '{"owner": null}', "after": '{"owner": "li"}', "reason": "round-robin",
                          "batch_id": "b-1", "pool_id": 1},
                         {"id": 2, "at": at, "actor_id": None, "action": "recycle", "entity": "customer",
                          "entity_id": 2, "before": "{}", "after": "{}", "reason": "", "batch_id": "",
                          "pool_id": None}],
        "notifications": [{"id": 1, "user_id": 2, "at": at, "kind": "assigned", "entity": "lead", "entity_id": 1,
                           "text": "You got a lead", "read_at": None},
                          {"id": 2, "user_id": 2, "at": at, "kind": "recycled", "entity": "customer",
                           "entity_id": 2, "text": "", "read_at": NOW}],
        "user_prefs": [{"user_id": 2, "key": "columns.all", "value": '["order_no", "contact"]'}],
        "counters": [{"name": "order_no.20261119", "value": 2}, {"name": "demo.leads", "value": 2}],
    }
    assert set(rows) == set(T), "a table of revision 0001 has no rows in this test"
    with db.engine.begin() as conn:
        for table in baseline.metadata.sorted_tables:
            conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in baseline.metadata.sorted_tables:
                if "id" in table.c:
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                         f"(SELECT max(id) FROM {table.name}))"))


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every revision-0001 table, in those tables' columns."""
    with db.engine.connect() as conn:
        return {table.name: [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in baseline.metadata.sorted_tables}


def assert_upgraded(db: Database, before: dict[str, list[tuple]]) -> None:
    assert snapshot(db) == before
    with db.engine.connect() as conn:
        leads = conn.execute(sa.select(Lead.__table__.c.warned_for, Lead.__table__.c.awaiting_rule)).all()
        assert leads == [(None, False), (None, False)]
        assert conn.execute(sa.select(Customer.__table__.c.warned_for)).scalars().all() == [None, None]
        assert conn.execute(sa.select(sa.func.count()).select_from(AssignRule.__table__)).scalar() == 0
    assert schema_state(db.engine).up_to_date


# ----------------------------------------------------------------------------- the revisions


def test_head_and_history_agree_with_the_scripts() -> None:
    scripts = migrate.script_directory()
    assert scripts.get_current_head() == HEAD
    assert tuple(reversed([s.revision for s in scripts.walk_revisions()])) == REVISIONS
    assert REVISIONS[0] == BASELINE


def test_upgrade_from_the_first_revision_keeps_every_row(empty_db: Database) -> None:
    report = migrate.upgrade(empty_db, BASELINE)
    assert (report.before, report.after) == (None, BASELINE)
    fill_revision_1(empty_db)
    before = snapshot(empty_db)
    assert all(before.values())
    report = migrate.upgrade(empty_db)
    assert (report.before, report.after, report.stamped) == (BASELINE, HEAD, None)
    assert [r for r, _ in report.applied] == list(REVISIONS[1:])
    assert_upgraded(empty_db, before)
    # and the store works on it: the new columns and table are there and usable
    boss = store_for(empty_db, "boss")
    detail = boss.lead_detail(1)
    assert detail.row.get("order_no") == "L20261119-000001" and len(detail.followups) == 1
    # 0003 indexed the leads that were there: the search finds them through the index
    with empty_db.read() as session:
        assert set(search_index.candidates(session, "张伟")) == {1}
    assert [r.id for r in boss.list_leads(LeadQuery(screen="converted", text="星辰科技"))] == [1]
    assert boss.add_rule("North", [("source", "equals", "booking")], ["li"]).position == 1
    # upgrading again does nothing
    assert migrate.upgrade(empty_db).applied == []


def test_the_models_agree_with_the_newest_migration(empty_db: Database) -> None:
    migrate.upgrade(empty_db)
    with empty_db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_downgrade_and_upgrade_again_keep_the_rows(empty_sqlite: Database) -> None:
    migrate.upgrade(empty_sqlite, BASELINE)
    fill_revision_1(empty_sqlite)
    before = snapshot(empty_sqlite)
    migrate.upgrade(empty_sqlite)
    # SQLite copies `leads` to drop its columns; the collaborators (ON DELETE CASCADE) stay
    assert migrate.downgrade(empty_sqlite, BASELINE).after == BASELINE
    assert snapshot(empty_sqlite) == before
    migrate.upgrade(empty_sqlite)
    assert_upgraded(empty_sqlite, before)


# ----------------------------------------------------------------------------- unversioned databases


def test_an_unversioned_older_database_is_recognised_and_upgraded(empty_db: Database) -> None:
    baseline.metadata.create_all(empty_db.engine)  # what an older leadtui's create_schema made
    fill_revision_1(empty_db)
    before = snapshot(empty_db)
    state = schema_state(empty_db.engine)
    assert (state.current, state.has_tables, state.needs_upgrade) == (None, True, True)
    with pytest.raises(SchemaOutdated):
        empty_db.create_schema()  # create_all would add the table but not the columns
    report = migrate.upgrade(empty_db)
    assert (report.before, report.stamped, report.after) == (None, BASELINE, HEAD)
    assert_upgraded(empty_db, before)


def test_an_unversioned_database_with_some_of_the_new_things_is_completed(empty_sqlite: Database) -> None:
    # made between the rules landing and versioning: assign_rules exists, a column does not
    baseline.metadata.create_all(empty_sqlite.engine)
    AssignRule.__table__.create(empty_sqlite.engine)
    with empty_sqlite.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE leads ADD COLUMN warned_for DATETIME")
    fill_revision_1(empty_sqlite)
    assert migrate.upgrade(empty_sqlite).after == HEAD
    with empty_sqlite.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_an_unknown_unversioned_schema_is_left_alone(empty_sqlite: Database, cli_env: None) -> None:
    T["departments"].create(empty_sqlite.engine)
    T["users"].create(empty_sqlite.engine)
    result = run("db", "upgrade", "--db", path_of(empty_sqlite))
    assert result.exit_code == 2
    assert "cannot be upgraded" in result.stderr and "pools" in result.stderr
    assert not sa.inspect(empty_sqlite.engine).has_table("alembic_version")
    assert not sa.inspect(empty_sqlite.engine).has_table("pools")


# ----------------------------------------------------------------------------- the command line


def test_db_status_and_upgrade_on_the_command_line(empty_sqlite: Database, cli_env: None) -> None:
    path = path_of(empty_sqlite)
    baseline.metadata.create_all(empty_sqlite.engine)
    fill_revision_1(empty_sqlite)
    result = run("db", "status", "--db", path, "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status == {"db": path, "current": None, "head": HEAD, "versioned": False, "empty": False,
                      "up_to_date": False, "needs_upgrade": True, "too_new": False,
                      "status": "made by an older leadtui: run `leadtui db upgrade`", "readable_by_others": []}

    result = run("db", "upgrade", "--db", path)
    assert result.exit_code == 0, result.output
    assert "recognised as revision 0001" in result.stdout and "Applied 0002" in result.stdout
    assert f"now at revision {HEAD}" in result.stdout

    status = json.loads(run("db", "status", "--db", path, "--json").stdout)
    assert (status["current"], status["up_to_date"], status["needs_upgrade"]) == (HEAD, True, False)
    result = run("db", "status", "--db", path)
    assert "up to date" in result.stdout and f"Schema revision: {HEAD}" in result.stdout
    result = run("db", "upgrade", "--db", path, "--json")
    assert json.loads(result.stdout)["applied"] == []
    # and the store commands work again
    result = run("leads", "list", "--screen", "converted", "--json", "--db", path)
    assert result.exit_code == 0, result.output
    assert [r["order_no"] for r in json.loads(result.stdout)] == ["L20261119-000001"]


def test_the_cli_and_the_console_refuse_an_outdated_database(empty_sqlite: Database, cli_env: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = path_of(empty_sqlite)
    migrate.upgrade(empty_sqlite, BASELINE)
    fill_revision_1(empty_sqlite)
    for args in (["leads", "list"], ["rules", "run"], ["users", "add", "x", "--name", "X"]):
        result = run(*args, "--db", path)
        assert result.exit_code == 2, (args, result.output)
        assert f"run `leadtui db upgrade --db {path}`" in result.stderr
        assert "schema 0001" in result.stderr
    result = run("leads", "list", "--json", "--db", path)
    assert result.exit_code == 2 and "leadtui db upgrade" in json.loads(result.stdout)["error"]

    import leadtui.app

    class NoConsole:
        def __init__(self, *_args: object) -> None:
            raise AssertionError("the console started on an outdated database")

    monkeypatch.setattr(leadtui.app, "LeadApp", NoConsole)
    result = run("--db", path)
    assert result.exit_code == 2 and "leadtui db upgrade" in result.stderr
    # unversioned: the same refusal
    with empty_sqlite.engine.begin() as conn:
        conn.execute(version_table.delete())
        conn.execute(sa.text("DROP TABLE alembic_version"))
    result = run("leads", "list", "--db", path)
    assert result.exit_code == 2 and "older leadtui" in result.stderr and "leadtui db upgrade" in result.stderr
    result = run("init", "--db", path)
    assert result.exit_code == 2 and "leadtui db upgrade" in result.stderr


def test_a_database_newer_than_this_leadtui_is_refused(sqlite_db: Database, cli_env: None) -> None:
    path = path_of(sqlite_db)
    with sqlite_db.engine.begin() as conn:
        conn.execute(version_table.update().values(version_num="9999_future"))
    for args in (["leads", "list"], ["db", "upgrade"]):
        result = run(*args, "--db", path)
        assert result.exit_code == 2 and "upgrade leadtui" in result.stderr, result.output
    status = json.loads(run("db", "status", "--json", "--db", path).stdout)
    assert (status["too_new"], status["needs_upgrade"], status["up_to_date"]) == (True, False, False)


def test_new_databases_are_versioned_and_up_to_date(db: Database, cli_env: None, tmp_path) -> None:  # noqa: ANN001
    state = schema_state(db.engine)
    assert (state.current, state.up_to_date, state.needs_upgrade) == (HEAD, True, False)
    db.create_schema()  # again: nothing to do
    assert schema_state(db.engine).up_to_date
    url = f"sqlite:///{tmp_path}/new.db"
    assert run("init", "--db", url).exit_code == 0
    status = json.loads(run("db", "status", "--json", "--db", url).stdout)
    assert (status["current"], status["up_to_date"], status["status"]) == (HEAD, True, "up to date")
    result = run("db", "upgrade", "--db", url)
    assert result.exit_code == 0 and "nothing to do" in result.stdout


def test_an_empty_database_says_so(empty_sqlite: Database, cli_env: None) -> None:
    with empty_sqlite.engine.connect():  # the file exists, empty (a missing one is refused, nothing made)
        pass
    status = json.loads(run("db", "status", "--json", "--db", path_of(empty_sqlite)).stdout)
    assert (status["empty"], status["current"], status["needs_upgrade"]) == (True, None, False)


def test_demo_upgrades_an_older_demo_database(empty_sqlite: Database, cli_env: None) -> None:
    path = path_of(empty_sqlite)
    baseline.metadata.create_all(empty_sqlite.engine)
    fill_revision_1(empty_sqlite)  # its counters say: a demo of 2 leads
    before = snapshot(empty_sqlite)
    result = run("demo", "--leads", "2", "--no-tui", "--db", path)
    assert result.exit_code == 0, result.output
    assert f"schema revision {HEAD}" in result.stderr
    assert_upgraded(empty_sqlite, before)
