"""All Leads and Converted Leads: one screen class, two modes (SPEC 2.3, 8)."""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from leadtui.display import cell
from leadtui.i18n import label, source_label, t, translate_bindings
from leadtui.safe import one_line
from leadtui.screens.base import StoreCalls
from leadtui.screens.format import WIDTHS
from leadtui.store.records import BatchResult, LeadQuery, LeadRow, PoolRecord, UserRecord
from leadtui.widgets.record_table import Column, RecordTable
from leadtui.widgets.status_line import StatusLine

TITLES = {"all": "All Leads", "converted": "Converted Leads", "pool": "Pool", "trash": "Trash"}

# Which actions each kind of list offers; the store decides per lead who may.
ACTIONS: dict[str, set[str]] = {
    "all": {"process", "convert", "assign", "claim", "reclaim", "return_leads", "delete", "trash"},
    "converted": {"process", "delete", "trash"},
    "pool": {"process", "convert", "assign", "claim", "reclaim", "return_leads", "delete", "trash", "pick_pool"},
    "trash": {"restore", "purge"},
}


class LeadListScreen(StoreCalls, Screen[None]):
    """A list of leads: search, filter, sort, mark, open, process, convert."""

    DEFAULT_CSS = """
    LeadListScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; }
    LeadListScreen #search { height: 1; border: none; padding: 0 1; display: none; }
    LeadListScreen #search.shown { display: block; }
    LeadListScreen RecordTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "search", "Search", id="leads.search"),
        Binding("f", "filter", "Filter", id="leads.filter"),
        Binding("p", "process", "Process", id="leads.process"),
        Binding("v", "convert", "Convert", id="leads.convert"),
        Binding("c", "claim", "Claim", id="leads.claim"),
        Binding("a", "assign", "Assign", id="leads.assign"),
        Binding("r", "reclaim", "Reclaim", show=False, id="leads.reclaim"),
        Binding("R", "return_leads", "Return", show=False, id="leads.return"),
        Binding("d", "delete", "Delete", show=False, id="leads.delete"),
        Binding("P", "pick_pool", "Choose pool", show=False, id="leads.pick_pool"),
        Binding("T", "trash", "Trash", show=False, id="leads.trash"),
        Binding("u", "restore", "Restore", id="leads.restore"),
        Binding("X", "purge", "Purge", id="leads.purge"),
        Binding("A", "mark_all", "Mark all", show=False, id="leads.mark_all"),
        Binding("U", "clear_marks", "Clear marks", show=False, id="leads.clear_marks"),
        Binding("C", "columns", "Columns", show=False, id="leads.columns"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="leads.reload"),
        Binding("escape", "clear_search", "Clear search", show=False, id="leads.clear_search"),
    ]

    def __init__(self, screen_kind: str) -> None:
        super().__init__(name=screen_kind)
        translate_bindings(self)
        self.screen_kind = screen_kind
        self.query_spec = LeadQuery(screen=screen_kind,
                                    sort="converted_at" if screen_kind == "converted" else "submitted_at")
        self._loaded = False
        self.pools: list[PoolRecord] = []
        self.pool: PoolRecord | None = None
        self._search_timer: Timer | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="title", markup=False)
        yield Input(placeholder=t("Search the 17 fields — Enter to go to the list, Esc to clear"),
                    id="search")
        table = RecordTable(format_cell=cell, id="table")
        table.loading_text = t("loading…")
        table.sort_key = self.query_spec.sort
        table.sort_descending = self.query_spec.descending
        table.highlight_field = lambda record: getattr(record, "matched_field", None)
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
        user = self.app.store.user
        self.status.set(who=f"{user.name} @{user.login}", role=user.role, database=self.app.store.db.describe())
        self._update_title()
        self.call_store(self.app.store.get_columns, self.screen_kind, done=self._set_columns)
        self.call_store(self.app.store.list_pools, done=self._pools_loaded)
        if self.screen_kind != "pool":
            self.reload()
        self.table.focus()

    def _pools_loaded(self, pools: list[PoolRecord]) -> None:
        self.pools = pools
        if self.screen_kind != "pool":
            return
        if not pools:
            self.query_one("#title", Static).update(t("Pool — you are not a member of any pool"))
            self.status.set(shown=0)
            return
        self.use_pool(pools[0])

    def use_pool(self, pool: PoolRecord) -> None:
        self.pool = pool
        self.query_spec = replace(self.query_spec, pool_id=pool.id)
        self._update_title()
        self.reload()
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        # Back from a dialog, the detail, the trash or another screen: what was done
        # there (or by other operators meanwhile) shows, the cursor and marks stay.
        if self._loaded:
            self.reload(keep_cursor=True)

    def _set_columns(self, keys: tuple[str, ...]) -> None:
        self.table.set_columns([Column(k, label(k), max(WIDTHS[k], cell_len(label(k)) + 2)) for k in keys])

    def _update_title(self) -> None:
        q = self.query_spec
        parts = [t(TITLES[self.screen_kind])]
        if self.pool is not None:
            parts[0] = t("{title}: {name}", title=parts[0], name=self.pool.name)
        if q.text:
            parts.append(t("search: {text}", text=q.text))
        filters = self.filter_summary()
        if filters:
            parts.append(t("filter: {text}", text=filters))
        self.query_one("#title", Static).update(Text(one_line(" · ".join(parts)), no_wrap=True,
                                                     overflow="ellipsis"))

    def filter_summary(self) -> str:
        q = self.query_spec
        parts = []
        if q.period:
            parts.append({"today": t("today"), "7d": t("7 days"), "30d": t("30 days")}[q.period])
        if q.since:
            parts.append(t("from {date}", date=q.since.date().isoformat()))
        if q.until:
            parts.append(t("to {date}", date=q.until.date().isoformat()))
        parts.extend(source_label(s) for s in q.sources)
        parts.extend(label(s) for s in q.statuses)
        if q.owner:
            parts.append(t("owner {owner}", owner=q.owner if q.owner != "-" else t("nobody")))
        return t(", ").join(parts)

    # ------------------------------------------------------------------ data

    def reload(self, keep_cursor: bool = False) -> None:
        """Count the rows of the current query; the table then asks for its pages."""
        query = self.query_spec
        if query.screen == "pool" and query.pool_id is None:
            return
        self.status.set(shown=None)

        def counted(total: int) -> None:
            if query != self.query_spec:
                return  # the operator typed on; a newer count is under way
            self._loaded = True
            self.table.reset(total, keep_cursor=keep_cursor)
            self.status.set(shown=total, marked=len(self.table.marks))

        self.call_store(self.app.store.count_leads, query, done=counted, group="count", exclusive=True)
        self.refresh_unread()

    def refresh_unread(self) -> None:
        self.call_store(self.app.store.unread_count, done=lambda n: self.status.set(unread=n), group="unread",
                        exclusive=True)

    @on(RecordTable.PageWanted)
    def fetch_page(self, message: RecordTable.PageWanted) -> None:
        table, page, generation = message.table, message.page, message.generation
        self.call_store(self.app.store.list_leads, self.query_spec, page * table.PAGE_SIZE, table.PAGE_SIZE,
                        done=lambda rows: table.supply(generation, page, rows), group=f"page-{page}")

    def set_query(self, **changes: object) -> None:
        self.query_spec = replace(self.query_spec, **changes)
        self.table.sort_key = self.query_spec.sort
        self.table.sort_descending = self.query_spec.descending
        self._update_title()
        self.reload()

    @on(RecordTable.SortChanged)
    def sort_changed(self, message: RecordTable.SortChanged) -> None:
        self.set_query(sort=message.key, descending=message.descending)

    @on(RecordTable.MarksChanged)
    def marks_changed(self, message: RecordTable.MarksChanged) -> None:
        self.status.set(marked=message.count)

    @on(RecordTable.Opened)
    def open_detail(self, message: RecordTable.Opened) -> None:
        from leadtui.screens.detail import LeadDetailScreen

        self.app.push_screen(LeadDetailScreen(message.record_id))

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
        if search.has_focus and search.value:
            search.value = ""
            return
        if search.has_focus or self.query_spec.text:
            search.value = ""
            search.remove_class("shown")
            self._apply_search("")
            self.table.focus()
        elif self.screen_kind == "trash":
            self.dismiss(None)  # the trash is opened over a list: Esc goes back

    # ------------------------------------------------------------------ marks

    def action_mark_all(self) -> None:
        def marked(ids: list[int]) -> None:
            self.table.set_marks(set(ids))
            self.app.notify(t("Marked {n} rows", n=f"{len(ids):,}"))

        self.call_store(self.app.store.lead_ids, self.query_spec, done=marked, group="mark", exclusive=True)

    def action_clear_marks(self) -> None:
        self.table.set_marks(set())

    def action_reload(self) -> None:
        self.reload(keep_cursor=True)

    # ------------------------------------------------------------------ dialogs

    def action_filter(self) -> None:
        from leadtui.screens.filter import FilterDialog

        def apply(result: LeadQuery | None) -> None:
            if result is not None:
                self.set_query(period=result.period, since=result.since, until=result.until,
                               sources=result.sources, statuses=result.statuses, owner=result.owner)

        self.app.push_screen(FilterDialog(self.query_spec), callback=apply)

    def action_columns(self) -> None:
        from leadtui.screens.columns import ColumnsDialog

        def chosen(keys: list[str] | None) -> None:
            if keys:
                self.call_store(self.app.store.set_columns, self.screen_kind, keys, done=self._set_columns)

        self.app.push_screen(ColumnsDialog([c.key for c in self.table.columns]), callback=chosen)

    def _cursor_lead(self) -> LeadRow | None:
        record = self.table.cursor_record
        if record is None:
            self.app.notify(t("No lead under the cursor"), severity="warning")
        return record  # type: ignore[return-value]

    def action_process(self) -> None:
        from leadtui.screens.followup import FollowUpDialog

        lead = self._cursor_lead()
        if lead is not None:
            self.app.push_screen(FollowUpDialog(lead.id, str(lead.get("order_no"))))

    def action_convert(self) -> None:
        from leadtui.screens.convert import ConvertDialog

        lead = self._cursor_lead()
        if lead is not None:
            self.app.push_screen(ConvertDialog(lead.id), callback=self._converted)

    def _converted(self, result: object) -> None:
        if result:
            self.table.set_marks(self.table.marks - {getattr(result, "lead_id", -1)})

    # ------------------------------------------------------------------ pool actions

    def _batch_done(self, result: BatchResult) -> None:
        """Report what a batch did; unmark what it changed; show the new state."""
        self.app.notify(result.summary, severity="information" if result.done else "warning",
                        timeout=8 if result.refused else 4)
        self.table.set_marks(self.table.marks - set(result.done))
        self.reload(keep_cursor=True)

    def _targets(self) -> list[int]:
        ids = self.table.target_ids()
        if not ids:
            self.app.notify(t("No lead under the cursor"), severity="warning")
        return ids

    def _run_batch(self, method: object, ids: list[int], *args: object) -> None:
        self.call_store(method, ids, *args, done=self._batch_done, group="batch")  # type: ignore[arg-type]

    def action_claim(self) -> None:
        ids = self._targets()
        if ids:
            self._run_batch(self.app.store.claim_leads, ids)

    def action_reclaim(self) -> None:
        ids = self._targets()
        if ids:
            self._run_batch(self.app.store.reclaim_leads, ids)

    def action_assign(self) -> None:
        from leadtui.screens.pool_dialogs import AssignDialog

        ids = self._targets()
        if not ids:
            return

        def chosen(answer: tuple[list[str], str | None] | None) -> None:
            if answer is not None:
                users, pool = answer
                self._run_batch(self.app.store.assign_leads, ids, users, pool)

        def ask(users: list[UserRecord]) -> None:
            others = [p for p in self.pools if self.pool is None or p.id != self.pool.id]
            self.app.push_screen(AssignDialog(len(ids), users, others), callback=chosen)

        self.call_store(self.app.store.list_users, done=ask)

    def action_return_leads(self) -> None:
        from leadtui.screens.pool_dialogs import ReturnDialog

        ids = self._targets()
        if not ids:
            return
        pool = self.pool
        if pool is None:
            record = self.table.cursor_record
            name = record.get("pool") if record is not None else None
            pool = next((p for p in self.pools if p.name == name), None)

        def chosen(answer: tuple[str, str | None] | None) -> None:
            if answer is not None:
                reason, to_pool = answer
                self._run_batch(self.app.store.return_leads, ids, reason, to_pool)

        self.app.push_screen(ReturnDialog(len(ids), pool, self.pools), callback=chosen)

    def _confirm_batch(self, question: str, confirm: str, method: object) -> None:
        from leadtui.screens.pool_dialogs import ConfirmDialog

        ids = self._targets()
        if ids:
            self.app.push_screen(ConfirmDialog(question.format(n=len(ids)), confirm),
                                 callback=lambda yes: yes and self._run_batch(method, ids))

    def action_delete(self) -> None:
        self._confirm_batch(t("Move {n} lead(s) to the trash? Their owners are told."), t("Delete"),
                            self.app.store.delete_leads)

    def action_purge(self) -> None:
        self._confirm_batch(t("Delete {n} lead(s) for good? This cannot be undone."), t("Purge"),
                            self.app.store.purge_leads)

    def action_restore(self) -> None:
        ids = self._targets()
        if ids:
            self._run_batch(self.app.store.restore_leads, ids)

    def action_trash(self) -> None:
        self.app.push_screen(LeadListScreen("trash"))

    def action_pick_pool(self) -> None:
        from leadtui.screens.pool_dialogs import PoolPicker

        if not self.pools:
            self.app.notify(t("You are not a member of any pool"), severity="warning")
            return
        self.app.push_screen(PoolPicker(self.pools, self.pool.id if self.pool else None),
                             callback=lambda pool: pool and self.use_pool(pool))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        offered = ACTIONS[self.screen_kind]
        every = set().union(*ACTIONS.values())
        if action in every and action not in offered:
            return False  # not on this screen: hidden
        if action == "trash" and not self.app.store.user.role == "admin":
            return False
        pool = self.pool
        if pool is not None and action in ("assign", "reclaim", "delete") and not pool.i_am_admin:
            return None  # shown greyed: the store would refuse
        if pool is not None and action == "claim" and not (pool.i_am_member or pool.i_am_admin):
            return None
        return True
