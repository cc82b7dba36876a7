"""`leadtui bench batch`: how fast the pool actions handle a big batch (issue 3).

It builds a database (a fresh SQLite file in a temporary directory, or the `--db`
given) with an admin, two sales users and two pools of N pooled leads each, then
times three batch actions on the first pool, each one call of the store and so one
transaction with its audit events:

    assign   all N to the two sales users (round-robin)    Store.assign_leads
    reclaim  all N back into the pool                       Store.reclaim_leads
    claim    all N by one member (the pool has no cap)      Store.claim_leads

and, in the same run, the same three actions done the NAIVE way on the second
pool: one ORM load-and-save per lead, each in its own transaction with its own
audit row (`_naive_*` below). The naive loop checks nothing but the lead's state;
it is the baseline the batch code has to beat, not a second implementation.

Nothing here asserts a timing (GUIDE, Tests): it measures and prints.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from leadtui import clock
from leadtui.store.db.engine import Database
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Lead
from leadtui.store.pools import settings as pools
from leadtui.store.service import Store
from leadtui.store.users import accounts as users

ACTIONS = ("assign", "reclaim", "claim")
_INSERT_CHUNK = 5000


@dataclass(frozen=True)
class Figure:
    """One action: seconds the store's batch took, seconds the naive loop took."""

    action: str
    leads: int
    leadtui_s: float
    naive_s: float | None

    @property
    def ratio(self) -> float | None:
        if self.naive_s is None or self.leadtui_s <= 0:
            return None
        return self.naive_s / self.leadtui_s

    @property
    def leadtui_per_s(self) -> float:
        return self.leads / self.leadtui_s if self.leadtui_s > 0 else float("inf")

    @property
    def naive_per_s(self) -> float | None:
        if self.naive_s is None:
            return None
        return self.leads / self.naive_s if self.naive_s > 0 else float("inf")


@dataclass
class BenchReport:
    url: str
    leads: int
    figures: list[Figure] = field(default_factory=list)
    # What the run made, so a caller (the test) can check the database afterwards.
    pool_ids: dict[str, int] = field(default_factory=dict)  # "fast" / "naive" -> pool id
    lead_ids: dict[str, list[int]] = field(default_factory=dict)  # "fast" / "naive" -> ids
    logins: dict[str, str] = field(default_factory=dict)  # "admin", "sales1", "sales2" -> login
    user_ids: dict[str, int] = field(default_factory=dict)  # the same keys -> user id
    summaries: dict[str, str] = field(default_factory=dict)  # action -> BatchResult.summary

    def figure(self, action: str) -> Figure:
        return next(f for f in self.figures if f.action == action)


# ----------------------------------------------------------------------------- setup


def _setup(db: Database, n: int, tag: str) -> BenchReport:
    report = BenchReport(db.url, n)
    report.logins = {"admin": f"bench_admin_{tag}", "sales1": f"bench_s1_{tag}", "sales2": f"bench_s2_{tag}"}
    now = clock.now()
    with db.write() as session:
        ids = report.user_ids
        ids["admin"] = users._create(session, None, report.logins["admin"], "Bench Admin", "admin", None).id
        ids["sales1"] = users._create(session, None, report.logins["sales1"], "Bench One", "sales", None).id
        ids["sales2"] = users._create(session, None, report.logins["sales2"], "Bench Two", "sales", None).id
        for which in ("fast", "naive"):
            pool = pools.create_pool(session, f"bench-{which}-{tag}", admins=[ids["admin"]],
                                     member_users=[ids["sales1"], ids["sales2"]], protect_days=30)
            report.pool_ids[which] = pool.id
            order_nos = intake.next_order_numbers(session, now, n)
            rows = [intake.lead_values({"contact": f"Bench {which} {i}", "mobile": f"139{i:08d}",
                                        "company": f"Bench Co {i % 97}"},
                                       pool_id=pool.id, order_no=order_nos[i], submitted_at=now)
                    for i in range(n)]
            for start in range(0, n, _INSERT_CHUNK):
                session.execute(insert(Lead.__table__), rows[start:start + _INSERT_CHUNK])
            report.lead_ids[which] = list(session.scalars(
                select(Lead.id).where(Lead.pool_id == pool.id).order_by(Lead.id)))
    return report


# ----------------------------------------------------------------------------- naive baseline
# NAIVE on purpose: one transaction per lead, the lead loaded and saved through the
# ORM, one audit row added per lead. This is what the batch code is measured against.


def _naive_each(db: Database, ids: list[int], actor_id: int, action: str,
                change: Callable[[Lead], dict[str, object] | None]) -> None:
    for lead_id in ids:
        with db.write() as session:
            lead = session.get(Lead, lead_id)
            if lead is None:
                continue
            before = {"owner_id": lead.owner_id, "pool_id": lead.pool_id, "status": lead.status}
            after = change(lead)
            if after is None:
                continue
            session.add(AuditEvent(at=clock.now(), actor_id=actor_id, action=action, entity="lead",
                                   entity_id=lead.id, before=json.dumps(before), after=json.dumps(after),
                                   reason="", batch_id="", pool_id=lead.pool_id))


def _naive_assign(db: Database, ids: list[int], actor_id: int, targets: list[int]) -> None:
    turn = iter(range(len(ids)))

    def change(lead: Lead) -> dict[str, object] | None:
        if lead.status != "pooled" or lead.owner_id is not None:
            return None
        lead.owner_id = targets[next(turn) % len(targets)]
        lead.status, lead.assigned_at = "assigned", clock.now()
        return {"owner_id": lead.owner_id, "pool_id": lead.pool_id, "status": lead.status}

    _naive_each(db, ids, actor_id, "assign", change)


def _naive_reclaim(db: Database, ids: list[int], actor_id: int) -> None:
    def change(lead: Lead) -> dict[str, object] | None:
        if lead.status != "assigned" or lead.owner_id is None:
            return None
        lead.previous_owner_id, lead.released_at = lead.owner_id, clock.now()
        lead.owner_id, lead.status, lead.assigned_at, lead.protect_until = None, "pooled", None, None
        return {"owner_id": None, "pool_id": lead.pool_id, "status": lead.status}

    _naive_each(db, ids, actor_id, "reclaim", change)


def _naive_claim(db: Database, ids: list[int], actor_id: int) -> None:
    def change(lead: Lead) -> dict[str, object] | None:
        if lead.status != "pooled" or lead.owner_id is not None:
            return None
        lead.owner_id, lead.status, lead.assigned_at = actor_id, "assigned", clock.now()
        return {"owner_id": actor_id, "pool_id": lead.pool_id, "status": lead.status}

    _naive_each(db, ids, actor_id, "claim", change)


# ----------------------------------------------------------------------------- the run


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run_batch_bench(n: int = 10_000, url: str | None = None, naive: bool = True,
                    progress: Callable[[str], None] | None = None) -> BenchReport:
    """Build the data, time the three batch actions and the naive loops; return the
    figures. `url` None: a fresh SQLite file in a temporary directory (removed after)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    say = progress or (lambda _msg: None)
    tmp = None
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="leadtui-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    db = Database(url)
    try:
        db.create_schema()
        tag = uuid.uuid4().hex[:8]  # lets the bench run again on the same --db
        say(f"building {n:,} + {n:,} pooled leads in {db.describe()}…")
        report = _setup(db, n, tag)
        admin = Store(db, report.logins["admin"])
        sales1 = Store(db, report.logins["sales1"])
        targets = [report.logins["sales1"], report.logins["sales2"]]
        fast, slow = report.lead_ids["fast"], report.lead_ids["naive"]
        steps: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("assign", lambda: admin.assign_leads(fast, targets),
             lambda: _naive_assign(db, slow, admin.actor.id, [report.user_ids["sales1"], report.user_ids["sales2"]])),
            ("reclaim", lambda: admin.reclaim_leads(fast),
             lambda: _naive_reclaim(db, slow, admin.actor.id)),
            ("claim", lambda: sales1.claim_leads(fast),
             lambda: _naive_claim(db, slow, sales1.actor.id)),
        ]
        for action, batch, loop in steps:
            say(f"{action}: leadtui…")
            seconds, result = _timed(batch)
            report.summaries[action] = getattr(result, "summary", "")
            naive_s = None
            if naive:
                say(f"{action}: naive…")
                naive_s, _ = _timed(loop)
            report.figures.append(Figure(action, n, seconds, naive_s))
        return report
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


def table_rows(report: BenchReport) -> list[list[str]]:
    """The printed table: action, leadtui s, naive s, ratio, leads/s (both)."""
    rows = []
    for f in report.figures:
        rows.append([
            f.action, f"{f.leadtui_s:.3f}", "—" if f.naive_s is None else f"{f.naive_s:.3f}",
            "—" if f.ratio is None else f"{f.ratio:.0f}×", f"{f.leadtui_per_s:,.0f}",
            "—" if f.naive_per_s is None else f"{f.naive_per_s:,.0f}",
        ])
    return rows


TABLE_COLUMNS = ["action", "leadtui s", "naive s", "ratio", "leadtui leads/s", "naive leads/s"]


def as_json(report: BenchReport) -> dict[str, object]:
    return {"db": report.url if not report.url.startswith("sqlite") else "sqlite", "leads": report.leads,
            "figures": [{"action": f.action, "leadtui_s": round(f.leadtui_s, 4),
                         "naive_s": None if f.naive_s is None else round(f.naive_s, 4),
                         "ratio": None if f.ratio is None else round(f.ratio, 1),
                         "leadtui_leads_per_s": round(f.leadtui_per_s), "summary": report.summaries.get(f.action)}
                        for f in report.figures]}


