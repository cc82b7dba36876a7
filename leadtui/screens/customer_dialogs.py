"""The customer dialogs: filter, change owner / assign, recycle, tags, merge, new customer."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from leadtui.i18n import label, source_label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.screens.filter import parse_day
from leadtui.store.fields import CUSTOMER_STAGES, SOURCES
from leadtui.store.records import CustomerQuery, CustomerRow, DuplicateCheck, PoolRecord, UserRecord


def _buttons(ok: str) -> ComposeResult:
    yield Static("", id="error", classes="error", markup=False)
    with Horizontal(classes="buttons"):
        yield Button(ok, variant="primary", id="ok")
        yield Button(t("Cancel"), id="cancel")


class CustomerFilterDialog(Dialog):
    def __init__(self, query: CustomerQuery) -> None:
        super().__init__()
        self.query_spec = query

    def compose(self) -> ComposeResult:
        q = self.query_spec

        def day(value: object) -> str:
            return value.date().isoformat() if value else ""  # type: ignore[attr-defined]

        with Vertical(id="box"):
            yield Static(t("Filter customers (dates as YYYY-MM-DD)"), classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("Created from / to"), markup=False)
                    yield Input(day(q.created_since), id="created-since", placeholder="2026-01-01")
                    yield Input(day(q.created_until), id="created-until", placeholder="2026-12-31")
                with Vertical():
                    yield Label(t("Assigned from / to"), markup=False)
                    yield Input(day(q.assigned_since), id="assigned-since", placeholder="2026-01-01")
                    yield Input(day(q.assigned_until), id="assigned-until", placeholder="2026-12-31")
            yield Label(t("Tags (comma separated)"), markup=False)
            yield Input(",".join(q.tags), id="tags", placeholder="VIP,展会")
            yield Select([(t("match any"), "any"), (t("match all"), "all")], value=q.tags_match,
                         allow_blank=False, id="tags-match")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("Stage"), markup=False)
                    yield SelectionList(*[(label(s), s, s in q.stages) for s in CUSTOMER_STAGES], id="stages")
                with Vertical():
                    yield Label(t("Source"), markup=False)
                    yield SelectionList(*[(source_label(s), s, s in q.sources) for s in SOURCES], id="sources")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Apply"), variant="primary", id="ok")
                yield Button(t("Clear"), id="clear")
                yield Button(t("Cancel"), id="cancel")

    @on(Button.Pressed, "#clear")
    def clear(self) -> None:
        """Every filter off (the search and the scope stay), as on the lead lists."""
        self.dismiss(replace(self.query_spec, created_since=None, created_until=None, assigned_since=None,
                             assigned_until=None, tags=(), tags_match="any", stages=(), sources=()))

    def action_ok(self) -> None:
        values = {}
        for key in ("created-since", "created-until", "assigned-since", "assigned-until"):
            try:
                values[key] = parse_day(self.query_one(f"#{key}", Input).value, end=key.endswith("until"))
            except ValueError:
                self.show_error(t("Write dates as YYYY-MM-DD"))
                return
        tags = tuple(x.strip() for x in self.query_one("#tags", Input).value.split(",") if x.strip())
        self.dismiss(replace(
            self.query_spec, created_since=values["created-since"], created_until=values["created-until"],
            assigned_since=values["assigned-since"], assigned_until=values["assigned-until"], tags=tags,
            tags_match=str(self.query_one("#tags-match", Select).value),
            stages=tuple(self.query_one("#stages", SelectionList).selected),
            sources=tuple(self.query_one("#sources", SelectionList).selected)))


class OwnerDialog(Dialog):
    """Change owner (users or a whole department) or assign from the sea (users)."""

    def __init__(self, count: int, users: list[UserRecord], departments: bool) -> None:
        super().__init__()
        self.count = count
        self.users = users
        self.departments = departments

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Give {n} customer(s) to", n=self.count), classes="dialog-title", markup=False)
            yield Label(t("Users (space ticks; several share the customers round-robin)"), markup=False)
            yield SelectionList(*[(Text(one_line(f"{u.name} @{u.login}  {label(u.role)}  {u.department or ''}")),
                                   u.login) for u in self.users], id="users")
            if self.departments:
                depts = sorted({u.department for u in self.users if u.department})
                yield Label(t("…or a whole department"), markup=False)
                yield Select([(Text(one_line(d)), d) for d in depts], prompt=t("(no department)"), id="dept")
            yield from _buttons(t("Give"))

    def on_mount(self) -> None:
        users = self.query_one("#users", SelectionList)
        users.highlighted = 0 if self.users else None
        users.focus()

    def action_ok(self) -> None:
        logins = list(self.query_one("#users", SelectionList).selected)
        dept = None
        if self.departments and not self.query_one("#dept", Select).is_blank():
            dept = str(self.query_one("#dept", Select).value)
        if not logins and not dept:
            self.show_error(t("Tick one or more users, or choose a department"))
            return
        self.dismiss((logins, dept))


class SeaDialog(Dialog):
    """Recycle to the public sea: the customer's own sea, or one the operator picks."""

    def __init__(self, count: int, seas: list[PoolRecord]) -> None:
        super().__init__()
        self.count = count
        self.seas = seas

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Put {n} customer(s) back into the public sea", n=self.count), classes="dialog-title",
                         markup=False)
            yield Select([(t("(each customer's own sea)"), "")] + [(Text(one_line(s.name)), s.name)
                                                                     for s in self.seas],
                         value="", allow_blank=False, id="sea")
            yield from _buttons(t("Recycle"))

    def action_ok(self) -> None:
        self.dismiss(str(self.query_one("#sea", Select).value))


class TagsDialog(Dialog):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Tags of {n} customer(s)", n=self.count), classes="dialog-title", markup=False)
            yield Select([(t("add these tags"), "add"), (t("set exactly these tags"), "set")], value="add",
                         allow_blank=False, id="mode")
            yield Input(id="tags", placeholder="VIP,展会")
            yield from _buttons(t("Save"))

    def on_mount(self) -> None:
        self.query_one("#tags", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_ok()

    def action_ok(self) -> None:
        tags = [x.strip() for x in self.query_one("#tags", Input).value.split(",") if x.strip()]
        mode = str(self.query_one("#mode", Select).value)
        if not tags and mode == "add":
            self.show_error(t("Write one or more tags, separated by commas"))
            return
        self.dismiss((mode, tags))


class MergeDialog(Dialog[int | None]):
    """Pick the main record; the others' contacts, deals, follow-ups and leads move to it."""

    def __init__(self, rows: list[CustomerRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Merge {n} customers — choose the main record (Enter)", n=len(self.rows)),
                         classes="dialog-title", markup=False)
            yield OptionList(*[Option(Text(one_line(f"#{r.id}  {r.get('name')}  {r.get('mobile') or ''}  "
                                                    f"{r.get('email') or ''}")), id=str(r.id)) for r in self.rows],
                             id="rows")

    def on_mount(self) -> None:
        rows = self.query_one(OptionList)
        rows.highlighted = 0
        rows.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_ok(self) -> None:
        rows = self.query_one(OptionList)
        if rows.highlighted is not None:
            self.dismiss(self.rows[rows.highlighted].id)


class NewCustomerDialog(Dialog):
    """`N`: exact duplicates refuse and show the match; similar names are listed and
    the operator may go on (Save again)."""

    def __init__(self) -> None:
        super().__init__()
        self.confirmed: DuplicateCheck | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("New customer"), classes="dialog-title", markup=False)
            for key, hint in (("name", "上海星辰科技有限公司 / 张伟"), ("company", ""), ("mobile", "13800138000"),
                              ("email", "name@example.com")):
                yield Label(label(key), markup=False)
                yield Input(id=key, placeholder=hint)
            yield Static("", id="similar", classes="hint", markup=False)
            yield from _buttons(t("Save"))

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_ok()

    @on(Input.Changed)
    def changed(self) -> None:
        if self.confirmed is not None:  # what was confirmed was for other values
            self.confirmed = None
            self.query_one("#similar", Static).update("")

    def _values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value.strip() for key in ("name", "company", "mobile", "email")}

    def action_ok(self) -> None:
        values = self._values()
        force = self.confirmed is not None
        self.call_store(self.app.store.add_customer, values["name"], mobile=values["mobile"],
                        email=values["email"], company=values["company"], force=force,
                        done=self._made, failed=self._refused)

    def _refused(self, message: str) -> None:
        self.show_error(message)
        values = self._values()

        def similar(check: DuplicateCheck) -> None:
            if check.exact is None and check.similar:
                self.confirmed = check
                self.show_error(t("Similar customers exist — press Save again to add anyway"))
                text = Text()
                for s in check.similar:
                    text.append(one_line(f"  #{s.id} {s.name} ({s.score:.0f})") + "\n")
                self.query_one("#similar", Static).update(text)

        self.call_store(self.app.store.check_new_customer, values["name"], values["mobile"], values["email"],
                        done=similar)

    def _made(self, result: object) -> None:
        customer_id = result[0] if isinstance(result, tuple) else result
        self.app.notify(t("Customer #{id} created", id=customer_id))
        self.dismiss(True)
