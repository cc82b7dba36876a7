"""`n`: the operator's notifications — assigned to you, reclaimed, deleted, restored."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from leadtui.i18n import t, translate_bindings
from leadtui.safe import one_line
from leadtui.screens.base import StoreCalls
from leadtui.store.records import NotificationRecord


class InboxScreen(StoreCalls, Screen[None]):
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="inbox.back"),
        Binding("j", "cursor_down", "Down", show=False, id="inbox.down"),
        Binding("k", "cursor_up", "Up", show=False, id="inbox.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.notes: list[NotificationRecord] = []

    def compose(self) -> ComposeResult:
        yield Static(t("Notifications — Enter opens the lead"), id="title", markup=False)
        yield OptionList(id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.call_store(self.app.store.list_notifications, True, done=self.show)

    def show(self, notes: list[NotificationRecord]) -> None:
        self.notes = notes
        options = self.query_one(OptionList)
        options.clear_options()
        if not notes:
            options.add_option(Option(Text(t("Nothing here yet.")), disabled=True))
        for note in notes:
            text = Text(f"{note.at:%Y-%m-%d %H:%M}  ", style="" if note.read else "bold")
            text.append(one_line(note.text), style="" if note.read else "bold")
            options.add_option(Option(text, id=str(note.id)))
        options.highlighted = 0
        options.focus()
        unread = [n.id for n in notes if not n.read]
        if unread:
            self.call_store(self.app.store.mark_read, unread)

    @on(OptionList.OptionSelected)
    def open_lead(self, event: OptionList.OptionSelected) -> None:
        from leadtui.screens.detail import LeadDetailScreen

        note = next((n for n in self.notes if str(n.id) == event.option.id), None)
        if note is not None and note.entity == "lead":
            self.app.push_screen(LeadDetailScreen(note.entity_id))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
