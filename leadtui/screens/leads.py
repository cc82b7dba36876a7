"""The lead lists: All Leads, Converted Leads, Pool and the trash (SPEC 2.3, 3, 8)."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.widgets import Static

from leadtui.i18n import label, source_label, t, translate_bindings
from leadtui.screens.format import WIDTHS
from leadtui.screens.record_list import RecordListScreen
from leadtui.store.fields import LEAD_COLUMNS
from leadtui.store.records import LeadQuery, LeadRow, PoolRecord, UserRecord

TITLES = {"all": "All Leads", "converted": "Converted Leads", "pool": "Pool", "trash": "Trash"}

# Which actions each kind of list offers; the store decides per lead who may.
ACTIONS: dict[str, set[str]] = {
    "all": {"process", "edit", "convert", "assign", "claim", "reclaim", "return_leads", "delete", "trash",
            "export", "export_calls", "import_leads"},
    "converted": {"process", "edit", "delete", "trash", "export", "export_calls", "import_leads"},
    "pool": {"process", "edit", "convert", "assign", "claim", "reclaim", "return_leads", "delete", "trash",
             "pick_pool", "export", "export_calls", "import_leads"},
    "trash": {"restore", "purge"},
}


class LeadListScreen(RecordListScreen):
    """A list of leads: search, filter, sort, mark, open, process, convert."""

    BINDINGS = [
        Binding("p", "process", "Process", id="leads.process"),
        # F2 as in a spreadsheet: `e` is kept for export on every list (issue 7).
        Binding("f2", "edit", "Edit", show=False, id="leads.edit"),
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
        Binding("E", "export_calls", "Export calls", show=False, id="leads.export_calls"),
        Binding("i", "import_leads", "Import", show=False, id="leads.import"),
    ]

    widths = WIDTHS
    export_fields = ("id", *LEAD_COLUMNS)
    search_hint = "Search the 17 fields — Enter to go to the list, Esc to clear"

    def __init__(self, screen_kind: str) -> None:
        self.query_spec = LeadQuery(screen=screen_kind,
                                    sort="converted_at" if screen_kind == "converted" else "submitted_at")
        super().__init__(screen_kind)
        translate_bindings(self)
        self.pools: list[PoolRecord] = []
        self.pool: PoolRecord | None = None

    def count(self, query: LeadQuery) -> int:
        return self.app.store.count_leads(query)

    def page(self, query: LeadQuery, offset: int, limit: int) -> list[LeadRow]:
        return self.app.store.list_leads(query, offset, limit, total=self.known_total)

    def live_page(self, query: LeadQuery, offset: int, limit: int, total: int) -> list[LeadRow]:
        # (screens/live.py) the live refresh has just counted: far pages read from the end need it
        return self.app.store.list_leads(query, offset, limit, total=total)

    def ids(self, query: LeadQuery) -> list[int]:
        return self.app.store.lead_ids(query)

    def open_record(self, record_id: int) -> None:
        from leadtui.screens.detail import LeadDetailScreen

        self.app.push_screen(LeadDetailScreen(record_id))

    def ready(self) -> bool:
        return self.screen_kind != "pool" or self.query_spec.pool_id is not None

    def is_modal_like(self) -> bool:
        return self.screen_kind == "trash"

    def title_parts(self) -> list[str]:
        title = t(TITLES[self.screen_kind])
        if self.pool is not None:
            title = t("{title}: {name}", title=title, name=self.pool.name)
        return [title]

    def on_mount(self) -> None:
        # Textual calls RecordListScreen.on_mount too (each class's handler in the
        # MRO): calling super() here would load the list twice.
        self.call_store(self.app.store.list_pools, done=self._pools_loaded)

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
        self.update_title()
        self.reload()
        self.refresh_bindings()

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

    # ------------------------------------------------------------------ dialogs

    def action_filter(self) -> None:
        from leadtui.screens.filter import FilterDialog

        def apply(result: LeadQuery | None) -> None:
            if result is not None:
                self.set_query(period=result.period, since=result.since, until=result.until,
                               sources=result.sources, statuses=result.statuses, owner=result.owner)

        self.app.push_screen(FilterDialog(self.query_spec), callback=apply)

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

    def action_edit(self) -> None:
        from leadtui.screens.lead_edit import open_lead_edit

        lead = self._cursor_lead()
        if lead is not None:
            # The list reloads when the dialog closes (on_screen_resume), the cursor kept.
            open_lead_edit(self, lead.id)

    def action_convert(self) -> None:
        from leadtui.screens.convert import ConvertDialog

        lead = self._cursor_lead()
        if lead is not None:
            self.app.push_screen(ConvertDialog(lead.id), callback=self._converted)

    def _converted(self, result: object) -> None:
        if result:
            self.table.set_marks(self.table.marks - {getattr(result, "lead_id", -1)})

    # ------------------------------------------------------------------ pool actions

    def action_claim(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.claim_leads, ids)

    def action_reclaim(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.reclaim_leads, ids)

    def action_assign(self) -> None:
        from leadtui.screens.pool_dialogs import AssignDialog

        ids = self.targets()
        if not ids:
            return

        pooled: list[int] = []

        def chosen(answer: tuple[list[str], str | None] | None) -> None:
            if answer is not None:
                users, pool = answer
                # Those pooled when the dialog opened: one another operator assigns
                # meanwhile stays theirs (the report says it was taken).
                self.run_batch(self.app.store.assign_leads, ids, users, pool, pooled)

        def ask(found: tuple[list[UserRecord], list[int]]) -> None:
            users, pooled[:] = found
            others = [p for p in self.pools if self.pool is None or p.id != self.pool.id]
            self.app.push_screen(AssignDialog(len(ids), users, others), callback=chosen)

        store = self.app.store
        self.call_store(lambda: (store.list_users(),
                                 store.lead_ids(LeadQuery(screen="all", ids=tuple(ids), statuses=("pooled",)))),
                        done=ask)

    def action_return_leads(self) -> None:
        from leadtui.screens.pool_dialogs import ReturnDialog

        ids = self.targets()
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
                self.run_batch(self.app.store.return_leads, ids, reason, to_pool)

        self.app.push_screen(ReturnDialog(len(ids), pool, self.pools), callback=chosen)

    def action_delete(self) -> None:
        self.confirm_batch(t("Move {n} lead(s) to the trash? Their owners are told."), t("Delete"),
                            self.app.store.delete_leads)

    def action_purge(self) -> None:
        self.confirm_batch(t("Delete {n} lead(s) for good? This cannot be undone."), t("Purge"),
                            self.app.store.purge_leads)

    def action_restore(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.restore_leads, ids)

    def action_export_calls(self) -> None:
        from leadtui.screens.export_dialog import ExportDialog

        if self.app.refuse_server_files():
            return
        ids = self.targets()
        if ids:
            self.app.push_screen(ExportDialog(" · ".join(self.title_parts()), f"{self.screen_kind}-calls",
                                              self.query_spec, len(ids), ids, [], [], calls=True))

    def action_import_leads(self) -> None:
        from leadtui.screens.import_dialog import ImportDialog

        if self.app.refuse_server_files():
            return

        def ask(pools: list[PoolRecord]) -> None:
            # The pools one may import into (the store checks again): admins all,
            # others those they administer. On the Pool screen, that pool first.
            allowed = [p for p in pools if self.app.store.user.role == "admin" or p.i_am_admin]
            if not allowed:
                self.app.notify(t("Only an admin or a pool's admin may import leads"), severity="warning")
                return
            chosen = self.pool.id if self.pool is not None else next((p.id for p in allowed if p.is_default), None)
            self.app.push_screen(ImportDialog(allowed, chosen))

        self.call_store(self.app.store.list_pools, done=ask)

    def action_trash(self) -> None:
        # Only admins see the trash: the store says so, and the refusal shows.
        self.call_store(self.app.store.count_leads, LeadQuery(screen="trash"),
                        done=lambda _count: self.app.push_screen(LeadListScreen("trash")))

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
        pool = self.pool
        if pool is not None and action in ("assign", "reclaim", "delete") and not pool.i_am_admin:
            return None  # shown greyed: the store would refuse
        if pool is not None and action == "claim" and not (pool.i_am_member or pool.i_am_admin):
            return None
        return True
