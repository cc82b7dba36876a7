"""`?`: every key of the screen, from the same bindings the footer and palette use."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from leadtui.i18n import t
from leadtui.screens.dialog import Dialog

# Keys every terminal program has, left out so the list fits 80x24 (the palette,
# ctrl+p, still lists everything).
_GENERIC = {"focus_next", "focus_previous", "page_left", "page_right"}


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every binding active on `screen`, keys merged by action."""
    by_action: dict[tuple[str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.action.rsplit(".", 1)[-1] in _GENERIC:
            continue
        display = screen.app.get_key_display(binding)
        # Textual's own widgets (Input, Select...) bring English descriptions.
        by_action.setdefault((binding.action, t(binding.description)), []).append(display)
    return [(" ".join(dict.fromkeys(keys)), description) for (_a, description), keys in by_action.items()]


class HelpDialog(Dialog[None]):
    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.rows = key_rows(screen)

    def compose(self) -> ComposeResult:
        # Two pairs of columns side by side, so every key fits on an 80x24 screen.
        table = Table.grid(padding=(0, 1))
        for _ in range(2):
            table.add_column(style="bold", no_wrap=True)
            table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        half = (len(self.rows) + 1) // 2
        left, right = self.rows[:half], self.rows[half:] + [("", "")]
        for (k1, d1), (k2, d2) in zip(left, right):
            table.add_row(Text(k1), Text(d1), Text(k2), Text(d2))
        with Vertical(id="box"):
            yield Static(t("Keys of this screen — Esc closes"), classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(table, id="keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_ok(self) -> None:
        self.dismiss(None)
