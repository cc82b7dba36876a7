"""The dialogs of the settings screen: a pool's (or a public sea's) settings, and a
new auto-assign rule. Each calls the store itself, so a refusal shows inside the
dialog and what the admin typed stays."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from leadtui.i18n import label, source_label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.fields import RULE_FIELDS, RULE_OP_LABELS, RULE_OPS, SOURCES
from leadtui.store.records import AssignRuleRecord, PoolRecord, UserRecord

NUMBER_SETTINGS = ("holding_cap", "daily_claim_limit", "protect_days", "max_protect_days", "cooldown_days",
                   "notify_before_days")
FLAG_SETTINGS = ("cap_counts_own_created", "hide_assigned", "hide_converted", "members_see_detail",
                 "recycle_own_created")

SETTING_LABELS = {
    "holding_cap": "Holding cap",
    "daily_claim_limit": "Daily claim limit",
    "protect_days": "Protect days",
    "max_protect_days": "Max protect days",
    "cooldown_days": "Cooldown days",
    "notify_before_days": "Notify days before",
    "cap_counts_own_created": "The cap counts what members created themselves",
    "hide_assigned": "Members do not see assigned records",
    "hide_converted": "Members do not see converted records",
    "members_see_detail": "Members may open details before claiming",
    "recycle_own_created": "What members created themselves recycles by the rules",
    "return_to": "Return to",
    "return_reasons": "Return reasons",
    "admins": "Pool admins",
    "member_users": "Member users",
    "member_departments": "Member departments",
}

CONDITION_ROWS = 3


def setting_label(key: str) -> str:
    return t(SETTING_LABELS[key])


def op_label(op: str) -> str:
    return t(RULE_OP_LABELS.get(op, op))


def describe_rule(rule: AssignRuleRecord) -> str:
    return one_line(rule.describe())


def _source_hint(source: str) -> str:
    """A source as a rule wants it written, with its label where that differs (Chinese)."""
    shown = source_label(source)
    return source if shown.lower().replace("-", "") == source else f"{source} {shown}"


def _buttons(ok: str) -> ComposeResult:
    yield Static("", id="error", classes="error", markup=False)
    with Horizontal(classes="buttons"):
        yield Button(ok, variant="primary", id="ok")
        yield Button(t("Cancel"), id="cancel")


def _user_option(user: UserRecord, chosen: bool) -> tuple[Text, str, bool]:
    return Text(one_line(f"{user.name} @{user.login}")), user.login, chosen


class PoolDialog(Dialog[PoolRecord | None]):
    """New or edit: every SPEC 3 setting, admins and members. Dismisses with the
    saved record; a refusal (say max protect days below protect days) stays here."""

    def __init__(self, kind: str, pool: PoolRecord | None, pools: list[PoolRecord], users: list[UserRecord]) -> None:
        super().__init__()
        self.kind = kind
        self.pool = pool
        self.others = [p for p in pools if p.kind == kind and (pool is None or p.id != pool.id)]
        self.users = users
        self.saving = False

    def _title(self) -> str:
        if self.pool is None:
            return t("New public sea") if self.kind == "sea" else t("New lead pool")
        what = t("public sea") if self.kind == "sea" else t("pool")
        return t("Settings of {what} {name}", what=what, name=self.pool.name)

    def compose(self) -> ComposeResult:
        p = self.pool
        depts = sorted({u.department for u in self.users if u.department} | set(p.member_departments if p else ()))
        with Vertical(id="box"):
            yield Static(Text(one_line(self._title())), classes="dialog-title")
            # Two tabs, so that at 80x24 the people lists get the dialog's whole height
            # instead of a row at the bottom of one long form.
            with TabbedContent(id="tabs"):
                with TabPane(t("Settings"), id="tab-settings"), VerticalScroll(id="form", can_focus=False):
                    with Horizontal(classes="row"):
                        yield Label(t("Pool name"), classes="num-label", markup=False)
                        yield Input(p.name if p else "", id="name")
                        yield Checkbox(t("Default"), p.is_default if p else False, id="default",
                                       disabled=bool(p and p.is_default),
                                       tooltip=t("New leads without a pool go to the default pool"))
                    for pair in (NUMBER_SETTINGS[0:2], NUMBER_SETTINGS[2:4], NUMBER_SETTINGS[4:6]):
                        with Horizontal(classes="row"):
                            for key in pair:
                                value = getattr(p, key) if p else None
                                yield Label(setting_label(key), classes="num-label", markup=False)
                                yield Input("" if value is None else str(value), id=f"n-{key}", classes="num",
                                            placeholder=t("no limit"))
                    yield Static(t("Whole numbers (days, or leads); blank means no limit."), classes="hint",
                                 markup=False)
                    for key in FLAG_SETTINGS:
                        yield Checkbox(setting_label(key),
                                       bool(getattr(p, key)) if p else key == "recycle_own_created", id=f"f-{key}")
                    with Horizontal(classes="row"):
                        yield Label(setting_label("return_to"), classes="num-label", markup=False)
                        yield Select(self._return_options(), value=self._return_value(), allow_blank=False,
                                     id="return-to")
                    yield Label(t("Return reasons, one a line (users may also write their own)"), markup=False)
                    yield TextArea("\n".join(p.return_reasons) if p else "", id="reasons", soft_wrap=False,
                                   show_line_numbers=False)
                with TabPane(t("Admins and members"), id="tab-people"), Horizontal(classes="people"):
                    with Vertical():
                        yield Label(setting_label("admins"), markup=False)
                        yield SelectionList(*[_user_option(u, bool(p) and u.login in p.admins)
                                              for u in self.users], id="admins")
                    with Vertical():
                        yield Label(setting_label("member_users"), markup=False)
                        yield SelectionList(*[_user_option(u, bool(p) and u.login in p.member_users)
                                              for u in self.users], id="members")
                    with Vertical():
                        yield Label(setting_label("member_departments"), markup=False)
                        yield SelectionList(*[(Text(one_line(d)), d, bool(p) and d in p.member_departments)
                                              for d in depts], id="depts")
            yield from _buttons(t("Save"))

    def _return_options(self) -> list[tuple[str | Text, str]]:
        what = t("public sea") if self.kind == "sea" else t("pool")
        options: list[tuple[str | Text, str]] = [
            (t("the {what} it came from", what=what), "origin"), (t("a {what} the user picks", what=what), "choose")]
        # A fixed pool by id: a pool may well be named "origin".
        options += [(Text(one_line(o.name)), str(o.id)) for o in self.others]
        return options

    def _return_value(self) -> str:
        p = self.pool
        if p is None or p.return_to != "pool":
            return p.return_to if p else "origin"
        fixed = next((o for o in self.others if o.name == p.return_pool), None)
        return str(fixed.id) if fixed else "origin"

    def on_mount(self) -> None:
        for people in self.query(SelectionList):
            people.highlighted = 0 if people.option_count else None
        self.query_one("#name", Input).focus()



    def action_ok(self) -> None:
        if self.saving:
            return
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.show_error(t("A pool needs a name"))
            self._show_settings()
            self.query_one("#name", Input).focus()
            return
        settings: dict[str, object] = {}
        for key in NUMBER_SETTINGS:
            field = self.query_one(f"#n-{key}", Input)
            text = field.value.strip()
            try:
                number = int(text) if text else None
            except ValueError:
                number = -1
            if number is not None and number < 0:
                self.show_error(t("{setting} must be a whole number of 0 or more, not {value}",
                                  setting=setting_label(key), value=one_line(text)))
                self._show_settings()
                field.focus()
                return
            # "" clears the setting in the store (no limit); a new pool has none anyway.
            settings[key] = "" if number is None else number
        for key in FLAG_SETTINGS:
            settings[key] = self.query_one(f"#f-{key}", Checkbox).value
        settings["return_to"] = str(self.query_one("#return-to", Select).value)
        settings["return_reasons"] = self.query_one("#reasons", TextArea).text.splitlines()
        people = {
            "admins": list(self.query_one("#admins", SelectionList).selected),
            "members": list(self.query_one("#members", SelectionList).selected),
            "member_depts": list(self.query_one("#depts", SelectionList).selected),
        }
        default = self.query_one("#default", Checkbox).value and not (self.pool and self.pool.is_default)
        store = self.app.store
        self.saving = True
        self.show_error("")
        if self.pool is None:
            self.call_store(store.add_pool, name, kind=self.kind, default=default, **people, **settings,
                            done=self.dismiss, failed=self._failed)
        else:
            self.call_store(store.set_pool, self.pool.id, kind=self.kind, rename=name, default=default, **people,
                            **settings, done=self.dismiss, failed=self._failed)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_error(message)

    def _show_settings(self) -> None:
        """The settings tab, where the field an error names is."""
        self.query_one("#tabs", TabbedContent).active = "tab-settings"


class RuleDialog(Dialog[AssignRuleRecord | None]):
    """A new auto-assign rule: conditions (all must hold), target users, a position."""

    def __init__(self, pool: PoolRecord, users: list[UserRecord], count: int) -> None:
        super().__init__()
        self.pool = pool
        self.users = users
        self.count = count
        self.saving = False

    def compose(self) -> ComposeResult:
        fields = [(label(f), f) for f in RULE_FIELDS]
        ops = [(op_label(o), o) for o in RULE_OPS]
        with Vertical(id="box"):
            yield Static(Text(one_line(t("New auto-assign rule of pool {name}", name=self.pool.name))),
                         classes="dialog-title")
            yield Label(t("When every condition holds (blank rows are left out)"), markup=False)
            for i in range(CONDITION_ROWS):
                with Horizontal(classes="row condition"):
                    yield Select(fields, prompt=t("(field)"), id=f"field-{i}", classes="field")
                    yield Select(ops, value="equals", allow_blank=False, id=f"op-{i}", classes="op")
                    yield Input(id=f"value-{i}", placeholder=t("value; for “is one of”: a,b,c"), classes="value")
            yield Static(t("Sources: {sources}", sources=", ".join(_source_hint(s) for s in SOURCES)),
                         classes="hint", markup=False)
            yield Label(t("…give the lead to (space ticks; several take turns)"), markup=False)
            yield SelectionList(*[_user_option(u, False) for u in self.users], id="targets")
            with Horizontal(classes="row"):
                yield Label(t("Position (blank: last)"), classes="num-label", markup=False)
                yield Input(id="position", classes="num", placeholder=str(self.count + 1))
            yield from _buttons(t("Add rule"))

    def on_mount(self) -> None:
        targets = self.query_one("#targets", SelectionList)
        targets.highlighted = 0 if self.users else None
        self.query_one("#field-0", Select).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_ok()


    def action_ok(self) -> None:
        if self.saving:
            return
        conditions: list[tuple[str, str, str]] = []
        for i in range(CONDITION_ROWS):
            field = self.query_one(f"#field-{i}", Select)
            value = self.query_one(f"#value-{i}", Input).value.strip()
            if field.is_blank() and not value:
                continue
            if field.is_blank():
                self.show_error(t("Choose the field of condition {n}", n=i + 1))
                field.focus()
                return
            if not value:
                self.show_error(t("Write the value of condition {n}", n=i + 1))
                self.query_one(f"#value-{i}", Input).focus()
                return
            conditions.append((str(field.value), str(self.query_one(f"#op-{i}", Select).value), value))
        if not conditions:
            self.show_error(t("A rule needs at least one condition"))
            self.query_one("#field-0", Select).focus()
            return
        targets = list(self.query_one("#targets", SelectionList).selected)
        if not targets:
            self.show_error(t("Tick one or more users to give the leads to"))
            self.query_one("#targets", SelectionList).focus()
            return
        text = self.query_one("#position", Input).value.strip()
        position = None
        if text:
            try:
                position = int(text)
            except ValueError:
                position = 0
            if position < 1:
                self.show_error(t("The position is a number from 1, or blank for the last"))
                self.query_one("#position", Input).focus()
                return
        self.saving = True
        self.show_error("")
        self.call_store(self.app.store.add_rule, self.pool.id, conditions, targets, position=position,
                        done=self.dismiss, failed=self._failed)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_error(message)
