"""Edit a lead (`e` on the lead lists and the detail): its fields, message and tags.

The store decides who may and what is valid (`store.edit_lead`); the dialog sends
only the fields the operator changed, and keeps what was typed when the store says
no. An edit can make the pool's auto-assign rules take the lead (SPEC 5): the toast
says so, and the list shows it when it reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static, TextArea

from leadtui.i18n import label, t
from leadtui.safe import multi_line, one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.errors import StoreError
from leadtui.store.fields import LEAD_EDITABLE_FIELDS
from leadtui.store.records import LeadDetail


def open_lead_edit(screen: Any, lead_id: int, done: Callable[[Any], None] | None = None) -> None:
    """Load the lead as it is now, then open the dialog over `screen` (a StoreCalls
    screen); `done(changed fields)` after a save."""

    def loaded(detail: LeadDetail) -> None:
        screen.app.push_screen(LeadEditDialog(detail), callback=lambda changed: changed and done and done(changed))

    screen.call_store(screen.app.store.lead_detail, lead_id, done=loaded)


class LeadEditDialog(Dialog[dict[str, str] | None]):
    DEFAULT_CSS = """
    LeadEditDialog #fields { height: auto; max-height: 16; }  /* set to fit the terminal: on_resize */
    LeadEditDialog .field { height: auto; }
    LeadEditDialog .field Label { width: 14; }
    LeadEditDialog .field Input { width: 1fr; }
    LeadEditDialog TextArea { width: 1fr; height: 4; border: none; padding: 0 1; background: $boost; }
    LeadEditDialog TextArea:focus { border: none; background: $accent 30%; }
    """

    def __init__(self, detail: LeadDetail) -> None:
        super().__init__()
        self.lead_id = detail.row.id
        self.order_no = one_line(detail.row.get("order_no"))
        self.owner = detail.row.get("owner")
        # What the inputs start from. Lead text is shown as text only: control
        # characters become visible pictures (safe.py), so a field that holds one is
        # sent back cleaned only when the operator changes that field.
        self.original = {key: (multi_line if key == "message" else one_line)(detail.row.get(key))
                         for key in LEAD_EDITABLE_FIELDS}

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Edit {order_no} — Enter next field, ctrl+s saves, Esc cancels",
                           order_no=self.order_no), classes="dialog-title", markup=False)
            with VerticalScroll(id="fields"):
                for key in LEAD_EDITABLE_FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(label(key), markup=False)
                        if key == "message":
                            yield TextArea(self.original[key], id=key, soft_wrap=True)
                        else:
                            yield Input(self.original[key], id=key, placeholder="VIP,展会" if key == "tags" else "")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Save"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self._fit()
        first = self.query_one(f"#{LEAD_EDITABLE_FIELDS[0]}", Input)
        first.focus()
        first.cursor_position = len(first.value)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # The fields scroll within what the terminal leaves beside the title, the
        # error line and the buttons (a `vh` max-height would not shrink the box).
        self.query_one("#fields").styles.max_height = max(3, self.app.size.height - 8)

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", TextArea).text if key == "message"
                else self.query_one(f"#{key}", Input).value for key in LEAD_EDITABLE_FIELDS}

    def changes(self) -> dict[str, str]:
        return {key: value for key, value in self.values().items() if value != self.original[key]}

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()



    def action_ok(self) -> None:
        changes = self.changes()
        if not changes:
            self.show_error(t("Nothing changed: edit a field, or Esc to close"))
            return
        store = self.app.store

        def save() -> tuple[dict[str, str], object]:
            changed = store.edit_lead(self.lead_id, changes)
            try:  # did an auto-assign rule take it?
                owner = store.lead_detail(self.lead_id).row.get("owner")
            except StoreError:
                owner = self.owner
            return changed, owner

        self.show_error("")
        self.call_store(save, done=self._saved, failed=self.show_error, group="edit", exclusive=True)

    def _saved(self, result: tuple[dict[str, str], object]) -> None:
        changed, owner = result
        if not changed:
            self.app.notify(t("Lead {order_no}: nothing changed", order_no=self.order_no))
            self.dismiss(None)
            return
        message = t("Lead {order_no}: changed {fields}", order_no=self.order_no,
                    fields=t(", ").join(label(key) for key in changed))
        if owner and owner != self.owner:
            message += "\n" + t("An auto-assign rule gave it to {owner}", owner=one_line(owner))
        self.app.notify(message)
        self.dismiss(changed)
