"""The filter dialog (`f`): submit time (from/to, presets), source, status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from leadtui.i18n import label, source_label, t
from leadtui.screens.dialog import Dialog
from leadtui.store.fields import SOURCES
from leadtui.store.records import LeadQuery

STATUSES = {"all": ("pooled", "assigned"), "pool": ("pooled", "assigned", "converted")}


def parse_day(text: str, end: bool) -> datetime | None:
    """A YYYY-MM-DD day as the first (or, for `end`, the last) second of it."""
    text = text.strip()
    if not text:
        return None
    day = date.fromisoformat(text)
    return datetime.combine(day, time(23, 59, 59) if end else time.min)


class FilterDialog(Dialog[LeadQuery | None]):
    def __init__(self, query: LeadQuery) -> None:
        super().__init__()
        self.query_spec = query

    def compose(self) -> ComposeResult:
        q = self.query_spec
        periods = [(t("any time"), ""), (t("today"), "today"), (t("7 days"), "7d"), (t("30 days"), "30d")]
        with Vertical(id="box"):
            yield Static(t("Filter"), classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("Submitted"), markup=False)
                    yield Select(periods, value=q.period or "", allow_blank=False, id="period")
                with Vertical():
                    yield Label(t("From (YYYY-MM-DD)"), markup=False)
                    yield Input(q.since.date().isoformat() if q.since else "", id="since", placeholder="2026-01-01")
                    yield Label(t("To (YYYY-MM-DD)"), markup=False)
                    yield Input(q.until.date().isoformat() if q.until else "", id="until", placeholder="2026-12-31")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("Source"), markup=False)
                    yield SelectionList(*[(source_label(s), s, s in q.sources) for s in SOURCES], id="sources")
                if q.screen in STATUSES:
                    with Vertical():
                        yield Label(t("Status"), markup=False)
                        yield SelectionList(*[(label(s), s, s in q.statuses) for s in STATUSES[q.screen]],
                                            id="statuses")
                        yield Label(t("Owner (login, or - for nobody)"), markup=False)
                        yield Input(q.owner or "", id="owner", placeholder="li.na")
            yield Static(t("No choice in a list means all of it."), classes="hint", markup=False)
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Apply"), variant="primary", id="ok")
                yield Button(t("Clear"), id="clear")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#period", Select).focus()

    @on(Input.Submitted)
    def action_ok(self) -> None:
        try:
            since = parse_day(self.query_one("#since", Input).value, end=False)
        except ValueError:
            self.show_error(t("From: write a date as YYYY-MM-DD"))
            return
        try:
            until = parse_day(self.query_one("#until", Input).value, end=True)
        except ValueError:
            self.show_error(t("To: write a date as YYYY-MM-DD"))
            return
        if since and until and since > until:
            self.show_error(t("From is after To"))
            return
        period = str(self.query_one("#period", Select).value) or None
        sources = tuple(self.query_one("#sources", SelectionList).selected)
        statuses: tuple[str, ...] = ()
        owner = None
        if self.query_spec.screen in STATUSES:
            statuses = tuple(self.query_one("#statuses", SelectionList).selected)
            owner = self.query_one("#owner", Input).value.strip() or None
        self.dismiss(replace(self.query_spec, period=period, since=since, until=until,
                             sources=sources, statuses=statuses, owner=owner))

    @on(Button.Pressed, "#clear")
    def clear(self) -> None:
        self.dismiss(replace(self.query_spec, period=None, since=None, until=None, sources=(), statuses=(),
                             owner=None))

