"""`leadtui import`, `leadtui ingest` (SPEC 7) and `leadtui bench export|import`;
registered on the main app by importing this module (the last lines of cli.py)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated

import typer
from rich.text import Text

from leadtui import config, safe
from leadtui.cli import (
    AsOpt,
    DbOpt,
    JsonOpt,
    app,
    bench_app,
    err,
    fail,
    guarded,
    open_store,
    out,
    print_json,
    print_table,
    refuse_server_path,
)
from leadtui.i18n import t

SHOWN_PROBLEMS = 20  # rows listed on the terminal; the rejects file holds them all

PoolOpt = Annotated[str | None, typer.Option("--pool", help="The pool the leads go into (default: the default "
                                                            "pool). Admins and that pool's admins may.")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="The source of leads that name none: intent, "
                                                                "booking, appointment, signup, inquiry, sample, "
                                                                "message (or its Chinese label).")]


def _progress(as_json: bool):  # noqa: ANN202
    if as_json or not sys.stderr.isatty():
        return None
    words = {"read": t("reading"), "check": t("checking"), "write": t("writing")}

    def show(phase: str, done: int, total: int) -> None:
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        err.print(Text(f"\r  {words.get(phase, phase)} {count}      "), end="")

    return show


def _say_out(text: str) -> None:
    # Reasons quote the file's values: shown as text, control characters made visible.
    out.print(Text(safe.multi_line(text)), soft_wrap=True)


def _say_err(text: str) -> None:
    err.print(Text(safe.multi_line(text)), soft_wrap=True)


def _report(result, as_json: bool) -> None:  # noqa: ANN001
    """The summary on stdout, the rows that did not go in on stderr; the exit status:
    1 when rows were rejected and none went in, 4 when the database stopped it."""
    if as_json:
        print_json(result)
    else:
        if sys.stderr.isatty():
            err.print(Text("\r" + " " * 40 + "\r"), end="")
        where = t("standard input") if result.source == "-" else result.source
        _say_out(t("{where} into pool {pool}: {summary}", where=where, pool=result.pool, summary=result.summary()))
        if result.auto_assigned:
            _say_out(t("Auto-assign rules gave {n} of the new leads to their owners", n=result.auto_assigned))
        if result.blank:
            _say_out(t("{n} blank {unit}(s) left out", n=result.blank, unit=t(result.unit)))
        if result.unknown_columns and result.unit == "line":
            _say_err(t("Unknown fields, ignored: {names}", names=", ".join(result.unknown_columns)))
        elif result.unknown_columns:
            _say_err(t("Unknown columns, ignored: {names}", names=", ".join(result.unknown_columns)))
        for problem in result.problems[:SHOWN_PROBLEMS]:
            _say_err(t("  {unit} {n}: {reason}", unit=t(result.unit), n=problem.row, reason=problem.reason))
        if len(result.problems) > SHOWN_PROBLEMS:
            _say_err(t("  … and {n} more", n=len(result.problems) - SHOWN_PROBLEMS))
        if result.rejects_path:
            _say_err(t("The rows that did not go in are in {path}, each with its reason", path=result.rejects_path))
        if result.dry_run:
            _say_out(t("Dry run: nothing was changed"))
    if result.error:
        fail(result.error, 4, as_json=False)
    if result.rejected and not (result.imported or result.merged):
        raise typer.Exit(1)


@app.command("import")
def import_(
    path: Annotated[str, typer.Argument(help="FILE.xlsx or FILE.csv: one lead a row, a header row on top.")],
    pool: PoolOpt = None,
    source: SourceOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count only; change nothing.")] = False,
    on_duplicate: Annotated[str, typer.Option("--on-duplicate", help="A row with the mobile, email or order "
                                                                     "number of an existing lead: skip it, or "
                                                                     "merge it (fills the lead's empty fields).")
                            ] = "skip",
    rejects: Annotated[str | None, typer.Option("--rejects", help="Where the rows that do not go in are written, "
                                                                  "with a reason column (default: FILE.rejects"
                                                                  ".xlsx|csv beside FILE).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The csv's encoding, such as shift_jis or "
                                                                   "big5, when it is neither UTF-8 nor GB18030 "
                                                                   "(GBK), which are found by themselves.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx or csv: what standard input holds (FILE -).")
                   ] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Import leads from an xlsx or csv file (- reads standard input, with --format); headers in English or
    Chinese."""
    refuse_server_path(path, "import FILE")
    if rejects is not None:
        refuse_server_path(rejects, "--rejects")
    with guarded(json_), _source(path, fmt, json_) as readable:
        store = open_store(db, as_)
        result = store.import_leads(readable, pool=pool, source=source, on_duplicate=on_duplicate, dry_run=dry_run,
                                    rejects=rejects or (os.path.join(os.path.dirname(readable), "rejects." + fmt)
                                                        if path == "-" and not dry_run else None),
                                    progress=_progress(json_), encoding=encoding)
        if path == "-":
            # The rejects of standard input went to a temporary file, gone with it:
            # the reasons are all in the report (--json) unless --rejects named a file.
            result = replace(result, source="-", rejects_path=result.rejects_path if rejects else None)
    _report(result, json_)


@contextmanager
def _source(path: str, fmt: str | None, as_json: bool) -> Iterator[str]:
    """The file the store reads: the operator's, or standard input copied to a temporary
    one (over SSH the files on the server are not the operator's)."""
    if path != "-":
        yield path
        return
    if fmt not in ("xlsx", "csv"):
        fail(t("import - (standard input) wants --format xlsx or --format csv"), 2, as_json)
    with tempfile.TemporaryDirectory(prefix="leadtui-import-") as folder:
        target = os.path.join(folder, f"import.{fmt}")
        with open(target, "wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh)
        yield target


def _stdin_lines() -> Iterator[bytes]:
    yield from sys.stdin.buffer


@app.command("ingest")
def ingest(
    pool: PoolOpt = None,
    source: SourceOpt = None,
    on_duplicate: Annotated[str, typer.Option("--on-duplicate", help="A lead with the mobile or email of an "
                                                                     "existing one: keep it (a new inquiry), skip "
                                                                     "it or merge it.")] = "keep",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count only; change nothing.")] = False,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Take in leads from standard input, one JSON object a line (web forms, scripts)."""
    if sys.stdin.isatty() and not json_:
        err.print(Text(t("Reading one JSON lead a line from standard input; ctrl+d ends")))
    with guarded(json_):
        store = open_store(db, as_)
        result = store.ingest_leads(_stdin_lines(), pool=pool, source=source, on_duplicate=on_duplicate,
                                    dry_run=dry_run, progress=_progress(json_))
    _report(result, json_)


# ----------------------------------------------------------------------------- bench


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
    url = config.db_url(db) if db else None
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
    url = config.db_url(db) if db else None
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
