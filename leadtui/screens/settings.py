"""`0`: the admins' settings — lead pools and public seas, their settings and
members, and each lead pool's auto-assign rules (SPEC 3, 5).

The list is on the left, the highlighted pool's settings on the right. The store
checks that the operator is an admin on every call; the app only saves a
non-admin the trip (see `LeadApp.action_settings`).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from leadtui.i18n import t, translate_bindings
from leadtui.safe import one_line
from leadtui.screens.base import StoreCalls
from leadtui.screens.pool_dialogs import ConfirmDialog
from leadtui.screens.settings_dialogs import (
    FLAG_SETTINGS,
    NUMBER_SETTINGS,
    PoolDialog,
    RuleDialog,
    describe_rule,
    setting_label,
)
from leadtui.store.records import AssignRuleRecord, PoolRecord, UserRecord


def _names(values: tuple[str, ...], sep: str = ", ") -> Text:
    return Text(sep.join(one_line(v) for v in values) if values else "—", style="" if values else "dim")


def return_to_text(pool: PoolRecord) -> str:
    what = t("public sea") if pool.kind == "sea" else t("pool")
    if pool.return_to == "pool":
        return one_line(pool.return_pool)
    if pool.return_to == "choose":
        return t("a {what} the user picks", what=what)
    return t("the {what} it came from", what=what)


def settings_table(pool: PoolRecord) -> Table:
    """Compact, so a pool's settings and its rules fit an 80x24 screen: the numbers
    two to a row, each flag one line with a tick."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1, no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1, no_wrap=True)

    def number(key: str) -> tuple[Text, Text]:
        value = getattr(pool, key)
        shown = Text(str(value)) if value is not None else Text(t("no limit"), style="dim")
        return Text(setting_label(key)), shown

    for first, second in zip(NUMBER_SETTINGS[0::2], NUMBER_SETTINGS[1::2]):
        table.add_row(*number(first), *number(second))
    return table


def more_settings(pool: PoolRecord) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(style="bold", max_width=20)
    table.add_column(ratio=1)
    for key in FLAG_SETTINGS:
        on = getattr(pool, key)
        table.add_row(Text("✓" if on else "✗", style="bold" if on else "dim"),
                      Text(setting_label(key), style="" if on else "dim"))
    return table


def people_table(pool: PoolRecord) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(style="bold", max_width=20)
    table.add_column(ratio=1)
    table.add_row(Text(setting_label("return_to")), Text(return_to_text(pool)))
    table.add_row(Text(setting_label("return_reasons")), _names(pool.return_reasons, " · "))
    table.add_row(Text(setting_label("admins")), _names(pool.admins))
    table.add_row(Text(setting_label("member_users")), _names(pool.member_users))
    table.add_row(Text(setting_label("member_departments")), _names(pool.member_departments))
    return table


def rules_text(rules: list[AssignRuleRecord]) -> Text:
    if not rules:
        return Text(t("No rules: new leads stay in the pool."), style="dim")
    text = Text()
    for rule in rules:
        text.append(f"{rule.position}. ", style="bold")
        text.append(describe_rule(rule) + "\n")
    return text


class SettingsScreen(StoreCalls, Screen[None]):
    DEFAULT_CSS = """
    SettingsScreen #title { height: 1; background: $primary; padding: 0 1; }
    SettingsScreen #panes { height: 1fr; }
    SettingsScreen #pools { width: 24; height: 1fr; border: none; border-right: solid $primary;
                            text-wrap: nowrap; text-overflow: ellipsis; }
    SettingsScreen #pools:focus { border: none; border-right: solid $accent; }
    SettingsScreen #detail { width: 1fr; height: 1fr; padding: 0 1; }
    SettingsScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    """

    BINDINGS = [
        Binding("n", "new_pool", "New pool", id="settings.new_pool"),
        Binding("N", "new_sea", "New public sea", id="settings.new_sea"),
        Binding("e", "edit", "Edit", id="settings.edit"),
        Binding("r", "rules", "Auto-assign rules", id="settings.rules"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="settings.reload"),
        Binding("escape,q", "back", "Back", show=False, id="settings.back"),
        Binding("j", "cursor_down", "Down", show=False, id="settings.down"),
        Binding("k", "cursor_up", "Up", show=False, id="settings.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.pools: list[PoolRecord] = []
        self.users: list[UserRecord] = []
        self.rules: dict[int, list[AssignRuleRecord]] = {}

    def compose(self) -> ComposeResult:
        yield Static(t("Settings — lead pools and public seas (admins only)"), id="title", markup=False)
        with Horizontal(id="panes"):
            yield OptionList(id="pools")
            with VerticalScroll(id="detail"):
                yield Static("", id="heading", markup=False)
                yield Static("", id="settings", markup=False)
                yield Static("", id="flags", markup=False)
                yield Static("", id="people", markup=False)
                yield Static(t("Auto-assign rules — r"), id="rules-title", classes="section", markup=False)
                yield Static("", id="rules", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pools", OptionList).focus()
        self.load()

    # ---------------------------------------------------------------- data

    def load(self, select: PoolRecord | None = None) -> None:
        def fetch() -> tuple[list[PoolRecord], list[UserRecord]]:
            store = self.app.store
            return store.list_pools(kind="lead") + store.list_pools(kind="sea"), store.list_users()

        self.call_store(fetch, done=lambda got: self.show(*got, select=select), group="settings", exclusive=True)

    def show(self, pools: list[PoolRecord], users: list[UserRecord], select: PoolRecord | None = None) -> None:
        current = select or self.selected
        self.pools, self.users = pools, users
        self.rules = {}
        options = self.query_one("#pools", OptionList)
        options.clear_options()
        for kind, heading in (("lead", t("Lead pools")), ("sea", t("Public seas"))):
            options.add_option(Option(Text(heading, style="bold"), disabled=True))
            mine = [p for p in pools if p.kind == kind]
            if not mine:
                options.add_option(Option(Text("  " + t("(none yet)"), style="dim"), disabled=True))
            for pool in mine:
                text = Text("  " + one_line(pool.name))
                if pool.is_default:
                    text.append(" ★", style="bold")
                options.add_option(Option(text, id=f"{pool.kind}:{pool.id}"))
        wanted = f"{current.kind}:{current.id}" if current else ""
        index = next((i for i in range(options.option_count)
                      if options.get_option_at_index(i).id == wanted), None)
        if index is None:
            index = next((i for i in range(options.option_count)
                          if not options.get_option_at_index(i).disabled), None)
        options.highlighted = index
        self.show_pool()

    @property
    def selected(self) -> PoolRecord | None:
        options = self.query_one("#pools", OptionList)
        if options.highlighted is None:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return next((p for p in self.pools if f"{p.kind}:{p.id}" == option_id), None)

    @on(OptionList.OptionHighlighted, "#pools")
    def show_pool(self) -> None:
        pool = self.selected
        self.refresh_bindings()
        heading = self.query_one("#heading", Static)
        rules_title = self.query_one("#rules-title", Static)
        rules = self.query_one("#rules", Static)
        if pool is None:
            heading.update(Text(t("No pool yet: n makes a lead pool, N a public sea."), style="dim"))
            for part in ("#settings", "#flags", "#people"):
                self.query_one(part, Static).update("")
            rules_title.display = rules.display = False
            return
        what = t("Public sea") if pool.kind == "sea" else t("Lead pool")
        title = Text(one_line(t("{title}: {name}", title=what, name=pool.name)), style="bold")
        if pool.is_default:
            title.append("  ★ " + t("default"))
        heading.update(title)
        self.query_one("#settings", Static).update(settings_table(pool))
        self.query_one("#flags", Static).update(more_settings(pool))
        self.query_one("#people", Static).update(people_table(pool))
        rules_title.display = rules.display = pool.kind == "lead"
        if pool.kind == "lead":
            if pool.id in self.rules:
                rules.update(rules_text(self.rules[pool.id]))
            else:
                rules.update(Text(t("loading…"), style="dim"))
                self.call_store(self.app.store.list_rules, pool.id, group="settings-rules", exclusive=True,
                                done=lambda got, pool_id=pool.id: self._rules_loaded(pool_id, got))

    def _rules_loaded(self, pool_id: int, rules: list[AssignRuleRecord]) -> None:
        self.rules[pool_id] = rules
        pool = self.selected
        if pool is not None and pool.id == pool_id:
            self.query_one("#rules", Static).update(rules_text(rules))

    # ---------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return True if self.selected else None
        if action == "rules":
            pool = self.selected
            return True if pool and pool.kind == "lead" else None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_cursor_down(self) -> None:
        self.query_one("#pools", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#pools", OptionList).action_cursor_up()

    def action_new_pool(self) -> None:
        self._open(PoolDialog("lead", None, self.pools, self.users))

    def action_new_sea(self) -> None:
        self._open(PoolDialog("sea", None, self.pools, self.users))

    @on(OptionList.OptionSelected, "#pools")
    def action_edit(self) -> None:
        pool = self.selected
        if pool is not None:
            self._open(PoolDialog(pool.kind, pool, self.pools, self.users))

    def _open(self, dialog: PoolDialog) -> None:
        def saved(pool: PoolRecord | None) -> None:
            if pool is not None:
                self.app.notify(t("Saved {name}", name=pool.name))
                self.load(select=pool)

        self.app.push_screen(dialog, callback=saved)

    def action_rules(self) -> None:
        pool = self.selected
        if pool is not None and pool.kind == "lead":
            self.app.push_screen(RulesScreen(pool, self.users), callback=lambda _: self._rules_changed(pool))

    def _rules_changed(self, pool: PoolRecord) -> None:
        self.rules.pop(pool.id, None)
        self.show_pool()


class RulesScreen(StoreCalls, Screen[None]):
    """A lead pool's auto-assign rules in order: the first that matches takes the lead."""

    DEFAULT_CSS = """
    RulesScreen #title { height: 1; background: $primary; padding: 0 1; }
    RulesScreen #rules { height: 1fr; border: none; }
    RulesScreen #hint { height: auto; color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("a", "add", "Add rule", id="rules.add"),
        Binding("x,delete", "remove", "Remove rule", id="rules.remove"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="rules.reload"),
        Binding("escape,q", "back", "Back", id="rules.back"),
        Binding("j", "cursor_down", "Down", show=False, id="rules.down"),
        Binding("k", "cursor_up", "Up", show=False, id="rules.up"),
    ]

    def __init__(self, pool: PoolRecord, users: list[UserRecord]) -> None:
        super().__init__()
        translate_bindings(self)
        self.pool = pool
        self.users = users
        self.rules: list[AssignRuleRecord] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(one_line(t("Auto-assign rules of pool {name}", name=self.pool.name))), id="title")
        yield OptionList(id="rules")
        yield Static(t("The first rule whose conditions all hold takes a new or edited lead; its users take "
                       "turns, skipping anyone at the cap. Leads no rule takes stay in the pool."),
                     id="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rules", OptionList).focus()
        self.load()

    def load(self) -> None:
        self.call_store(self.app.store.list_rules, self.pool.id, done=self.show, group="settings-rules",
                        exclusive=True)

    def show(self, rules: list[AssignRuleRecord]) -> None:
        self.rules = rules
        options = self.query_one("#rules", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not rules:
            options.add_option(Option(Text(t("No rules yet: a adds one."), style="dim"), disabled=True))
        for rule in rules:
            text = Text(f"{rule.position:>2}. ", style="bold")
            text.append(describe_rule(rule))
            options.add_option(Option(text, id=str(rule.position)))
        if rules:
            options.highlighted = min(highlighted or 0, len(rules) - 1)
        self.refresh_bindings()

    @property
    def selected(self) -> AssignRuleRecord | None:
        highlighted = self.query_one("#rules", OptionList).highlighted
        return self.rules[highlighted] if self.rules and highlighted is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return True if self.selected else None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_cursor_down(self) -> None:
        self.query_one("#rules", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#rules", OptionList).action_cursor_up()

    def action_add(self) -> None:
        def added(rule: AssignRuleRecord | None) -> None:
            if rule is not None:
                self.app.notify(t("Rule {n} added", n=rule.position))
                self.load()

        self.app.push_screen(RuleDialog(self.pool, self.users, len(self.rules)), callback=added)

    def action_remove(self) -> None:
        rule = self.selected
        if rule is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_store(self.app.store.remove_rule, self.pool.id, rule.position, done=self._removed)

        question = t("Remove rule {n}: {rule}?", n=rule.position, rule=describe_rule(rule))
        self.app.push_screen(ConfirmDialog(question, t("Remove")), callback=confirmed)

    def _removed(self, rule: AssignRuleRecord) -> None:
        self.app.notify(t("Rule {n} removed", n=rule.position))
        self.load()
