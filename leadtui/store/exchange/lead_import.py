"""Import (xlsx / csv) and intake (JSON lines) of leads: SPEC 7, issue 7.

Both go the same way, in three steps, so that nothing is silently lost:

1. **Read and check** every row before the database is touched: a file that is no
   table (store/import_read.py) is refused whole. Columns are found by their English
   name or label or their Chinese label (SPEC 2.1), ignoring case, spaces and `_ - .`;
   other columns are reported and ignored. Each row: a mainland mobile has 11 digits
   starting with 1 (spaces, dashes, brackets and a +86 / 0086 prefix are accepted and
   dropped), an email one @ and a dot after it, at least one of contact / mobile /
   email / company, a submit date that parses, a known source, no value longer than
   its column, no value beyond the last header. A row that repeats the mobile, email
   or order number of an earlier row of the same file is rejected, naming that row.
2. **Duplicates of existing leads** (the same order number, normalised mobile or
   email) are skipped or merged, as asked. A merge fills the lead's empty fields only
   (store/intake.py `fill_leads`), and only where the importer may edit that lead;
   otherwise the row is skipped, saying so.
3. **Write** the rest through `intake.add_leads` (the search index, audit events and
   auto-assign rules come with it) in batches of `BATCH` rows, one transaction per
   batch. Why batches and not one transaction: on SQLite a write transaction holds
   the one write lock, and 100,000 rows take seconds; in batches the other operators'
   claims and edits wait a fraction of a second, not the whole import. A batch is
   whole or not at all; should one fail (the disk fills), the import stops there and
   says which rows went in and which did not, and the rows that did not go in are
   added to the rejects file.

Every rejected and skipped row goes to the rejects file (default: beside the file,
NAME.rejects.xlsx / .csv) as it was read, plus a `reason` column; it is written
before any lead goes in, so a rejects file that cannot be written changes nothing.
A dry run checks and counts and changes nothing (it writes the rejects file only
when one is named). Who may import into a pool: an admin, or an admin of that pool
(SPEC 1, 3: pool admins are the ones who assign its leads).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from leadtui import clock
from leadtui.files.read import Progress, checked_format, format_of, is_blank, read_table
from leadtui.files.write import FORMULA_STARTS, write_table
from leadtui.i18n import EN_WORDS, ZH_WORDS, label, t
from leadtui.store.access import Standing
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused, StoreError
from leadtui.store.fields import SEARCH_FIELDS, SOURCES
from leadtui.store.leads import intake
from leadtui.store.leads.lists import id_in
from leadtui.store.models import Lead, Pool, PoolAdmin
from leadtui.store.records import ImportProblem, ImportResult
from leadtui.store.search.engine import digits

if TYPE_CHECKING:
    from leadtui.store.service import Store

BATCH = 10_000  # rows per write transaction (see the module docstring)
ON_DUPLICATE: tuple[str, ...] = ("skip", "merge")
INGEST_ON_DUPLICATE: tuple[str, ...] = ("keep", "skip", "merge")
IMPORT_FIELDS: tuple[str, ...] = (*SEARCH_FIELDS, "source", "message", "submitted_at", "tags")
REASON_HEADER = "reason"
_MAY_MERGE = {"admin", "pool_admin", "owner", "manager"}  # who may edit a lead (store/lead_edit.py)
_LIMITS = {c.name: c.type.length for c in Lead.__table__.columns if getattr(c.type, "length", None)}
_OWN_CHECKS = frozenset({"submitted_at", "source"})  # parsed below, not stored as text

# ----------------------------------------------------------------------------- headers

# Other names people give these columns, besides the field's name and its English and
# Chinese labels (i18n EN_WORDS / ZH_WORDS).
_ALIASES: dict[str, tuple[str, ...]] = {
    "order_no": ("order number", "order", "订单号", "线索编号"),
    "contact": ("name", "contact name", "姓名", "客户姓名", "联系人姓名"),
    "mobile": ("mobile phone", "cell", "cellphone", "手机号", "手机号码", "移动电话"),
    "phone": ("tel", "telephone", "座机", "固定电话"),
    "email": ("mail", "e-mail", "电子邮箱", "电子邮件", "邮件"),
    "wechat": ("weixin", "微信号"),
    "qq": ("qq号",),
    "address": ("地址",),
    "postcode": ("postal code", "zip", "zip code", "邮政编码"),
    "company": ("company name", "公司", "公司名称", "企业", "单位"),
    "website": ("url", "web", "官网", "网址", "网站"),
    "company_type": ("公司类型",),
    "department": ("dept",),
    "job_title": ("title", "position", "职位"),
    "business": ("业务",),
    "source": ("线索来源",),
    "message": ("留言", "备注"),
    "submitted_at": ("submitted", "submit time", "date", "提交日期", "时间", "日期"),
    "tags": ("tag",),
}
_DROP = re.compile(r"[\s_\-.:：*＊]+")


def header_key(text: object) -> str:
    """A header as compared: NFKC (full-width forms), case-folded, without spaces,
    `_ - . :` and the `*` templates put on required columns."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def _header_map() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        for text in (name, EN_WORDS.get(name, ""), ZH_WORDS.get(name, ""), *_ALIASES.get(name, ())):
            if text:
                found.setdefault(header_key(text), name)
    return found


HEADERS = _header_map()
_IGNORED = {header_key(REASON_HEADER), header_key("原因")}  # the rejects file's own column


def _source_map() -> dict[str, str]:
    found = {}
    for name in SOURCES:
        texts = [name, EN_WORDS.get(name, ""), ZH_WORDS.get(name, "")]
        if name == "message":  # a source and a field: 留言互动
            texts = [name, "Message", "留言互动"]
        for text in texts:
            if text:
                found[header_key(text)] = name
    return found


SOURCE_NAMES = _source_map()


def source_of(text: object) -> str | None:
    """A source given by name or label, English or Chinese: booking, Booking, 在线预订."""
    return SOURCE_NAMES.get(header_key(text))


@dataclass(frozen=True)
class Columns:
    by_index: dict[int, str]  # cell index -> lead field
    found: tuple[str, ...]  # the fields, in the file's order
    unknown: tuple[str, ...]  # headers that are no lead field
    repeated: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # field -> (index, header) given twice


def map_columns(headers: Sequence[object]) -> Columns:
    by_index: dict[int, str] = {}
    unknown: list[str] = []
    given: dict[str, list[tuple[int, str]]] = {}
    for i, header in enumerate(headers):
        if is_blank(header):
            continue
        key = header_key(header)
        name = HEADERS.get(key)
        if name is None:
            if key not in _IGNORED:
                unknown.append(str(header).strip())
            continue
        given.setdefault(name, []).append((i, str(header).strip()))
        by_index.setdefault(i, name)
    repeated = {name: columns for name, columns in given.items() if len(columns) > 1}
    return Columns(by_index, tuple(given), tuple(unknown), repeated)


def _refuse_repeated(name: str, columns: Columns) -> None:
    """A field given by two columns (`mobile, 手机`): which one holds it is the user's call."""
    if not columns.repeated:
        return
    said = []
    for field_name, given in columns.repeated.items():
        numbers = [str(i + 1) for i, _ in given]
        words = "columns {columns} both give {field} ({headers}): keep one" if len(given) == 2 else \
            "columns {columns} all give {field} ({headers}): keep one"
        said.append(t(words, columns=t("{first} and {last}", first=", ".join(numbers[:-1]), last=numbers[-1]),
                      field=field_name, headers=", ".join(header for _, header in given)))
    raise Invalid("{name}: {problems}; nothing was imported", name=name, problems="; ".join(said))


# ----------------------------------------------------------------------------- one row

_PHONEISH = re.compile(r"^\+?[\d\s\-.]+$")
_SPACE = re.compile(r"\s")
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d %H:%M", "%Y.%m.%d",
                 "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d")


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without `.0` (Excel stores 13800138000 as a
    number), dates in ISO form; NUL dropped; the `'` an export puts before a value
    that would read as a formula taken off again."""
    if type(value) is str:  # the common case first
        text = value.strip()
        if "\x00" in text:
            text = text.replace("\x00", "")
        if text[:1] == "'" and text[1:].startswith(FORMULA_STARTS):
            text = text[1:]
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value).replace("\x00", "").strip()
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text


def mobile_of(text: str) -> str | None:
    """A mainland mobile as its 11 digits, or None: `+86 138-0013-8000` -> 13800138000."""
    plain = unicodedata.normalize("NFKC", text).replace("(", "").replace(")", "").strip()
    if not _PHONEISH.match(plain):
        return None
    d = digits(plain)
    if plain.startswith("+"):
        if not plain.startswith("+86"):
            return None  # another country's number
        d = d[2:]
    elif len(d) == 13 and d.startswith("86"):
        d = d[2:]
    elif len(d) == 15 and d.startswith("0086"):
        d = d[4:]
    return d if len(d) == 11 and d.startswith("1") else None


def email_of(text: str) -> str | None:
    """An email with one @ and a dot after it (full-width forms folded), or None."""
    value = unicodedata.normalize("NFKC", text).strip()
    if value.count("@") != 1 or _SPACE.search(value):
        return None
    local, domain = value.split("@")
    parts = domain.split(".")
    if not local or len(parts) < 2 or not all(parts):
        return None
    return value


def date_of(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(microsecond=0) if value.tzinfo is None else clock.parse(value.isoformat())
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None  # a number is no date (an Excel date without its date format)
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        return clock.parse(text).replace(microsecond=0)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def email_key(value: str) -> str:
    return value.strip().casefold()


@dataclass
class Row:
    """One row (or line) on its way in."""

    number: int
    cells: list[object]  # as read: what the rejects file gets back
    fields: dict[str, object] = field(default_factory=dict)  # the clean values for intake.add_leads
    problems: list[str] = field(default_factory=list)
    outcome: str = "new"  # new | merge | skip | reject
    target: int | None = None  # the existing lead a merge goes into
    keys: list[tuple[str, str]] | None = None  # what makes it a duplicate (see _keys)

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _storable(values: dict[str, str]) -> bool:
    """Whether the row's text encodes as UTF-8, which both databases store. Only a
    lone surrogate (JSON's "\\ud800" escape reads as one) does not; one encoding per
    row, as this runs for every row of a big import."""
    try:
        "".join(values.values()).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_surrogates(values: dict[str, str], out: dict[str, object], problems: list[str]) -> None:
    for name, value in values.items():
        found = _SURROGATE.search(value)
        if found is None:
            continue
        problems.append(t("{field} holds {code}, half of a UTF-16 surrogate pair alone, which is no character",
                          field=label(name), code=f"U+{ord(found.group()):04X}"))
        values[name] = printable(value)  # the other reasons quote it, and they reach the terminal
        out.pop(name, None)


def printable(text: str) -> str:
    """`text` with its lone surrogates as U+FFFD: it can be printed and written."""
    return _SURROGATE.sub("\ufffd", text)


def check_row(row: Row, raw: dict[str, object], default_source: str) -> None:
    """Fill `row.fields` from the raw values by field, or `row.problems` with why not."""
    values: dict[str, str] = {}
    out: dict[str, object] = {}
    problems = row.problems
    for name, cell in raw.items():  # one pass: this runs 100,000 times in a big import
        value = cell_text(cell)
        if not value:
            continue
        values[name] = value
        if name in _OWN_CHECKS:
            continue
        limit = _LIMITS.get(name)
        if limit and len(value) > limit:
            problems.append(t("{field} is longer than {n} characters", field=label(name), n=limit))
            continue
        out[name] = value
    if not _storable(values):
        _reject_surrogates(values, out, problems)
    if values.get("mobile"):
        mobile = mobile_of(values["mobile"])
        if mobile is None:
            problems.append(t("mobile {value} is not a mainland mobile (11 digits starting with 1)",
                              value=values["mobile"]))
        else:
            out["mobile"] = mobile
    if values.get("email"):
        email = email_of(values["email"])
        if email is None:
            problems.append(t("email {value} is not an email address (one @ and a dot after it)",
                              value=values["email"]))
        else:
            out["email"] = email
    if not any(values.get(name) for name in ("contact", "mobile", "email", "company")):
        problems.append(t("no contact, mobile, email or company: a lead needs one of them"))
    raw_date = raw.get("submitted_at")
    if not is_blank(raw_date):
        when = date_of(raw_date)
        if when is None:
            problems.append(t("submit date {value} is not a date such as 2026-11-22 or 2026-11-22 09:30",
                              value=cell_text(raw_date)))
        else:
            out["submitted_at"] = when
    out["source"] = default_source
    if values.get("source"):
        source = source_of(values["source"])
        if source is None:
            problems.append(t("source {value} is unknown: one of {choices}", value=values["source"],
                              choices=", ".join(SOURCES)))
        else:
            out["source"] = source
    row.fields = out
    if problems:
        row.outcome = "reject"


# ----------------------------------------------------------------------------- duplicates


def _find_in_file(rows: Sequence[Row], unit: str) -> None:
    """A row repeating the order number, mobile or email of an earlier good row."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.outcome == "reject":
            continue
        keys = _keys(row)
        first = next(((what, seen[(what, key)]) for what, key in keys if (what, key) in seen), None)
        if first is not None:
            what, number = first
            row.problems.append(t("the same {what} as {unit} {n} of this file", what=t(_KEY_WORDS[what]),
                                  unit=t(unit), n=number))
            row.outcome = "reject"
            continue
        for key in keys:
            seen.setdefault(key, row.number)


_KEY_WORDS = {"order_no": "order number", "mobile": "mobile", "email": "email"}


def _keys(row: Row) -> list[tuple[str, str]]:
    if row.keys is not None:
        return row.keys
    keys = []
    if row.fields.get("order_no"):
        keys.append(("order_no", str(row.fields["order_no"])))
    if row.fields.get("mobile"):
        keys.append(("mobile", str(row.fields["mobile"])))
    if row.fields.get("email"):
        keys.append(("email", email_key(str(row.fields["email"]))))
    row.keys = keys
    return keys


def _existing(session, rows: Sequence[Row], *, by_contact: bool):  # noqa: ANN001, ANN202
    """lead ids by ("order_no" | "mobile" | "email", key) among the existing leads.

    Order numbers are unique, so they are looked up (trash included: the number is
    taken). Mobiles are stored as people typed them (`138 0013 8000`, `+86…`), so the
    leads' mobiles and emails are read once and normalised here: one pass over the
    table, whatever the number of rows; trashed leads do not count.
    """
    found: dict[tuple[str, str], int] = {}
    trashed: set[int] = set()
    numbers = sorted({str(r.fields["order_no"]) for r in rows if r.outcome != "reject" and r.fields.get("order_no")})
    for start in range(0, len(numbers), 500):
        for lead_id, order_no, deleted in session.execute(
                select(Lead.id, Lead.order_no, Lead.deleted_at).where(Lead.order_no.in_(numbers[start:start + 500]))):
            found[("order_no", order_no)] = lead_id
            if deleted is not None:
                trashed.add(lead_id)
    if not by_contact or not any(r.fields.get("mobile") or r.fields.get("email") for r in rows):
        return found, trashed
    wanted = {key for r in rows if r.outcome != "reject" for key in _keys(r)}
    stmt = (select(Lead.id, Lead.mobile, Lead.email)
            .where(Lead.deleted_at.is_(None), or_(Lead.mobile != "", Lead.email != "")).order_by(Lead.id))
    for lead_id, mobile, email in session.execute(stmt.execution_options(yield_per=20_000)):
        if mobile:
            key = ("mobile", mobile_of(mobile) or digits(mobile))
            if key in wanted:
                found.setdefault(key, lead_id)
        if email:
            key = ("email", email_key(email))
            if key in wanted:
                found.setdefault(key, lead_id)
    return found, trashed


def _plan_duplicates(session, store: Store, rows: Sequence[Row], on_duplicate: str) -> None:  # noqa: ANN001
    """Mark the rows that repeat an existing lead: skip, merge, or (keep) go in anyway."""
    found, trashed = _existing(session, rows, by_contact=on_duplicate != "keep")
    matches: dict[int, tuple[Row, str]] = {}
    for row in rows:
        if row.outcome == "reject":
            continue
        hit = next(((what, found[(what, key)]) for what, key in _keys(row) if (what, key) in found), None)
        if hit is None:
            continue
        what, lead_id = hit
        if lead_id in trashed:
            row.problems.append(t("order number {order_no} belongs to a lead in the trash",
                                  order_no=row.fields["order_no"]))
            row.outcome = "reject"
            continue
        if on_duplicate == "keep" and what != "order_no":
            continue
        row.target = lead_id
        matches[row.number] = (row, what)
    if not matches:
        return
    ids = sorted({row.target for row, _ in matches.values() if row.target is not None})
    standing = Standing(session, store.actor, ids)
    leads: dict[int, Lead] = {}
    for start in range(0, len(ids), 2000):
        for lead in session.scalars(select(Lead).where(id_in(Lead.id, tuple(ids[start:start + 2000])))):
            leads[lead.id] = lead
    for row, what in matches.values():
        lead = leads.get(row.target or 0)
        role = standing.role(lead) if lead is not None else None
        same = t(_KEY_WORDS[what])
        if what != "order_no" and (role is None or standing.masked(lead, role)):  # type: ignore[arg-type]
            # A lead the importer may not see (or sees masked) is not theirs to learn of:
            # a row with its mobile or email goes in as a lead of its own, as if it were
            # not there, so that an import (a dry run) cannot test whose number it is.
            row.target = None
            continue
        if role is None:  # an order number is unique: taken is taken, whoever holds it
            row.problems.append(t("skipped: an existing lead has the same {what}", what=same))
            row.outcome = "skip"
        elif on_duplicate == "merge" and role in _MAY_MERGE:
            row.outcome = "merge"
        elif on_duplicate == "merge":
            row.problems.append(t("skipped: lead {order_no} has the same {what}, and you may not change it",
                                  order_no=lead.order_no, what=same))  # type: ignore[union-attr]
            row.outcome = "skip"
        else:
            row.problems.append(t("skipped: lead {order_no} has the same {what}", order_no=lead.order_no,
                                  what=same))  # type: ignore[union-attr]
            row.outcome = "skip"


# ----------------------------------------------------------------------------- the pool


def _target_pool(store: Store, pool: str | int | None) -> tuple[int | None, str]:
    """(pool id, name) the import goes into, after the permission check. No pool
    given: the default pool (None when there is none yet: intake makes it)."""
    from leadtui.store.pools.settings import find_pool

    with store.db.read() as session:
        if pool is not None and str(pool).strip():
            found = find_pool(session, pool, "lead")
        else:
            found = session.scalar(select(Pool).where(Pool.kind == "lead", Pool.is_default.is_(True)))
        name = found.name if found is not None else "Default"
        if store.actor.is_admin:
            return (found.id if found else None), name
        admins = set() if found is None else set(session.scalars(
            select(PoolAdmin.user_id).where(PoolAdmin.pool_id == found.id)))
        if store.actor.id not in admins:
            raise Refused("Only an admin or an admin of pool {pool} may import leads into it", pool=name)
        return found.id, name  # type: ignore[union-attr]


def _check_options(on_duplicate: str, choices: tuple[str, ...], source: str | None) -> str:
    if on_duplicate not in choices:
        raise Invalid("--on-duplicate is one of {choices}, not {value}", choices=", ".join(choices),
                      value=on_duplicate)
    if source is None or not str(source).strip():
        return "intent"
    found = source_of(source)
    if found is None:
        raise Invalid("Unknown source {source}: one of {choices}", source=source, choices=", ".join(SOURCES))
    return found


# ----------------------------------------------------------------------------- writing


@dataclass
class _Outcome:
    imported: int = 0
    merged: int = 0
    assigned: int = 0
    error: str = ""


def _write(store: Store, rows: Sequence[Row], pool_id: int | None, reason: str, unit: str,
           progress: Progress | None) -> _Outcome:
    """The new and merged rows, BATCH at a time, one transaction each."""
    todo = [r for r in rows if r.outcome in ("new", "merge")]
    given = {str(r.fields["order_no"]) for r in todo if r.outcome == "new" and r.fields.get("order_no")}
    result = _Outcome()
    batch_id = audit.new_batch_id()
    if progress is not None:
        progress("write", 0, len(todo))
    for start in range(0, len(todo), BATCH):
        chunk = todo[start:start + BATCH]
        fresh = [r for r in chunk if r.outcome == "new"]
        merges = [r for r in chunk if r.outcome == "merge"]
        try:
            with store.db.write() as session:
                ids = intake.add_leads(session, [r.fields for r in fresh], pool_id=pool_id, actor_id=store.actor.id,
                                       batch_id=batch_id, reason=reason, taken=given)
                filled = intake.fill_leads(session, [(r.target, r.fields) for r in merges if r.target],
                                           actor_id=store.actor.id, batch_id=batch_id, reason=reason)
                assigned = _count_assigned(session, ids)
                if pool_id is None and ids:
                    pool_id = session.scalar(select(Lead.pool_id).where(Lead.id == ids[0]))
        except Exception as exc:  # noqa: BLE001 - the import stops there, saying what went in
            message = str(exc) if isinstance(exc, StoreError) else str(getattr(exc, "orig", None) or exc)
            result.error = t("stopped at {unit} {n}: {error}", unit=t(unit), n=chunk[0].number, error=message)
            for row in todo[start:]:
                row.problems.append(t("not imported: {error}", error=message))
                row.outcome = "reject"
            return result
        for row in merges:
            if row.target not in filled:  # the lead went away meanwhile (purged, trashed)
                row.problems.append(t("not merged: the lead it repeats was deleted meanwhile"))
                row.outcome = "reject"
        result.imported += len(ids)
        result.merged += sum(1 for r in merges if r.outcome == "merge")
        result.assigned += assigned
        if progress is not None:
            progress("write", start + len(chunk), len(todo))
    return result


def _count_assigned(session, ids: list[int]) -> int:  # noqa: ANN001
    count = 0
    for start in range(0, len(ids), 2000):
        count += session.scalar(select(func.count()).select_from(Lead).where(
            id_in(Lead.id, tuple(ids[start:start + 2000])), Lead.owner_id.is_not(None))) or 0
    return count


def default_rejects_path(path: str | os.PathLike[str]) -> Path:
    """Beside the file: leads.xlsx -> leads.rejects.xlsx (the next import of it overwrites)."""
    source = Path(path).expanduser()
    return source.with_name(f"{source.stem}.rejects{source.suffix.lower()}")


def _write_rejects(target: Path, headers: Sequence[object], rows: Sequence[Row]) -> None:
    """The rows as read, and after the widest of them the reason (a value right of the
    last header keeps its place, under a blank header)."""
    kept = [row for row in rows if row.outcome in ("reject", "skip")]
    width = max([len(headers), *(len(row.cells) for row in kept)])
    out = [[*row.cells, *[None] * (width - len(row.cells)), t("row {n}: {reason}", n=row.number, reason=row.reason)]
           for row in kept]
    fmt = format_of(target) or "csv"
    try:
        write_table(target, fmt, [*headers, *[""] * (width - len(headers)), REASON_HEADER], out, len(out))
    except OSError as exc:
        raise Refused("Cannot write the rejects file {path}: {error}; nothing was imported", path=str(target),
                      error=exc.strerror or str(exc)) from None


def _rejects_target(rejects: str | os.PathLike[str] | None, path: str | os.PathLike[str]) -> Path:
    target = Path(rejects).expanduser() if rejects else default_rejects_path(path)
    if format_of(target) is None:
        raise Invalid("The rejects file ends in .xlsx or .csv, not {name}", name=target.name)
    if not target.parent.is_dir():
        raise Invalid("There is no folder {folder}", folder=str(target.parent))
    if target.resolve() == Path(path).expanduser().resolve():
        raise Invalid("The rejects file cannot be the file being imported")
    return target


def _result(origin: str, pool: str, dry_run: bool, on_duplicate: str, rows: Sequence[Row], outcome: _Outcome,
            blank: int, columns: Sequence[str], unknown: Sequence[str], rejects: Path | None, unit: str,
            ) -> ImportResult:
    count = {k: sum(1 for r in rows if r.outcome == k) for k in ("new", "merge", "skip", "reject")}
    problems = tuple(ImportProblem(r.number, r.reason, "skipped" if r.outcome == "skip" else "rejected")
                     for r in rows if r.outcome in ("reject", "skip"))
    imported = count["new"] if dry_run else outcome.imported
    merged = count["merge"] if dry_run else outcome.merged
    return ImportResult(origin, pool, dry_run, on_duplicate, len(rows), imported, merged, count["skip"],
                        count["reject"], outcome.assigned, blank, tuple(columns), tuple(unknown), problems,
                        str(rejects) if rejects is not None else None, outcome.error, unit)


# ----------------------------------------------------------------------------- import


def import_leads(store: Store, path: str | os.PathLike[str], *, pool: str | int | None = None,
                 source: str | None = None, on_duplicate: str = "skip", dry_run: bool = False,
                 rejects: str | os.PathLike[str] | None = None, progress: Progress | None = None,
                 encoding: str | None = None) -> ImportResult:
    """Import the leads of an xlsx or csv file into a pool (default: the default
    pool). `source` is the source of rows that name none (default intent); `encoding`
    the csv's, when it is neither UTF-8 nor GB18030 (import_read.decode)."""
    default_source = _check_options(on_duplicate, ON_DUPLICATE, source)
    pool_id, pool_name = _target_pool(store, pool)
    checked_format(path)
    target = _rejects_target(rejects, path) if (rejects or not dry_run) else None
    table = read_table(path, progress, encoding)
    columns = map_columns(table.headers)
    _refuse_repeated(Path(table.path).name, columns)
    if not columns.found:
        raise Invalid("{name} has no column of a lead field (such as contact, mobile, email, company or "
                      "联系人, 手机, 邮箱, 企业名称); its header row holds: {headers}", name=Path(table.path).name,
                      headers=", ".join(str(h) for h in table.headers if not is_blank(h))[:300])
    width = len(table.headers)
    rows = []
    if progress is not None:
        progress("check", 0, len(table.rows))
    for i, (number, cells) in enumerate(table.rows, 1):
        row = Row(number, cells)
        extra = [c for c in cells[width:] if not is_blank(c)]
        if extra:
            row.problems.append(t("{n} value(s) right of the last column, under no header", n=len(extra)))
        check_row(row, {name: cells[i] if i < len(cells) else None for i, name in columns.by_index.items()},
                  default_source)
        if extra:
            row.outcome = "reject"
        rows.append(row)
        if progress is not None and i % 5000 == 0:
            progress("check", i, len(table.rows))
    _find_in_file(rows, "row")
    with store.db.read() as session:
        _plan_duplicates(session, store, rows, on_duplicate)
    has_rejects = any(r.outcome in ("reject", "skip") for r in rows)
    if target is not None and has_rejects:
        _write_rejects(target, table.headers, rows)
    outcome = _Outcome()
    if not dry_run:
        before = sum(1 for r in rows if r.outcome in ("reject", "skip"))
        outcome = _write(store, rows, pool_id, t("import of {name}", name=Path(table.path).name), "row", progress)
        if target is not None and sum(1 for r in rows if r.outcome in ("reject", "skip")) != before:
            _write_rejects(target, table.headers, rows)  # rows the database refused join the file
    written = target if target is not None and any(r.outcome in ("reject", "skip") for r in rows) else None
    return _result(table.path, pool_name, dry_run, on_duplicate, rows, outcome, table.blank, columns.found,
                   columns.unknown, written, "row")


# ----------------------------------------------------------------------------- intake


def ingest_leads(store: Store, lines: Iterable[str | bytes], *, pool: str | int | None = None,
                 source: str | None = None,
                 on_duplicate: str = "keep", dry_run: bool = False,
                 progress: Progress | None = None) -> ImportResult:
    """Intake from web forms and scripts: one JSON object per line, its keys the
    field names (or the labels an import header may use), `source` among them or
    given here. A bad line is reported with its number; the good ones go in. By
    default a lead repeating an existing one's mobile or email is kept (a second
    inquiry is news); `on_duplicate` skip or merge treat it as an import does."""
    default_source = _check_options(on_duplicate, INGEST_ON_DUPLICATE, source)
    pool_id, pool_name = _target_pool(store, pool)
    rows: list[Row] = []
    unknown: dict[str, None] = {}
    found: dict[str, None] = {}
    blank = 0
    for number, given in enumerate(lines, 1):
        line = given
        if isinstance(given, bytes):
            try:
                line = given.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                row = Row(number, [given.decode("utf-8", "replace").rstrip("\r\n")])
                row.problems.append(t("not UTF-8 text"))
                row.outcome = "reject"
                rows.append(row)
                continue
        assert isinstance(line, str)
        if not line.strip():
            blank += 1
            continue
        row = Row(number, [line.rstrip("\r\n")])
        rows.append(row)
        try:
            data = json.loads(line)
        except ValueError as exc:
            row.problems.append(t("not JSON: {error}", error=printable(str(exc))))
            row.outcome = "reject"
            continue
        except RecursionError:  # [[[[… deeper than Python's stack, in a line of 4 KB
            row.problems.append(t("not JSON: {error}", error=t("nested too deeply")))
            row.outcome = "reject"
            continue
        if not isinstance(data, dict):
            row.problems.append(t("not a JSON object with the lead's fields"))
            row.outcome = "reject"
            continue
        raw: dict[str, object] = {}
        for key, value in data.items():
            name = HEADERS.get(header_key(key))
            if name is None:
                unknown.setdefault(printable(str(key)))
                continue
            if isinstance(value, (dict, list)):
                row.problems.append(t("{field} holds a list or an object, not a value", field=printable(key)))
                continue
            if name in raw:
                row.problems.append(t("{field} is given twice", field=name))
            found.setdefault(name)
            raw[name] = value
        check_row(row, raw, default_source)
        if row.problems:
            row.outcome = "reject"
        if progress is not None and number % 5000 == 0:
            progress("check", number, 0)
    if not rows:
        raise Invalid("No lead to take in: the input is empty")
    if on_duplicate == "keep":
        _order_numbers_in_file(rows)
    else:
        _find_in_file(rows, "line")
    with store.db.read() as session:
        _plan_duplicates(session, store, rows, on_duplicate)
    outcome = _Outcome()
    if not dry_run:
        outcome = _write(store, rows, pool_id, t("intake"), "line", progress)
    return _result("-", pool_name, dry_run, on_duplicate, rows, outcome, blank, tuple(found), tuple(unknown),
                   None, "line")


def _order_numbers_in_file(rows: Sequence[Row]) -> None:
    """Kept duplicates still cannot share an order number."""
    seen: dict[str, int] = {}
    for row in rows:
        number = str(row.fields.get("order_no") or "")
        if row.outcome == "reject" or not number:
            continue
        if number in seen:
            row.problems.append(t("the same {what} as {unit} {n} of this file", what=t("order number"),
                                  unit=t("line"), n=seen[number]))
            row.outcome = "reject"
        else:
            seen[number] = row.number

