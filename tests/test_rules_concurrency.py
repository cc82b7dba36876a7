"""Two `leadtui rules run` at the same moment (SPEC 5): each piece of work is done once.

Four real processes run the command line's `rules run --json` together against a
database where 1,500 leads and 300 customers are past their protection and 600 leads
near its end. Afterwards every recycle has exactly one audit event and each owner one
notification per kind, every warning went out once, and what the processes reported
adds up to the work, without overlap. On SQLite always; on PostgreSQL when
LEADTUI_TEST_PG is set.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from leadtui.store.db.engine import Database
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Customer, Lead, Notification, User
from tests.factories import NOW, make_pool, make_user
from tests.test_customers import make_customers, make_sea

ROOT = Path(__file__).resolve().parents[1]
OWNERS = ["li", "wang", "zhao", "sun"]
DUE, NEAR, CUSTOMERS, PROCESSES = 1500, 600, 300, 4
RUN_AT = NOW + timedelta(days=10)

# The processes run as the account running the tests (the real uid is the operator):
# it is the admin that --now needs.
ADMIN = pwd.getpwuid(os.getuid()).pw_name

CHILD = r"""
import sys
print("ready", flush=True)
sys.stdin.readline()
from leadtui.cli import main
sys.argv = ["leadtui", *sys.argv[1:]]
main()
"""


def _world(db: Database) -> None:
    make_user(db, ADMIN, "admin")
    for login in OWNERS:
        make_user(db, login, "sales")
    pool = make_pool(db, "Race", members=OWNERS, protect_days=7, notify_before_days=2)
    sea = make_sea(db, "Sea", members=OWNERS, protect_days=7)
    with db.read() as session:
        ids = [session.scalar(select(User.id).where(User.login == login)) for login in OWNERS]
    with db.write() as session:
        n = DUE + NEAR
        numbers = intake.next_order_numbers(session, NOW, n)
        rows = []
        for i in range(n):
            row = intake.lead_values({"contact": f"Race {i}"}, pool_id=pool, order_no=numbers[i], submitted_at=NOW)
            until = RUN_AT - timedelta(hours=1) if i < DUE else RUN_AT + timedelta(days=1)
            row.update(owner_id=ids[i % len(ids)], status="assigned", assigned_at=NOW, protect_until=until)
            rows.append(row)
        session.execute(insert(Lead.__table__), rows)
    customers = make_customers(db, CUSTOMERS, sea=sea)
    with db.write() as session:
        for i, customer_id in enumerate(customers):
            session.execute(update(Customer).where(Customer.id == customer_id).values(
                owner_id=ids[i % len(ids)], status="following", assigned_at=NOW,
                protect_until=RUN_AT - timedelta(minutes=5)))


def _run_together(url: str) -> list[dict[str, object]]:
    env = {**os.environ, "LEADTUI_LANG": "en",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    args = ["--db", url, "--now", RUN_AT.isoformat(), "rules", "run", "--json"]
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env) for _ in range(PROCESSES)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    reports = []
    for proc, (stdout, stderr) in zip(procs, outputs):
        assert proc.returncode == 0, f"rules run exited {proc.returncode}:\n{stdout}\n{stderr}"
        assert "Traceback" not in stderr and "locked" not in stderr, stderr
        reports.append(json.loads(stdout))
    return reports


def test_concurrent_rule_runs_do_each_piece_of_work_once(db: Database) -> None:
    _world(db)
    reports = _run_together(db.url)

    def reported(key: str) -> list[int]:
        return sorted(i for r in reports for i in r[key])  # type: ignore[attr-defined]

    with db.read() as session:
        lead_due = set(session.scalars(select(Lead.id).where(Lead.status == "pooled")))
        recycles = Counter(session.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.action == "recycle", AuditEvent.entity == "lead")))
        customer_recycles = Counter(session.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.action == "recycle", AuditEvent.entity == "customer")))
        notices = Counter(session.execute(select(Notification.user_id, Notification.kind)).all())
        warned = set(session.scalars(select(Lead.id).where(Lead.warned_for.is_not(None))))
        still_owned = session.scalar(select(Lead.id).where(Lead.status == "assigned",
                                                           Lead.protect_until < RUN_AT).limit(1))
    assert len(lead_due) == DUE and still_owned is None
    assert set(recycles) == lead_due and max(recycles.values()) == 1
    assert len(customer_recycles) == CUSTOMERS and max(customer_recycles.values()) == 1
    assert len(warned) == NEAR
    # each owner: one notice per kind, from whichever run got there
    assert set(notices.values()) == {1}
    assert Counter(kind for _, kind in notices) == Counter(
        {"recycled": len(OWNERS), "customers_recycled": len(OWNERS), "recycle_warning": len(OWNERS)})
    # what the processes said adds up, with no overlap
    assert reported("recycled_leads") == sorted(lead_due)
    assert len(reported("recycled_customers")) == CUSTOMERS
    assert reported("warned_leads") == sorted(warned)
    print("work per process (recycled leads):", [len(r["recycled_leads"]) for r in reports])  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_lang_env(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    monkeypatch.delenv("LEADTUI_DB", raising=False)
