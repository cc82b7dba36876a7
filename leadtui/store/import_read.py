"""Reading an import file (SPEC 7): the first sheet of an xlsx, or a csv, as raw rows.

Nothing is checked here but that the file is a table at all: a file that is not
one (not xlsx, random bytes, cut short, an encoding we do not read, empty, a
header with nothing under it) raises one `Invalid` naming the file, before any
row reaches the database. The rows keep the cells as the file holds them (numbers,
dates, text), so a rejected row can be written back unchanged.

- xlsx is read with python-calamine (Rust): 100,000 rows in about 2 s where
  openpyxl's read-only mode took 29 s on the project machine, more than the whole
  30 s an import of that size may take (README, Performance).
- csv: UTF-8 (with or without the BOM Excel writes), else GB18030 — what Excel on
  a Chinese Windows saves as "CSV"; the delimiter is the one of , ; tab the header
  line holds most of.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from leadtui.store.errors import Invalid

FORMATS: tuple[str, ...] = ("xlsx", "csv")
Progress = Callable[[str, int, int], None]  # (phase, done, total); total 0 when unknown


@dataclass
class Table:
    """The rows of an import file: `rows` are (row number in the file, cells); wholly
    blank rows are left out and counted in `blank`."""

    path: str
    format: str
    headers: list[object]
    header_row: int
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    blank: int = 0


def format_of(path: str | os.PathLike[str]) -> str | None:
    fmt = Path(path).suffix.lstrip(".").lower()
    return fmt if fmt in FORMATS else None


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def checked_format(path: str | os.PathLike[str]) -> str:
    fmt = format_of(path)
    if fmt is None:
        raise Invalid("Import a file ending in .xlsx or .csv, not {name}", name=Path(path).name or str(path))
    return fmt


def read_table(path: str | os.PathLike[str], progress: Progress | None = None) -> Table:
    """The header row (the first row that is not blank) and the rows under it."""
    target = Path(path).expanduser()
    fmt = checked_format(target)
    if not target.is_file():
        raise Invalid("There is no file {path}", path=str(target))
    try:
        size = target.stat().st_size
    except OSError as exc:
        raise Invalid("Cannot read the file {path}: {error}", path=str(target), error=exc.strerror or str(exc)) from None
    if size == 0:
        raise Invalid("{name} is empty", name=target.name)
    rows = _xlsx_rows(target, progress) if fmt == "xlsx" else _csv_rows(target, progress)
    table: Table | None = None
    blank = 0
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            blank += 1
            continue
        if table is None:
            table = Table(str(target), fmt, list(cells), number)
            continue
        table.rows.append((number, list(cells)))
    if table is None:
        raise Invalid("{name} is empty", name=target.name)
    if not table.rows:
        raise Invalid("{name} has a header row but no rows under it", name=target.name)
    table.blank = blank
    return table


def _xlsx_rows(path: Path, progress: Progress | None) -> list[tuple[int, list[object]]]:
    from python_calamine import CalamineWorkbook

    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":  # every xlsx is a zip archive
                raise ValueError("not a zip archive")
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise ValueError("no sheet")
        sheet = workbook.get_sheet_by_index(0)
        total = sheet.height
        first = (sheet.start or (0, 0))[0] + 1  # the sheet's first used row, 1-based
        rows = []
        for i, cells in enumerate(sheet.iter_rows()):
            rows.append((first + i, list(cells)))
            if progress is not None and i % 5000 == 0:
                progress("read", i, total)
        workbook.close()
    except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds, zip and XML errors alike
        raise Invalid("{name} cannot be read as an xlsx workbook ({error}): nothing was imported",
                      name=path.name, error=_short(exc)) from None
    return rows


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def decode(data: bytes, name: str) -> str:
    """The text of a csv file: UTF-8 (BOM or not), else GB18030; else one clear refusal."""
    if b"\x00" in data[:65536]:
        raise Invalid("{name} is not a text file (it holds NUL bytes): save it as CSV UTF-8 or as xlsx", name=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise Invalid("{name} is neither UTF-8 nor GB18030 (GBK) text: save it as CSV UTF-8 or as xlsx",
                      name=name) from None


def _csv_rows(path: Path, progress: Progress | None) -> list[tuple[int, list[object]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid("Cannot read the file {path}: {error}", path=str(path), error=exc.strerror or str(exc)) from None
    text = decode(data, path.name)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, cells in enumerate(reader, 1):
            rows.append((number, list(cells)))
            if progress is not None and number % 5000 == 0:
                progress("read", number, 0)
    except csv.Error as exc:
        raise Invalid("{name} cannot be read as csv at line {line} ({error}): nothing was imported",
                      name=path.name, line=reader.line_num, error=str(exc)) from None
    return rows
