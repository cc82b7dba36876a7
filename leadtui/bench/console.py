"""`leadtui bench console`: the console at N leads, through the Pilot (issue 6).

On the same N-lead database as `bench search` it times, in one headless console:
  launch       the app starting (store opened, screen mounted) to the first rows drawn
  count        the app starting to the status line's row count (it follows the rows)
  a key        `j`, which reads nothing: the floor of every key
  page down    the key to the next screenful drawn
  jump to end  `G` to the last rows drawn
  search       the last keystroke of a query to its results drawn (the search box
               waits 0.15 s after the last key before it asks: that is in the figure)
The keys are timed once the console's start-up work (the typo search's words, the
first rules run) is done, as when a person starts typing a few seconds in.
and, beside them, the naive way measured in the same run: OFFSET paging forwards to
the last page (what the list did before reading far pages backwards), and
`import leadtui.app` in a fresh interpreter (the part of a launch the Pilot cannot see).
It prints the console process's peak memory too.

Nothing here asserts a timing: it measures and prints.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass

from leadtui import config


@dataclass
class ConsoleBench:
    leads: int
    db: str
    launch_s: float
    count_s: float
    key_s: float
    page_down_s: float
    jump_end_s: float
    search_s: float
    search_query: str
    naive_end_s: float
    import_s: float
    rss_mb: float


async def _until(ready, timeout: float = 120.0) -> float:  # noqa: ANN001
    """Seconds until `ready()`; it looks every millisecond (asyncio.sleep, not the
    Pilot's pause, which waits for the app to be idle and costs tens of ms itself)."""
    started = time.perf_counter()
    while not ready():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the console did not get there in time")
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def _drive(url: str, query: str) -> tuple[float, float, float, float, float, float]:
    from leadtui.app import LeadApp
    from leadtui.store.db.engine import Database
    from leadtui.store.service import Store

    started = time.perf_counter()
    db = Database(url)
    app = LeadApp(Store(db, config.os_login()))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            def screen():  # noqa: ANN202
                return app.screen

            await _until(lambda: hasattr(screen(), "table") and screen().table.record_at(0) is not None)
            launch = time.perf_counter() - started
            await _until(lambda: screen()._total_known)  # noqa: SLF001
            count = time.perf_counter() - started
            table = screen().table

            async def timed(keys: list[str], ready) -> float:  # noqa: ANN001
                # The press runs beside the clock: the Pilot's press waits for the
                # app to go idle afterwards, which is not the operator's wait.
                t0 = time.perf_counter()
                pressing = asyncio.ensure_future(pilot.press(*keys))
                await _until(ready)
                elapsed = time.perf_counter() - t0
                await pressing
                return elapsed

            # What a console does in its first seconds (the typo search's words, the
            # rules) is done before the keys are timed, as when a person starts typing.
            await asyncio.sleep(max(0.0, app.RULES_FIRST + 0.5 - (time.perf_counter() - started)))
            await _until(lambda: all(w.is_finished for w in app.workers if w.group in ("warm", "rules")))
            key = await timed(["j"], lambda: table.cursor_row == 1)  # a key that reads nothing
            # Three screenfuls down, then a page down that needs a page not read yet.
            await pilot.press(*(["pagedown"] * 3))
            target = table.cursor_row + table.visible_rows
            page_down = await timed(["pagedown"], lambda: table.cursor_row >= target
                                    and table.record_at(table.cursor_row) is not None)
            jump = await timed(["G"], lambda: table.cursor_row == table.total - 1
                               and table.record_at(table.total - 1) is not None)
            await pilot.press("g", "slash", *query[:-1])
            await pilot.pause(0.3)
            generation = table.generation
            search = await timed([query[-1]], lambda: table.generation != generation and (
                table.record_at(0) is not None or screen()._total_known and not table.total))  # noqa: SLF001
    finally:
        db.dispose()
    return launch, count, key, page_down, jump, search


def _naive_end(url: str) -> float:
    """The last page read the naive way: OFFSET from the start."""
    from leadtui.store.db.engine import Database
    from leadtui.store.records import LeadQuery
    from leadtui.store.service import Store

    db = Database(url)
    try:
        store = Store(db, config.os_login())
        total = store.count_leads(LeadQuery())
        started = time.perf_counter()
        store.list_leads(LeadQuery(), max(0, total - 100), 100)  # no total: forwards
        return time.perf_counter() - started
    finally:
        db.dispose()


def _import_time() -> float:
    code = "import time; t = time.perf_counter(); import leadtui.app, leadtui.cli; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def run_console_bench(n: int, url: str | None = None, query: str = "张伟", progress=None) -> ConsoleBench:  # noqa: ANN001
    from leadtui.bench.search import ensure_db
    from leadtui.cli.search import peak_rss_mb

    db = ensure_db(n, url, progress)
    url = db.url
    db.dispose()
    launch, count, key, page_down, jump, search = asyncio.run(_drive(url, query))
    return ConsoleBench(n, url, launch, count, key, page_down, jump, search, query, _naive_end(url),
                        _import_time(), peak_rss_mb())


COLUMNS = ["figure", "leadtui", "naive, same run", "goal at 1M"]


def table_rows(b: ConsoleBench) -> list[list[str]]:
    def ms(s: float) -> str:
        return f"{s * 1000:,.0f} ms"

    return [
        ["launch → first rows drawn", ms(b.launch_s), f"+ {ms(b.import_s)} of imports", "≤ 1.0 s"],
        ["launch → row count shown", ms(b.count_s), "", ""],
        ["a key that reads nothing (j)", ms(b.key_s), "", ""],
        ["page down", ms(b.page_down_s), "", "≤ 50 ms"],
        ["jump to end (G)", ms(b.jump_end_s), f"{ms(b.naive_end_s)} (OFFSET forwards)", "≤ 100 ms"],
        [f"search keystroke → results ({b.search_query})", ms(b.search_s), "", "(0.15 s of it: the debounce)"],
        ["peak RSS of the console process", f"{b.rss_mb:.0f} MB", "", "≤ 300 MB"],
    ]


def as_json(b: ConsoleBench) -> dict[str, object]:
    return {"leads": b.leads, "db": b.db, "launch_s": b.launch_s, "count_s": b.count_s, "key_s": b.key_s,
            "page_down_s": b.page_down_s, "jump_end_s": b.jump_end_s, "search_s": b.search_s,
            "search_query": b.search_query, "naive_end_s": b.naive_end_s, "import_s": b.import_s,
            "rss_mb": b.rss_mb}
