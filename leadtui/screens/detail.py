"""A lead's detail: every field, the follow-ups, the ownership history (SPEC 2.4)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from leadtui.display import cell
from leadtui.i18n import label, t, translate_bindings
from leadtui.safe import multi_line, one_line
from leadtui.screens.base import StoreCalls
from leadtui.store.fields import LEAD_COLUMNS
from leadtui.store.records import AuditRecord, FollowUpRecord, LeadDetail

# Audit fields shown in the history, in this order; ids only where no name is kept.
_HISTORY_KEYS = ("owner", "pool", "status", "customer_id", "deleted", "handled", "kind")


class LeadDetailScreen(StoreCalls, Screen[None]):
    DEFAULT_CSS = """
    LeadDetailScreen #title { height: 1; background: $primary; padding: 0 1; }
    LeadDetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    LeadDetailScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="detail.back"),
        Binding("p", "process", "Process", id="detail.process"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("v", "convert", "Convert", id="detail.convert"),
        Binding("j,down", "scroll_down", "Down", show=False, id="detail.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="detail.up"),
    ]

    def __init__(self, lead_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.lead_id = lead_id
        self.detail: LeadDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("Lead #{id}", id=self.lead_id), id="title", markup=False)
        with VerticalScroll(id="body"):
            yield Static(t("loading…"), id="fields", markup=False)
            yield Static(t("Follow-ups"), classes="section", markup=False)
            yield Static("", id="followups", markup=False)
            yield Static(t("Ownership history"), classes="section", markup=False)
            yield Static("", id="history", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#body").focus()

    def load(self) -> None:
        self.call_store(self.app.store.lead_detail, self.lead_id, done=self.show, failed=self._failed)

    def _failed(self, message: str) -> None:
        self.app.show_error(message)
        self.dismiss(None)

    def show(self, detail: LeadDetail) -> None:
        self.detail = detail
        row = detail.row
        title = t("Lead {order_no}", order_no=row.get("order_no"))
        if detail.protect_days_left is not None:
            title += " · " + t("{n} days of protection left", n=detail.protect_days_left)
        if detail.masked:
            title += " · " + t("details once you claim it")
        self.query_one("#title", Static).update(Text(one_line(title)))
        self.query_one("#fields", Static).update(self._fields_table(detail))
        self.query_one("#followups", Static).update(followups_text(detail.followups))
        self.query_one("#history", Static).update(history_text(detail.history))
        self.refresh_bindings()

    def _fields_table(self, detail: LeadDetail) -> Table:
        width = max(cell_len(label(k)) for k in LEAD_COLUMNS) + 1
        table = Table.grid(padding=(0, 1))
        table.add_column(width=width, style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for key in LEAD_COLUMNS:
            value = cell(key, detail.row.get(key))
            table.add_row(Text(label(key)), Text(multi_line(value) if key == "message" else one_line(value)))
        return table

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "process":
            return True if self.detail is None or self.detail.may_followup else None
        if action == "convert":
            return True if self.detail is None or self.detail.may_convert else None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#body", VerticalScroll).scroll_up()

    def action_process(self) -> None:
        from leadtui.screens.followup import FollowUpDialog

        order_no = str(self.detail.row.get("order_no")) if self.detail else ""
        self.app.push_screen(FollowUpDialog(self.lead_id, order_no), callback=lambda ok: ok and self.load())

    def action_convert(self) -> None:
        from leadtui.screens.convert import ConvertDialog

        self.app.push_screen(ConvertDialog(self.lead_id), callback=lambda ok: ok and self.load())

    def action_edit(self) -> None:
        from leadtui.screens.lead_edit import open_lead_edit

        open_lead_edit(self, self.lead_id, done=lambda _changed: self.load())


def followups_text(followups: tuple[FollowUpRecord, ...]) -> Text:
    """A record's follow-ups, newest first (leads and customers alike)."""
    if not followups:
        return Text(t("No follow-ups yet."), style="dim")
    text = Text()
    for f in followups:
        head = f"{f.at:%Y-%m-%d %H:%M}  {label(f.kind)}  @{one_line(f.author)}"
        if f.kind == "call":
            if f.duration_s is not None:
                head += "  " + t("{m} min {s} s", m=f.duration_s // 60, s=f.duration_s % 60)
            if f.outcome:
                head += "  " + t("outcome: {outcome}", outcome=one_line(f.outcome))
        text.append(head + "\n", style="bold")
        if f.text:
            text.append("  " + multi_line(f.text).replace("\n", "\n  ") + "\n")
    return text


def history_text(events: tuple[AuditRecord, ...]) -> Text:
    """The ownership history from the audit trail, oldest first."""
    if not events:
        return Text(t("No changes recorded."), style="dim")
    text = Text()
    for e in events:
        changes = []
        for key in _HISTORY_KEYS:
            before, after = e.before.get(key), e.after.get(key)
            if before != after and (before is not None or after is not None):
                changes.append(f"{label(key)}: {_value(key, before)} → {_value(key, after)}")
        line = f"{e.at:%Y-%m-%d %H:%M}  {t(e.action)}  @{e.actor or '-'}"
        if e.operator:  # an admin's --as
            line += " " + t("(by {operator})", operator=e.operator)
        text.append(one_line(line), style="bold")
        if changes:
            text.append("  " + one_line("; ".join(changes)))
        if e.reason:
            text.append("  " + one_line(t("reason: {reason}", reason=e.reason)))
        text.append("\n")
    return text


def _value(key: str, value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    return cell("source" if key == "source" else "status" if key in ("status", "kind") else key, value)
