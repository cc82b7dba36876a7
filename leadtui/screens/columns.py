"""The column chooser (`C`): which columns a screen shows, remembered per user."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, SelectionList, Static

from leadtui.i18n import label, t
from leadtui.screens.dialog import Dialog
from leadtui.store.fields import LEAD_COLUMNS


class ColumnsDialog(Dialog[list[str] | None]):
    def __init__(self, current: list[str], available: list[str] | None = None) -> None:
        super().__init__()
        self.current = current
        self.available = list(available or LEAD_COLUMNS)

    def compose(self) -> ComposeResult:
        # The chosen columns first, in their order, then the rest.
        keys = list(self.current) + [k for k in self.available if k not in self.current]
        with Vertical(id="box"):
            yield Static(t("Columns — space ticks, ctrl+s saves"), classes="dialog-title", markup=False)
            yield SelectionList(*[(label(k), k, k in self.current) for k in keys], id="columns")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Save"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        columns = self.query_one(SelectionList)
        columns.highlighted = 0
        columns.focus()

    def action_ok(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        keys = [k for k in list(self.current) + self.available if k in chosen]
        keys = list(dict.fromkeys(keys))
        if not keys:
            self.show_error(t("Choose at least one column"))
            return
        self.dismiss(keys)

