"""`leadtui bench ...`: benchmarks that print figures beside the naive way (never asserts)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from leadtui import config
from leadtui.cli._common import (
    DbOpt,
    G,
    JsonOpt,
    command_group,
    err,
    fail,
    guarded,
    out,
    print_json,
    print_table,
    progress,
)
from leadtui.i18n import t

# A developer's measuring tool: its output is plain English, not translated.
bench_app = command_group("bench", "Benchmarks that print figures.")


@bench_app.command("search")
def bench_search(
    leads: Annotated[int, typer.Option("--leads", help="How many leads the database holds.")] = 100_000,
    db: Annotated[str | None, typer.Option("--db", help="The database (default: bench-N.db in your data "
                                                          "directory, built once and reused).")] = None,
    naive: Annotated[bool, typer.Option("--naive/--no-naive", help="Also run the naive LIKE.")] = True,
    json_: JsonOpt = False,
) -> None:
    """Search at N leads: the mixed query set, leadtui's engine beside the naive LIKE."""
    from leadtui.bench import search as bench

    if leads < 100:
        fail(t("--leads must be at least {n}", n=100), 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_), progress("building the database", enabled=not json_) as update:
        report = bench.run_search_bench(leads, url, naive, progress=update)
    if json_:
        print_json(bench.as_json(report))
        return
    print_table(bench.COLUMNS, bench.table_rows(report), keep=(0,))


@bench_app.command("console")
def bench_console(
    leads: Annotated[int, typer.Option("--leads", help="How many leads the database holds.")] = 100_000,
    db: Annotated[str | None, typer.Option("--db", help="The database (default: bench-N.db in your data "
                                                          "directory, built once and reused).")] = None,
    query: Annotated[str, typer.Option("--query", help="What the search step types.")] = "张伟",
    json_: JsonOpt = False,
) -> None:
    """The console at N leads, through the Pilot: launch, page down, jump to end, a search."""
    from leadtui.bench import console as bench

    if leads < 100:
        fail(t("--leads must be at least {n}", n=100), 2, json_)
    if not query.strip():
        fail(t("--query must not be blank"), 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_), progress("building the database", enabled=not json_) as update:
        report = bench.run_console_bench(leads, url, query, progress=update)
    if json_:
        print_json(bench.as_json(report))
        return
    print_table(bench.COLUMNS, bench.table_rows(report), keep=(0,))


@bench_app.command("batch")
def bench_batch(
    leads: Annotated[int, typer.Option("--leads", help="How many leads per batch.")] = 10_000,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite file in a "
                                                         "temporary directory; LEADTUI_DB is not used).")] = None,
    naive: Annotated[bool, typer.Option("--naive/--no-naive", help="Also time the naive per-lead loop.")] = True,
    json_: JsonOpt = False,
) -> None:
    """Time assign, reclaim and claim of N leads (one transaction each, with audit
    events) against a naive one-ORM-save-per-lead loop, on a database of its own."""
    from leadtui.bench import batch as bench

    if leads < 1:
        fail("--leads must be at least 1", 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_):
        report = bench.run_batch_bench(leads, url, naive=naive,
                                       progress=None if json_ else (lambda msg: err.print(Text(msg))))
    if json_:
        print_json(bench.as_json(report))
        return
    print_table(bench.TABLE_COLUMNS, bench.table_rows(report))
    for action, summary in report.summaries.items():
        err.print(Text(f"  {action}: {summary}"))


@bench_app.command("concurrency")
def bench_concurrency(
    workers: Annotated[int, typer.Option("--workers", help="How many processes act at once.")] = 16,
    seconds: Annotated[float, typer.Option("--seconds", help="How long they act.")] = 30.0,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite file in a "
                                                         "temporary directory; LEADTUI_DB is not used).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Many processes claim, return, assign, reclaim, follow up and convert on the same
    pools at once; prints operations per second and latencies, then checks the audit
    trail against the tables (exit status 1 when a check fails)."""
    from leadtui.bench import concurrency as bench

    if workers < 1 or seconds <= 0:
        fail("--workers must be at least 1 and --seconds more than 0", 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_):
        report = bench.run_concurrency_bench(workers, seconds, url,
                                             progress=None if json_ else (lambda msg: err.print(Text(msg))))
    if json_:
        print_json(bench.as_json(report))
    else:
        print_table(bench.TABLE_COLUMNS, bench.table_rows(report))
        out.print(Text(f"{report.calls:,} store calls in {report.elapsed:.1f} s by {report.workers} processes: "
                       f"{report.ops_per_s:,.0f} operations per second"))
        for check in report.checks:
            out.print(Text(f"  {'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}",
                           style="" if check.ok else "bold red"))
    if not report.ok:
        raise typer.Exit(1)


@bench_app.command("export")
def bench_export(
    leads: Annotated[int, typer.Option("--leads", help="Leads to export (one export holds at most 2,000).")] = 2000,
    db: DbOpt = None, json_: JsonOpt = False,
) -> None:
    """Time an export of N leads × every field to xlsx, beside openpyxl's normal
    (not write-only) mode writing the same rows, on a database of its own."""
    from leadtui.bench import exchange as bench_exchange

    if not 1 <= leads <= 2000:
        fail(t("--leads is between 1 and 2,000 (one export holds at most 2,000 rows)"), 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_):
        report = bench_exchange.run_export_bench(leads, url, progress=None if json_ else _say)
    _bench_out(report, json_)


@bench_app.command("import")
def bench_import(
    rows: Annotated[int, typer.Option("--rows", help="Rows in the file to import.")] = 100_000,
    fmt: Annotated[str, typer.Option("--format", help="xlsx or csv.")] = "xlsx",
    naive_rows: Annotated[int, typer.Option("--naive-rows", help="Rows the naive way imports (one ORM save and "
                                                                 "transaction each): its time is measured on "
                                                                 "these and scaled; 0 leaves it out.")] = 2000,
    db: DbOpt = None, json_: JsonOpt = False,
) -> None:
    """Time an import of N rows (every field; a few bad rows and duplicates) into a
    pool with auto-assign rules, beside a naive one-ORM-save-per-row loop."""
    from leadtui.bench import exchange as bench_exchange

    if rows < 1:
        fail(t("--rows must be at least 1"), 2, json_)
    if fmt not in ("xlsx", "csv"):
        fail(t("--format is xlsx or csv, not {value}", value=fmt), 2, json_)
    url = config.db_url(db or G.db) if (db or G.db) else None
    with guarded(json_):
        report = bench_exchange.run_import_bench(rows, url, fmt=fmt, naive_rows=max(0, naive_rows),
                                                 progress=None if json_ else _say)
    _bench_out(report, json_)


def _say(message: str) -> None:
    err.print(Text(message))


def _bench_out(report, as_json: bool) -> None:  # noqa: ANN001
    from leadtui.bench import exchange as bench_exchange

    if as_json:
        print_json(bench_exchange.as_json(report))
        return
    print_table(bench_exchange.TABLE_COLUMNS, bench_exchange.table_rows(report))
    for note in report.notes:
        err.print(Text(f"  {note}"))
