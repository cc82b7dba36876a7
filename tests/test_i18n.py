"""Every English interface string the code uses has a Chinese entry in `ZH`, and the
entry keeps the English text's `{placeholders}` (so `t(...).format` never fails).

The strings are found by reading the source (AST), not by running it:
- the first argument of `t("...")`;
- the message of `Refused(...)`, `Invalid(...)`, `NotFound(...)`, `UnknownLogin(...)`,
  `StoreError(...)` (translated when shown);
- the description and tooltip of every `Binding(...)` (translated by
  `translate_bindings`);
- the texts given to `PlaceholderScreen(...)`, the values of a module-level `TITLES` dict,
  and the values of any module-level dict looked up inside `t()` (`t(VERBS[k])`,
  `t(VERBS.get(k, k))`): all reach `t()` through a variable;
- the audit action names, shown as `t(e.action)` in the lead detail (a fixed list, plus
  the literal actions of `audit.record(...)` and `_Batch(...)` calls);
- Textual's own key descriptions that show on our screens' `?` help and palette.

Stale entries are allowed: a string may be translated before its code lands.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import leadtui
from leadtui.i18n.zh import ZH

PACKAGE = Path(leadtui.__file__).parent

ERRORS = {"Refused", "Invalid", "NotFound", "UnknownLogin", "StoreError",
          "DatabaseFault", "Busy", "DiskFull", "ReadOnly", "Unreachable",  # these five: store/faults.py
          "DatabaseReplaced"}

# leadtui/store/audit/trail.py `record(...)` action names, shown translated in the detail's history.
AUDIT_ACTIONS = ["create", "convert", "followup", "assign", "claim", "reclaim", "return", "delete",
                 "restore", "recycle", "move", "purge"]

# Textual's built-in bindings that our screens inherit (App, Screen, ScrollableContainer
# under RecordTable and VerticalScroll, Input, Select, SelectionList/OptionList,
# Checkbox, Button): their descriptions show in `?` and in the command palette.
TEXTUAL_BINDINGS = [
    # App, Screen
    "Quit", "Quit the app and return to the command prompt.", "Focus Next", "Focus Previous",
    "Copy selected text",
    # ScrollableContainer
    "Scroll Up", "Scroll Down", "Scroll Left", "Scroll Right", "Scroll Home", "Scroll End",
    "Page Up", "Page Down", "Page Left", "Page Right",
    # Input
    "Move cursor left", "Move cursor left and select", "Move cursor left a word",
    "Move cursor left a word and select", "Move cursor right and select",
    "Move cursor right a word", "Move cursor right a word and select",
    "Move cursor right or accept the completion suggestion", "Delete character left",
    "Delete character right", "Delete left to start of word", "Delete right to start of word",
    "Delete all to the left", "Delete all to the right", "Select all", "Go to start", "Go to end",
    "Select line start", "Select line end", "Submit", "Cut selected text",
    "Paste text from the clipboard",
    # Select, OptionList, SelectionList, ToggleButton (Checkbox), Button
    "Show menu", "Up", "Down", "First", "Last", "Select", "Toggle option", "Toggle", "Press button",
    # Tabs (the pool settings dialog's two tabs)
    "Previous tab", "Next tab",
]


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"


def _module_dicts(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Module-level `NAME = {...}` / `NAME: T = {...}`: name -> its values."""
    dicts: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    dicts[target.id] = list(node.value.values)
    return dicts


def _dict_looked_up(arg: ast.expr) -> str | None:
    """`NAME[...]` or `NAME.get(...)` -> NAME."""
    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name):
        return arg.value.id
    if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "get"
            and isinstance(arg.func.value, ast.Name)):
        return arg.func.value.id
    return None


def collect() -> dict[str, list[str]]:
    """English string -> where it is used."""
    found: dict[str, list[str]] = {}

    def add(text: str | None, where: str) -> None:
        if text:
            found.setdefault(text, []).append(where)

    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        dicts = _module_dicts(tree)
        for value in dicts.get("TITLES", []):
            add(_text(value), _where(path, value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            where = _where(path, node)
            kwargs = {k.arg: k.value for k in node.keywords if k.arg}
            if name in ({"t"} | ERRORS) and node.args:
                add(_text(node.args[0]), where)
                if name == "t":
                    for value in dicts.get(_dict_looked_up(node.args[0]) or "", []):
                        add(_text(value), _where(path, value))
            elif name == "Binding":
                add(_text(node.args[2] if len(node.args) > 2 else kwargs.get("description")), where)
                add(_text(kwargs.get("tooltip")), where)
            elif name == "PlaceholderScreen":
                for arg in [*node.args, *kwargs.values()]:
                    add(_text(arg), where)
            elif name == "record" and isinstance(node.func, ast.Attribute) and len(node.args) > 2:
                add(_text(node.args[2]), f"{where} (audit action)")  # audit.record(session, actor, "action", ...)
            elif name == "_Batch" and node.args:
                add(_text(node.args[0]), f"{where} (audit action)")
    for action in AUDIT_ACTIONS:
        add(action, "audit action (leadtui/screens/detail.py t(e.action))")
    for description in TEXTUAL_BINDINGS:
        add(description, "Textual built-in binding")
    return found


def placeholders(text: str) -> set[tuple[str, str, str]]:
    """The `{name!conv:spec}` fields of a format string (literal `{{ }}` excluded)."""
    return {(name, conv or "", spec or "") for _lit, name, spec, conv in string.Formatter().parse(text)
            if name is not None}


USED = collect()


def test_the_collector_finds_strings() -> None:
    # Guards against the walk silently finding nothing after a refactor.
    assert len(USED) > 100
    assert "Search" in USED and "All Leads" in USED and "reclaim" in USED


def test_every_string_has_a_chinese_entry() -> None:
    missing = {text: where for text, where in USED.items() if text not in ZH}
    if missing:
        listing = "\n".join(f"    {text!r}: \"\",  # {', '.join(where[:3])}"
                            for text, where in sorted(missing.items(), key=lambda item: item[1][0]))
        pytest.fail(f"{len(missing)} strings have no entry in ZH (leadtui/i18n/zh.py):\n{listing}", pytrace=False)


def test_no_chinese_entry_is_blank() -> None:
    blank = sorted(k for k, v in ZH.items() if not v.strip())
    assert not blank, f"blank entries in ZH: {blank}"


@pytest.mark.parametrize("english", sorted(ZH))
def test_placeholders_match(english: str) -> None:
    chinese = ZH[english]
    assert placeholders(chinese) == placeholders(english), (
        f"ZH[{english!r}] = {chinese!r}: placeholders {sorted(placeholders(chinese))} "
        f"differ from the English {sorted(placeholders(english))}")


def test_t_gets_no_built_strings() -> None:
    """`t(f"...")` or `t("a" + b)` can never be looked up: pass parameters instead."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and _name(node.func) in ({"t"} | ERRORS) and node.args
                    and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp))):
                bad.append(_where(path, node))
    assert not bad, f"t()/error messages built at run time: {bad}"
