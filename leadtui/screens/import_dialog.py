"""The import dialog (`i` on the lead lists; SPEC 7).

The file, the pool, the source of rows that name none, what to do with duplicates of
existing leads, and where the rows that do not go in are written. "Check" is a dry
run; "Import" (ctrl+s) imports. The store reads, checks and writes in a worker
thread while a progress bar follows it; the dialog then stays open with the summary
and the first reasons, so the operator sees what happened before going back to the
list (which reloads).
"""

from __future__ import annotations

from pathlib import Path
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from leadtui.i18n import source_label, t
from leadtui.safe import multi_line, one_line
from leadtui.screens.dialog import Dialog
from leadtui.store.fields import SOURCES
from leadtui.store.records import ImportResult, PoolRecord

SHOWN_PROBLEMS = 5  # the rest are in the rejects file (the summary scrolls)
PHASES = {"read": "Reading the file…", "check": "Checking the rows…", "write": "Writing the leads…"}


def rejects_name(path: str) -> str:
    """Beside the file: leads.xlsx -> leads.rejects.xlsx (as the store's default)."""
    source = Path(path).expanduser()
    return str(source.with_name(f"{source.stem}.rejects{source.suffix.lower()}")) if source.suffix else ""


class ImportDialog(Dialog[ImportResult | None]):
    """Import an xlsx or csv file into a pool the operator may import into."""

    # ctrl+t: "test" the file (a dry run); ctrl+s imports (Dialog). Input keeps ctrl+d for delete.
    BINDINGS = [Binding("ctrl+t", "check", "Check only", id="import.check")]

    def __init__(self, pools: list[PoolRecord], chosen: int | None = None, path: str = "") -> None:
        super().__init__()
        self.pools = pools
        self.chosen = chosen if chosen in {p.id for p in pools} else (pools[0].id if pools else None)
        self.start_path = path
        self.busy = False
        self.result: ImportResult | None = None
        self.auto_rejects = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(Text(t("Import leads from an xlsx or csv file")), classes="dialog-title")
            with Horizontal(classes="row"):
                yield Label(t("File"), classes="field-label", markup=False)
                yield Input(self.start_path, id="path", placeholder=t("path of an .xlsx or .csv file"))
            with Horizontal(classes="row"):
                yield Label(t("Pool"), classes="field-label", markup=False)
                yield Select([(Text(one_line(p.name)), p.id) for p in self.pools], value=self.chosen or Select.BLANK,
                             allow_blank=not self.pools, id="pool")
            with Horizontal(classes="row"):
                yield Label(t("Source"), classes="field-label", markup=False)
                yield Select([(t("as the file says, else {source}", source=source_label("intent")), "")]
                             + [(source_label(s), s) for s in SOURCES], value="", allow_blank=False, id="source")
            with Horizontal(classes="row"):
                yield Label(t("Repeats"), classes="field-label", markup=False)
                yield Select([(t("skip rows that repeat a lead (mobile, email, order no)"), "skip"),
                              (t("merge them: fill the lead's empty fields"), "merge")],
                             value="skip", allow_blank=False, id="duplicates")
            with Horizontal(classes="row"):
                yield Label(t("Rejects"), classes="field-label", markup=False)
                yield Input(id="rejects", placeholder=t("where the rows that do not go in are written"))
            yield Static(Text(t("Headers in English or Chinese (contact / 联系人, mobile / 手机, email / 邮箱, "
                                "company / 企业名称 …); other columns are reported and left out.")),
                         classes="hint", id="headers-hint")
            yield Static("", id="phase", classes="hint", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="progress")
            with VerticalScroll(id="summary-box"):
                yield Static("", id="summary", markup=False)
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("Check"), id="check")
                yield Button(t("Import"), variant="primary", id="ok")
                yield Button(t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        for name in ("#progress", "#phase", "#summary-box"):
            self.query_one(name).display = False
        self._path_changed()
        self.query_one("#path", Input).focus()
        if not self.pools:
            self.show_error(t("You may import into no pool: admins and a pool's admins may"))

    # ------------------------------------------------------------------ input

    @on(Input.Changed, "#path")
    def _path_changed(self) -> None:
        rejects = self.query_one("#rejects", Input)
        if not rejects.value or rejects.value == self.auto_rejects:
            self.auto_rejects = rejects_name(self.query_one("#path", Input).value.strip())
            rejects.value = self.auto_rejects

    @on(Input.Submitted, "#path")
    @on(Input.Submitted, "#rejects")
    def _submitted(self) -> None:
        self.action_ok()

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        self._start(dry_run=True)

    def action_ok(self) -> None:
        if self.result is not None and not self.result.dry_run:
            self.dismiss(self.result)  # done: OK closes
            return
        self._start(dry_run=False)

    def action_cancel(self) -> None:
        if not self.busy:  # a running import finishes its batch; closing mid-way would hide the summary
            self.dismiss(self.result if self.result is not None and not self.result.dry_run else None)

    # ------------------------------------------------------------------ running

    def _start(self, dry_run: bool) -> None:
        if self.busy:
            return
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.show_error(t("Write the path of the file to import"))
            return
        pool = self.query_one("#pool", Select).value
        if pool is Select.BLANK or pool is None:
            self.show_error(t("You may import into no pool: admins and a pool's admins may"))
            return
        source = str(self.query_one("#source", Select).value) or None
        on_duplicate = str(self.query_one("#duplicates", Select).value)
        rejects = self.query_one("#rejects", Input).value.strip() or None
        self.busy = True
        self.show_error("")
        self.query_one("#summary-box").display = False
        self.query_one("#phase").display = True
        for button in ("#ok", "#check"):
            self.query_one(button, Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        app = self.app
        store = app.store
        phase = self.query_one("#phase", Static)

        def progress(step: str, done: int, total: int) -> None:
            app.call_from_thread(self._progress, phase, bar, step, done, total)

        def run() -> ImportResult:
            return store.import_leads(path, pool=int(pool), source=source, on_duplicate=on_duplicate,  # type: ignore[arg-type]
                                      dry_run=dry_run, rejects=rejects if (rejects and not dry_run) else None,
                                      progress=progress)

        self.call_store(run, done=self._done, failed=self._failed, group="import", exclusive=True)

    @staticmethod
    def _progress(phase: Static, bar: ProgressBar, step: str, done: int, total: int) -> None:
        phase.update(Text(t(PHASES.get(step, step))))
        if total:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)

    def _finish(self) -> None:
        self.busy = False
        for button in ("#ok", "#check"):
            self.query_one(button, Button).disabled = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#phase", Static).display = False

    def _failed(self, message: str) -> None:
        self._finish()
        self.show_error(message)

    def _done(self, result: ImportResult) -> None:
        self._finish()
        self.result = result
        self.query_one("#summary", Static).update(Text(multi_line(self.describe(result))))
        self.query_one("#headers-hint").display = False  # room for the summary at 80×24
        self.query_one("#summary-box").display = True
        if not result.dry_run:
            self.query_one("#ok", Button).label = t("Close")
            self.query_one("#check", Button).display = False
            self.query_one("#cancel", Button).display = False
            self.app.notify(t("Import into pool {pool}: {summary}", pool=result.pool, summary=result.summary()),
                            severity="warning" if result.rejected or result.error else "information", timeout=10)
        if result.error:
            self.show_error(result.error)

    @staticmethod
    def describe(result: ImportResult) -> str:
        lines = [result.summary()]
        if result.dry_run:
            lines[0] = t("Check: {summary}. Nothing was changed.", summary=result.summary())
        if result.auto_assigned:
            lines.append(t("Auto-assign rules gave {n} of the new leads to their owners", n=result.auto_assigned))
        if result.unknown_columns:
            lines.append(t("Unknown columns, ignored: {names}", names=", ".join(result.unknown_columns)))
        for problem in result.problems[:SHOWN_PROBLEMS]:
            lines.append(t("  {unit} {n}: {reason}", unit=t(result.unit), n=problem.row, reason=problem.reason))
        if len(result.problems) > SHOWN_PROBLEMS:
            lines.append(t("  … and {n} more", n=len(result.problems) - SHOWN_PROBLEMS))
        if result.rejects_path:
            lines.append(t("The rows that did not go in are in {path}, each with its reason", path=result.rejects_path))
        return "\n".join(lines)
