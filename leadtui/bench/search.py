"""`leadtui bench search`: the search at N leads, beside the naive LIKE (issue 6).

It builds (or reuses) a demo database of N leads, draws a fixed mixed query set from
it (seeded: the same database gives the same queries), and runs the whole set twice,
each in a process of its own — `leadtui search --queries-file` with the leadtui
engine, then with `--engine naive` (a LIKE on each of the 17 columns) — so that the
peak RSS of each is its own. It prints p50 / p95 milliseconds per class and overall,
the ratio, how often a typo query finds its lead in the top 10, the index's size on
disk beside the leads table's, and the intake rate with the index kept up (new leads
added in a transaction that is then rolled back, so the database stays as it was).

The query classes:
  cn2       two-character Chinese names (张伟): surname + first given character
  name      full names as stored (王波凯, John Smith)
  mobile    partial mobiles: 4 to 8 digits from a mobile, some written "138 0013"
  email     e-mail fragments: the name part, or "@domain"
  company   company fragments: 2 to 4 characters of a Chinese name, a word of an English one
  typo      one edit (swap, drop, double, change) in a lead's e-mail name or WeChat id;
            the intended lead is that lead
  none      queries no lead holds

Nothing here asserts a timing: it measures and prints.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from leadtui import config
from leadtui.store.db.engine import Database
from leadtui.store.models import Lead

CLASSES = ("cn2", "name", "mobile", "email", "company", "typo", "none")
PER_CLASS = 20
LIMIT = 20


@dataclass
class EngineRun:
    ms: dict[str, list[float]] = field(default_factory=dict)  # class -> per-query ms
    rss_mb: float = 0.0
    hits: dict[str, list[int]] = field(default_factory=dict)  # query -> ranked ids

    def all_ms(self) -> list[float]:
        return [m for values in self.ms.values() for m in values]


@dataclass
class SearchBench:
    leads: int
    db: str
    queries: dict[str, list[str]]
    intended: dict[str, int]  # typo query -> the lead it was made from
    leadtui: EngineRun
    naive: EngineRun
    index_mb: float | None
    leads_table_mb: float | None
    intake_per_s: float | None
    intake_n: int = 0

    def typo_top10(self) -> float | None:
        found = [self.intended[q] in self.leadtui.hits.get(q, [])[:10] for q in self.intended]
        return sum(found) / len(found) if found else None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ----------------------------------------------------------------------------- the database

def bench_db_path(n: int) -> Path:
    return config.data_dir() / f"bench-{n}.db"


def ensure_db(n: int, url: str | None, progress=None) -> Database:  # noqa: ANN001
    """The N-lead demo database at `url` (default: bench-N.db in the data directory),
    built when it is missing or holds another number of leads (as `leadtui demo`)."""
    from leadtui.demo.generate import build_demo, demo_leads, discard_demo
    from leadtui.store.db import migrate
    from leadtui.store.db.schema import schema_state

    db = Database(url or f"sqlite:///{bench_db_path(n)}")
    held = demo_leads(db)
    if held == n:
        if schema_state(db.engine).needs_upgrade:
            migrate.upgrade(db)
        return db
    if held is not None:
        db = discard_demo(db)
    db.create_schema()
    login = config.os_login()
    build_demo(db, login, login, n, progress=progress)
    return db


# ----------------------------------------------------------------------------- the queries

def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "change"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl".replace(word[i], "")) + word[i + 1:]


def make_queries(db: Database, seed: int = 7) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The mixed query set, drawn from the database's own leads."""
    rng = random.Random(seed)
    with db.read() as session:
        top = session.scalar(select(func.max(Lead.id))) or 0
        sample_ids = sorted(rng.sample(range(1, top + 1), min(top, 4000)))
        # Leads All Leads shows (where the queries run): a typo's lead must be findable there.
        rows = session.execute(select(Lead.id, Lead.contact, Lead.mobile, Lead.email, Lead.company, Lead.wechat)
                               .where(Lead.id.in_(sample_ids), Lead.status != "converted",
                                      Lead.deleted_at.is_(None))).all()
    rng.shuffle(rows)
    queries: dict[str, list[str]] = {c: [] for c in CLASSES}
    intended: dict[str, int] = {}

    def add(kind: str, q: str) -> None:
        if q and len(queries[kind]) < PER_CLASS and q not in queries[kind]:
            queries[kind].append(q)

    cjk = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
    for lead_id, contact, mobile, email, company, wechat in rows:
        if contact and cjk.match(contact):
            add("cn2", contact[:2])
            add("name", contact)
        elif contact and " " in contact and rng.random() < 0.3:
            add("name", contact)
        digits = re.sub(r"\D", "", mobile or "")
        if len(digits) >= 11:
            start = rng.randrange(0, len(digits) - 7)
            piece = digits[start:start + rng.randrange(4, 9)]
            add("mobile", f"{piece[:3]} {piece[3:]}" if len(piece) >= 7 and rng.random() < 0.3 else piece)
        if email and "@" in email:
            name, domain = email.split("@", 1)
            add("email", name if rng.random() < 0.6 else "@" + domain)
            letters = re.match(r"[a-z]+", name)
            if letters and len(letters.group()) >= 6 and len(queries["typo"]) < PER_CLASS:
                typo = _typo(letters.group(), rng)
                q = email.replace(letters.group(), typo, 1)
                if q not in intended:
                    intended[q] = lead_id
                    add("typo", q)
        elif wechat and re.fullmatch(r"[a-z]{6,}\d*", wechat) and len(queries["typo"]) < PER_CLASS:
            letters = re.match(r"[a-z]+", wechat).group()  # type: ignore[union-attr]
            q = wechat.replace(letters, _typo(letters, rng), 1)
            if q not in intended:
                intended[q] = lead_id
                add("typo", q)
        if company:
            if cjk.match(company[:2]) and len(company) > 6:
                start = rng.randrange(0, len(company) - 4)
                add("company", company[start:start + rng.randrange(2, 5)])
            elif " " in company:
                add("company", rng.choice([w for w in company.split() if len(w) > 3] or [company]))
    for i in range(PER_CLASS):
        add("none", rng.choice(["zqxw", "jvkq", "xqzp", "无此人", "qqzx"]) + str(rng.randrange(10_000, 99_999)))
    return queries, intended


# ----------------------------------------------------------------------------- running

def _run_engine(url: str, engine: str, queries: dict[str, list[str]]) -> EngineRun:
    """The whole query set in one `leadtui search --queries-file` process."""
    kind_of = {q: kind for kind, qs in queries.items() for q in qs}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\n".join(kind_of) + "\n")
        path = f.name
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+") as errors:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from leadtui.cli import main; main()", "--db", url, "search",
                 "--queries-file", path, "--json", "--limit", str(LIMIT), "--engine", engine],
                stdout=out, stderr=errors)
            # wait4, not wait: it tells this child's own peak RSS.
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            errors.seek(0)
            lines, problem = out.read(), errors.read()
    finally:
        os.unlink(path)
    if proc.returncode:
        raise SystemExit(f"leadtui search --engine {engine} failed: {problem.strip()[-2000:]}")
    run = EngineRun()
    for line in lines.splitlines():
        item = json.loads(line)
        run.ms.setdefault(kind_of[item["query"]], []).append(float(item["ms"]))
        run.hits[item["query"]] = [h["id"] for h in item["hits"]]
    # The child says its own peak (ru_maxrss would count the parent's memory it was
    # forked with).
    peak = re.search(r"([\d.]+) MB", problem)
    run.rss_mb = float(peak.group(1)) if peak else usage.ru_maxrss / 1024
    return run


def _sizes(db: Database) -> tuple[float | None, float | None]:
    """(index MB, leads table MB) on disk."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            try:
                sizes = dict(conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all())
            except Exception:  # noqa: BLE001 - a SQLite built without dbstat
                return None, None
            index = sum(v for k, v in sizes.items() if k.startswith(("search_", "sqlite_autoindex_search_")))
            return index / 2**20, sizes.get("leads", 0) / 2**20
        index = conn.scalar(text("SELECT pg_total_relation_size('search_postings') + "
                                 "pg_total_relation_size('search_terms')"))
        leads = conn.scalar(text("SELECT pg_relation_size('leads')"))
        return index / 2**20, leads / 2**20


def intake_rate(db: Database, n: int = 20_000) -> float:
    """New leads per second through intake (the index kept up), in the batches import
    and ingest write (lead_import.BATCH), rolled back after."""
    from leadtui.store.exchange.lead_import import BATCH
    from leadtui.store.leads import intake

    rng = random.Random(3)
    rows = [{"contact": f"测试{rng.randrange(10**6)}", "mobile": f"1{rng.randrange(10**9, 10**10)}",
             "email": f"bench{i}.{rng.randrange(10**6)}@example.com", "company": f"基准科技{i % 500}有限公司",
             "address": f"上海市浦东新区世纪大道{rng.randrange(1, 2000)}号", "source": "intent"}
            for i in range(n)]
    session_maker = db._write  # noqa: SLF001 - a write transaction the bench rolls back
    with session_maker() as session:
        session.begin()
        started = time.perf_counter()
        for i in range(0, n, BATCH):
            intake.add_leads(session, rows[i:i + BATCH], auto_assign=False)
        elapsed = time.perf_counter() - started
        session.rollback()
    return n / elapsed


def run_search_bench(n: int, url: str | None = None, naive: bool = True, progress=None) -> SearchBench:  # noqa: ANN001
    db = ensure_db(n, url, progress)
    try:
        queries, intended = make_queries(db)
        index_mb, leads_mb = _sizes(db)
        rate = intake_rate(db, min(20_000, max(1000, n // 50)))
        db_url = db.url
    finally:
        db.dispose()
    ours = _run_engine(db_url, "leadtui", queries)
    theirs = _run_engine(db_url, "naive", queries) if naive else EngineRun()
    return SearchBench(n, db_url, queries, intended, ours, theirs, index_mb, leads_mb, rate,
                       min(20_000, max(1000, n // 50)))


# ----------------------------------------------------------------------------- printing

COLUMNS = ["figure", "leadtui", "naive", "goal at 1M"]


def table_rows(b: SearchBench) -> list[list[str]]:
    def ms(values: list[float], p: float) -> str:
        return f"{pct(values, p):.1f} ms" if values else "—"

    rows = []
    for kind in CLASSES:
        ours, theirs = b.leadtui.ms.get(kind, []), b.naive.ms.get(kind, [])
        rows.append([f"{kind} ({len(ours)}): p50 / p95", f"{ms(ours, 50)} / {ms(ours, 95)}",
                     f"{ms(theirs, 50)} / {ms(theirs, 95)}", ""])
    ours, theirs = b.leadtui.all_ms(), b.naive.all_ms()
    rows.append(["all: p50 / p95", f"{ms(ours, 50)} / {ms(ours, 95)}", f"{ms(theirs, 50)} / {ms(theirs, 95)}",
                 "≤ 20 ms / ≤ 150 ms"])
    if ours and theirs:
        rows.append(["naive median ÷ leadtui median", f"{statistics.median(theirs) / statistics.median(ours):.0f}×",
                     "", "≥ 50×"])
    top10 = b.typo_top10()
    rows.append(["typo: intended lead in top 10", "—" if top10 is None else f"{top10:.0%}", "0% (no typos)",
                 "≥ 90%"])
    rows.append(["peak RSS of the search process", f"{b.leadtui.rss_mb:.0f} MB",
                 f"{b.naive.rss_mb:.0f} MB" if theirs else "—", "≤ 300 MB (console)"])
    if b.index_mb is not None and b.leads_table_mb:
        rows.append(["index on disk / leads table", f"{b.index_mb:.0f} MB / {b.leads_table_mb:.0f} MB "
                     f"= {b.index_mb / b.leads_table_mb:.2f}×", "none", "≤ 1.5×"])
    if b.intake_per_s:
        rows.append([f"intake, index kept up ({b.intake_n:,} leads)", f"{b.intake_per_s:,.0f} leads/s", "",
                     "≥ 10,000 leads/s"])
    return rows


def as_json(b: SearchBench) -> dict[str, object]:
    ours, theirs = b.leadtui.all_ms(), b.naive.all_ms()
    return {
        "leads": b.leads, "db": b.db,
        "leadtui": {"p50_ms": pct(ours, 50), "p95_ms": pct(ours, 95), "rss_mb": b.leadtui.rss_mb,
                    "by_class": {k: {"p50_ms": pct(v, 50), "p95_ms": pct(v, 95)} for k, v in b.leadtui.ms.items()}},
        "naive": {"p50_ms": pct(theirs, 50), "p95_ms": pct(theirs, 95), "rss_mb": b.naive.rss_mb,
                  "by_class": {k: {"p50_ms": pct(v, 50), "p95_ms": pct(v, 95)} for k, v in b.naive.ms.items()}}
        if theirs else None,
        "ratio_of_medians": statistics.median(theirs) / statistics.median(ours) if ours and theirs else None,
        "typo_top10": b.typo_top10(), "index_mb": b.index_mb, "leads_table_mb": b.leads_table_mb,
        "intake_leads_per_s": b.intake_per_s, "queries": b.queries,
    }
