"""The console at scale, as an operator notices it (issue 6): rows before the count,
the matched field and its characters, the end of the list, Esc back to the list."""

from __future__ import annotations

import threading

from leadtui.app import LeadApp
from leadtui.screens.record_list import MATCHED
from leadtui.store.records import LeadQuery
from leadtui.store.service import Store
from leadtui.widgets.record_table import RecordTable
from tests.test_console import screen_lines, settle, store, table_of  # noqa: F401 - the fixture


async def test_the_first_rows_show_before_the_count(store: Store, monkeypatch) -> None:  # noqa: F811, ANN001
    release = threading.Event()
    counted = Store.count_leads

    def slow_count(self, query):  # noqa: ANN001, ANN202 - a count that takes its time (a million leads)
        release.wait(10)
        return counted(self, query)

    monkeypatch.setattr(Store, "count_leads", slow_count)
    monkeypatch.setattr(RecordTable, "PAGE_SIZE", 20)  # 65 leads: more than a page
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if table_of(app).record_at(0) is not None:
                break
        table = table_of(app)
        assert table.record_at(0) is not None and table.total == 20
        assert "rows …" in "\n".join(screen_lines(app))  # the count is still on its way
        release.set()
        await settle(pilot)
        assert table.total == 65 and "rows 65" in "\n".join(screen_lines(app))


async def test_a_search_names_the_matched_field_first_and_underlines_the_match(store: Store) -> None:  # noqa: F811
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert MATCHED not in [c.key for c in table.columns]
        await pilot.press("slash", *"lead7@")
        await pilot.pause(0.3)
        await settle(pilot)
        assert [c.key for c in table.columns][0] == MATCHED
        lines = screen_lines(app)
        assert any(line.lstrip().startswith("Email") for line in lines[3:6]), lines[:6]
        row = table.record_at(0)
        assert (row.matched_field, row.match_span) == ("email", (0, 6))
        # in a column on screen, the underline covers the matched characters, nowhere else
        app.screen.query_one("#search").value = "星辰科"
        await pilot.pause(0.3)
        await settle(pilot)
        assert table.record_at(0).match_span == (2, 5)
        strip = table._row_strip(0)
        assert "".join(seg.text for seg in strip if seg.style and seg.style.underline) == "星辰科"
        # a typo: the forgiving hit is marked ≈
        app.screen.query_one("#search").value = "lead7@exampel.com"
        await pilot.pause(0.3)
        await settle(pilot)
        assert table.total == 1 and table.record_at(0).exact is False
        assert any("≈Email" in line for line in screen_lines(app)[3:5])
        # Esc: the search is gone, the list has the keys again
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#search").value == "" and table.has_focus
        assert MATCHED not in [c.key for c in table.columns] and table.total == 65
        await pilot.press("f")  # a list key, not search text
        await settle(pilot)
        assert app.screen.__class__.__name__ != "LeadListScreen" or app.screen.query_one("#search").value == ""


async def test_the_end_of_the_list_is_read_backwards_and_is_the_end(store: Store, monkeypatch) -> None:  # noqa: F811
    seen: list[tuple[int, int | None]] = []
    listed = Store.list_leads

    def spy(self, query, offset=0, limit=100, total=None):  # noqa: ANN001, ANN202
        seen.append((offset, total))
        return listed(self, query, offset, limit, total=total)

    monkeypatch.setattr(Store, "list_leads", spy)
    monkeypatch.setattr(RecordTable, "PAGE_SIZE", 20)  # so that 65 leads have a far page
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor_row == 64
        assert (60, 65) in seen  # the last page asked with the total: read from the end
        want = [r.id for r in listed(store, LeadQuery(), 60, 20)]
        assert [table.record_at(i).id for i in range(60, 65)] == want
