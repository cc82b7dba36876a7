"""Process / reply (处理/回复): add a follow-up to a lead (SPEC 2.4)."""

from __future__ import annotations

import re
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from leadtui.i18n import label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.fields import FOLLOWUP_KINDS
from leadtui.store.records import FollowUpRecord

_DURATION = re.compile(r"^\s*(?:(\d+)\s*:\s*)?(\d+)\s*$")


def parse_duration(text: str) -> int | None:
    """Seconds from "95" or "1:35"; None when blank. ValueError when unreadable."""
    if not text.strip():
        return None
    match = _DURATION.match(text)
    if not match:
        raise ValueError(text)
    minutes, seconds = match.groups()
    return int(minutes or 0) * 60 + int(seconds)


class FollowUpDialog(Dialog[FollowUpRecord | None]):
    def __init__(self, lead_id: int, order_no: str, save: Callable[..., FollowUpRecord] | None = None) -> None:
        """`save(id, kind, text, duration, outcome)` stores it: a lead's by default,
        a customer's when the customer screens pass theirs."""
        super().__init__()
        self.lead_id = lead_id
        self.order_no = order_no
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("Process / reply — {name}", name=one_line(self.order_no)),
                         classes="dialog-title", markup=False)
            yield Label(t("Kind"), markup=False)
            yield Select([(label(k), k) for k in FOLLOWUP_KINDS], value="note", allow_blank=False, id="kind")
            yield Label(t("Text"), markup=False)
            yield Input(id="text", placeholder=t("What was said or done"))
            with Vertical(id="call-fields"):
                yield Label(t("Call duration (seconds or m:ss)"), markup=False)
                yield Input(id="duration", placeholder="3:20")
                yield Label(t("Call outcome"), markup=False)
                yield Input(id="outcome", placeholder=t("e.g. interested, call back Monday"))
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Save"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#call-fields").display = False
        self.query_one("#text", Input).focus()

    @on(Select.Changed, "#kind")
    def kind_changed(self, event: Select.Changed) -> None:
        self.query_one("#call-fields").display = event.value == "call"

    @on(Input.Submitted)
    def action_ok(self) -> None:
        kind = str(self.query_one("#kind", Select).value)
        text = self.query_one("#text", Input).value
        duration, outcome = None, ""
        if kind == "call":
            try:
                duration = parse_duration(self.query_one("#duration", Input).value)
            except ValueError:
                self.show_error(t("Write the duration as seconds (95) or minutes:seconds (1:35)"))
                return
            outcome = self.query_one("#outcome", Input).value
        self.call_store(self.save or self.app.store.add_followup, self.lead_id, kind, text, duration, outcome,
                        done=self._saved, failed=self.show_error)

    def _saved(self, record: FollowUpRecord) -> None:
        self.app.notify(t("Follow-up saved on {name}", name=self.order_no))
        self.dismiss(record)

