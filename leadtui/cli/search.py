"""`leadtui search` (issue 6): the lead search as the lists use it, for scripts and
for measuring; registered on the main app.

`--queries-file` runs many queries in one process (no start-up per query) and prints
one JSON object per line: the query, the milliseconds it took and its ranked hits.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    app,
    err,
    fail,
    guarded,
    open_store,
    print_json,
    print_table,
    refuse_server_path,
)
from leadtui.i18n import label, t

SCREENS = ("all", "converted", "pool")


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux: VmHWM, which an exec resets)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hit_json(row) -> dict[str, object]:  # noqa: ANN001 - a LeadRow
    return {"id": row.id, "score": row.score, "matched_field": row.matched_field, "exact": row.exact}


@app.command("search")
def search(
    query: Annotated[str | None, typer.Argument(help="What to look for in the 17 fields.")] = None,
    screen: Annotated[str, typer.Option("--screen", help="all, converted or pool.")] = "all",
    pool: Annotated[str | None, typer.Option("--pool", help="The pool (--screen pool).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many hits per query.")] = 20,
    queries_file: Annotated[str | None, typer.Option(
        "--queries-file", help="One query per line ('-': standard input); one JSON line per query.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="leadtui, or naive (a LIKE on each of the 17 "
                                                         "columns, for comparison).")] = "leadtui",
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Search the leads: exact hits first, then forgiving ones (typos), with the field that matched."""
    from leadtui.store.records import LeadQuery
    from leadtui.store.search import naive as search_naive

    if screen not in SCREENS:
        fail(t("--screen is one of {choices}, not {value}", choices=", ".join(SCREENS), value=screen), 2, json_)
    if limit < 1:
        fail(t("--limit must be at least 1"), 2, json_)
    if engine not in ("leadtui", "naive"):
        fail(t("--engine is leadtui or naive, not {value}", value=engine), 2, json_)
    if (query is None) == (queries_file is None):
        fail(t("Give a query, or --queries-file FILE"), 2, json_)
    if queries_file is not None and not json_:
        fail(t("--queries-file prints JSON lines: add --json"), 2)
    if queries_file is not None:
        refuse_server_path(queries_file, "--queries-file")
    with guarded(json_):
        store = open_store(db, as_)
        pool_id = store.show_pool(pool).id if pool else None
        if screen == "pool" and pool_id is None:
            fail(t("--screen pool wants --pool"), 2, json_)

        def rows(text: str):  # noqa: ANN202 - the ranked LeadRows
            return store.list_leads(LeadQuery(screen=screen, text=text, pool_id=pool_id), 0, limit)

        def run(text: str) -> list[dict[str, object]]:
            if engine == "naive":
                return search_naive.search(store, text, screen, pool_id, limit)
            return [hit_json(r) for r in rows(text)]

        if queries_file is not None:
            try:
                lines = (sys.stdin if queries_file == "-" else open(queries_file, encoding="utf-8")).read()
            except (OSError, UnicodeDecodeError) as exc:
                fail(t("Cannot read {path}: {error}", path=queries_file, error=str(exc)), 2, True)
            if engine == "leadtui":
                store.warm_search()  # start-up, as a console does it: not the first typo's time
            for text in lines.splitlines():
                if not text.strip():
                    continue
                started = time.perf_counter()
                hits = run(text)
                ms = (time.perf_counter() - started) * 1000
                print(json.dumps({"query": text, "ms": round(ms, 2), "hits": hits}, ensure_ascii=False), flush=True)
            err.print(t("Peak memory of this process: {mb} MB", mb=f"{peak_rss_mb():.0f}"))
            return
        assert query is not None
        if json_:
            print_json(run(query))
            return
        if engine == "naive":
            print_table(["ID", t("Matched")], [[h["id"], label(str(h["matched_field"] or ""))] for h in run(query)])
            return
        started = time.perf_counter()
        found = rows(query)
        ms = (time.perf_counter() - started) * 1000
        columns = ["order_no", "contact", "mobile", "company"]
        print_table(["ID", *(label(c) for c in columns), t("Matched"), t("Score")],
                    [[r.id, *(str(r.get(c) or "") for c in columns), label(r.matched_field or ""),
                      (t("exact") if r.exact else str(r.score))] for r in found])
        err.print(t("{n} hit(s) in {ms} ms", n=len(found), ms=f"{ms:.1f}"))
