"""The frame every dialog shares: a titled box, an error line, OK / Cancel."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from leadtui.i18n import translate_bindings
from leadtui.safe import multi_line
from leadtui.screens.base import StoreCalls

R = TypeVar("R")


class Dialog(StoreCalls, ModalScreen[R], Generic[R]):
    """Styled in app.tcss (`Dialog ...`), which outranks the widgets' own CSS."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "ok", "OK", id="dialog.ok"),
        # Modal screens do not see the app's keys: `?` is repeated here.
        Binding("question_mark", "app.help", "Keys", show=False, id="dialog.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def show_error(self, message: str) -> None:
        """The operator's input stays as typed; only the message changes."""
        self.query_one("#error", Static).update(Text(multi_line(message)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    # The OK / Cancel buttons do what ctrl+s / esc do. Subclasses override the
    # actions, never these handlers (a second @on for the same button would fire twice).
    @on(Button.Pressed, "#ok")
    def ok_pressed(self) -> None:
        self.action_ok()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def action_ok(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError
