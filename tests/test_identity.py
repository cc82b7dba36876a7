"""Who the operator is, and what only an admin may change about it (issue 13, items 1–2).

The identity is the real uid's account, never LOGNAME/USER; `--now` is honoured for
an admin only and refused before anything runs; the audit trail keeps the admin
behind an `--as` and the wall clock behind a `--now`.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadtui import clock, config
from leadtui.cli import app
from leadtui.store.db.engine import Database
from leadtui.store.models import AuditEvent, Lead
from tests.factories import NOW, make_lead, make_pool, make_user

runner = CliRunner()
ME = pwd.getpwuid(os.getuid()).pw_name


def test_the_operator_is_the_real_uid_not_the_environment(monkeypatch) -> None:  # noqa: ANN001
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "root" if ME != "root" else "someone.else")
    assert config.os_login() == ME


def _leadtui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """leadtui in a process of its own, as the user running the tests."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEADTUI_")}
    return subprocess.run([sys.executable, "-m", "leadtui", *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=120)


@pytest.fixture
def sales_world(tmp_path) -> str:  # noqa: ANN001
    """A database where the account running the tests is a sales user and `boss` an admin."""
    path = str(tmp_path / "id.db")
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    make_user(db, "boss", "admin")
    make_user(db, ME, "sales")
    pool = make_pool(db, "North", admins=["boss"], members=[ME], daily_claim_limit=1, cooldown_days=30)
    for n in range(3):
        make_lead(db, pool, contact=f"Lead {n}")
    db.dispose()
    return path


def test_logname_does_not_make_a_sales_user_an_admin(sales_world: str) -> None:
    forged = {"LOGNAME": "boss", "USER": "boss"}
    done = _leadtui("--db", sales_world, "users", "add", "evil", "--name", "Evil", "--role", "admin", env=forged)
    assert done.returncode == 1 and "Only an admin may add users" in done.stderr
    db = Database(f"sqlite:///{sales_world}")
    with db.read() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "create",
                                                          AuditEvent.entity == "user",
                                                          AuditEvent.after.like('%"evil"%'))) is None
    db.dispose()


def test_now_is_refused_to_a_sales_user_before_anything_runs(sales_world: str) -> None:
    db = Database(f"sqlite:///{sales_world}")
    with db.read() as session:
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        pooled = list(session.scalars(select(Lead.id).order_by(Lead.id)))
    # Tomorrow's daily limit would let them claim a second lead today.
    done = _leadtui("--db", sales_world, "--now", "2030-01-01T09:00", "claim", str(pooled[0]))
    assert done.returncode == 2 and "Only an admin may run leadtui with --now" in done.stderr
    done = _leadtui("--db", sales_world, "--now", "2030-01-01T09:00", "rules", "run")
    assert done.returncode == 2
    with db.read() as session:
        assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == before
        assert session.scalar(select(Lead.owner_id).where(Lead.id == pooled[0])) is None
    db.dispose()


def test_now_is_refused_where_no_user_acts(sales_world: str) -> None:
    done = _leadtui("--db", sales_world, "--now", "2030-01-01", "db", "status")
    assert done.returncode == 2 and "--now is for commands that act as a leadtui user" in done.stderr


@pytest.fixture
def cli_admin(tmp_path, monkeypatch) -> str:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    url = f"sqlite:///{tmp_path}/cli.db"
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    db = Database(url)
    make_user(db, "li", "sales")
    pool = make_pool(db, "North", admins=["boss"], members=["li"])
    make_lead(db, pool, contact="张伟")
    db.dispose()
    return url


def test_an_admins_now_is_honoured_and_the_trail_keeps_the_wall_clock(cli_admin: str) -> None:
    clock.freeze(None)  # the wall clock, as a real run has it
    done = runner.invoke(app, ["--db", cli_admin, "--now", "2027-03-01T08:00", "claim", "1", "--as", "li"])
    assert done.exit_code == 0, done.output
    events = json.loads(runner.invoke(app, ["--db", cli_admin, "audit", "--lead", "1", "--json"]).stdout)
    claim = next(e for e in events if e["action"] == "claim")
    assert claim["at"] == "2027-03-01 08:00:00"
    wall = datetime.fromisoformat(claim["wall_at"])
    assert abs((wall - datetime.utcnow()).total_seconds()) < 120  # noqa: DTZ003 - naive UTC, as stored
    # under --as: the user acted for, and the admin who did it
    assert claim["actor"] == "li" and claim["operator"] == "boss"
    table = runner.invoke(app, ["--db", cli_admin, "audit", "--lead", "1"], env={"COLUMNS": "200"}).stdout
    assert "li (by boss)" in table and "(really " in table


def test_without_as_or_now_the_trail_names_no_one_else(cli_admin: str) -> None:
    assert runner.invoke(app, ["--db", cli_admin, "claim", "1"]).exit_code == 0
    db = Database(cli_admin)
    with db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "claim")).one()
        assert event.operator_id is None and event.at == NOW
    db.dispose()


def test_as_is_recorded_by_the_store_for_every_write(world) -> None:  # noqa: ANN001
    store = world.store("boss", as_login="li")
    assert store.actor.login == "li" and store.operator.login == "boss"
    store.add_followup(world.leads["n_li"], "note", "called as li")
    with world.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "followup")).one()
        assert (event.actor_id, event.operator_id) == (world.users["li"].id, world.users["boss"].id)
    # li's own store writes no operator
    world.store("li").add_followup(world.leads["n_li"], "note", "myself")
    with world.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "followup")
                                 .order_by(AuditEvent.id)).all()
        assert events[-1].operator_id is None


def test_a_rules_run_names_the_admin_who_ran_it(world) -> None:  # noqa: ANN001
    from datetime import timedelta

    from sqlalchemy import update

    from leadtui.store.models import Pool

    with world.db.write() as session:  # li's North lead is a day past its protection
        session.execute(update(Lead).where(Lead.id == world.leads["n_li"]).values(protect_until=NOW - timedelta(days=1)))
        session.execute(update(Pool).values(protect_days=7))
    report = world.store("boss").run_rules()
    assert world.leads["n_li"] in report.recycled_leads
    with world.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "recycle")).one()
        assert (event.actor_id, event.operator_id) == (None, world.users["boss"].id)
