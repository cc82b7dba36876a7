"""Export (SPEC 7): what a list shows, or its marked rows, to xlsx or csv, at most
2,000 rows at a time; and the call records of marked leads.

What a user may export is what they may see: the rows come from the same list
functions as the screens (`list_leads`, `list_customers`), which apply the
permissions; explicit ids only narrow that list. Batches follow the list's sort
order (ties broken by id), so batch k is rows 2000(k-1)+1 … 2000k of the list and
no row falls between two batches. The writing itself is `leadtui.files.write`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import not_, select

from leadtui.display import cell
from leadtui.files.write import EXPORT_LIMIT, ExportResult, Progress, format_of, write_table
from leadtui.i18n import label, t
from leadtui.store.access import masked_for
from leadtui.store.errors import Invalid, Refused
from leadtui.store.fields import CUSTOMER_COLUMNS, DEFAULT_COLUMNS, LEAD_COLUMNS, SEARCH_FIELDS
from leadtui.store.leads import lists as leads
from leadtui.store.models import FollowUp, Lead, User
from leadtui.store.records import CustomerQuery, LeadQuery

if TYPE_CHECKING:
    from leadtui.store.service import Store

_PAGE = 500

CALL_FIELDS: tuple[str, ...] = ("order_no", "contact", "at", "author", "duration_s", "outcome", "text")
# What a refusal counts, shown in the reader's language.
WHAT = {"lead": "leads", "customer": "customers", "call": "call records"}
_CALL_HEADERS = {"at": "When", "author": "By", "duration_s": "Duration (s)", "outcome": "Outcome", "text": "Text"}


def export_fields(query: LeadQuery | CustomerQuery) -> tuple[str, ...]:
    """Every field the query's records can export, in their usual order."""
    return ("id", *(LEAD_COLUMNS if isinstance(query, LeadQuery) else CUSTOMER_COLUMNS))


def batch_count(total: int) -> int:
    return max(1, math.ceil(total / EXPORT_LIMIT))


def header(field: str) -> str:
    if field == "id":
        return "ID"
    if field in _CALL_HEADERS:
        return t(_CALL_HEADERS[field])
    return label(field)


_AS_STORED = frozenset(SEARCH_FIELDS) | {"name", "nickname", "external_id", "message"}


def _value(field: str, value: object) -> object:
    """Dates, numbers and empties stay as they are; the rest reads as on the screen."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if hasattr(value, "year"):  # date or datetime
        return value
    return cell(field, value)


def _check_target(path: str | os.PathLike[str], fmt: str | None) -> tuple[Path, str]:
    target = Path(path).expanduser()
    chosen = format_of(target, fmt)
    if chosen is None:
        raise Invalid("Export to a file ending in .xlsx or .csv, not {name}", name=target.name or str(path))
    if not target.parent.is_dir():
        raise Invalid("There is no folder {folder}", folder=str(target.parent))
    if target.is_dir():
        raise Invalid("{path} is a folder: give a file name", path=str(target))
    return target, chosen


def _window(total: int, batch: int | None, what: str) -> tuple[int, int]:
    """(batch, offset) after the 2,000-row rule."""
    batches = batch_count(total)
    if batch is None:
        if total > EXPORT_LIMIT:
            raise Refused("{total} {what} match, more than the {limit} one export holds: export them in {batches} "
                          "batches (batch 1 to {batches})", total=f"{total:,}", what=t(WHAT[what]),
                          limit=f"{EXPORT_LIMIT:,}", batches=batches)
        batch = 1
    if not 1 <= batch <= batches:
        raise Invalid("There are {batches} batch(es) of {limit} rows: choose 1 to {batches}, not {batch}",
                      batches=batches, limit=f"{EXPORT_LIMIT:,}", batch=batch)
    return batch, (batch - 1) * EXPORT_LIMIT


def _write(target: Path, fmt: str, fields: Sequence[str], rows: Iterable[Sequence[object]], total: int,
           progress: Progress | None) -> tuple[int, tuple[int, ...]]:
    try:
        return write_table(target, fmt, [header(f) for f in fields], rows, total, progress)
    except OSError as exc:
        raise Refused("Cannot write {path}: {error}", path=str(target), error=exc.strerror or str(exc)) from None


def export_records(store: Store, query: LeadQuery | CustomerQuery, path: str | os.PathLike[str],
                   fields: Sequence[str] | None = None, fmt: str | None = None, batch: int | None = None,
                   ids: Iterable[int] | None = None, progress: Progress | None = None) -> ExportResult:
    """Write the rows `query` shows (or only `ids` among the rows its screen shows) to
    `path`: at most EXPORT_LIMIT rows, `batch` k being rows 2000(k-1)+1… in the query's
    sort order. `fields` default to the screen's default columns."""
    is_lead = isinstance(query, LeadQuery)
    target, fmt = _check_target(path, fmt)
    allowed = export_fields(query)
    kind = query.screen if is_lead else ("sea" if query.scope == "sea" else "mine")  # type: ignore[union-attr]
    fields = tuple(fields) if fields else DEFAULT_COLUMNS.get(kind, allowed[1:9])
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise Invalid("Unknown field(s) {fields}: choose from {choices}", fields=", ".join(unknown),
                      choices=", ".join(allowed))
    if ids is not None:
        wanted = tuple(sorted({int(i) for i in ids}))
        if not wanted:
            raise Invalid("Nothing to export: no rows marked")
        # The marked rows among what the screen may show, whatever the search says now.
        query = _scope_only(query, wanted)
    count = store.count_leads if is_lead else store.count_customers
    fetch = store.list_leads if is_lead else store.list_customers
    total = count(query)
    what = "lead" if is_lead else "customer"
    batch, offset = _window(total, batch, what)
    size = min(EXPORT_LIMIT, max(0, total - offset))

    # The 17 lead fields (and names, phones… of customers) are text as stored: only the
    # others are read as the screen shows them (a source's name, a status, a tick).
    formatted = {f for f in fields if f not in _AS_STORED}

    def rows() -> Iterable[list[object]]:
        got = 0
        while got < size:
            page = fetch(query, offset + got, min(_PAGE, size - got))
            if not page:
                return  # rows went away meanwhile (claimed, deleted by someone else)
            for record in page:
                yield [record.id if f == "id" else _value(f, record.get(f)) if f in formatted
                       else record.get(f) for f in fields]
            got += len(page)

    written, cut = _write(target, fmt, fields, rows(), size, progress)
    return ExportResult(str(target), fmt, written, total, batch, batch_count(total), tuple(fields), cut)


def _scope_only(query: LeadQuery | CustomerQuery, ids: tuple[int, ...]) -> LeadQuery | CustomerQuery:
    if isinstance(query, LeadQuery):
        return LeadQuery(screen=query.screen, pool_id=query.pool_id, sort=query.sort, descending=query.descending,
                         ids=ids)
    return CustomerQuery(scope=query.scope, sea_id=query.sea_id, sort=query.sort, descending=query.descending,
                         ids=ids)


def visible_lead_ids(store: Store, ids: Iterable[int]) -> list[int]:
    """The ids among `ids` of leads the user may see (on All Leads or Converted)."""
    wanted = tuple(sorted({int(i) for i in ids}))
    if not wanted:
        return []
    seen = set(store.lead_ids(LeadQuery(screen="all", ids=wanted)))
    seen.update(store.lead_ids(LeadQuery(screen="converted", ids=wanted)))
    return sorted(seen)


def export_calls(store: Store, ids: Iterable[int], path: str | os.PathLike[str], fmt: str | None = None,
                 batch: int | None = None, progress: Progress | None = None) -> ExportResult:
    """The call records (follow-ups of kind call) of the given leads the user may see
    whole (none of a lead they see masked, SPEC 3), lead by lead (by order number),
    oldest call first."""
    target, fmt = _check_target(path, fmt)
    visible = visible_lead_ids(store, ids)
    if not visible:
        raise Invalid("Nothing to export: none of these leads is yours to see")
    stmt = (select(Lead.order_no, Lead.contact, FollowUp.created_at, User.login, FollowUp.duration_s,
                   FollowUp.outcome, FollowUp.text)
            .join(Lead, Lead.id == FollowUp.lead_id).join(User, User.id == FollowUp.author_id)
            .where(leads.id_in(FollowUp.lead_id, tuple(visible)), FollowUp.kind == "call")
            .order_by(Lead.order_no, FollowUp.created_at, FollowUp.id))
    with store.db.read() as session:
        masked = masked_for(session, store.actor)
        if masked is not None:
            stmt = stmt.where(not_(masked))
        calls = [list(r) for r in session.execute(stmt)]
    total = len(calls)
    batch, offset = _window(total, batch, "call")
    chosen = calls[offset:offset + EXPORT_LIMIT]
    written, cut = _write(target, fmt, CALL_FIELDS, chosen, len(chosen), progress)
    return ExportResult(str(target), fmt, written, total, batch, batch_count(total), CALL_FIELDS, cut)

