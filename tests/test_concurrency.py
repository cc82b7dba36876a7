"""Many operators, one database (SPEC 3, issue 3): real processes claiming at once.

Eight processes (`python -c`, each its own interpreter and connection pool), seven
members of one pool — two of the processes are the same member, so one user's own
claims run in parallel — claim from the same 500 pooled leads in small random
batches until there is nothing left for them. The pool's limit (a holding cap, or
a daily claim limit) lets the seven take 490 of the 500 together, so every one of
them runs into it while the others are still claiming.

Afterwards: every process exited 0 and none saw "database is locked" or any other
exception; replaying the audit trail, no lead was claimed twice and each claim
found the lead without an owner; nobody holds or claimed more than the limit; the
lead table and the audit trail agree, and with what the processes reported.

On a SQLite file always; on PostgreSQL when LEADTUI_TEST_PG is set (the `db`
fixture's own schema: its URL carries the search_path, and the children use it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from leadtui.store.db.engine import Database
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Lead, User
from tests.factories import NOW, make_pool, make_user

LEADS = 500
LIMIT = 70  # per member: 7 members × 70 = 490 < 500
MEMBERS = [f"m{i}" for i in range(1, 8)]
PROCESSES = MEMBERS + ["m7"]  # m7 claims from two processes at once
ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, random, sys, time, traceback
from datetime import datetime

def main():
    url, login, pool_id, seed, now = sys.argv[1:6]
    from leadtui import clock, i18n
    clock.freeze(datetime.fromisoformat(now))
    i18n.set_language("en")
    from leadtui.store.db.engine import Database
    from leadtui.store.records import LeadQuery
    from leadtui.store.service import Store

    db = Database(url)
    store = Store(db, login)
    rng = random.Random(int(seed))
    query = LeadQuery(screen="pool", pool_id=int(pool_id), statuses=("pooled",))
    print("ready", flush=True)
    sys.stdin.readline()  # everyone starts together
    done, batches, reasons = [], 0, {}
    deadline = time.monotonic() + 60
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("still claiming after 60 s")
        free = store.lead_ids(query)
        if not free:
            break
        batch = rng.sample(free, min(len(free), rng.randint(1, 8)))
        result = store.claim_leads(batch)
        batches += 1
        done.extend(result.done)
        for refusal in result.refused:
            reasons[refusal.reason] = reasons.get(refusal.reason, 0) + 1
        if not result.done and result.refused and all("allowed" in r.reason for r in result.refused):
            break  # at the limit: nothing more for this member
    db.dispose()
    print(json.dumps({"login": login, "done": done, "batches": batches, "reasons": reasons}), flush=True)

try:
    main()
except BaseException:
    traceback.print_exc()
    sys.stdout.flush()
    sys.exit(1)
"""


def bulk_pooled(db: Database, pool_id: int, n: int) -> list[int]:
    """n pooled leads in one transaction (the store's own derived columns)."""
    with db.write() as session:
        numbers = intake.next_order_numbers(session, NOW, n)
        rows = [intake.lead_values({"contact": f"Race {i}", "mobile": f"137{i:08d}"}, pool_id=pool_id,
                                   order_no=numbers[i], submitted_at=NOW) for i in range(n)]
        session.execute(insert(Lead.__table__), rows)
        return list(session.scalars(select(Lead.id).where(Lead.pool_id == pool_id).order_by(Lead.id)))


def run_claimers(url: str, pool_id: int) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, url, login, str(pool_id), str(seed), NOW.isoformat()],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env=env)
             for seed, login in enumerate(PROCESSES)]
    try:
        for proc in procs:  # wait until each has imported and connected
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.wait(timeout=30)
                pytest.fail(f"a claimer did not start: {line}{proc.stdout.read()}{proc.stderr.read()}")  # type: ignore[union-attr]
        started = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=90) for proc in procs]
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    reports = []
    for login, proc, (stdout, stderr) in zip(PROCESSES, procs, outputs):
        assert "database is locked" not in stdout + stderr, f"{login}: {stderr}"
        assert "Traceback" not in stderr, f"{login} died:\n{stderr}"
        assert proc.returncode == 0, f"{login} exited {proc.returncode}:\n{stdout}\n{stderr}"
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    print(f"{len(procs)} claimers finished in {elapsed:.1f} s: "
          + ", ".join(f"{r['login']} {len(r['done'])} in {r['batches']} batches" for r in reports))
    return reports


@pytest.mark.parametrize("limit", ["holding_cap", "daily_claim_limit"])
def test_parallel_claims_never_double_assign_nor_pass_the_limit(db: Database, limit: str) -> None:
    for login in MEMBERS:
        make_user(db, login, "sales")
    pool = make_pool(db, "Race", members=MEMBERS, **{limit: LIMIT})
    leads = bulk_pooled(db, pool, LEADS)
    assert len(leads) == LEADS

    reports = run_claimers(db.url, pool)

    with db.read() as session:
        logins = dict(session.execute(select(User.id, User.login)).all())
        owner_of = dict(session.execute(select(Lead.id, Lead.owner_id).where(Lead.pool_id == pool)).all())
        status_of = dict(session.execute(select(Lead.id, Lead.status).where(Lead.pool_id == pool)).all())
        claims = session.execute(select(AuditEvent).where(AuditEvent.entity == "lead", AuditEvent.action == "claim")
                                 .order_by(AuditEvent.id)).scalars().all()
        other_changes = session.scalar(select(AuditEvent.id).where(
            AuditEvent.entity == "lead", AuditEvent.action.not_in(["claim", "create"])).limit(1))
    assert other_changes is None

    # Replay the audit trail per lead: at most one claim each, and it found the lead free.
    per_lead: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in claims:
        per_lead[event.entity_id].append(event)
    twice = {lead: [logins[e.actor_id] for e in evs] for lead, evs in per_lead.items() if len(evs) > 1}
    assert twice == {}, f"leads with two owners in the audit trail: {twice}"
    for lead, [event] in per_lead.items():
        before, after = json.loads(event.before), json.loads(event.after)
        assert before["owner_id"] is None and before["status"] == "pooled"
        assert after["owner_id"] == event.actor_id
        assert owner_of[lead] == event.actor_id and status_of[lead] == "assigned"
    # The lead table says the same: every assigned lead has its one claim.
    assert {lead for lead, owner in owner_of.items() if owner is not None} == set(per_lead)

    # Nobody passes the limit; together they took all they were allowed.
    held = Counter(logins[owner] for owner in owner_of.values() if owner is not None)
    claimed = Counter(logins[e.actor_id] for e in claims)
    assert held == claimed
    assert max(held.values()) <= LIMIT, held
    assert held == Counter({login: LIMIT for login in MEMBERS}), held
    assert sum(1 for owner in owner_of.values() if owner is None) == LEADS - LIMIT * len(MEMBERS)

    # What the processes were told matches the trail (m7's two processes together).
    told: Counter[str] = Counter()
    for report in reports:
        told[str(report["login"])] += len(report["done"])  # type: ignore[arg-type]
    assert told == claimed
    assert sorted(i for r in reports for i in r["done"]) == sorted(per_lead)  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- two admins assigning at once

ASSIGNERS = {"admin1": ["a1", "a2"], "admin2": ["b1", "b2"]}
ASSIGN_LEADS = 150

ASSIGN_CHILD = r"""
import json, random, sys, traceback
from datetime import datetime

def main():
    url, login, targets, pool_id, seed, now = sys.argv[1:7]
    from leadtui import clock, i18n
    clock.freeze(datetime.fromisoformat(now))
    i18n.set_language("en")
    from leadtui.store.db.engine import Database
    from leadtui.store.records import LeadQuery
    from leadtui.store.service import Store

    db = Database(url)
    store = Store(db, login)
    rng = random.Random(int(seed))
    # What the operator sees: the pool's pooled leads (as the console lists them).
    seen = store.lead_ids(LeadQuery(screen="pool", pool_id=int(pool_id), statuses=("pooled",)))
    rng.shuffle(seen)
    print("ready", flush=True)
    sys.stdin.readline()  # both start together
    done, refused = [], {}
    while seen:
        batch = seen[:rng.randint(1, 12)]
        seen = seen[len(batch):]
        result = store.assign_leads(batch, targets.split(","), seen_pooled=batch)
        done.extend(result.done)
        for refusal in result.refused:
            refused[refusal.reason] = refused.get(refusal.reason, 0) + 1
    db.dispose()
    print(json.dumps({"login": login, "done": done, "refused": refused}), flush=True)

try:
    main()
except BaseException:
    traceback.print_exc()
    sys.stdout.flush()
    sys.exit(1)
"""


def test_two_admins_assigning_the_same_leads_at_once_give_each_lead_once(db: Database) -> None:
    """Two admins (two processes) assign the same 150 pooled leads, each to their own
    two users, in small batches in their own order, at the same moment. Each lead
    goes to exactly one of them; the other is told it was taken (never takes it from
    its new owner); the audit trail holds one assignment per lead, from no owner."""
    for admin in ASSIGNERS:
        make_user(db, admin, "admin")
    for targets in ASSIGNERS.values():
        for login in targets:
            make_user(db, login, "sales")
    pool = make_pool(db, "Race", members=[u for targets in ASSIGNERS.values() for u in targets])
    leads = bulk_pooled(db, pool, ASSIGN_LEADS)

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs = {admin: subprocess.Popen([sys.executable, "-c", ASSIGN_CHILD, db.url, admin, ",".join(targets),
                                      str(pool), str(seed), NOW.isoformat()],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=ROOT, env=env)
             for seed, (admin, targets) in enumerate(ASSIGNERS.items())}
    try:
        for admin, proc in procs.items():
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.wait(timeout=30)
                pytest.fail(f"{admin} did not start: {line}{proc.stdout.read()}{proc.stderr.read()}")  # type: ignore[union-attr]
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = {admin: proc.communicate(timeout=90) for admin, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    reports = {}
    for admin, (stdout, stderr) in outputs.items():
        assert "database is locked" not in stdout + stderr, f"{admin}: {stderr}"
        assert "Traceback" not in stderr, f"{admin} died:\n{stderr}"
        assert procs[admin].returncode == 0, f"{admin} exited {procs[admin].returncode}:\n{stdout}\n{stderr}"
        reports[admin] = json.loads(stdout.strip().splitlines()[-1])

    # Exactly one of the two succeeded for each lead; the other was told it was taken.
    done = {admin: set(r["done"]) for admin, r in reports.items()}
    assert done["admin1"] & done["admin2"] == set()
    assert done["admin1"] | done["admin2"] == set(leads)
    for admin, report in reports.items():
        assert set(report["refused"]) <= {"taken by someone else"}, report["refused"]
        assert sum(report["refused"].values()) == ASSIGN_LEADS - len(done[admin])

    with db.read() as session:
        logins = dict(session.execute(select(User.id, User.login)).all())
        owner_of = dict(session.execute(select(Lead.id, Lead.owner_id).where(Lead.pool_id == pool)).all())
        assigns = session.execute(select(AuditEvent).where(AuditEvent.entity == "lead", AuditEvent.action == "assign")
                                  .order_by(AuditEvent.id)).scalars().all()
    per_lead: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in assigns:
        per_lead[event.entity_id].append(event)
    twice = {lead: [logins[e.actor_id] for e in evs] for lead, evs in per_lead.items() if len(evs) > 1}
    assert twice == {}, f"leads assigned twice (two owners in the audit trail): {twice}"
    assert set(per_lead) == set(leads)
    for lead, [event] in per_lead.items():
        before, after = json.loads(event.before), json.loads(event.after)
        admin = logins[event.actor_id]
        assert before["owner_id"] is None and before["status"] == "pooled"
        assert after["owner_id"] == owner_of[lead] and logins[owner_of[lead]] in ASSIGNERS[admin]
        assert lead in done[admin]
