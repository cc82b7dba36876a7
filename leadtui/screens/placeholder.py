"""Screens 3–5 until their issues fill them in: they say so plainly."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from leadtui.i18n import t, translate_bindings


class PlaceholderScreen(Screen[None]):
    DEFAULT_CSS = """
    PlaceholderScreen #title { height: 1; background: $primary; padding: 0 1; }
    PlaceholderScreen #body { padding: 1 2; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.body_text = body

    def compose(self) -> ComposeResult:
        yield Static(t(self.title_text), id="title", markup=False)
        yield Static(t(self.body_text), id="body", markup=False)
        yield Footer()
