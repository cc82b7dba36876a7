"""When the database file was replaced under the console (a restore from backup with
`mv`, a deleted file): say that nothing was saved, and offer to open the file that is
at the path now (issue 13). Writes are refused until then (Database.check_same_file)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from leadtui.i18n import t
from leadtui.safe import multi_line
from leadtui.screens.dialog import Dialog


class ReopenDialog(Dialog[bool]):
    """Enter (or r) reopens; q quits; Esc keeps the console as it is, writes refused."""

    BINDINGS = [
        Binding("r", "ok", "Reopen", id="reopen.reopen"),
        Binding("q", "app.quit", "Quit", id="reopen.quit"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("The database file changed"), classes="dialog-title", markup=False)
            yield Static(Text(multi_line(self.message)))
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Reopen"), variant="primary", id="ok")
                yield Button(t("Not now"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def action_ok(self) -> None:
        self.show_error(t("Reopening…"))
        self.call_store(self.app.store.reopen, done=lambda _: self.dismiss(True), failed=self.show_error,
                        group="reopen", exclusive=True)

    def action_cancel(self) -> None:
        self.dismiss(False)
