"""`leadtui export` (SPEC 7): a list, or some of its rows, to xlsx / csv; registered on the main app."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.text import Text

from leadtui.cli import AsOpt, DbOpt, JsonOpt, _date_bound, _plain, app, err, fail, guarded, lead_query, \
    open_store, out, print_json, refuse_server_path
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
                                  created_since=_date_bound(since, False, "--since"),
                                  created_until=_date_bound(until, True, "--until"))
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
            sys.stderr.write(json.dumps(_plain(result), ensure_ascii=False) + "\n")
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
