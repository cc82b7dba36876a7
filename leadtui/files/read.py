"""Reading an import file (SPEC 7): the first sheet of an xlsx, or a csv, as raw rows.

Nothing is checked here but that the file is a table at all: a file that is not
one (not xlsx, random bytes, cut short, an encoding we do not read, empty, a
header with nothing under it) raises one `Invalid` naming the file, before any
row reaches the database. The rows keep the cells as the file holds them (numbers,
dates, text), so a rejected row can be written back unchanged.

- xlsx is read with python-calamine (Rust): 100,000 rows in about 2 s where
  openpyxl's read-only mode took 29 s on the project machine, more than the whole
  30 s an import of that size may take (README, Performance).
- Before calamine sees an xlsx, `check_xlsx` streams every part of the archive once
  (zipfile; 1.5-3 s for a 100,000-row bench file) and refuses it with one
  `Invalid` past these limits, because calamine holds a sheet as one dense rectangle of
  cells and aborts the whole process (no exception) when it cannot allocate it:
  parts unpacked MAX_XLSX_MB in all and MAX_PART_MB each, at most MAX_RATIO times
  their packed size; on any sheet, row numbers up to MAX_ROWS, columns up to
  MAX_COLUMNS, MAX_CELLS in the rectangle from A1 to its last cell, whether declared
  (`<dimension ref>`) or where its cells are (a lying or missing dimension changes
  nothing); and at most MAX_SHARED_TEXT_MB of text copied into cells from the shared
  strings (calamine copies a shared string into every cell that uses it). Sizes are
  counted as unpacked, not as the archive declares them. Every part is looked at,
  not only the first sheet: which part that is is calamine's to resolve, and a part
  we skipped by resolving it otherwise would reach calamine unchecked.
- csv: UTF-8 (with or without the BOM Excel writes), else GB18030 — what Excel on
  a Chinese Windows saves as "CSV" — when it clearly is (`decode`), else the encoding
  given (`--encoding`); the delimiter is the one of , ; tab the header
  line holds most of. At most MAX_CSV_MB, a field at most MAX_FIELD characters.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import os
import re
import zipfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leadtui.i18n import t
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


def read_table(path: str | os.PathLike[str], progress: Progress | None = None, encoding: str | None = None) -> Table:
    """The header row (the first row that is not blank) and the rows under it;
    `encoding` is a csv's (xlsx has its own)."""
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
    rows = _xlsx_rows(target, progress) if fmt == "xlsx" else _csv_rows(target, progress, encoding)
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
        check_xlsx(path)
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
    except Invalid:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds, zip and XML errors alike
        raise Invalid("{name} cannot be read as an xlsx workbook ({error}): nothing was imported",
                      name=path.name, error=_short(exc)) from None
    return rows


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


_GB = frozenset({"gb18030", "gbk", "gb2312"})


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The text of a csv file: as `encoding` when given, strictly; else UTF-8 (BOM or
    not), else GB18030 when that is what it clearly is; else one clear refusal naming
    --encoding. Shift_JIS and Big5 bytes mostly decode as GB18030 too (as mojibake),
    so GB18030 is taken when the text is all GB2312 (the common simplified characters:
    what a Chinese Excel CSV of names holds) or when charset-normalizer says so."""
    if encoding:
        return _decode_as(data, name, encoding)
    if b"\x00" in data[:65536]:
        raise Invalid("{name} is not a text file (it holds NUL bytes): save it as CSV UTF-8 or as xlsx", name=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    guess, gb_chaos, best_chaos = _detected(data)
    # EUC-KR and EUC-JP bytes are valid GB2312 too: taken as GB18030 unless one of those
    # reads the bytes as clearly less garbled (charset-normalizer's "chaos"; on a few
    # lines it also names unlikely ones, such as Thai, which do not count).
    plausible = guess not in _GB_LOOKALIKES or gb_chaos - best_chaos < _CLEARER
    if text is not None and plausible and _mostly_gb2312(data, text):
        return text
    if text is not None and guess in _GB:
        return text
    if guess is None or guess in _GB:
        raise Invalid("{name} is neither UTF-8 nor GB18030 (GBK) text: run again with --encoding NAME (such as "
                      "shift_jis or big5), or save it as CSV UTF-8 or as xlsx", name=name)
    raise Invalid("{name} is neither UTF-8 nor GB18030 (GBK) text; it looks like {guess}: if it is, run again with "
                  "--encoding {guess} (if it is GBK after all, --encoding gb18030), or save it as CSV UTF-8 or as xlsx",
                  name=name, guess=guess)


def _mostly_gb2312(data: bytes, text: str) -> bool:
    """All of it GB2312, or (names with a rare character in a Chinese file) 90 % of its
    first 100,000 characters past ASCII; Shift_JIS read as GB18030 has next to none,
    Big5 a half or less."""
    try:
        data.decode("gb2312")
        return True
    except UnicodeDecodeError:
        pass
    wide = [c for c in text[:100_000] if c > "\x7f"]
    common = sum(1 for c in wide if c.encode("gb18030") == c.encode("gb2312", "replace"))
    return len(wide) >= 10 and common >= 0.9 * len(wide)


# How much less garbled another encoding must read a file than GB18030 does for the
# file to be refused as GBK (0.025 for a short GBK file of two names, 0.075 and more
# for EUC-KR and EUC-JP files of names).
_CLEARER = 0.05
# Encodings whose text is GB2312 bytes as well (Korean, Japanese EUC).
_GB_LOOKALIKES = frozenset({"euc_kr", "cp949", "johab", "euc_jp", "euc_jis_2004", "euc_jisx0213"})


def _detected(data: bytes) -> tuple[str | None, float, float]:
    """charset-normalizer's best guess, and how garbled GB18030 and the best read it."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:262144])
    best = matches.best()
    gb = [m.chaos for m in matches if m.encoding in _GB]
    best_chaos = best.chaos if best is not None else 0.0
    return (best.encoding if best is not None else None), (min(gb) if gb else 1.0), best_chaos


def _decode_as(data: bytes, name: str, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        raise Invalid("{name} is not {encoding} text: line {line} holds bytes that are not ({error}); nothing was "
                      "imported", name=name, encoding=encoding, line=data.count(b"\n", 0, exc.start) + 1,
                      error=exc.reason) from None
    except LookupError:  # no such codec, or one that is no text encoding (base64)
        raise Invalid("Unknown encoding {encoding}: give one such as utf-8, gb18030, shift_jis or big5",
                      encoding=encoding) from None


def _csv_rows(path: Path, progress: Progress | None, encoding: str | None) -> list[tuple[int, list[object]]]:
    if path.stat().st_size > MAX_CSV_MB * MB:
        raise _past_limit(path.name, t("it is {mb} MB", mb=_mb(path.stat().st_size)), f"{MAX_CSV_MB} MB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid("Cannot read the file {path}: {error}", path=str(path), error=exc.strerror or str(exc)) from None
    text = decode(data, path.name, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[object]]] = []
    count = 0
    try:
        for number, cells in enumerate(reader, 1):
            rows.append((number, list(cells)))
            count += len(cells)
            if number > MAX_ROWS or count > MAX_CELLS:
                raise _past_limit(path.name, t("it has more than {n} rows or {cells} values", n=f"{MAX_ROWS:,}",
                                               cells=f"{MAX_CELLS:,}"),
                                  t("{n} rows and {cells} values", n=f"{MAX_ROWS:,}", cells=f"{MAX_CELLS:,}"))
            if progress is not None and number % 5000 == 0:
                progress("read", number, 0)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module says only this
            raise _past_limit(path.name, t("line {line} holds a value longer than {n} characters",
                                           line=reader.line_num, n=f"{MAX_FIELD:,}"),
                              t("{n} characters", n=f"{MAX_FIELD:,}")) from None
        raise Invalid("{name} cannot be read as csv at line {line} ({error}): nothing was imported",
                      name=path.name, line=reader.line_num, error=str(exc)) from None
    return rows


# ----------------------------------------------------------------------------- xlsx limits (module docstring)

MB = 1 << 20
MAX_XLSX_MB = 400  # all parts of the archive, unpacked
MAX_PART_MB = 320  # one part: the bench's 100,000 x 30 sheet is 236 MB as openpyxl writes it
MAX_RATIO = 100  # unpacked / packed size of a part over 1 MB: sheets pack 5-20 times
MAX_ROWS = 200_000
MAX_COLUMNS = 200  # column GR
MAX_CELLS = 3_500_000  # reading 3,000,030 (the bench, 100,000 x 30) peaks at about 0.5 GB
MAX_SHARED_TEXT_MB = 200
MAX_CSV_MB = 100  # the bench's 100,000 x 20 csv is about 40 MB
MAX_FIELD = csv.field_size_limit()  # characters in one csv value (131,072)
_READ = 4 * MB  # unpacked bytes looked at a time

_NAME = rb"""<(?:[^\s<>/:="']+:)?"""  # an element's name may carry any namespace prefix
# Cells whose position comes first, as every writer we know writes it: their positions
# are read in bulk. Any other cell (a prefix, no position, written otherwise) is
# irregular and sends the sheet the slow way (`_walked_extent`).
_CELL_AT = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_IRREGULAR = re.compile(rb"""<(?:[^\s<>/:="']+:c[\s/>]|c(?: (?!r="[A-Z]{1,3}[0-9]{1,7}")|[\t\n\r\f\v/>]))""")
_DIGITS, _LETTERS = b"0123456789", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAG = re.compile(rb"""<(/?)(?:[^\s<>/:="']+:)?(c|row)\b([^>]*)>""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_DIMENSION = re.compile(_NAME + rb"""dimension\s(?:[^>]*?\s)?ref\s*=\s*["'][A-Za-z]*[0-9]*:?([A-Za-z]*)([0-9]*)["']""")
_SHARED_ROOT = re.compile(_NAME + rb"sst[\s>]")
_SHARED_ITEM = re.compile(_NAME + rb"si[\s/>]")
_SHARED_CELL = re.compile(_NAME + rb"""c\s[^>]*\bt\s*=\s*["']s["'][^>]*>\s*""" + _NAME + rb"v>\s*([0-9]+)")


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


@dataclass
class _Part:
    """What one part of the archive holds, as far as the limits go."""

    name: str
    rows: int = 0  # the last row and column a cell is in (1-based)
    columns: int = 0
    items: array | None = None  # a shared strings part: the length in bytes of each item


def check_xlsx(path: Path) -> None:
    """Refuse an xlsx past the limits of the module docstring, before calamine reads it."""
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        for info in infos:  # the archive's own word first: refused without unpacking anything
            _check_size(path.name, info.filename, info.file_size, info.compress_size)
        if sum(info.file_size for info in infos) > MAX_XLSX_MB * MB:
            raise _past_limit(path.name, t("its parts unpack to {mb} MB", mb=_mb(sum(i.file_size for i in infos))),
                              f"{MAX_XLSX_MB} MB")
        unpacked = 0
        parts = []
        for info in infos:
            part, size = _scan_part(archive, info, path.name)
            unpacked += size
            if unpacked > MAX_XLSX_MB * MB:
                raise _past_limit(path.name, t("its parts unpack to more than {mb} MB", mb=MAX_XLSX_MB),
                                  f"{MAX_XLSX_MB} MB")
            parts.append(part)
        _check_shared_text(archive, path.name, parts)


def _past_limit(name: str, what: str, limit: str) -> Invalid:
    return Invalid("{name} is past what an import reads: {what}, where the limit is {limit}; nothing was imported",
                   name=name, what=what, limit=limit)


def _mb(size: int) -> str:
    return f"{size / MB:,.0f}"


def _check_size(name: str, part: str, size: int, packed: int) -> None:
    if size > MAX_PART_MB * MB:
        raise _past_limit(name, t("part {part} unpacks to {mb} MB", part=part, mb=_mb(size)), f"{MAX_PART_MB} MB")
    if size > MB and size > MAX_RATIO * max(packed, 1):
        raise _past_limit(name, t("part {part} unpacks to {ratio} times its packed size", part=part,
                                  ratio=f"{size // max(packed, 1):,}"), f"{MAX_RATIO}")


def _unpacked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The part's bytes, a few MB at a time, each piece ending before a `<` (so no tag is
    cut in two). Read past the size the archive declares, which may lie: what counts is
    what comes out, and reading stops at the limit."""
    honest = copy.copy(info)
    # zipfile stops at the end of the packed data, or at this size: past the limit by
    # more than one read, so that the limit is met first
    honest.file_size = MAX_PART_MB * MB + 2 * _READ
    size = 0
    tail = b""
    with archive.open(honest) as stream:
        while piece := stream.read(_READ):
            size += len(piece)
            _check_size(name, info.filename, size, info.compress_size)
            piece = tail + piece
            cut = piece.rfind(b"<")
            cut = cut if cut > 0 else len(piece)
            tail = piece[cut:]
            yield piece[:cut]
    yield tail


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[_Part, int]:
    part = _Part(info.filename)
    columns: set[bytes] = set()
    rows: set[bytes] = set()
    irregular = False
    items: list[int] = []
    size = 0
    for piece in _unpacked(archive, info, name):
        if not size:
            _check_dimension(name, part.name, piece[:65536])
            part.items = array("q") if _SHARED_ROOT.search(piece[:4096]) else None
        if part.items is not None:
            items.extend(size + m.start() for m in _SHARED_ITEM.finditer(piece))
        size += len(piece)
        # the cells' positions as one text, then its letters and its digits apart: the
        # columns and rows used, without a Python step per cell
        positions = b" ".join(_CELL_AT.findall(piece))
        columns.update(positions.translate(None, _DIGITS).split())
        rows.update(positions.translate(None, _LETTERS).split())
        irregular = irregular or _IRREGULAR.search(piece) is not None
    if irregular:
        part.rows, part.columns = _walked_extent(archive, info, name)
    elif rows:
        part.rows, part.columns = max(map(int, rows)), max(map(_column, columns))
    _check_extent(name, part.name, part.rows, part.columns, t("has cells in"))
    if part.items is not None:  # each item runs to the next one (an upper bound: its tags count too)
        part.items.extend(end - start for start, end in zip(items, [*items[1:], size], strict=True))
    return part, size


def _check_dimension(name: str, part: str, head: bytes) -> None:
    found = _DIMENSION.search(head)
    if found is None or not found.group(2):  # no dimension, or one cell (A1): the cells decide
        return
    _check_extent(name, part, int(found.group(2)), _column(found.group(1)), t("declares"))


def _check_extent(name: str, part: str, rows: int, columns: int, verb: str) -> None:
    """Rows and columns counted from A1, as calamine's rectangle may start there."""
    where = t("sheet {part} {verb} {rows} rows x {columns} columns", part=part, verb=verb, rows=f"{rows:,}",
              columns=f"{columns:,}")
    if rows > MAX_ROWS:
        raise _past_limit(name, where, t("{n} rows", n=f"{MAX_ROWS:,}"))
    if columns > MAX_COLUMNS:
        raise _past_limit(name, where, t("{n} columns", n=f"{MAX_COLUMNS:,}"))
    if rows * columns > MAX_CELLS:
        raise _past_limit(name, where, t("{n} cells", n=f"{MAX_CELLS:,}"))


def _walked_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[int, int]:
    """The last row and column of a sheet whose cells do not all say where they are,
    placed as calamine places them: a cell without a position follows the one before
    it in its row; a row without one follows the row before. Slow (a Python step per
    tag), so only for such sheets; it stops as soon as a limit is passed."""
    row = column = last_row = last_column = 0  # 0-based, as calamine counts
    for piece in _unpacked(archive, info, name):
        for closing, kind, attrs in _TAG.findall(piece):
            position = _R_ATTR.search(attrs)
            if kind == b"row":
                if not closing and position is not None and position.group(2):
                    row = int(position.group(2)) - 1
                if closing or attrs.endswith(b"/"):
                    row, column = row + 1, 0
                continue
            if closing:
                continue
            if position is not None and position.group(2):
                here = (int(position.group(2)) - 1, _column(position.group(1)) - 1)
            else:
                here = (row, column)
            column = here[1] + 1
            last_row, last_column = max(last_row, here[0] + 1), max(last_column, here[1] + 1)
            if last_row > MAX_ROWS or last_column > MAX_COLUMNS or last_row * last_column > MAX_CELLS:
                return last_row, last_column
    return last_row, last_column


def _check_shared_text(archive: zipfile.ZipFile, name: str, parts: list[_Part]) -> None:
    """The text calamine copies into cells from the shared strings: a sheet of small
    cells all naming one long string would otherwise take gigabytes."""
    shared = [part.items for part in parts if part.items]
    if not shared:
        return
    longest = max(max(items) for items in shared)
    for part in parts:
        if not part.columns:
            continue
        info = archive.getinfo(part.name)
        cells = sum(p.count(b't="s"') + p.count(b"t='s'") for p in _unpacked(archive, info, name))
        if cells * longest <= MAX_SHARED_TEXT_MB * MB:
            continue  # the quick bound: every such cell holding the longest string
        uses: Counter[bytes] = Counter()
        for piece in _unpacked(archive, info, name):
            uses.update(_SHARED_CELL.findall(piece))
        # more than one shared strings part (only one is read): the longer item of each
        text = sum(max(s[int(i)] if int(i) < len(s) else 0 for s in shared) * n for i, n in uses.items())
        if text > MAX_SHARED_TEXT_MB * MB:
            raise _past_limit(name, t("the cells of sheet {part} take {mb} MB of text from its shared strings",
                                      part=part.name, mb=_mb(text)), f"{MAX_SHARED_TEXT_MB} MB")
