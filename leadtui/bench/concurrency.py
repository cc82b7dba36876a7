"""`leadtui bench concurrency`: many operators on one database at once (issue 8).

It builds a world of its own in the database (a fresh SQLite file in a temporary
directory unless `--db` names one; the logins and pools carry a fresh tag, so it can
run again on the same database): two pools of pooled leads, each with a holding cap
and one with a daily claim limit, a quarter of the workers their pool admins, the
others their members. Then that many worker processes (each its own interpreter and
connection) start together and, until the time is up, act as their user would:

    members      claim 1–5 pooled leads, add a follow-up to one of theirs, return
                 1–3 of theirs, convert one of theirs
    pool admins  assign 1–8 pooled leads to two members (round-robin, skipping anyone
                 at the cap), reclaim 1–8 assigned leads, add a follow-up

Refusals are part of the game (the cap, the daily limit, "taken by someone else", a
lead reclaimed before its owner's follow-up); anything else a store call raises is
an error, and a lock error ("database is locked", a deadlock, Busy) is what must
never be seen. Afterwards the figures — operations per second, and per action the
count, what it did and the latency p50 / p99 of the store call — and the checks,
replaying the audit trail of the bench's leads in order:

    one owner at a time     no claim took a lead someone held; an assignment moved a
                            held lead only from the owner who held it (a transfer)
    trail = state           each event starts from the state the previous one left,
                            and the last one is the lead's state in the table
    holding cap             no member ever held more than the cap in a pool
    daily limit             no member claimed more than the limit in a day
    conversions, follow-ups every converted lead has its customer; the follow-ups
                            in the trail are the follow-ups in the table
    no unhandled errors     no worker saw a lock error, nor any other error

Nothing here asserts a timing (GUIDE, Tests): it measures and prints.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import queue as queue_module
import random
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = ("claim", "return", "assign", "reclaim", "followup", "convert")
LEADS_PER_POOL = 3000
HOLDING_CAP = 12
DAILY_LIMIT = 40  # on the second pool: members reach it within the run
LOCK_WORDS = ("locked", "deadlock", "busy", "lock timeout", "could not serialize", "lock_timeout")


@dataclass
class Plan:
    url: str
    tag: str
    pools: dict[str, int]  # name -> id
    admins: list[str]
    members: list[str]
    lead_ids: list[int]


@dataclass
class ActionFigure:
    action: str
    calls: int = 0
    done: int = 0  # leads (or follow-ups, conversions) it changed
    refused: int = 0  # calls or leads refused by a rule
    latencies: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)  # nearest rank
        return ordered[min(len(ordered), max(1, math.ceil(p / 100 * len(ordered)))) - 1]


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class ConcurrencyReport:
    url: str
    workers: int
    seconds: float
    elapsed: float = 0.0
    figures: dict[str, ActionFigure] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what workers saw that was not a refusal
    plan: Plan | None = None

    @property
    def calls(self) -> int:
        return sum(f.calls for f in self.figures.values())

    @property
    def ops_per_s(self) -> float:
        return self.calls / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


# ----------------------------------------------------------------------------- setup


def _setup(url: str, workers: int, tag: str, leads_per_pool: int) -> Plan:
    from leadtui.store.db.engine import Database
    from leadtui.store.leads import intake
    from leadtui.store.pools import settings as pools
    from leadtui.store.users import accounts as users

    db = Database(url)
    try:
        db.create_schema()
        n_admins = max(1, workers // 4) if workers > 1 else 0
        admins = [f"bench_a{i}_{tag}" for i in range(n_admins)]
        members = [f"bench_m{i}_{tag}" for i in range(workers - n_admins)]
        lead_ids: list[int] = []
        plan_pools: dict[str, int] = {}
        with db.write() as session:
            admin_ids = [users._create(session, None, login, f"Admin {i}", "sales", None).id
                         for i, login in enumerate(admins)]
            member_ids = [users._create(session, None, login, f"Member {i}", "sales", None).id
                          for i, login in enumerate(members)]
            for index, name in enumerate((f"bench-east-{tag}", f"bench-west-{tag}")):
                pool = pools.create_pool(session, name, admins=admin_ids, member_users=member_ids,
                                         holding_cap=HOLDING_CAP, daily_claim_limit=DAILY_LIMIT if index else None,
                                         protect_days=30, return_reasons="bench")
                plan_pools[name] = pool.id
                rows = [{"contact": f"Bench {tag} {index}-{i}", "mobile": f"15{index}{i:08d}",
                         "email": f"b{index}-{i}-{tag}@bench.example", "company": f"Bench Co {i % 89}"}
                        for i in range(leads_per_pool)]
                lead_ids += intake.add_leads(session, rows, pool_id=pool.id, source="inquiry", auto_assign=False,
                                             batch_id=f"bench-{tag}")
        return Plan(url, tag, plan_pools, admins, members, lead_ids)
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- a worker


def _is_lock_error(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in LOCK_WORDS)


def worker_main(config: dict[str, Any], ready: Any, go: Any) -> dict[str, Any]:
    """One process: act as `login` until `seconds` have passed after `go` is set."""
    from leadtui import i18n
    from leadtui.store.db.engine import Database
    from leadtui.store.errors import DatabaseFault, StoreError
    from leadtui.store.records import LeadQuery
    from leadtui.store.service import Store

    i18n.set_language("en")
    login, is_admin, members = config["login"], config["admin"], config["members"]
    pool_ids: list[int] = list(config["pools"].values())
    rng = random.Random(config["seed"])
    db = Database(config["url"])
    store = Store(db, login)
    figures = {action: ActionFigure(action) for action in ACTIONS}
    errors: list[str] = []
    ready()
    go.wait()
    started = time.monotonic()
    deadline = started + float(config["seconds"])

    def pooled(pool_id: int) -> list[int]:
        return store.lead_ids(LeadQuery(screen="pool", pool_id=pool_id, owner="-", statuses=("pooled",)))

    def held(pool_id: int, owner: str | None = login) -> list[int]:
        return store.lead_ids(LeadQuery(screen="pool", pool_id=pool_id, owner=owner, statuses=("assigned",)))

    def some(ids: list[int], most: int) -> list[int]:
        return rng.sample(ids, min(len(ids), rng.randint(1, most))) if ids else []

    # The first round does each of the role's actions once (so even a short run
    # exercises all six), then the dice decide.
    script = ["assign", "reclaim", "followup"] if is_admin else ["claim", "followup", "convert", "return"]
    while time.monotonic() < deadline:
        scripted = bool(script)
        pool_id = pool_ids[0] if scripted else rng.choice(pool_ids)
        roll = rng.random()
        try:
            if is_admin:
                action = script.pop(0) if script else \
                    "assign" if roll < 0.45 else "reclaim" if roll < 0.85 else "followup"
            else:
                mine = held(pool_id)
                action = script.pop(0) if script else \
                    "claim" if roll < 0.45 or not mine else "followup" if roll < 0.70 else \
                    "return" if roll < 0.90 else "convert"
            if action == "assign":
                ids = pooled(pool_id)[:4] if scripted else some(pooled(pool_id), 8)
                call = (lambda ids=ids: store.assign_leads(ids, rng.sample(members, min(2, len(members)))))
            elif action == "reclaim":
                ids = some(held(pool_id, None), 8)
                call = (lambda ids=ids: store.reclaim_leads(ids, "bench"))
            elif action == "followup" and is_admin:
                ids = some(held(pool_id, None), 1)
                call = (lambda ids=ids: store.add_followup(ids[0], "note", "checked by the pool admin"))
            elif action == "claim":
                free = pooled(pool_id)
                ids = rng.sample(free, min(len(free), 3)) if scripted else some(free, 5)
                call = (lambda ids=ids: store.claim_leads(ids))
            elif action == "followup":
                ids = some(held(pool_id), 1)
                call = (lambda ids=ids: store.add_followup(ids[0], "call", "bench call", 60, "call back"))
            elif action == "return":
                ids = some(held(pool_id), 3)
                call = (lambda ids=ids: store.return_leads(ids, "bench"))
            else:
                ids = some(held(pool_id), 1)
                call = (lambda ids=ids: store.convert_lead(ids[0]))
        except Exception as exc:  # noqa: BLE001 — a failed look-up is an error like any other
            errors.append(f"pick: {type(exc).__name__}: {exc}")
            continue
        if not ids:
            continue
        figure = figures[action]
        began = time.perf_counter()
        try:
            result = call()
        except DatabaseFault as exc:
            errors.append(f"{action}: {type(exc).__name__}: {exc}")
            continue
        except StoreError:
            figure.latencies.append(time.perf_counter() - began)
            figure.calls += 1
            figure.refused += 1
            continue
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{action}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
            continue
        figure.latencies.append(time.perf_counter() - began)
        figure.calls += 1
        done = getattr(result, "done", None)
        if done is None:
            figure.done += 1  # a follow-up or a conversion
        else:
            figure.done += len(done)
            figure.refused += len(result.refused)
    elapsed = time.monotonic() - started
    db.dispose()
    return {"login": login, "elapsed": elapsed, "errors": errors,
            "figures": {a: {"calls": f.calls, "done": f.done, "refused": f.refused, "latencies": f.latencies}
                        for a, f in figures.items()}}


def _worker(config: dict[str, Any], queue: Any, go: Any) -> None:
    """The process's target: its report (or why it died) goes back on `queue`."""
    try:
        result = worker_main(config, lambda: queue.put(("ready", config["login"])), go)
    except BaseException:  # noqa: BLE001 — the parent reads what went wrong
        result = {"login": config["login"], "elapsed": 0.0, "figures": {},
                  "errors": [f"worker died:\n{traceback.format_exc()}"]}
        queue.put(("ready", config["login"]))  # (if it died before it was)
    queue.put(("result", json.dumps(result)))


def _run_workers(plan: Plan, seconds: float, say: Any) -> tuple[list[dict[str, Any]], float]:
    # Forked where the system allows it: the workers start at once, with leadtui imported
    # (each makes its own engine and connections; nothing open is inherited: the parent
    # disposed of its engine after the setup).
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue, go = ctx.Queue(), ctx.Event()
    logins = [(login, True) for login in plan.admins] + [(login, False) for login in plan.members]
    procs = [ctx.Process(target=_worker, name=f"bench-{login}", daemon=True, args=(
        {"url": plan.url, "login": login, "admin": admin, "members": plan.members, "pools": plan.pools,
         "seconds": seconds, "seed": seed}, queue, go)) for seed, (login, admin) in enumerate(logins)]
    results: dict[str, dict[str, Any]] = {}
    try:
        for proc in procs:
            proc.start()
        readies = 0
        while readies < len(procs):  # each has connected (or died trying)
            kind, payload = queue.get(timeout=120)
            if kind == "ready":
                readies += 1
            else:
                result = json.loads(payload)
                results[result["login"]] = result
        say(f"{len(procs)} workers at work for {seconds:g} s…")
        started = time.monotonic()
        go.set()
        deadline = started + seconds + 120
        while len(results) < len(procs):
            try:
                kind, payload = queue.get(timeout=max(0.1, min(5.0, deadline - time.monotonic())))
            except queue_module.Empty:
                if time.monotonic() > deadline or all(not proc.is_alive() for proc in procs):
                    break
                continue
            if kind == "result":
                result = json.loads(payload)
                results[result["login"]] = result
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    for (login, _admin), proc in zip(logins, procs):
        if login not in results:
            results[login] = {"login": login, "elapsed": 0.0, "figures": {},
                              "errors": [f"worker ended (exit status {proc.exitcode}) without a report"]}
        elif proc.exitcode not in (0, None):
            results[login]["errors"].append(f"worker exited {proc.exitcode}")
    ordered = [results[login] for login, _admin in logins]
    run_time = max([r["elapsed"] for r in ordered] + [0.0]) or elapsed
    return ordered, run_time


def run_concurrency_bench(workers: int = 16, seconds: float = 30.0, url: str | None = None,
                          progress: Any = None, leads_per_pool: int | None = None) -> ConcurrencyReport:
    """Build the world, run the workers, check the invariants; return the figures.
    `url` None: a fresh SQLite file in a temporary directory (removed after)."""
    leads_per_pool = leads_per_pool or LEADS_PER_POOL
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if seconds <= 0:
        raise ValueError("seconds must be more than 0")
    say = progress or (lambda _msg: None)
    tmp = None
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="leadtui-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    try:
        tag = uuid.uuid4().hex[:8]
        say(f"building {2 * leads_per_pool:,} pooled leads in two pools, {workers} users…")
        plan = _setup(url, workers, tag, leads_per_pool)
        report = ConcurrencyReport(url, workers, seconds, plan=plan)
        results, report.elapsed = _run_workers(plan, seconds, say)
        report.figures = {action: ActionFigure(action) for action in ACTIONS}
        for result in results:
            for action, got in result["figures"].items():
                figure = report.figures[action]
                figure.calls += got["calls"]
                figure.done += got["done"]
                figure.refused += got["refused"]
                figure.latencies += got["latencies"]
            report.errors += [f"{result['login']}: {e}" for e in result["errors"]]
        say("checking the audit trail against the tables…")
        report.checks = check_invariants(plan, report.errors)
        return report
    finally:
        if tmp is not None:
            tmp.cleanup()


# ----------------------------------------------------------------------------- the checks


def check_invariants(plan: Plan, errors: list[str]) -> list[Check]:
    from sqlalchemy import func, select

    from leadtui.store.db.engine import Database
    from leadtui.store.models import AuditEvent, Customer, FollowUp, Lead, Pool, User

    db = Database(plan.url)
    try:
        with db.read() as session:
            ids = set(plan.lead_ids)
            bench_pools = set(plan.pools.values())
            caps = dict(session.execute(select(Pool.id, Pool.holding_cap).where(Pool.id.in_(bench_pools))).all())
            limits = dict(session.execute(select(Pool.id, Pool.daily_claim_limit)
                                          .where(Pool.id.in_(bench_pools))).all())
            logins = dict(session.execute(select(User.id, User.login)).all())
            final = {row.id: row for row in session.execute(
                select(Lead.id, Lead.owner_id, Lead.status, Lead.pool_id, Lead.customer_id)
                .where(Lead.pool_id.in_(bench_pools)))}
            # (the bench's leads never leave its pools: returns go back where they came from)
            bench_leads = select(Lead.id).where(Lead.pool_id.in_(bench_pools))
            events = session.execute(
                select(AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action, AuditEvent.entity_id,
                       AuditEvent.before, AuditEvent.after, AuditEvent.pool_id)
                .where(AuditEvent.entity == "lead", AuditEvent.entity_id.in_(bench_leads))
                .order_by(AuditEvent.id)).all()
            followups = session.scalar(select(func.count()).select_from(FollowUp)
                                       .where(FollowUp.lead_id.in_(bench_leads)))
            customers = set(session.scalars(select(Customer.id).where(Customer.id.in_(
                select(Lead.customer_id).where(Lead.pool_id.in_(bench_pools), Lead.customer_id.is_not(None))))))
    finally:
        db.dispose()

    state: dict[int, dict[str, Any]] = {i: {"owner_id": None, "status": "pooled", "pool_id": final[i].pool_id}
                                        for i in ids if i in final}
    # leads start in their pool: the "create" event says which
    two_owners: list[str] = []
    broken: list[str] = []
    held: Counter[tuple[int, int]] = Counter()
    most_held: dict[tuple[int, int], int] = defaultdict(int)
    claims: Counter[tuple[int, int, str]] = Counter()
    trail_followups = converts = 0
    for event in events:
        lead = state.get(event.entity_id)
        if lead is None:
            continue
        before, after = json.loads(event.before or "{}"), json.loads(event.after or "{}")
        if event.action == "create":
            lead["pool_id"] = after.get("pool_id", lead["pool_id"])
            continue
        if event.action == "followup":
            trail_followups += 1
            continue
        for key in ("owner_id", "status", "pool_id"):
            if key in before and before[key] != lead[key]:
                broken.append(f"lead {event.entity_id}: event {event.id} ({event.action}) starts from "
                              f"{key}={before[key]!r}, the trail left {lead[key]!r}")
        new_owner = after.get("owner_id", lead["owner_id"])
        # A claim takes only a free lead; an assignment may move a held lead to someone
        # else (a pool admin's transfer), but only from the owner the trail says held it.
        if new_owner is not None and lead["owner_id"] is not None and new_owner != lead["owner_id"] and (
                event.action != "assign" or before.get("owner_id") != lead["owner_id"]):
            two_owners.append(f"lead {event.entity_id}: {event.action} to {logins.get(new_owner)} while "
                              f"{logins.get(lead['owner_id'])} held it (event {event.id})")
        was = (lead["owner_id"], lead["pool_id"]) if lead["status"] == "assigned" else None
        lead["owner_id"] = new_owner
        lead["status"] = after.get("status", lead["status"])
        lead["pool_id"] = after.get("pool_id", lead["pool_id"])
        if event.action == "convert":
            converts += 1
        now = (lead["owner_id"], lead["pool_id"]) if lead["status"] == "assigned" else None
        if was != now:
            if was is not None:
                held[was] -= 1
            if now is not None:
                held[now] += 1
                most_held[now] = max(most_held[now], held[now])
        if event.action == "claim":
            claims[(event.actor_id, event.pool_id, event.at.date().isoformat())] += 1

    for lead_id, lead in state.items():
        row = final[lead_id]
        table = {"owner_id": row.owner_id, "status": row.status, "pool_id": row.pool_id}
        if table != lead:
            broken.append(f"lead {lead_id}: the trail ends at {lead}, the table holds {table}")
    over_cap = [f"{logins.get(user)} held {n} in pool {pool} (cap {caps[pool]})"
                for (user, pool), n in most_held.items() if caps.get(pool) is not None and n > caps[pool]]
    over_limit = [f"{logins.get(user)} claimed {n} in pool {pool} on {day} (limit {limits[pool]})"
                  for (user, pool, day), n in claims.items() if limits.get(pool) is not None and n > limits[pool]]
    converted = [row for row in final.values() if row.status == "converted"]
    orphans = [row.id for row in converted if row.customer_id not in customers]
    lock_errors = [e for e in errors if _is_lock_error(e)]
    other_errors = [e for e in errors if not _is_lock_error(e)]

    def first(items: list[str]) -> str:
        return "; ".join(items[:3]) + (f" (+{len(items) - 3} more)" if len(items) > 3 else "")

    return [
        Check("one owner at a time", not two_owners, first(two_owners) or f"{len(events):,} events replayed"),
        Check("trail = state", not broken, first(broken) or f"{len(state):,} leads agree"),
        Check("holding cap", not over_cap,
              first(over_cap) or f"most held by anyone: {max(most_held.values(), default=0)} of {HOLDING_CAP}"),
        Check("daily limit", not over_limit,
              first(over_limit) or f"most claimed in a day in the limited pool: "
                                   f"{max((n for (u, p, d), n in claims.items() if limits.get(p)), default=0)} "
                                   f"of {DAILY_LIMIT}"),
        Check("conversions, follow-ups", not orphans and converts == len(converted) and trail_followups == followups,
              f"{len(converted)} converted ({converts} in the trail, {len(orphans)} without a customer), "
              f"{followups} follow-ups ({trail_followups} in the trail)"),
        Check("no lock errors", not lock_errors, first(lock_errors) or "none"),
        Check("no other errors", not other_errors, first(other_errors) or "none"),
    ]


# ----------------------------------------------------------------------------- output


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f}"


TABLE_COLUMNS = ["action", "calls", "done", "refused", "p50 ms", "p99 ms"]


def table_rows(report: ConcurrencyReport) -> list[list[str]]:
    return [[f.action, f"{f.calls:,}", f"{f.done:,}", f"{f.refused:,}", _ms(f.percentile(50)), _ms(f.percentile(99))]
            for f in report.figures.values()]


def _rounded_ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def as_json(report: ConcurrencyReport) -> dict[str, object]:
    return {
        "db": "sqlite" if report.url.startswith("sqlite") else report.url.split("@")[-1].split("?")[0],
        "workers": report.workers, "seconds": report.seconds, "elapsed": round(report.elapsed, 2),
        "calls": report.calls, "ops_per_s": round(report.ops_per_s, 1),
        "actions": {f.action: {"calls": f.calls, "done": f.done, "refused": f.refused,
                               "p50_ms": _rounded_ms(f.percentile(50)), "p99_ms": _rounded_ms(f.percentile(99))}
                    for f in report.figures.values()},
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
        "ok": report.ok,
    }

