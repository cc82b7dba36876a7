"""A customer's detail: every field, contacts, deals, converted leads, follow-ups and
the ownership history (SPEC 4)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from leadtui.display import cell
from leadtui.i18n import label, t, translate_bindings
from leadtui.safe import one_line
from leadtui.screens.base import StoreCalls
from leadtui.screens.detail import followups_text, history_text
from leadtui.store.fields import CUSTOMER_COLUMNS
from leadtui.store.records import CustomerDetail


class CustomerDetailScreen(StoreCalls, Screen[None]):
    DEFAULT_CSS = """
    CustomerDetailScreen #title { height: 1; background: $primary; padding: 0 1; }
    CustomerDetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    CustomerDetailScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="customer.back"),
        Binding("p", "process", "Follow up", id="customer.process"),
        Binding("j,down", "scroll_down", "Down", show=False, id="customer.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="customer.up"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.customer_id = customer_id
        self.detail: CustomerDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("Customer #{id}", id=self.customer_id), id="title", markup=False)
        with VerticalScroll(id="body"):
            yield Static(t("loading…"), id="fields", markup=False)
            for section, key in (("Contacts", "contacts"), ("Deals", "deals"), ("Converted leads", "leads"),
                                 ("Follow-ups", "followups"), ("Ownership history", "history")):
                yield Static(t(section), classes="section", markup=False)
                yield Static("", id=key, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#body").focus()

    def load(self) -> None:
        self.call_store(self.app.store.customer_detail, self.customer_id, done=self.show, failed=self._failed)

    def _failed(self, message: str) -> None:
        self.app.show_error(message)
        self.dismiss(None)

    def show(self, d: CustomerDetail) -> None:
        self.detail = d
        title = f"{d.row.get('name')}"
        if d.protect_days_left is not None:
            title += " · " + t("{n} days of protection left", n=d.protect_days_left)
        self.query_one("#title", Static).update(Text(one_line(title)))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        for key in CUSTOMER_COLUMNS:
            grid.add_row(Text(label(key)), Text(one_line(cell(key, d.row.get(key)))))
        self.query_one("#fields", Static).update(grid)
        none = Text(t("None."), style="dim")
        self.query_one("#contacts", Static).update(Text("\n".join(
            one_line(f"{c.name}  {c.mobile}  {c.email}  {c.job_title}") for c in d.contacts)) if d.contacts else none)
        self.query_one("#deals", Static).update(Text("\n".join(
            one_line(f"{x.name}  {x.amount}  {label(x.stage)}") for x in d.deals)) if d.deals else none)
        self.query_one("#leads", Static).update(Text("\n".join(
            f"#{i}  {one_line(o)}" for i, o in d.leads)) if d.leads else none)
        self.query_one("#followups", Static).update(followups_text(d.followups))
        self.query_one("#history", Static).update(history_text(d.history))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#body", VerticalScroll).scroll_up()

    def action_process(self) -> None:
        from leadtui.screens.followup import FollowUpDialog

        name = str(self.detail.row.get("name")) if self.detail else f"#{self.customer_id}"
        self.app.push_screen(FollowUpDialog(self.customer_id, name, save=self.app.store.add_customer_followup),
                             callback=lambda ok: ok and self.load())
