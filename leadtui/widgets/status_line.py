"""The status line: who you are, your role, the database, rows shown and marked,
unread notifications (SPEC 8)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from leadtui.i18n import label, t
from leadtui.safe import one_line


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.who = ""
        self.role = ""
        self.database = ""
        self.warning = ""  # about the database itself (files others may read)
        self.shown: int | None = None
        self.marked = 0
        self.unread = 0
        self.extra = ""

    def set(self, **values: object) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self.update(self.render_text())

    def render_text(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(one_line(self.who), style="bold")
        text.append(f" ({label(self.role)})")
        text.append(" │ " + one_line(self.database))
        if self.warning:
            text.append(" ⚠ " + one_line(self.warning), style="bold red")
        shown = "…" if self.shown is None else f"{self.shown:,}"
        text.append(" │ " + t("rows {n}", n=shown))
        text.append(" │ " + t("marked {n}", n=f"{self.marked:,}"), style="bold" if self.marked else "")
        text.append(" │ " + t("unread {n}", n=self.unread), style="bold" if self.unread else "")
        if self.extra:
            text.append(" │ " + one_line(self.extra))
        return text
