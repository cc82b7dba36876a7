"""The Textual app: the five screens as modes, global keys, the command palette."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from leadtui import safe
from leadtui.i18n import t, translate_bindings
from leadtui.screens.customers import CustomerListScreen
from leadtui.screens.leads import LeadListScreen
from leadtui.store.service import Store


class LeadApp(App[None]):
    TITLE = "leadtui"
    CSS_PATH = "app.tcss"
    MODES = {
        "all": lambda: LeadListScreen("all"),
        "converted": lambda: LeadListScreen("converted"),
        "pool": lambda: LeadListScreen("pool"),
        "customers": lambda: CustomerListScreen("mine"),
        "sea": lambda: CustomerListScreen("sea"),
    }
    BINDINGS = [
        Binding("1", "switch_mode('all')", "All Leads", show=False, id="app.all"),
        Binding("2", "switch_mode('converted')", "Converted", show=False, id="app.converted"),
        Binding("3", "switch_mode('pool')", "Pool", show=False, id="app.pool"),
        Binding("4", "switch_mode('customers')", "My Customers", show=False, id="app.customers"),
        Binding("5", "switch_mode('sea')", "Public Sea", show=False, id="app.sea"),
        Binding("n", "inbox", "Notifications", show=False, id="app.inbox"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        translate_bindings(self)
        self.store = store

    def on_mount(self) -> None:
        self.title = f"leadtui — {safe.one_line(self.store.user.login)}"
        self.switch_mode("all")
        # The trash empties itself (leads deleted over 30 days ago): any open console
        # does it, quietly, in a worker.
        self.run_worker(self._empty_trash, thread=True, group="trash")

    def _empty_trash(self) -> None:
        try:
            self.store.empty_trash()
        except Exception:  # noqa: BLE001 — housekeeping must never stop the console
            pass

    def notify(self, message: str, *, title: str = "", severity: str = "information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        # Messages often carry lead text: never markup, never control codes.
        super().notify(safe.multi_line(message), title=safe.one_line(title), severity=severity,  # type: ignore[arg-type]
                       timeout=timeout, markup=False)

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8)

    def action_help_quit(self) -> None:
        # Textual's own hint is English with markup; ours is plain and translated.
        self.notify(t("Press {key} to quit the app", key="q / ctrl+q"))

    def action_inbox(self) -> None:
        from leadtui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen):
            self.push_screen(InboxScreen())

    def action_help(self) -> None:
        from leadtui.screens.help import HelpDialog

        if not isinstance(self.screen, HelpDialog):
            self.push_screen(HelpDialog(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists every key of the screen — the same bindings `?` shows."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or binding.action == "command_palette":
                continue
            seen.add(binding.action)
            yield SystemCommand(t(binding.description), t("key: {key}", key=self.get_key_display(binding)),
                                partial(self._run_binding, active.node, binding.action))
        yield SystemCommand(t("Theme"), t("Change the colours"), self.action_change_theme)

    def _run_binding(self, node: object, action: str) -> None:
        self.call_later(self.run_action, action, node)
