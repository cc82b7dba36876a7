"""What every record list shares (leads and customers): the title, the search box,
the one virtual table, the status line; paging, sorting, marks, columns, batches.

A subclass says which records: `count`, `page`, `ids` call the store, `open_record`
opens one, and `title_parts` / `filter_summary` describe the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from leadtui.display import cell
from leadtui.i18n import label, t
from leadtui.safe import one_line
from leadtui.screens.base import StoreCalls
from leadtui.screens.live import LiveRefresh
from leadtui.store.records import BatchResult
from leadtui.widgets.record_table import Column, RecordTable
from leadtui.widgets.status_line import StatusLine


MATCHED = "matched"  # the column that names the field a search matched


class RecordListScreen(LiveRefresh, StoreCalls, Screen[None]):
    DEFAULT_CSS = """
    RecordListScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; }
    RecordListScreen #search { height: 1; border: none; padding: 0 1; display: none; }
    RecordListScreen #search.shown { display: block; }
    RecordListScreen RecordTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "search", "Search", id="list.search"),
        Binding("f", "filter", "Filter", id="list.filter"),
        Binding("A", "mark_all", "Mark all", show=False, id="list.mark_all"),
        Binding("U", "clear_marks", "Clear marks", show=False, id="list.clear_marks"),
        Binding("C", "columns", "Columns", show=False, id="list.columns"),
        Binding("e", "export", "Export", show=False, id="list.export"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="list.reload"),
        Binding("escape", "clear_search", "Clear search", show=False, id="list.clear_search"),
    ]

    screen_kind: str
    query_spec: Any
    widths: dict[str, int]
    export_fields: tuple[str, ...]  # what the export dialog offers, "id" first
    search_hint = "Search — Enter to go to the list, Esc to clear"

    def __init__(self, screen_kind: str) -> None:
        super().__init__(name=screen_kind)
        self.screen_kind = screen_kind
        self._loaded = False
        self._total_known = False
        self._search_timer: Timer | None = None

    # ------------------------------------------------------------------ what a subclass says

    def count(self, query: Any) -> int:
        raise NotImplementedError

    def page(self, query: Any, offset: int, limit: int) -> list[Any]:
        raise NotImplementedError

    def ids(self, query: Any) -> list[int]:
        raise NotImplementedError

    def open_record(self, record_id: int) -> None:
        raise NotImplementedError

    def title_parts(self) -> list[str]:
        raise NotImplementedError

    def filter_summary(self) -> str:
        return ""

    def ready(self) -> bool:
        """Whether the query can run yet (the Pool screen waits for its pool)."""
        return True

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="title", markup=False)
        yield Input(placeholder=t(self.search_hint), id="search")
        table = RecordTable(format_cell=cell, id="table")
        table.loading_text = t("loading…")
        table.sort_key = self.query_spec.sort
        table.sort_descending = self.query_spec.descending
        table.highlight_field = lambda record: getattr(record, "matched_field", None)
        table.highlight_span = lambda record: getattr(record, "match_span", None)
        yield table
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def on_mount(self) -> None:
        self.show_who()
        self.update_title()
        self.call_store(self.app.store.get_columns, self.screen_kind, done=self.set_columns)
        if self.ready():
            self.reload()
        self.table.focus()
        self.live_start()  # what other operators change shows (screens/live.py)

    def show_who(self) -> None:
        store = self.app.store
        user = store.user
        # A database file any account may read is said on every screen (issue 13).
        self.status.set(who=f"{user.name} @{user.login}", role=user.role, database=store.db.describe(),
                        warning=t("readable by all") if store.db.exposure() else "")

    def reopened(self) -> None:
        """The database file was opened again (screens/reopen.py): read it afresh."""
        self.show_who()
        if self.ready():
            self.reload(keep_cursor=True)

    def on_screen_resume(self) -> None:
        # Back from a dialog, the detail, the trash or another screen: what was done
        # there (or by other operators meanwhile) shows, the cursor and marks stay.
        if self._loaded:
            self.reload(keep_cursor=True)

    def set_columns(self, keys: tuple[str, ...]) -> None:
        self._column_keys = tuple(keys)
        columns = [Column(k, label(k), max(self.widths[k], cell_len(label(k)) + 2)) for k in keys]
        if self.query_spec.text:
            # While searching, the row says first which field matched (≈: a forgiving hit).
            columns.insert(0, Column(MATCHED, t("Matched"), max(8, cell_len(t("Matched")) + 1)))
        self.table.set_columns(columns)

    @property
    def column_keys(self) -> list[str]:
        """The columns the operator chose (not the search's "matched")."""
        return [c.key for c in self.table.columns if c.key != MATCHED]

    def update_title(self) -> None:
        parts = self.title_parts()
        if self.query_spec.text:
            parts.append(t("search: {text}", text=self.query_spec.text))
        filters = self.filter_summary()
        if filters:
            parts.append(t("filter: {text}", text=filters))
        self.query_one("#title", Static).update(Text(one_line(" · ".join(parts)), no_wrap=True,
                                                     overflow="ellipsis"))

    # ------------------------------------------------------------------ data

    def reload(self, keep_cursor: bool = False) -> None:
        """Count the rows of the current query; the table then asks for its pages.

        A new query (not a refresh) also fetches its first page at once, beside the
        count: the rows show as soon as they are read, and a count that takes longer
        (a million leads) follows into the status line and the scrollbar."""
        if not self.ready():
            return
        query = self.query_spec
        self.status.set(shown=None)
        self._total_known = False
        table = self.table
        early: int | None = None  # the generation the first page started, when it came first

        def counted(total: int) -> None:
            if query != self.query_spec:
                return  # the operator typed on; a newer count is under way
            self._loaded = True
            if early == table.generation:
                table.set_total(total)  # the first page is on screen already
            else:
                table.reset(total, keep_cursor=keep_cursor)
            self._total_known = True
            self.status.set(shown=total, marked=len(table.marks))

        def first_page(rows: list[Any]) -> None:
            nonlocal early
            if query != self.query_spec or self._total_known:
                return
            self._loaded = True
            size = table.PAGE_SIZE
            table.reset(len(rows))
            table.supply(table.generation, 0, rows)
            early = table.generation
            if len(rows) < size:  # all there is: this is the count
                self._total_known = True
                self.status.set(shown=len(rows), marked=len(table.marks))
            else:
                self.status.set(shown=None)

        self.call_store(self.count, query, done=counted, group="count", exclusive=True)
        if not keep_cursor:
            self.call_store(self.page, query, 0, table.PAGE_SIZE, done=first_page, group="first-page",
                            exclusive=True)
        self.refresh_unread()

    @property
    def known_total(self) -> int | None:
        """The list's length once counted (page reads from the end use it)."""
        return self.table.total if self._total_known else None

    def refresh_unread(self) -> None:
        self.call_store(self.app.store.unread_count, done=lambda n: self.status.set(unread=n), group="unread",
                        exclusive=True)

    @on(RecordTable.PageWanted)
    def fetch_page(self, message: RecordTable.PageWanted) -> None:
        table, number, generation = message.table, message.page, message.generation
        self.call_store(self.page, self.query_spec, number * table.PAGE_SIZE, table.PAGE_SIZE,
                        done=lambda rows: table.supply(generation, number, rows), group=f"page-{number}")

    def set_query(self, **changes: object) -> None:
        searching = bool(self.query_spec.text)
        self.query_spec = replace(self.query_spec, **changes)
        if bool(self.query_spec.text) != searching and hasattr(self, "_column_keys"):
            self.set_columns(self._column_keys)
        self.table.sort_key = self.query_spec.sort
        self.table.sort_descending = self.query_spec.descending
        self.update_title()
        self.reload()

    @on(RecordTable.SortChanged)
    def sort_changed(self, message: RecordTable.SortChanged) -> None:
        self.set_query(sort=message.key, descending=message.descending)

    @on(RecordTable.MarksChanged)
    def marks_changed(self, message: RecordTable.MarksChanged) -> None:
        self.status.set(marked=message.count)

    @on(RecordTable.Opened)
    def opened(self, message: RecordTable.Opened) -> None:
        self.open_record(message.record_id)

    # ------------------------------------------------------------------ search

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("shown")
        search.focus()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        # Results follow the typing; a short pause avoids a query per keystroke.
        if self._search_timer is not None:
            self._search_timer.stop()
        text = event.value
        self._search_timer = self.set_timer(0.15, lambda: self._apply_search(text))

    def _apply_search(self, text: str) -> None:
        if text != self.query_spec.text:
            self.set_query(text=text)

    @on(Input.Submitted, "#search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self._apply_search(event.value)
        self.table.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        # One Esc clears the search and goes back to the list, so the next key is a
        # list key again (not more search text).
        if search.has_focus or self.query_spec.text:
            search.value = ""
            search.remove_class("shown")
            self._apply_search("")
            self.table.focus()
        elif self.is_modal_like():
            self.dismiss(None)  # a list opened over another (the trash): Esc goes back

    def is_modal_like(self) -> bool:
        return False

    # ------------------------------------------------------------------ marks, columns

    def action_mark_all(self) -> None:
        def marked(ids: list[int]) -> None:
            self.table.set_marks(set(ids))
            self.app.notify(t("Marked {n} rows", n=f"{len(ids):,}"))

        self.call_store(self.ids, self.query_spec, done=marked, group="mark", exclusive=True)

    def action_clear_marks(self) -> None:
        self.table.set_marks(set())

    def action_reload(self) -> None:
        self.reload(keep_cursor=True)

    def action_columns(self) -> None:
        from leadtui.screens.columns import ColumnsDialog

        def chosen(keys: list[str] | None) -> None:
            if keys:
                self.call_store(self.app.store.set_columns, self.screen_kind, keys, done=self.set_columns)

        self.app.push_screen(ColumnsDialog(self.column_keys, list(self.widths)),
                             callback=chosen)

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        from leadtui.screens.export_dialog import ExportDialog

        if self.app.refuse_server_files():
            return
        self.app.push_screen(ExportDialog(" · ".join(self.title_parts()), self.screen_kind, self.query_spec,
                                          self.table.total, sorted(self.table.marks),
                                          self.column_keys, list(self.export_fields)))

    # ------------------------------------------------------------------ batches

    def batch_done(self, result: BatchResult) -> None:
        """Report what a batch did; unmark what it changed; show the new state."""
        self.app.notify(result.summary, severity="information" if result.done else "warning",
                        timeout=8 if result.refused else 4)
        self.table.set_marks(self.table.marks - set(result.done))
        self.reload(keep_cursor=True)

    def targets(self) -> list[int]:
        ids = self.table.target_ids()
        if not ids:
            self.app.notify(t("No row under the cursor"), severity="warning")
        return ids

    def run_batch(self, method: Callable[..., BatchResult], ids: list[int], *args: object) -> None:
        self.call_store(method, ids, *args, done=self.batch_done, group="batch")

    def confirm_batch(self, question: str, confirm: str, method: Callable[..., BatchResult]) -> None:
        from leadtui.screens.pool_dialogs import ConfirmDialog

        ids = self.targets()
        if ids:
            self.app.push_screen(ConfirmDialog(question.format(n=len(ids)), confirm),
                                 callback=lambda yes: yes and self.run_batch(method, ids))
