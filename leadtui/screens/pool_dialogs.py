"""The dialogs of the pool actions: assign, return, confirm, pick a pool."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from leadtui.i18n import label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.records import PoolRecord, UserRecord


class ConfirmDialog(Dialog[bool]):
    """A destructive action asks first; Enter confirms, Esc cancels."""

    def __init__(self, question: str, confirm: str) -> None:
        super().__init__()
        self.question = question
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(Text(one_line(self.question)), classes="dialog-title")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.confirm, variant="error", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_ok(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class AssignDialog(Dialog[tuple[list[str], str | None] | None]):
    """To one or more users (round-robin), or to another pool."""

    def __init__(self, count: int, users: list[UserRecord], pools: list[PoolRecord]) -> None:
        super().__init__()
        self.count = count
        self.users = users
        self.pools = pools

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Assign {n} lead(s)", n=self.count), classes="dialog-title", markup=False)
            yield Label(t("To users (space ticks; several share the leads round-robin)"), markup=False)
            yield SelectionList(*[(Text(one_line(f"{u.name} @{u.login}  {label(u.role)}  {u.department or ''}")),
                                   u.login) for u in self.users], id="users")
            yield Label(t("…or to another pool"), markup=False)
            yield Select([(Text(one_line(p.name)), p.name) for p in self.pools], prompt=t("(no pool)"), id="pool")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Assign"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        users = self.query_one("#users", SelectionList)
        users.highlighted = 0 if self.users else None
        users.focus()

    def action_ok(self) -> None:
        users = list(self.query_one("#users", SelectionList).selected)
        pool = self.query_one("#pool", Select)
        pool_name = None if pool.is_blank() else str(pool.value)
        if bool(users) == bool(pool_name):
            self.show_error(t("Tick one or more users, or choose a pool — one of the two"))
            return
        self.dismiss((users, pool_name))



OTHER = "\x00other"


class ReturnDialog(Dialog[tuple[str, str | None] | None]):
    """The owner gives leads back with a reason from the pool's list, or other words."""

    def __init__(self, count: int, pool: PoolRecord | None, pools: list[PoolRecord]) -> None:
        super().__init__()
        self.count = count
        self.pool = pool
        self.pools = pools

    def compose(self) -> ComposeResult:
        reasons = list(self.pool.return_reasons) if self.pool else []
        options = [(Text(one_line(r)), r) for r in reasons] + [(t("Other…"), OTHER)]
        with Vertical(id="box"):
            yield Static(t("Return {n} lead(s) to the pool", n=self.count), classes="dialog-title", markup=False)
            yield Label(t("Reason"), markup=False)
            yield Select(options, value=options[0][1], allow_blank=False, id="reason")
            yield Input(id="other", placeholder=t("Your reason"))
            if self.pool is not None and self.pool.return_to == "choose":
                yield Label(t("To pool"), markup=False)
                yield Select([(Text(one_line(p.name)), p.name) for p in self.pools], id="to-pool",
                             prompt=t("(choose)"))
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Return"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#other").display = self.query_one("#reason", Select).value == OTHER
        self.query_one("#reason", Select).focus()

    @on(Select.Changed, "#reason")
    def reason_changed(self, event: Select.Changed) -> None:
        self.query_one("#other").display = event.value == OTHER
        if event.value == OTHER:
            self.query_one("#other", Input).focus()

    @on(Input.Submitted)
    def action_ok(self) -> None:
        reason = str(self.query_one("#reason", Select).value)
        if reason == OTHER:
            words = self.query_one("#other", Input).value.strip()
            if not words:
                self.show_error(t("Write the reason"))
                return
            reason = f"{t('other')}: {words}"
        to_pool = None
        if self.query("#to-pool"):
            chosen = self.query_one("#to-pool", Select)
            if chosen.is_blank():
                self.show_error(t("Choose the pool the leads go to"))
                return
            to_pool = str(chosen.value)
        self.dismiss((reason, to_pool))



class PoolPicker(Dialog[PoolRecord | None]):
    """`P`: choose the lead pool (kind "lead") or the public sea (kind "sea")."""

    def __init__(self, pools: list[PoolRecord], current: int | None, kind: str = "lead") -> None:
        super().__init__()
        self.pools = pools
        self.current = current
        self.kind = kind

    def compose(self) -> ComposeResult:
        sea = self.kind == "sea"
        with Vertical(id="box"):
            yield Static(t("Choose a public sea") if sea else t("Choose a pool"), classes="dialog-title",
                         markup=False)
            options = []
            for p in self.pools:
                admin = t("admin of the sea") if sea else t("pool admin")
                role = admin if p.i_am_admin else t("member") if p.i_am_member else ""
                options.append(Option(Text(one_line(f"{p.name}  {role}")), id=str(p.id)))
            yield OptionList(*options, id="pools")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for index, p in enumerate(self.pools):
            if p.id == self.current:
                options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(p for p in self.pools if str(p.id) == event.option.id))

    def action_ok(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(self.pools[options.highlighted])
