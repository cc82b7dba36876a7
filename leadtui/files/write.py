"""Writing an export file (SPEC 7): xlsx or csv that is safe to open in a spreadsheet.

No SQLAlchemy and no Textual here: the store hands this module plain headers and
rows; the console imports it for the default folder and the file name rules.

- No cell is ever a formula. A value that starts with = + - @, tab or carriage return
  (or the full-width ＝＋－＠ that some spreadsheets also read as operators) is written
  as text with a leading `'` — the OWASP advice against CSV injection — so openpyxl
  never turns it into a formula either; "#N/A"-like text stays text, not an error cell.
- Code points XML 1.0 forbids (C0 controls but tab/newline/CR, lone surrogates
  U+D800-U+DFFF, U+FFFE, U+FFFF) are dropped in both formats by `xml_text`, so the two
  hold the same values and neither writer fails on them.
- A value longer than a cell holds (32,767 characters) is cut; the rows are reported.
- Dates stay dates (xlsx date cells; ISO text in csv); numbers stay numbers.
- csv is UTF-8 with a BOM, so Excel opens Chinese correctly.
- The file is written under a temporary name in the same folder, then renamed: it
  appears complete or not at all.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

# What XML 1.0 (section 2.2, Char) does not allow. openpyxl's own ILLEGAL_CHARACTERS_RE
# covers only the C0 controls: U+FFFE / U+FFFF made lxml raise, a lone surrogate (a
# JSON "\\ud800" escape) failed the encoding to UTF-8, in xlsx and csv alike.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FORMATS: tuple[str, ...] = ("xlsx", "csv")
EXPORT_LIMIT = 2000  # rows in one export (SPEC 7); the store refuses more without a batch
MAX_CELL = 32_767  # characters an xlsx cell holds
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

Progress = Callable[[int, int], None]  # (rows written, rows in all)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: str
    format: str
    rows: int
    total: int  # rows the scope holds (all batches)
    batch: int  # 1-based
    batches: int
    fields: tuple[str, ...]
    cut_rows: tuple[int, ...] = ()  # 1-based data rows with a value cut to MAX_CELL


def default_export_dir() -> Path:
    """The user's export folder: $LEADTUI_EXPORT_DIR, else Documents/leadtui-exports."""
    env = os.environ.get("LEADTUI_EXPORT_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "leadtui-exports"


def format_of(path: str | os.PathLike[str], given: str | None = None) -> str | None:
    """xlsx or csv: as given, else from the file name's ending; None when neither."""
    fmt = (given or Path(path).suffix.lstrip(".")).lower()
    return fmt if fmt in FORMATS else None


def neutralise(text: str) -> str:
    """A text a spreadsheet would read as a formula, made plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xml_text(text: str) -> str:
    """`text` without the code points an xlsx (XML) file cannot hold: every writer of
    xlsx and csv cells goes through here (`clean`)."""
    return _XML_ILLEGAL.sub("", text)


def clean(value: object) -> tuple[object, bool]:
    """The value as it goes into a cell, and whether it had to be cut."""
    if type(value) is str:  # most cells: straight to the text rules
        text = neutralise(xml_text(value))
        return (text[:MAX_CELL], True) if len(text) > MAX_CELL else (text, False)
    if value is None or isinstance(value, (datetime, date, Decimal, bool)):
        return value, False
    if isinstance(value, (int, float)):
        return value, False
    text = neutralise(xml_text(str(value)))
    if len(text) > MAX_CELL:
        return text[:MAX_CELL], True
    return text, False


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_table(path: str | os.PathLike[str], fmt: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                total: int, progress: Progress | None = None) -> tuple[int, tuple[int, ...]]:
    """Write the headers and rows to `path` (xlsx or csv); returns (rows written,
    rows with a cut value). The file appears whole, or not at all on an error."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        writer = _write_xlsx if fmt == "xlsx" else _write_csv
        count, cut = writer(tmp, [clean(h)[0] for h in headers], rows, total, progress)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return count, cut


def _cleaned_rows(rows: Iterable[Sequence[object]], total: int, progress: Progress | None,
                  cut: list[int]) -> Iterable[list[object]]:
    done = 0
    for done, row in enumerate(rows, 1):
        values = []
        for value in row:
            value, was_cut = clean(value)
            if was_cut and (not cut or cut[-1] != done):
                cut.append(done)
            values.append(value)
        yield values
        if progress is not None and done % 100 == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)


def _write_csv(tmp: str, headers: list[object], rows: Iterable[Sequence[object]], total: int,
               progress: Progress | None) -> tuple[int, tuple[int, ...]]:
    cut: list[int] = []
    count = 0
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_csv_text(h) for h in headers])
        for values in _cleaned_rows(rows, total, progress, cut):
            writer.writerow([_csv_text(v) for v in values])
            count += 1
    return count, tuple(cut)


def _write_xlsx(tmp: str, headers: list[object], rows: Iterable[Sequence[object]], total: int,
                progress: Progress | None) -> tuple[int, tuple[int, ...]]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")

    def typed(value: object) -> object:
        # openpyxl makes a string a formula only when it starts with "=" (neutralised
        # above, so never) and an error cell when it is "#N/A", "#REF!"...: those go in
        # as explicit text cells. Everything else goes in plain: a cell object per
        # value costs openpyxl an exception each and made the export twice as slow.
        # Dates get openpyxl's date formats (yyyy-mm-dd h:mm:ss, yyyy-mm-dd).
        if type(value) is str and value[:1] in ("#", "=") and (value in ERROR_CODES or value[0] == "="):
            c = WriteOnlyCell(sheet, value=value)
            c.data_type = "s"
            return c
        return value

    sheet.append([typed(h) for h in headers])
    cut: list[int] = []
    count = 0
    for values in _cleaned_rows(rows, total, progress, cut):
        sheet.append([typed(v) for v in values])
        count += 1
    workbook.save(tmp)
    return count, tuple(cut)
