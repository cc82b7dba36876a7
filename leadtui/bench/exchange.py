"""`leadtui bench export` and `leadtui bench import` (issue 7): figures, never asserts.

export  N leads (default 2,000, one export's most) × every field to xlsx through
        `Store.export_records` (the list query, safe cells, openpyxl write-only mode,
        the atomic rename), and, in the same run, the same rows written with
        openpyxl's normal mode — the usual way, a workbook in memory — as the baseline.
import  a file of N rows (default 100,000; every field, Chinese and English, with a
        few bad rows, duplicates inside the file and of existing leads) into a pool
        with two auto-assign rules through `Store.import_leads` (read, check, the
        duplicate look-up, batches through intake.add_leads with the search index,
        audit events and rules); beside it the NAIVE way: the file loaded with
        openpyxl's normal mode and one `intake.add_lead` per row, each in its own
        transaction — timed on the first `naive_rows` rows and scaled to N, since at
        100,000 rows it would run for minutes.

Both build their own data (a fresh SQLite file in a temporary directory unless a
`--db` is given; a unique tag keeps runs on one database apart).
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from leadtui import clock
from leadtui.store.db.engine import Database
from leadtui.store.fields import SEARCH_FIELDS, SOURCES
from leadtui.store.leads import intake
from leadtui.store.pools import settings as pools
from leadtui.store.rules import assign as assign_rules
from leadtui.store.service import Store
from leadtui.store.users import accounts as users

Say = Callable[[str], None]

# ----------------------------------------------------------------------------- sample leads

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "杰", "婷", "浩然", "子涵", "欣怡", "宇轩"]
_EN = ["Emma Brown", "John Smith", "Olivia Chen", "Liam Wang", "Sophia Li", "Noah Zhang", "Ava Liu", "Lucas Wu"]
_CITIES = ["上海市浦东新区世纪大道", "北京市朝阳区建国路", "深圳市南山区科技园", "广州市天河区珠江新城",
           "杭州市西湖区文三路", "成都市高新区天府大道", "南京市鼓楼区中山路", "武汉市洪山区光谷大道"]
_COMPANIES = ["星辰科技有限公司", "华彩贸易有限公司", "远航物流股份有限公司", "Bright Star Ltd", "蓝海软件有限公司",
              "恒信机械制造厂", "Golden Gate Trading Co", "云端数据服务有限公司"]
_TYPES = ["有限责任公司", "股份有限公司", "个体工商户", "外资企业", "Private limited"]
_JOBS = ["总经理", "采购经理", "市场总监", "Sales Manager", "工程师", "财务主管"]
_BUSINESS = ["软件采购", "物流运输", "设备采购", "市场推广", "Import/export"]
_MESSAGES = ["请尽快联系我，想了解价格", "需要报价单", "Please send a quote", "预约下周三上门演示", "样品什么时候能寄到？"]


def sample_lead(i: int, rng: random.Random, now: datetime) -> dict[str, object]:
    """One lead with every import field filled, Chinese or English."""
    chinese = rng.random() < 0.8
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) if chinese else rng.choice(_EN)
    mobile = f"1{rng.choice('3456789')}{i % 10**9:09d}"
    form = i % 4  # the ways people write mobiles
    shown = [mobile, f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"+86 {mobile}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"][form]
    company = rng.choice(_COMPANIES)
    return {
        "contact": name, "nickname": name[:1] + ("总" if chinese else ""), "mobile": shown,
        "phone": f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}", "email": f"lead{i}@example.com",
        "fax": f"021-{rng.randint(5000000, 6999999)}", "wechat": f"wx_{i}", "qq": str(10000 + i),
        "address": f"{rng.choice(_CITIES)}{rng.randint(1, 999)}号", "postcode": f"{rng.randint(100000, 850000)}",
        "company": company, "website": f"https://www.example{i % 500}.com", "company_type": rng.choice(_TYPES),
        "department": rng.choice(["销售部", "采购部", "市场部", "Operations"]), "job_title": rng.choice(_JOBS),
        "business": rng.choice(_BUSINESS), "source": rng.choice(SOURCES), "message": rng.choice(_MESSAGES),
        "submitted_at": (now - timedelta(minutes=i * 7 % 250_000)).replace(second=0), "tags": "",
    }


BAD_KINDS = ("mobile", "email", "nothing", "date", "file_duplicate", "existing_duplicate")


def spoil(lead: dict[str, object], kind: str, earlier: dict[str, object], existing_mobile: str) -> None:
    """Make a sample lead bad in one way (or a duplicate)."""
    if kind == "mobile":
        lead["mobile"] = "138 0013"
    elif kind == "email":
        lead["email"] = "someone@@example"
    elif kind == "nothing":
        for name in ("contact", "mobile", "email", "company"):
            lead[name] = ""
    elif kind == "date":
        lead["submitted_at"] = "2026-02-30"
    elif kind == "file_duplicate":
        lead["mobile"] = earlier["mobile"]
    elif kind == "existing_duplicate":
        lead["mobile"] = existing_mobile


IMPORT_COLUMNS: tuple[str, ...] = (*[f for f in SEARCH_FIELDS if f != "order_no"], "source", "message",
                                   "submitted_at", "tags")


# ----------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    step: str
    rows: int
    leadtui_s: float
    naive_s: float | None = None
    naive_scaled: bool = False  # measured on fewer rows, scaled to `rows`

    @property
    def ratio(self) -> float | None:
        return None if self.naive_s is None or self.leadtui_s <= 0 else self.naive_s / self.leadtui_s

    @property
    def per_s(self) -> float:
        return self.rows / self.leadtui_s if self.leadtui_s > 0 else float("inf")


@dataclass
class ExchangeReport:
    what: str  # "export" or "import"
    url: str
    rows: int
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: object = None  # the ExportResult / ImportResult of the leadtui run
    extra: dict[str, object] = field(default_factory=dict)


TABLE_COLUMNS = ["step", "rows", "leadtui s", "naive s", "ratio", "leadtui rows/s"]


def table_rows(report: ExchangeReport) -> list[list[str]]:
    rows = []
    for f in report.figures:
        naive = "—" if f.naive_s is None else f"{f.naive_s:.3f}" + (" *" if f.naive_scaled else "")
        rows.append([f.step, f"{f.rows:,}", f"{f.leadtui_s:.3f}", naive,
                     "—" if f.ratio is None else f"{f.ratio:.1f}×", f"{f.per_s:,.0f}"])
    return rows


def as_json(report: ExchangeReport) -> dict[str, object]:
    return {"bench": report.what, "db": "sqlite" if report.url.startswith("sqlite") else report.url,
            "rows": report.rows, "notes": report.notes, **report.extra,
            "figures": [{"step": f.step, "rows": f.rows, "leadtui_s": round(f.leadtui_s, 4),
                         "naive_s": None if f.naive_s is None else round(f.naive_s, 4),
                         "naive_scaled": f.naive_scaled, "ratio": None if f.ratio is None else round(f.ratio, 1),
                         "leadtui_rows_per_s": round(f.per_s)} for f in report.figures]}


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


class _Scratch:
    """A database of the bench's own: `url`, or a fresh SQLite file removed after."""

    def __init__(self, url: str | None) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="leadtui-bench-")
        self.folder = Path(self.tmp.name)
        self.db = Database(url or f"sqlite:///{self.folder / 'bench.db'}")
        self.db.create_schema()
        self.tag = uuid.uuid4().hex[:8]

    def close(self) -> None:
        self.db.dispose()
        self.tmp.cleanup()


def _users(db: Database, tag: str) -> dict[str, int]:
    with db.write() as session:
        return {key: users._create(session, None, f"bench_{key}_{tag}", f"Bench {key}", role, None).id
                for key, role in (("admin", "admin"), ("s1", "sales"), ("s2", "sales"))}


# ----------------------------------------------------------------------------- export


def run_export_bench(n: int = 2000, url: str | None = None, progress: Say | None = None) -> ExchangeReport:
    from openpyxl import Workbook

    from leadtui.files.write import clean
    from leadtui.store.exchange.export import _value, export_fields, header
    from leadtui.store.records import LeadQuery

    say = progress or (lambda _m: None)
    scratch = _Scratch(url)
    try:
        db, now = scratch.db, clock.now()
        ids = _users(db, scratch.tag)
        rng = random.Random(7)
        say(f"building {n:,} leads with every field in {db.describe()}…")
        with db.write() as session:
            pool = pools.create_pool(session, f"bench-export-{scratch.tag}", admins=[ids["admin"]])
            intake.add_leads(session, [sample_lead(i, rng, now) for i in range(n)], pool_id=pool.id,
                             actor_id=ids["admin"], auto_assign=False)
            pool_id = pool.id
        store = Store(db, f"bench_admin_{scratch.tag}")
        query = LeadQuery(screen="all", pool_id=pool_id)
        fields = export_fields(query)
        report = ExchangeReport("export", db.url, n)
        say("export: leadtui…")
        xlsx_s, result = _timed(lambda: store.export_records(query, scratch.folder / "leadtui.xlsx", fields))
        csv_s, _ = _timed(lambda: store.export_records(query, scratch.folder / "leadtui.csv", fields))

        def naive() -> None:
            # The usual way: the rows fetched as the export fetches them, a workbook in memory.
            workbook = Workbook()
            sheet = workbook.active
            sheet.append([header(f) for f in fields])
            for offset in range(0, n, 500):
                for record in store.list_leads(query, offset, 500):
                    sheet.append([clean(record.id if f == "id" else _value(f, record.get(f)))[0] for f in fields])
            workbook.save(scratch.folder / "naive.xlsx")

        say("export: openpyxl normal mode…")
        naive_s, _ = _timed(naive)
        report.figures += [Figure("export xlsx", n, xlsx_s, naive_s), Figure("export csv", n, csv_s)]
        report.result = result
        report.extra = {"fields": len(fields), "goal_s": 0.6}
        report.notes.append(f"{n:,} leads × {len(fields)} fields; naive = openpyxl's normal (not write-only) mode, "
                            f"same rows, same cells; goal: xlsx ≤ 0.6 s")
        return report
    finally:
        scratch.close()


# ----------------------------------------------------------------------------- import


def write_sample_file(path: Path, rows: list[dict[str, object]], fmt: str) -> None:
    from leadtui.files.write import write_table
    from leadtui.i18n import label

    headers = [label(c) for c in IMPORT_COLUMNS]
    write_table(path, fmt, headers, [[r.get(c) for c in IMPORT_COLUMNS] for r in rows], len(rows))


def sample_file_rows(n: int, existing_mobiles: list[str], now: datetime, seed: int = 11,
                     bad_every: int = 100) -> list[dict[str, object]]:
    """N sample rows; every `bad_every`-th is bad in one of BAD_KINDS, in turn."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lead = sample_lead(i + 1_000_000, rng, now)
        if bad_every and i % bad_every == bad_every - 1 and i > 0:
            kind = BAD_KINDS[(i // bad_every) % len(BAD_KINDS)]
            spoil(lead, kind, rows[i // 2], existing_mobiles[i % len(existing_mobiles)] if existing_mobiles else "")
        rows.append(lead)
    return rows


def _naive_import(db: Database, path: Path, pool_id: int, actor_id: int) -> int:
    """NAIVE on purpose: openpyxl's normal mode, one add_lead and transaction per row."""
    from openpyxl import load_workbook

    from leadtui.store.exchange.lead_import import HEADERS, header_key

    sheet = load_workbook(path).active
    lines = sheet.iter_rows(values_only=True)
    names = [HEADERS.get(header_key(h)) for h in next(lines)]
    done = 0
    for line in lines:
        fields = {name: value for name, value in zip(names, line) if name and value not in (None, "")}
        source = fields.pop("source", "intent")
        when = fields.pop("submitted_at", None)
        with db.write() as session:
            intake.add_lead(session, fields, pool_id=pool_id, actor_id=actor_id,
                            source=source if source in SOURCES else "intent",
                            submitted_at=when if isinstance(when, datetime) else None)
        done += 1
    return done


def run_import_bench(n: int = 100_000, url: str | None = None, fmt: str = "xlsx", naive_rows: int = 2000,
                     progress: Say | None = None) -> ExchangeReport:
    say = progress or (lambda _m: None)
    scratch = _Scratch(url)
    try:
        db, now = scratch.db, clock.now()
        ids = _users(db, scratch.tag)
        rng = random.Random(3)
        existing = [sample_lead(i, rng, now) for i in range(max(10, n // 100))]
        with db.write() as session:
            pool = pools.create_pool(session, f"bench-import-{scratch.tag}", admins=[ids["admin"]],
                                     member_users=[ids["s1"], ids["s2"]], protect_days=30)
            naive_pool = pools.create_pool(session, f"bench-naive-{scratch.tag}", admins=[ids["admin"]],
                                           member_users=[ids["s1"], ids["s2"]], protect_days=30)
            intake.add_leads(session, existing, pool_id=pool.id, actor_id=ids["admin"], auto_assign=False)
            pool_id, naive_pool_id = pool.id, naive_pool.id
        admin = Store(db, f"bench_admin_{scratch.tag}")
        for target in (pool_id, naive_pool_id):
            admin.add_rule(target, [["address", "contains", "上海"]], [f"bench_s1_{scratch.tag}"])
            admin.add_rule(target, [["source", "in", "booking,inquiry"]],
                           [f"bench_s1_{scratch.tag}", f"bench_s2_{scratch.tag}"])
        say(f"writing a {fmt} file of {n:,} rows…")
        rows = sample_file_rows(n, [str(e["mobile"]) for e in existing], now)
        path = scratch.folder / f"import.{fmt}"
        build_s, _ = _timed(lambda: write_sample_file(path, rows, fmt))
        marks: dict[str, float] = {}
        started = time.perf_counter()

        def seen(phase: str, _done: int, _total: int) -> None:
            marks.setdefault(phase, time.perf_counter() - started)

        say(f"import: leadtui ({len(existing):,} leads there already)…")
        total_s, result = _timed(lambda: admin.import_leads(path, pool=pool_id, progress=seen))
        read_s = marks.get("check", total_s)  # the checks start when the file is read
        write_from = marks.get("write", total_s)
        report = ExchangeReport("import", db.url, n)
        report.result = result
        report.figures.append(Figure(f"import {fmt}", n, total_s))
        report.figures += [Figure("  read the file", n, read_s),
                           Figure("  check + duplicates", n, max(0.0, write_from - read_s)),
                           Figure("  write (batches)", result.imported, max(0.0, total_s - write_from))]
        if naive_rows:
            sample = min(naive_rows, n)
            naive_path = scratch.folder / "naive.xlsx"
            write_sample_file(naive_path, rows[:sample], "xlsx")
            say(f"import: naive, on {sample:,} rows…")
            naive_s, _ = _timed(lambda: _naive_import(db, naive_path, naive_pool_id, ids["admin"]))
            scaled = naive_s * n / sample
            report.figures[0] = Figure(f"import {fmt}", n, total_s, scaled, sample < n)
            report.notes.append(f"naive: openpyxl normal mode + one add_lead and transaction per row: "
                                f"{naive_s:.2f} s for {sample:,} rows" + (f", scaled to {n:,}" if sample < n else ""))
        report.notes.append(result.summary() + f"; auto-assigned {result.auto_assigned:,}")
        report.notes.append(f"the {fmt} file took {build_s:.1f} s to write (not timed above); goal: ≤ 30 s")
        report.extra = {"summary": {"read": result.read, "imported": result.imported, "merged": result.merged,
                                    "skipped": result.skipped, "rejected": result.rejected,
                                    "auto_assigned": result.auto_assigned}, "format": fmt, "goal_s": 30}
        return report
    finally:
        scratch.close()
