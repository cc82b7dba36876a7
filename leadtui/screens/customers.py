"""My Customers (key 4) and Public Sea (key 5): one screen class, two scopes (SPEC 4)."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.widgets import Static

from leadtui.i18n import label, source_label, t, translate_bindings
from leadtui.screens.format import CUSTOMER_WIDTHS
from leadtui.screens.record_list import RecordListScreen
from leadtui.store.fields import CUSTOMER_COLUMNS
from leadtui.store.records import CustomerQuery, CustomerRow, PoolRecord, UserRecord

TITLES = {"mine": "My Customers", "dept": "My department's customers", "blacklist": "Blacklist",
          "sea": "Public Sea"}

# Which actions each screen offers; the store decides per customer who may.
ACTIONS: dict[str, set[str]] = {
    "mine": {"process", "change_owner", "recycle", "tags", "lock", "unlock", "blacklist", "delete", "merge",
             "new_customer", "department", "show_blacklist"},
    "sea": {"claim", "assign", "pick_sea", "delete"},
}


class CustomerListScreen(RecordListScreen):
    """Customers: search, filter, sort, mark, open, and the batch actions of SPEC 4."""

    BINDINGS = [
        Binding("p", "process", "Follow up", id="customers.process"),
        Binding("o", "change_owner", "Change owner", id="customers.owner"),
        Binding("y", "recycle", "To public sea", id="customers.recycle"),
        Binding("t", "tags", "Tags", id="customers.tags"),
        Binding("N", "new_customer", "New customer", id="customers.new"),
        # Not `l`: the table moves the column cursor with it (h / l, as in vim).
        Binding("K", "lock", "Lock", show=False, id="customers.lock"),
        Binding("L", "unlock", "Unlock", show=False, id="customers.unlock"),
        Binding("b", "blacklist", "Blacklist", show=False, id="customers.blacklist"),
        Binding("d", "delete", "Delete", show=False, id="customers.delete"),
        Binding("m", "merge", "Merge", show=False, id="customers.merge"),
        Binding("D", "department", "Mine / department", show=False, id="customers.department"),
        Binding("B", "show_blacklist", "Blacklist view", show=False, id="customers.show_blacklist"),
        Binding("c", "claim", "Claim", id="customers.claim"),
        Binding("a", "assign", "Assign", id="customers.assign"),
        Binding("P", "pick_sea", "Choose sea", show=False, id="customers.pick_sea"),
    ]

    widths = CUSTOMER_WIDTHS
    live_entity = "customer"
    export_fields = ("id", *CUSTOMER_COLUMNS)
    search_hint = "Search name, nickname, company, phone, mobile, email, external id — Esc clears"

    def __init__(self, screen_kind: str) -> None:
        self.query_spec = CustomerQuery(scope=screen_kind)
        super().__init__(screen_kind)
        translate_bindings(self)
        self.seas: list[PoolRecord] = []
        self.sea: PoolRecord | None = None

    def count(self, query: CustomerQuery) -> int:
        return self.app.store.count_customers(query)

    def page(self, query: CustomerQuery, offset: int, limit: int) -> list[CustomerRow]:
        return self.app.store.list_customers(query, offset, limit)

    def ids(self, query: CustomerQuery) -> list[int]:
        return self.app.store.customer_ids(query)

    def open_record(self, record_id: int) -> None:
        from leadtui.screens.customer_detail import CustomerDetailScreen

        self.app.push_screen(CustomerDetailScreen(record_id))

    def title_parts(self) -> list[str]:
        title = t(TITLES[self.query_spec.scope])
        if self.sea is not None:
            title = t("{title}: {name}", title=title, name=self.sea.name)
        return [title]

    def filter_summary(self) -> str:
        q = self.query_spec
        parts = []
        if q.created_since or q.created_until:
            parts.append(t("created {since}–{until}", since=q.created_since.date() if q.created_since else "",
                           until=q.created_until.date() if q.created_until else ""))
        if q.assigned_since or q.assigned_until:
            parts.append(t("assigned {since}–{until}", since=q.assigned_since.date() if q.assigned_since else "",
                           until=q.assigned_until.date() if q.assigned_until else ""))
        if q.tags:
            parts.append(("∧" if q.tags_match == "all" else "∨").join(q.tags))
        parts.extend(source_label(s) for s in q.sources)
        parts.extend(label(s) for s in q.stages)
        return t(", ").join(parts)

    def on_mount(self) -> None:
        # Textual calls RecordListScreen.on_mount too (each class's handler in the
        # MRO): calling super() here would load the list twice.
        self.call_store(self.app.store.list_seas, done=self._seas_loaded)

    def _seas_loaded(self, seas: list[PoolRecord]) -> None:
        self.seas = seas
        if self.screen_kind == "sea" and not seas:
            self.query_one("#title", Static).update(t("Public Sea — you are not a member of any public sea"))
        self.refresh_bindings()

    # ------------------------------------------------------------------ scope

    def action_department(self) -> None:
        scope = "mine" if self.query_spec.scope == "dept" else "dept"

        def allowed(_count: int) -> None:
            self.table.set_marks(set())
            self.set_query(scope=scope)

        # The store decides who may widen the list; a refusal shows as a message.
        self.call_store(self.app.store.count_customers, replace(self.query_spec, scope=scope), done=allowed)

    def action_show_blacklist(self) -> None:
        scope = "mine" if self.query_spec.scope == "blacklist" else "blacklist"
        self.table.set_marks(set())
        self.set_query(scope=scope)

    def action_pick_sea(self) -> None:
        from leadtui.screens.pool_dialogs import PoolPicker

        if not self.seas:
            self.app.notify(t("You are not a member of any public sea"), severity="warning")
            return

        def chosen(sea: PoolRecord | None) -> None:
            if sea is not None:
                self.sea = sea
                self.set_query(sea_id=sea.id)

        self.app.push_screen(PoolPicker(self.seas, self.sea.id if self.sea else None, kind="sea"), callback=chosen)

    # ------------------------------------------------------------------ dialogs

    def action_filter(self) -> None:
        from leadtui.screens.customer_dialogs import CustomerFilterDialog

        def apply(result: CustomerQuery | None) -> None:
            if result is not None:
                self.set_query(**{k: getattr(result, k) for k in (
                    "created_since", "created_until", "assigned_since", "assigned_until", "tags", "tags_match",
                    "sources", "stages")})

        self.app.push_screen(CustomerFilterDialog(self.query_spec), callback=apply)

    def action_process(self) -> None:
        from leadtui.screens.followup import FollowUpDialog

        record = self.table.cursor_record
        if record is None:
            self.app.notify(t("No row under the cursor"), severity="warning")
            return
        self.app.push_screen(FollowUpDialog(record.id, str(record.get("name")),
                                            save=self.app.store.add_customer_followup))

    def action_new_customer(self) -> None:
        from leadtui.screens.customer_dialogs import NewCustomerDialog

        self.app.push_screen(NewCustomerDialog(), callback=lambda made: made and self.reload(keep_cursor=True))

    def action_change_owner(self) -> None:
        self._give(self.app.store.change_owner, departments=True)

    def action_assign(self) -> None:
        self._give(self.app.store.assign_customers, departments=False)

    def _give(self, method: object, departments: bool) -> None:
        from leadtui.screens.customer_dialogs import OwnerDialog

        ids = self.targets()
        if not ids:
            return

        def chosen(answer: tuple[list[str], str | None] | None) -> None:
            if answer is not None:
                logins, dept = answer
                if departments:
                    self.run_batch(method, ids, logins, dept)  # type: ignore[arg-type]
                else:
                    self.run_batch(method, ids, logins)  # type: ignore[arg-type]

        def ask(users: list[UserRecord]) -> None:
            self.app.push_screen(OwnerDialog(len(ids), users, departments), callback=chosen)

        self.call_store(self.app.store.list_users, done=ask)

    def action_claim(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.claim_customers, ids)

    def action_recycle(self) -> None:
        from leadtui.screens.customer_dialogs import SeaDialog

        ids = self.targets()
        if ids:
            self.app.push_screen(SeaDialog(len(ids), self.seas),
                                 callback=lambda sea: sea is not None and
                                 self.run_batch(self.app.store.recycle_customers, ids, sea or None))

    def action_tags(self) -> None:
        from leadtui.screens.customer_dialogs import TagsDialog

        ids = self.targets()
        if not ids:
            return

        def chosen(answer: tuple[str, list[str]] | None) -> None:
            if answer is not None:
                mode, tags = answer
                if mode == "set":
                    self.run_batch(self.app.store.tag_customers, ids, (), tags)
                else:
                    self.run_batch(self.app.store.tag_customers, ids, tags)

        self.app.push_screen(TagsDialog(len(ids)), callback=chosen)

    def action_lock(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.lock_customers, ids, True)

    def action_unlock(self) -> None:
        ids = self.targets()
        if ids:
            self.run_batch(self.app.store.lock_customers, ids, False)

    def action_blacklist(self) -> None:
        self.confirm_batch(t("Blacklist {n} customer(s)? They leave the working lists."), t("Blacklist"),
                           self.app.store.blacklist_customers)

    def action_delete(self) -> None:
        self.confirm_batch(t("Move {n} customer(s) to the trash?"), t("Delete"), self.app.store.delete_customers)

    def action_merge(self) -> None:
        from leadtui.screens.customer_dialogs import MergeDialog
        from leadtui.screens.pool_dialogs import ConfirmDialog

        ids = sorted(self.table.marks)
        if len(ids) < 2:
            self.app.notify(t("Mark two or more duplicates to merge"), severity="warning")
            return

        def rows(found: list[CustomerRow]) -> None:
            def chosen(main: int | None) -> None:
                if main is None:
                    return
                others = [i for i in ids if i != main]
                name = next((str(r.get("name")) for r in found if r.id == main), "")
                question = t("Merge into #{id} {name}? {n} customer(s) go to the trash; their contacts, deals, "
                             "follow-ups and leads move over.", n=len(others), id=main, name=name)
                self.app.push_screen(ConfirmDialog(question, t("Merge")), callback=lambda yes: yes and self.call_store(
                    self.app.store.merge_customers, main, others, done=self._merged))

            self.app.push_screen(MergeDialog(found), callback=chosen)

        # Merging is for a handful of duplicates: their details are cheap to read.
        self.call_store(lambda: [self.app.store.customer_detail(i).row for i in ids], done=rows)

    def _merged(self, main_id: int) -> None:
        self.app.notify(t("Merged into customer #{id}", id=main_id))
        self.table.set_marks(set())
        self.reload(keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        offered = ACTIONS["sea" if self.screen_kind == "sea" else "mine"]
        every = set().union(*ACTIONS.values())
        if action in every and action not in offered:
            return False  # not on this screen
        # Everything else is the store's to allow or refuse (lock as a sales user, D
        # as anyone but a manager, assign without being the sea's admin): the refusal
        # names the rule, where a greyed key would only do nothing.
        return True
