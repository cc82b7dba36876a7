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
from leadtui.screens.record_list import RecordListScreen
from leadtui.store.records import RulesReport
from leadtui.store.service import Store


def changed_anything(report: RulesReport) -> bool:
    return bool(report.recycled_leads or report.recycled_customers or report.warned_leads
                or report.warned_customers or report.assigned)


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
        Binding("0", "settings", "Settings", show=False, id="app.settings"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]
    # Seconds between two runs of the rules, and before the first (tests make them small).
    RULES_EVERY = 60.0
    RULES_FIRST = 3.0

    def __init__(self, store: Store, server_files: bool = True) -> None:
        super().__init__()
        translate_bindings(self)
        self.store = store
        # False over SSH (`leadtui shell`): the dialogs that read or write files refuse.
        self.server_files = server_files

    def refuse_server_files(self) -> bool:
        """Say why, and True, when files on this server are not the operator's."""
        if self.server_files:
            return False
        self.notify(t("Over SSH the files on the server are not yours: export with `ssh SERVER export --out - "
                      "--format csv > FILE.csv`, import with `ssh SERVER import - --format csv < FILE.csv`"),
                    severity="warning", timeout=10)
        return True

    def on_mount(self) -> None:
        self.title = f"leadtui — {safe.one_line(self.store.user.login)}"
        self.switch_mode("all")
        exposed = self.store.db.exposure()
        if exposed:
            from leadtui.store.db.file import warning

            self.notify(warning(exposed), severity="warning", timeout=10)
        # The trash empties itself (leads deleted over 30 days ago): any open console
        # does it, quietly, in a worker.
        self.run_worker(self._empty_trash, thread=True, group="trash")
        # The typo search's words, read now rather than at the first typo.
        self.run_worker(self._warm_search, thread=True, group="warm")
        # The rules (SPEC 5: recycle, warnings, auto-assign retries) run while a console
        # is open, as `leadtui rules run` does from cron: soon after start, then about
        # once a minute. Two runs at once (two consoles, cron) do the work once.
        self._rules_running = False
        self.set_timer(min(self.RULES_FIRST, self.RULES_EVERY), self.run_rules)
        self.set_interval(self.RULES_EVERY, self.run_rules)

    def on_unmount(self) -> None:
        # The live refresh's own connection (store/changes.py) ends with the console.
        self.store.close_change_feed()

    def _warm_search(self) -> None:
        try:
            self.store.warm_search()
        except Exception:  # noqa: BLE001 — a later search reads them anyway
            pass

    def _empty_trash(self) -> None:
        try:
            self.store.empty_trash()
        except Exception:  # noqa: BLE001 — housekeeping must never stop the console
            pass

    def run_rules(self) -> None:
        if self._rules_running:
            return  # the last run is still at work (a slow database): no pile-up
        self._rules_running = True
        self.run_worker(self._run_rules, thread=True, group="rules", exclusive=True)

    def _run_rules(self) -> None:
        try:
            report = self.store.run_rules()
        except Exception as exc:  # noqa: BLE001 — like the trash: never stop the console
            self.log.warning(f"rules run failed: {exc!r}")  # devtools only: cron is the main runner
            return
        finally:
            self._rules_running = False
        if changed_anything(report):
            self.call_from_thread(self._rules_changed)

    def _rules_changed(self) -> None:
        # What moved shows at once on the list in front, with the unread count; the
        # other screens reload when they come back (RecordListScreen.on_screen_resume).
        # No toast: the owners hear of it in their inbox, and which console happens to
        # do a run's work is chance.
        screen = self.screen
        if isinstance(screen, RecordListScreen):
            screen.reload(keep_cursor=True)

    def notify(self, message: str, *, title: str = "", severity: str = "information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        # Messages often carry lead text: never markup, never control codes.
        super().notify(safe.multi_line(message), title=safe.one_line(title), severity=severity,  # type: ignore[arg-type]
                       timeout=timeout, markup=False)

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8)

    def database_replaced(self, message: str) -> None:
        """The database file was replaced under the console: offer to reopen it, once
        (the live refresh and a refused write may both say so)."""
        from leadtui.screens.reopen import ReopenDialog

        if any(isinstance(screen, ReopenDialog) for screen in self.screen_stack):
            return
        self.push_screen(ReopenDialog(message), self._reopened)

    def _reopened(self, reopened: bool | None) -> None:
        if not reopened:
            return
        self.notify(t("Reopened {db}", db=self.store.db.describe()))
        for screen in self.screen_stack:
            if isinstance(screen, RecordListScreen):
                screen.reopened()

    def action_help_quit(self) -> None:
        # Textual's own hint is English with markup; ours is plain and translated.
        self.notify(t("Press {key} to quit the app", key="q / ctrl+q"))

    def action_inbox(self) -> None:
        from leadtui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen):
            self.push_screen(InboxScreen())

    def action_settings(self) -> None:
        from leadtui.screens.settings import RulesScreen, SettingsScreen

        # The store refuses a non-admin anyway; saying so here spares an empty screen.
        if self.store.user.role != "admin":
            self.notify(t("Only an admin may create or change pools and public seas"), severity="warning")
        elif not isinstance(self.screen, (SettingsScreen, RulesScreen)):
            self.push_screen(SettingsScreen())

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
