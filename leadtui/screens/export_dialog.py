"""The export dialog (`e` on the lists, `E` for the call records of marked leads; SPEC 7).

Scope (the marked rows or everything the search and filter show), fields, format and
file name; past 2,000 rows the batches to choose. The store writes the file in a
worker thread; the dialog shows the progress, keeps the input on an error, and
closes with a notification of the path and the row count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, ProgressBar, Select, SelectionList, Static

from leadtui import clock
from leadtui.files.write import EXPORT_LIMIT, FORMATS, ExportResult, default_export_dir
from leadtui.i18n import label, t
from leadtui.safe import one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.errors import Refused


def field_label(key: str) -> str:
    return "ID" if key == "id" else label(key)


def batch_label(batch: int, total: int) -> str:
    first = (batch - 1) * EXPORT_LIMIT + 1
    last = min(batch * EXPORT_LIMIT, total)
    return t("rows {first}–{last}", first=f"{first:,}", last=f"{last:,}")


class ExportDialog(Dialog[ExportResult | None]):
    """`calls`: the call records of `marked` (no scope, fields nor batches)."""

    def __init__(self, title: str, name: str, query: Any, shown: int, marked: list[int],
                 columns: list[str], fields: list[str], calls: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.base_name = name
        self.query_spec = query
        self.shown = shown
        self.marked = marked
        self.columns = [c for c in columns if c in fields]
        self.fields = fields
        self.calls = calls
        self.busy = False
        self.overwrite: Path | None = None  # a file the operator was told exists
        self.auto_name = ""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            if self.calls:
                heading = t("Export the call records of {n} lead(s)", n=len(self.marked))
            else:
                heading = t("Export — {title}", title=self.title_text)
            yield Static(Text(one_line(heading)), classes="dialog-title")
            if not self.calls:
                scopes = []
                if self.marked:
                    scopes.append((t("the marked rows ({n})", n=f"{len(self.marked):,}"), "marked"))
                scopes.append((t("everything the search and filter show ({n})", n=f"{self.shown:,}"), "shown"))
                with Horizontal(classes="row"):
                    yield Label(t("Scope"), classes="field-label", markup=False)
                    yield Select(scopes, value=scopes[0][1], allow_blank=False, id="scope")
                with Horizontal(classes="row", id="batch-row"):
                    yield Label(t("Batch"), classes="field-label", markup=False)
                    yield Select([("", "")], value="", allow_blank=False, id="batch")
                yield Static("", id="count", classes="hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("Fields (space ticks)"), classes="fields-label", markup=False)
                    yield Button(t("All"), id="fields-all")
                    yield Button(t("None"), id="fields-none")
                keys = self.columns + [k for k in self.fields if k not in self.columns]
                yield SelectionList(*[(field_label(k), k, k in self.columns) for k in keys], id="fields")
            with Horizontal(classes="row"):
                yield Select([(f.upper(), f) for f in FORMATS], value="xlsx", allow_blank=False, id="format")
                yield Input(id="path", placeholder=t("File name"))
            yield ProgressBar(total=None, show_eta=False, id="progress")
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Export"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self._set_name()
        if not self.calls:
            self._scope_changed()
            fields = self.query_one("#fields", SelectionList)
            fields.highlighted = 0
            fields.focus()
        else:
            self.query_one("#path", Input).focus()

    # ------------------------------------------------------------------ what is chosen

    def scope_count(self) -> int:
        if self.calls:
            return len(self.marked)
        return len(self.marked) if self.query_one("#scope", Select).value == "marked" else self.shown

    def batch(self) -> int | None:
        if self.calls or self.scope_count() <= EXPORT_LIMIT:
            return None
        # Values are "k/total": a new scope's options then differ from the old ones, so
        # the Select shows its new first option (equal values would not repaint).
        return int(str(self.query_one("#batch", Select).value).split("/")[0] or 1)

    def fmt(self) -> str:
        return str(self.query_one("#format", Select).value)

    def _default_name(self) -> str:
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        batch = self.batch()
        suffix = f"-{batch}" if batch else ""
        return str(default_export_dir() / f"{self.base_name}-{stamp}{suffix}.{self.fmt()}")

    def _set_name(self) -> None:
        path = self.query_one("#path", Input)
        if not path.value or path.value == self.auto_name:
            self.auto_name = self._default_name()
            path.value = self.auto_name
        elif Path(path.value).suffix.lstrip(".").lower() in FORMATS:
            path.value = str(Path(path.value).with_suffix("." + self.fmt()))

    def _scope_changed(self) -> None:
        total = self.scope_count()
        row = self.query_one("#batch-row")
        count = self.query_one("#count", Static)
        if total > EXPORT_LIMIT:
            batches = -(-total // EXPORT_LIMIT)
            self.query_one("#batch", Select).set_options(
                [(batch_label(k, total), f"{k}/{total}") for k in range(1, batches + 1)])
            row.display = True
            count.update(t("{n} rows: at most {limit} go in one export — choose one of the {batches} batches",
                           n=f"{total:,}", limit=f"{EXPORT_LIMIT:,}", batches=batches))
        else:
            row.display = False
            count.update(t("{n} row(s)", n=f"{total:,}"))
        self._set_name()

    @on(Select.Changed, "#scope")
    def scope_changed(self) -> None:
        self._scope_changed()

    @on(Select.Changed, "#batch")
    @on(Select.Changed, "#format")
    def name_changed(self) -> None:
        self._set_name()

    @on(Input.Changed, "#path")
    def path_edited(self) -> None:
        self.overwrite = None

    @on(Button.Pressed, "#fields-all")
    def all_fields(self) -> None:
        self.query_one("#fields", SelectionList).select_all()

    @on(Button.Pressed, "#fields-none")
    def no_fields(self) -> None:
        self.query_one("#fields", SelectionList).deselect_all()

    @on(Input.Submitted, "#path")
    def submitted(self) -> None:
        self.action_ok()

    # ------------------------------------------------------------------ writing

    def action_ok(self) -> None:
        if self.busy:
            return
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_error(t("Write a file name"))
            return
        path = Path(text).expanduser()
        if path.suffix.lstrip(".").lower() not in FORMATS:
            path = path.with_name(path.name + "." + self.fmt())
        elif path.suffix.lstrip(".").lower() != self.fmt():
            path = path.with_suffix("." + self.fmt())
        fields: list[str] = []
        if not self.calls:
            ticked = set(self.query_one("#fields", SelectionList).selected)
            order = self.columns + [k for k in self.fields if k not in self.columns]
            fields = [k for k in order if k in ticked]
            if not fields:
                self.show_error(t("Tick one or more fields"))
                return
        if path.exists() and self.overwrite != path:
            self.overwrite = path
            self.show_error(t("{path} exists: press Export again to replace it", path=str(path)))
            return
        self.busy = True
        self.show_error("")
        self.query_one("#ok", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        app = self.app
        store = app.store
        make_folder = path.parent == default_export_dir()
        fmt, batch = self.fmt(), self.batch()
        ids = self.marked if self.calls or self.query_one("#scope", Select).value == "marked" else None

        def progress(done: int, total: int) -> None:
            app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        def write() -> ExportResult:
            if make_folder:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise Refused("Cannot write {path}: {error}", path=str(path), error=exc.strerror or str(exc))
            if self.calls:
                return store.export_calls(ids, path, fmt, progress=progress)
            return store.export_records(self.query_spec, path, fields, fmt, batch, ids=ids, progress=progress)

        self.call_store(write, done=self._written, failed=self._failed, group="export", exclusive=True)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.query_one("#ok", Button).disabled = False
        self.query_one("#progress", ProgressBar).display = False
        self.show_error(message)

    def _written(self, result: ExportResult) -> None:
        message = t("Exported {n} row(s) to {path}", n=f"{result.rows:,}", path=result.path)
        if result.cut_rows:
            message += "\n" + t("Values longer than 32,767 characters were cut in row(s) {rows}",
                                rows=", ".join(map(str, result.cut_rows)))
        self.app.notify(message, severity="warning" if result.cut_rows else "information", timeout=10)
        self.dismiss(result)
