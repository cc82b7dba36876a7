"""`leadtui export`, `leadtui import` and `leadtui ingest` (SPEC 7): a list, or some of its rows, to
xlsx / csv; leads in from xlsx / csv files and JSON lines."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated

import typer
from rich.text import Text

from leadtui import safe
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    app,
    date_bound,
    err,
    fail,
    guarded,
    lead_query,
    open_store,
    out,
    plain,
    print_json,
    progress,
    refuse_server_path,
)
from leadtui.i18n import t

SCREENS = ("all", "converted", "pool", "mine", "sea")


def _ids(text: str | None, as_json: bool) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.replace(" ", ",").split(",") if part.strip()]
    except ValueError:
        fail(t("--ids wants ids separated by commas, such as 12,15,40, not {value}", value=text), 2, as_json)


@contextmanager
def _target(out_path: str, fmt: str | None, as_json: bool) -> Iterator[str]:
    """The path the store writes: the operator's file, or for `-` a temporary one whose
    bytes then go to standard output (over SSH, the one place the operator can read)."""
    refuse_server_path(out_path, "--out")
    if out_path != "-":
        yield out_path
        return
    if fmt not in ("xlsx", "csv"):
        fail(t("--out - (standard output) wants --format xlsx or --format csv"), 2, as_json)
    with tempfile.TemporaryDirectory(prefix="leadtui-export-") as folder:
        path = os.path.join(folder, f"export.{fmt}")
        yield path
        if os.path.exists(path):
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()


@app.command("export")
def export(
    out_path: Annotated[str, typer.Option("--out", help="The file to write: FILE.xlsx or FILE.csv; - writes to "
                                                        "standard output (with --format).")],
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx or csv (default: the file name's ending).")
                   ] = None,
    screen: Annotated[str, typer.Option("--screen", help="all, converted, pool, mine or sea.")] = "all",
    pool: Annotated[str | None, typer.Option("--pool", help="The pool (--screen pool, or to narrow all / "
                                                            "converted) or the public sea (--screen sea).")] = None,
    query: Annotated[str, typer.Option("--query", "-q", help="Search text, as on the screen.")] = "",
    since: Annotated[str | None, typer.Option("--since", help="Submitted (customers: created) on or after.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Submitted (customers: created) on or before.")] = None,
    ids: Annotated[str | None, typer.Option("--ids", help="Only these ids (comma-separated), as marked rows.")] = None,
    fields: Annotated[str | None, typer.Option("--fields", help="F1,F2,... (default: the screen's columns).")] = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Batch K: rows 2000(K-1)+1 to 2000K, in the "
                                                              "screen's order.")] = None,
    calls: Annotated[bool, typer.Option("--calls", help="The call records of the leads (--ids) instead.")] = False,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Export a list (at most 2,000 rows at a time: --batch for more) or call records."""
    from leadtui.store.records import CustomerQuery

    if screen not in SCREENS:
        fail(t("--screen is one of {choices}, not {value}", choices=", ".join(SCREENS), value=screen), 2, json_)
    id_list = _ids(ids, json_)
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    with guarded(json_), _target(out_path, fmt, json_) as target:
        store = open_store(db, as_)
        if calls:
            if id_list is None:
                fail(t("--calls exports the call records of the leads given by --ids"), 2, json_)
            result = store.export_calls(id_list, target, fmt=fmt, batch=batch)
        else:
            if screen in ("mine", "sea"):
                sea_id = store.show_pool(pool, "sea").id if screen == "sea" and pool else None
                q = CustomerQuery(scope=screen, sea_id=sea_id, text=query,
                                  created_since=date_bound(since, False, "--since"),
                                  created_until=date_bound(until, True, "--until"))
            else:
                if screen == "pool" and not pool:
                    fail(t("--screen pool wants --pool"), 2, json_)
                pool_id = store.show_pool(pool).id if pool else None
                q = lead_query(screen, query, since, until, pool_id=pool_id,
                               sort="converted_at" if screen == "converted" else "submitted_at")
            result = store.export_records(q, target, chosen, fmt=fmt, batch=batch, ids=id_list)
    # With --out -, standard output holds the file: the summary goes to standard error.
    say = err if out_path == "-" else out
    if json_:
        if out_path == "-":
            sys.stderr.write(json.dumps(plain(result), ensure_ascii=False) + "\n")
        else:
            print_json(result)
        return
    say.print(Text(t("Exported {n} row(s) to {path}", n=f"{result.rows:,}",
                     path=t("standard output") if out_path == "-" else result.path)))
    if result.batches > 1:
        err.print(Text(t("Batch {batch} of {batches} ({total} rows in all)", batch=result.batch,
                         batches=result.batches, total=f"{result.total:,}")))
    if result.cut_rows:
        err.print(Text(t("Values longer than 32,767 characters were cut in row(s) {rows}",
                         rows=", ".join(map(str, result.cut_rows)))))


SHOWN_PROBLEMS = 20  # rows listed on the terminal; the rejects file holds them all

PoolOpt = Annotated[str | None, typer.Option("--pool", help="The pool the leads go into (default: the default "
                                                            "pool). Admins and that pool's admins may.")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="The source of leads that name none: intent, "
                                                                "booking, appointment, signup, inquiry, sample, "
                                                                "message (or its Chinese label).")]


@contextmanager
def _progress(as_json: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """The import's progress bar, named after the phase it is in."""
    words = {"read": t("reading"), "check": t("checking"), "write": t("writing")}
    with progress(words["read"], enabled=not as_json) as update:
        yield None if update is None else (lambda phase, done, total: update(done, total, words.get(phase, phase)))


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
    with guarded(json_), _source(path, fmt, json_) as readable, _progress(json_) as shown:
        store = open_store(db, as_)
        result = store.import_leads(readable, pool=pool, source=source, on_duplicate=on_duplicate, dry_run=dry_run,
                                    rejects=rejects or (os.path.join(os.path.dirname(readable), "rejects." + fmt)
                                                        if path == "-" and not dry_run else None),
                                    progress=shown, encoding=encoding)
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
    with guarded(json_), _progress(json_) as shown:
        store = open_store(db, as_)
        result = store.ingest_leads(_stdin_lines(), pool=pool, source=source, on_duplicate=on_duplicate,
                                    dry_run=dry_run, progress=shown)
    _report(result, json_)
