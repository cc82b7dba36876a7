"""The one virtual record table every screen shows records in.

Built on Textual's Line API (as Toolong's log view): the widget's virtual height is
the row count, each visible line is drawn on demand from a page cache, and a page
that is not cached yet is asked for with a `PageWanted` message — the screen fetches
it in a worker thread and hands it back with `supply()`. So a million rows cost one
COUNT and the pages on screen, never a load of everything. Marks are a set of record
ids, so they survive sorting, paging and refreshes.

Cells are plain text: every value passes through `leadtui.safe.one_line` and goes
into a `Segment` as it is — no markup parser ever sees data from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from leadtui.i18n import translate_bindings
from leadtui.safe import one_line

MARK_WIDTH = 2


class Record(Protocol):
    id: int

    def get(self, key: str) -> object: ...


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` terminal cells (CJK counts double); a cut
    text ends in "…" right after its last whole character."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    kept, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return set_cell_size("".join(kept) + "…", width)


def _underlined(cell: str, style: Style, match: Style, span: tuple[int, int] | None) -> list[Segment]:
    """A fitted cell with the characters `span` (of the value it shows) in `match`
    style; the whole cell when there is no span. Fitting keeps the value's first
    characters, so the span's indexes still point at them."""
    if span is None:
        return [Segment(cell, match)]
    start, end = max(0, min(span[0], len(cell))), max(0, min(span[1], len(cell)))
    parts = [(cell[:start], style), (cell[start:end], match), (cell[end:], style)]
    return [Segment(text, part_style) for text, part_style in parts if text]


class RecordTable(ScrollView, can_focus=True):
    """A scrolling, sortable, markable table over rows fetched a page at a time."""

    PAGE_SIZE = 100

    COMPONENT_CLASSES = {
        "record-table--header",
        "record-table--header-current",
        "record-table--cursor",
        "record-table--marked",
        "record-table--match",
        "record-table--loading",
    }

    DEFAULT_CSS = """
    RecordTable { background: $surface; }
    RecordTable > .record-table--header { text-style: bold; background: $panel; }
    RecordTable > .record-table--header-current { text-style: bold reverse; }
    RecordTable > .record-table--cursor { background: $accent 60%; text-style: bold; }
    RecordTable:blur > .record-table--cursor { background: $accent 25%; }
    RecordTable > .record-table--marked { color: $warning; text-style: bold; }
    RecordTable > .record-table--match { text-style: underline; }
    RecordTable > .record-table--loading { color: $text-muted; }
    """

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("g,home", "first", "First row", show=False, id="table.first"),
        Binding("G,end", "last", "Last row", show=False, id="table.last"),
        Binding("left,h", "column_left", "Column left", show=False, id="table.left"),
        Binding("right,l", "column_right", "Column right", show=False, id="table.right"),
        Binding("space", "toggle_mark", "Mark", show=False, id="table.mark"),
        Binding("s", "sort", "Sort by column", show=False, id="table.sort"),
        Binding("enter", "open", "Open", show=False, id="table.open"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)
    current_column: reactive[int] = reactive(0)

    class PageWanted(Message):
        def __init__(self, table: RecordTable, page: int, generation: int) -> None:
            super().__init__()
            self.table = table
            self.page = page
            self.generation = generation

    class Opened(Message):
        def __init__(self, record_id: int) -> None:
            super().__init__()
            self.record_id = record_id

    class SortChanged(Message):
        def __init__(self, key: str, descending: bool) -> None:
            super().__init__()
            self.key = key
            self.descending = descending

    class MarksChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, *, format_cell: Callable[[str, object], str] | None = None,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        translate_bindings(self)
        self.columns: list[Column] = []
        self.total = 0
        self.generation = 0
        self.marks: set[int] = set()
        self.sort_key: str | None = None
        self.sort_descending = True
        self.highlight_field: Callable[[Record], str | None] = lambda record: None
        # Where in that field's value the search matched, (start, end) in characters;
        # None: the whole cell is underlined.
        self.highlight_span: Callable[[Record], tuple[int, int] | None] = lambda record: None
        self.format_cell = format_cell or (lambda key, value: "" if value is None else str(value))
        self.loading_text = "…"
        self._pages: dict[int, Sequence[Record]] = {}
        self._stale: dict[int, Sequence[Record]] = {}
        self._pending: set[int] = set()

    # ------------------------------------------------------------------ data

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.current_column = min(self.current_column, max(0, len(self.columns) - 1))
        self._resize()
        self.refresh()

    def reset(self, total: int, *, keep_cursor: bool = False) -> None:
        """A new result: drop the cached pages; ask again for what is on screen."""
        self.generation += 1
        self.total = max(0, total)
        # On a refresh the old rows stay on screen (and under the cursor) until the
        # fresh pages arrive: no flicker, and an action right after a dialog still
        # knows its row.
        self._stale = self._pages if keep_cursor else {}
        self._pages = {}
        self._pending.clear()
        if not keep_cursor:
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self.cursor_row = min(self.cursor_row, max(0, self.total - 1))
        self._resize()
        self.refresh()

    def set_total(self, total: int) -> None:
        """The count, once it arrives after the first page: the pages stay."""
        self.total = max(0, total)
        self.cursor_row = min(self.cursor_row, max(0, self.total - 1))
        self._resize()
        self.refresh()

    def supply(self, generation: int, page: int, rows: Sequence[Record]) -> None:
        """A page fetched for `generation`; a page for an older query is dropped."""
        if generation != self.generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        self.refresh()

    def record_at(self, row: int) -> Record | None:
        number = row // self.PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            page = self._stale.get(number)
        if page is None:
            return None
        index = row % self.PAGE_SIZE
        return page[index] if index < len(page) else None

    @property
    def cursor_record(self) -> Record | None:
        return self.record_at(self.cursor_row) if self.total else None

    def target_ids(self) -> list[int]:
        """What a batch action acts on: the marked rows, or the cursor row."""
        if self.marks:
            return sorted(self.marks)
        record = self.cursor_record
        return [record.id] if record is not None else []

    def set_marks(self, ids: set[int]) -> None:
        self.marks = set(ids)
        self.post_message(self.MarksChanged(len(self.marks)))
        self.refresh()

    # ------------------------------------------------------------------ geometry

    @property
    def line_width(self) -> int:
        return MARK_WIDTH + sum(c.width + 1 for c in self.columns)

    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - 1)  # the header takes one line

    def _resize(self) -> None:
        self.virtual_size = Size(self.line_width, self.total + 1)

    def _column_x(self, index: int) -> tuple[int, int]:
        x = MARK_WIDTH
        for column in self.columns[:index]:
            x += column.width + 1
        return x, x + self.columns[index].width

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            strip = self._header_strip()
        else:
            row = scroll_y + y - 1
            if row >= self.total:
                return Strip.blank(width, base)
            strip = self._row_strip(row)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _header_strip(self) -> Strip:
        header = self.get_component_rich_style("record-table--header")
        current = self.get_component_rich_style("record-table--header-current")
        segments = [Segment(" " * MARK_WIDTH, header)]
        for index, column in enumerate(self.columns):
            label = one_line(column.label)
            if column.key == self.sort_key:
                label += " ▼" if self.sort_descending else " ▲"
            style = header + current if index == self.current_column and self.has_focus else header
            segments.append(Segment(fit(label, column.width), style))
            segments.append(Segment(" ", header))
        return Strip(segments, self.line_width)

    def _row_strip(self, row: int) -> Strip:
        if row // self.PAGE_SIZE not in self._pages:
            self._want(row // self.PAGE_SIZE)
        record = self.record_at(row)
        if record is None:
            style = self.get_component_rich_style("record-table--loading")
            return Strip([Segment(fit("  " + self.loading_text, self.line_width), style)], self.line_width)
        style = Style()
        marked = record.id in self.marks
        if marked:
            style += self.get_component_rich_style("record-table--marked")
        if row == self.cursor_row:
            style += self.get_component_rich_style("record-table--cursor")
        match_key = self.highlight_field(record)
        # Only the match's text attributes: its background would hide the cursor's.
        match = self.get_component_rich_style("record-table--match", partial=True)
        match_style = style + Style(bold=match.bold, italic=match.italic, underline=match.underline,
                                    reverse=match.reverse)
        segments = [Segment("● " if marked else "  ", style)]
        for column in self.columns:
            value = record.get(column.key)
            text = one_line(self.format_cell(column.key, value))
            if column.key != match_key:
                segments.append(Segment(fit(text, column.width), style))
            else:
                segments += _underlined(fit(text, column.width), style, match_style,
                                        self.highlight_span(record) if text == one_line(value) else None)
            segments.append(Segment(" ", style))
        return Strip(segments, self.line_width)

    def _want(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        self.post_message(self.PageWanted(self, page, self.generation))

    # ------------------------------------------------------------------ cursor

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()

    def watch_current_column(self) -> None:
        if self.columns:
            start, end = self._column_x(self.current_column)
            # The width beside the vertical scrollbar (`size` counts the scrollbar, and
            # the last column's sort arrow would stay under it).
            width = self.scrollable_content_region.width
            if start < self.scroll_x:
                self.scroll_to(x=start - MARK_WIDTH if self.current_column == 0 else start,
                               animate=False, immediate=True)
            elif end > self.scroll_x + width:
                self.scroll_to(x=end - width + 1, animate=False, immediate=True)
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self.visible_rows:
            self.scroll_to(y=self.cursor_row - self.visible_rows + 1, animate=False, immediate=True)

    def move_cursor(self, row: int) -> None:
        self.cursor_row = max(0, min(row, self.total - 1)) if self.total else 0

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.visible_rows)
        self.scroll_to(y=min(self.cursor_row, max(0, self.total + 1 - self.size.height)),
                       animate=False, immediate=True)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.visible_rows)
        self.scroll_to(y=self.cursor_row, animate=False, immediate=True)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.total - 1)

    def action_column_left(self) -> None:
        self.current_column = max(0, self.current_column - 1)

    def action_column_right(self) -> None:
        self.current_column = min(len(self.columns) - 1, self.current_column + 1)

    def action_toggle_mark(self) -> None:
        record = self.cursor_record
        if record is None:
            return
        self.marks.symmetric_difference_update({record.id})
        self.post_message(self.MarksChanged(len(self.marks)))
        self.move_cursor(self.cursor_row + 1)
        self.refresh()

    def action_sort(self) -> None:
        if self.columns:
            self._sort_by(self.columns[self.current_column].key)

    def _sort_by(self, key: str) -> None:
        descending = not self.sort_descending if key == self.sort_key else key.endswith("_at")
        self.sort_key, self.sort_descending = key, descending
        self.post_message(self.SortChanged(key, descending))

    def action_open(self) -> None:
        record = self.cursor_record
        if record is not None:
            self.post_message(self.Opened(record.id))

    # ------------------------------------------------------------------ mouse

    def on_click(self, event: events.Click) -> None:
        x = event.x + round(self.scroll_x)
        if event.y == 0:
            for index in range(len(self.columns)):
                start, end = self._column_x(index)
                if start <= x <= end:
                    self.current_column = index
                    self._sort_by(self.columns[index].key)
                    return
            return
        row = round(self.scroll_y) + event.y - 1
        if row < self.total:
            self.move_cursor(row)
            if event.chain == 2:
                self.action_open()

    def on_resize(self) -> None:
        self._scroll_cursor_into_view()
