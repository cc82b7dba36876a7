"""Convert a lead to a customer (SPEC 2.5). The dialog shows first whether a new
customer will be made or which existing one the lead joins."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from leadtui.i18n import label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.records import ConvertPreview, ConvertResult


class ConvertDialog(Dialog[ConvertResult | None]):
    def __init__(self, lead_id: int) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.preview: ConvertPreview | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Convert lead #{id} to a customer", id=self.lead_id), id="dialog-title",
                         classes="dialog-title", markup=False)
            yield Static(t("loading…"), id="preview", markup=False)
            yield Checkbox(t("Also create a contact"), id="contact")
            yield Checkbox(t("Also create a deal"), id="deal")
            with Vertical(id="deal-fields"):
                yield Label(t("Deal name"), markup=False)
                yield Input(id="deal-name")
                yield Label(t("Amount"), markup=False)
                yield Input(id="deal-amount", placeholder="0.00")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Convert"), variant="primary", id="ok", disabled=True)
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#deal-fields").display = False
        self.call_store(self.app.store.preview_conversion, self.lead_id, done=self._previewed,
                        failed=self._refused)

    def _refused(self, message: str) -> None:
        self.query_one("#preview", Static).update("")
        self.show_error(message)
        self.query_one("#cancel", Button).focus()

    def _previewed(self, preview: ConvertPreview) -> None:
        self.preview = preview
        self.query_one("#dialog-title", Static).update(
            Text(t("Convert lead {order_no} to a customer", order_no=one_line(preview.order_no))))
        text = Text()
        name = one_line(preview.customer_name)
        if preview.creates_customer:
            text.append(t("A new {kind} customer will be made: ", kind=label(preview.customer_kind)))
            text.append(name, style="bold")
        else:
            text.append(t("No new customer: the lead joins existing customer #{id} ", id=preview.customer_id))
            text.append(name, style="bold")
            text.append(" " + t("(same {field})", field=label(preview.matched_by or "")))
        self.query_one("#preview", Static).update(text)
        contact = self.query_one("#contact", Checkbox)
        if preview.contact_name:
            contact.label = Text(t("Also create a contact: {name}", name=one_line(preview.contact_name)))
        else:
            contact.disabled = True
        ok = self.query_one("#ok", Button)
        ok.disabled = False
        ok.focus()

    @on(Checkbox.Changed, "#deal")
    def deal_toggled(self, event: Checkbox.Changed) -> None:
        self.query_one("#deal-fields").display = event.value
        if event.value:
            self.query_one("#deal-name", Input).focus()

    @on(Input.Submitted)
    def action_ok(self) -> None:
        if self.preview is None:
            return
        contact = self.query_one("#contact", Checkbox).value
        deal_name = amount = None
        if self.query_one("#deal", Checkbox).value:
            deal_name = self.query_one("#deal-name", Input).value
            amount = self.query_one("#deal-amount", Input).value
            if not deal_name.strip():
                self.show_error(t("A deal needs a name"))
                return
        self.call_store(self.app.store.convert_lead, self.lead_id, contact, deal_name, amount,
                        done=self._converted, failed=self.show_error)

    def _converted(self, result: ConvertResult) -> None:
        if result.linked_existing:
            message = t("Lead joined customer #{id} {name}", id=result.customer_id, name=result.customer_name)
        else:
            message = t("Customer #{id} {name} created", id=result.customer_id, name=result.customer_name)
        self.app.notify(message)
        self.dismiss(result)

