"""Lead lists, detail and follow-ups (SPEC 2.3, 2.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from leadtui import clock
from leadtui.store.access import (
    MASKED_SHOWN,
    Actor,
    PoolAccess,
    Standing,
    masked_event,
    masked_leads,
    masked_values,
    pool_access,
    visible_leads,
)
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.fields import FOLLOWUP_KINDS, LEAD_COLUMNS, LEAD_STATUSES, SEARCH_FIELDS, SOURCES
from leadtui.store.models import Customer, FollowUp, Lead, Pool, User
from leadtui.store.pools.holding import extended_protection
from leadtui.store.records import FollowUpRecord, LeadDetail, LeadQuery, LeadRow
from leadtui.store.search.engine import _like_escape, corrections, ids_in, match, normalize, plan
from leadtui.store.search.index import GramCache

if TYPE_CHECKING:
    from leadtui.store.service import Store

Owner = aliased(User, name="owner_user")
PreviousOwner = aliased(User, name="previous_owner_user")

# Column key -> the SQL expression it shows and sorts by.
_EXPRESSIONS: dict[str, Any] = {name: getattr(Lead, name) for name in SEARCH_FIELDS}
_EXPRESSIONS.update({
    "source": Lead.source, "status": Lead.status, "pool": Pool.name, "owner": Owner.name,
    "submitted_at": Lead.submitted_at, "assigned_at": Lead.assigned_at,
    "last_followup_at": Lead.last_followup_at, "converted_at": Lead.converted_at,
    "customer": Customer.name, "tags": Lead.tags, "message": Lead.message,
    # Days of protection left (SPEC 5): the query gives protect_until where the
    # recycle rule (store/rules.py) applies — assigned, and not a lead its owner made
    # in a pool that keeps those — so it sorts by it; `_row` counts the days.
    "days_left": case((and_(Lead.status == "assigned", or_(
        Pool.recycle_own_created.is_(True), Lead.created_by_id.is_(None), Lead.created_by_id != Lead.owner_id)),
        Lead.protect_until)),
})
assert set(_EXPRESSIONS) == set(LEAD_COLUMNS)

# Sort columns that can be empty (converted_at is left out: its index gives the
# Converted list its order, and that list holds no lead without it).
_NULLABLE_SORTS = {"owner", "customer", "assigned_at", "last_followup_at", "days_left"}
# Sorts an index serves (ix_leads_submitted, ix_leads_converted): a page walks it.
_INDEXED_SORTS = {"submitted_at", "converted_at"}

PERIODS = {"today", "7d", "30d"}


def _period_start(period: str) -> datetime:
    now = clock.now()
    if period == "today":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "7d":
        return now - timedelta(days=7)
    if period == "30d":
        return now - timedelta(days=30)
    raise Invalid("Unknown period {period}: use today, 7d or 30d", period=period)


def _conditions(session: Session, actor: Actor, query: LeadQuery,
                access: PoolAccess | None = None) -> list[ColumnElement[bool]]:
    """Everything the list asks of a lead but the keyword (see `_Keyword`). None of
    the filters tests a value a masked lead hides (SPEC 3): submit time, source,
    status, pool, and the owner, which an unclaimed lead has none of."""
    if query.screen == "trash":
        if not actor.is_admin:
            raise Refused("Only an admin may see the trash")
        conds: list[ColumnElement[bool]] = [Lead.deleted_at.is_not(None)]
    else:
        conds = [Lead.deleted_at.is_(None), visible_leads(session, actor, access)]
    if query.screen == "converted":
        conds.append(Lead.status == "converted")
    elif query.screen == "all":
        conds.append(Lead.status != "converted")
    elif query.screen == "pool":
        if query.pool_id is None:
            raise Invalid("Choose a pool")
        conds.append(Lead.pool_id == query.pool_id)
    elif query.screen != "trash":
        raise Invalid("Unknown screen {screen}", screen=query.screen)
    if query.pool_id is not None and query.screen != "pool":
        conds.append(Lead.pool_id == query.pool_id)
    if query.owner == "-":
        conds.append(Lead.owner_id.is_(None))
    elif query.owner:
        owner_id = session.scalar(select(User.id).where(User.login == query.owner))
        if owner_id is None:
            raise NotFound("There is no user {login}", login=query.owner)
        conds.append(Lead.owner_id == owner_id)
    if query.period:
        conds.append(Lead.submitted_at >= _period_start(query.period))
    if query.since:
        conds.append(Lead.submitted_at >= query.since)
    if query.until:
        conds.append(Lead.submitted_at <= query.until)
    for value in query.sources:
        if value not in SOURCES:
            raise Invalid("Unknown source {source}: one of {choices}", source=value, choices=", ".join(SOURCES))
    if query.sources:
        conds.append(Lead.source.in_(query.sources))
    for value in query.statuses:
        if value not in LEAD_STATUSES:
            raise Invalid("Unknown status {status}: one of {choices}", status=value,
                          choices=", ".join(LEAD_STATUSES))
    if query.statuses:
        conds.append(Lead.status.in_(query.statuses))
    if query.ids is not None:
        conds.append(id_in(Lead.id, query.ids))
    return conds


id_in = ids_in  # marked rows (export), customers too: the ids go into the SQL as ints


def _masked(actor: Actor, access: PoolAccess | None, query: LeadQuery) -> ColumnElement[bool] | None:
    """The leads of this list the actor sees masked (access.masked_leads), or None
    when the list can hold none: only pooled leads are masked, and none in the trash."""
    if query.screen in ("converted", "trash") or (query.statuses and "pooled" not in query.statuses):
        return None
    return masked_leads(actor, access, query.pool_id)


def found_by(masked: ColumnElement[bool] | None, clause: ColumnElement[bool], text: str) -> ColumnElement[bool]:
    """A keyword's hits: `clause`, and of the masked leads only those whose order
    number holds the keyword (SPEC 3), case-insensitively like the rest.

    The order number is one of the fields `clause` searches, so its hits are among
    `clause`'s: ANDed (not ORed) the search keeps its plan (the index's candidates
    first), and the test costs a look at each candidate — 5 ms, where an OR scanned
    a member's pools (150 ms at 200,000 leads)."""
    if masked is None:
        return clause
    pattern = f"%{_like_escape(normalize(text))}%"
    return and_(clause, or_(not_(masked), func.lower(Lead.order_no).like(pattern, escape="\\")))


def _joined(stmt: Select[Any]) -> Select[Any]:
    return (stmt.join(Pool, Pool.id == Lead.pool_id)
            .outerjoin(Owner, Owner.id == Lead.owner_id)
            .outerjoin(Customer, Customer.id == Lead.customer_id))


def days_left(protect_until: datetime | None) -> int | None:
    """Whole days of protection left: 2 at 2 days 3 hours, 0 on the last day — and 0
    once it has passed (the next rules run takes the record back). None: no end."""
    if protect_until is None:
        return None
    return max(0, (protect_until - clock.now()).days)


def _row(mapping: Any, query_text: str = "", exact: bool | None = None, score: int | None = None) -> LeadRow:
    values = {key: mapping[key] for key in LEAD_COLUMNS}
    values["days_left"] = days_left(values["days_left"])
    if mapping.get("masked"):  # the column is there only when the list may hold masked leads
        values = masked_values(values)
        found = match({"order_no": values["order_no"]}, query_text) if query_text else None
    else:
        found = match(values, query_text) if query_text else None
    return LeadRow(mapping["id"], values, found[0] if found else None,
                   found[1:] if found and found[2] > found[1] else None, exact, score)


def _row_select(masked: ColumnElement[bool] | None = None) -> Select[Any]:
    columns = [expr.label(key) for key, expr in _EXPRESSIONS.items()]
    if masked is not None:
        columns.append(masked.label("masked"))
    return _joined(select(Lead.id, *columns))


# Forgiving hits follow the exact ones only while those fill less than a page: past
# that nobody scrolls to the end for a typo's neighbours.
FUZZY_BELOW = 100
_FUZZY_PER_CORRECTION = 50
_FUZZY_MAX = 200
_FRUITFUL_ENOUGH = 3


class _Keyword:
    """The list's keyword in one read transaction: the exact hits' plan, and the
    forgiving hits (computed when first needed, then kept for the transaction)."""

    def __init__(self, session: Session, base: list[ColumnElement[bool]], text: str,
                 masked: ColumnElement[bool] | None = None) -> None:
        self.session, self.base, self.text, self.masked = session, base, text, masked
        self.grams = GramCache()
        self.plan = plan(session, text, self.grams)
        self.exact = None if self.plan is None else found_by(masked, self.plan.clause(), text)
        self._forgiving: list[tuple[int, int, str]] | None = None

    @property
    def conditions(self) -> list[ColumnElement[bool]]:
        return self.base if self.exact is None else [*self.base, self.exact]

    def page_conditions(self, walk: bool) -> list[ColumnElement[bool]]:
        """As `conditions`, for a page read in an indexed order (`walk`) or not."""
        if self.plan is None:
            return self.base
        return [*self.base, found_by(self.masked, self.plan.clause(walk=walk), self.text)]

    def count_exact(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Lead).where(*self.conditions)) or 0

    def forgiving(self, exact_hits: int) -> list[tuple[int, int, str]]:
        """(id, score, corrected keyword) of the forgiving hits, best first, ties newest."""
        if self.exact is None or exact_hits >= FUZZY_BELOW:
            return []
        if self._forgiving is None:
            best: dict[int, tuple[int, datetime, str]] = {}
            fruitful = 0
            for corrected, score in corrections(self.session, self.text, exact_hits):
                # The likeliest corrections first; three that find leads are plenty.
                if fruitful >= _FRUITFUL_ENOUGH or len(best) >= _FUZZY_MAX:
                    break
                found = plan(self.session, corrected, self.grams)
                assert found is not None
                # A masked lead is found by its order number only: never by a typo's neighbour.
                seen_whole = [] if self.masked is None else [not_(self.masked)]
                stmt = (select(Lead.id, Lead.submitted_at).where(*self.base, *seen_whole, found.clause(walk=True),
                                                                  not_(self.exact))
                        .order_by(Lead.submitted_at.desc(), Lead.id.desc()).limit(_FUZZY_PER_CORRECTION))
                hits = self.session.execute(stmt).all()
                fruitful += bool(hits)
                for lead_id, submitted in hits:
                    if lead_id not in best or best[lead_id][0] < score:
                        best[lead_id] = (score, submitted, corrected)
            ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1].timestamp(), -kv[0]))
            self._forgiving = [(i, sc, corr) for i, (sc, _, corr) in ranked[:_FUZZY_MAX]]
        return self._forgiving

    def forgiving_rows(self, hits: list[tuple[int, int, str]]) -> list[LeadRow]:
        fetched = _fetch(self.session, [h[0] for h in hits], self.masked)
        return [_row(fetched[i], corrected, False, score) for i, score, corrected in hits if i in fetched]


def _keyword(session: Session, actor: Actor, query: LeadQuery) -> _Keyword:
    """The list's conditions, the leads it shows masked, and its keyword, in one read."""
    access = None if actor.is_admin else pool_access(session, actor)
    return _Keyword(session, _conditions(session, actor, query, access), query.text, _masked(actor, access, query))


def _fetch(session: Session, ids: list[int], masked: ColumnElement[bool] | None = None) -> dict[int, Any]:
    if not ids:
        return {}
    return {m["id"]: m for m in session.execute(_row_select(masked).where(ids_in(Lead.id, ids))).mappings()}


def _rows_in_order(session: Session, ids: list[int], text: str, exact: bool | None,
                   score: int | None, masked: ColumnElement[bool] | None = None) -> list[LeadRow]:
    fetched = _fetch(session, ids, masked)
    return [_row(fetched[i], text, exact, score) for i in ids if i in fetched]


def count_leads(store: Store, query: LeadQuery) -> int:
    """The rows the list shows: the exact hits, and the forgiving ones after them."""
    with store.db.read() as session:
        keyword = _keyword(session, store.actor, query)
        exact = keyword.count_exact()
        return exact + len(keyword.forgiving(exact))


def _sort_key(column: str, masked: ColumnElement[bool] | None) -> Any:
    """What a column sorts by. Masked leads sort as if a hidden value were empty, and
    by the contact's first character (what its mask shows): their order tells nothing
    the row does not."""
    expr = _EXPRESSIONS[column]
    if masked is None or column in MASKED_SHOWN:
        return expr
    return case((masked, func.substr(Lead.contact, 1, 1) if column == "contact" else None), else_=expr)


def _walks(query: LeadQuery, masked: ColumnElement[bool] | None) -> bool:
    """Whether a page reads along the sort column's index (not through a CASE)."""
    return query.sort in _INDEXED_SORTS and (masked is None or query.sort in MASKED_SHOWN)


def _order(query: LeadQuery, backwards: bool = False, masked: ColumnElement[bool] | None = None) -> list[Any]:
    if query.sort not in _EXPRESSIONS:
        raise Invalid("Cannot sort by {column}", column=query.sort)
    sort = _sort_key(query.sort, masked)
    descending = query.descending != backwards
    order = [sort.desc(), Lead.id.desc()] if descending else [sort.asc(), Lead.id.asc()]
    if query.sort in _NULLABLE_SORTS or sort is not _EXPRESSIONS[query.sort]:
        # SQLite puts NULLs first, PostgreSQL last: say it, so both backends show the
        # blanks (no owner, never followed up) at the end, either way, as spreadsheets do
        # (and first when the list is read from its end).
        order[0] = order[0].nulls_first() if backwards else order[0].nulls_last()
    return order


def list_leads(store: Store, query: LeadQuery, offset: int = 0, limit: int = 100,
               total: int | None = None) -> list[LeadRow]:
    """One page of the list, in the query's sort order (ties broken by id); with a
    keyword the exact hits in that order, then the forgiving ones best first.

    `total`, when the caller knows the list's length: a page in the second half is
    read from the end backwards, since OFFSET walks every row it skips (the last
    page of a million leads: 2.5 s forwards, a millisecond backwards)."""
    _order(query)  # an unknown sort column is refused before anything is read
    with store.db.read() as session:
        keyword = _keyword(session, store.actor, query)
        masked = keyword.masked
        # Two steps: the page's ids in order (the sort carries only the id and its key),
        # then those rows with every column.
        ids = _joined(select(Lead.id)).where(*keyword.page_conditions(_walks(query, masked)))
        if keyword.plan is None and total is not None and offset > total // 2:
            limit = min(limit, total - offset)
            if limit <= 0:
                return []
            back = (ids.order_by(*_order(query, backwards=True, masked=masked))
                    .offset(max(0, total - offset - limit)).limit(limit))
            return _rows_in_order(session, list(session.scalars(back))[::-1], "", None, None, masked)
        page = list(session.scalars(ids.order_by(*_order(query, masked=masked)).offset(offset).limit(limit)))
        exact = keyword.exact is not None
        rows = _rows_in_order(session, page, query.text, True if exact else None, 100 if exact else None, masked)
        if not exact or len(rows) == limit:
            return rows
        exact_hits = offset + len(rows) if rows else keyword.count_exact()
        hits = keyword.forgiving(exact_hits)
        start = max(0, offset - exact_hits)
        return rows + keyword.forgiving_rows(hits[start:start + limit - len(rows)])


def lead_ids(store: Store, query: LeadQuery) -> list[int]:
    """Every id the query shows: what `A` marks."""
    with store.db.read() as session:
        keyword = _keyword(session, store.actor, query)
        ids = list(session.scalars(select(Lead.id).where(*keyword.conditions)))
        return ids + [h[0] for h in keyword.forgiving(len(ids))]


def load_standing(session: Session, actor: Actor, lead_id: int) -> tuple[Lead, Standing, str]:
    """The lead, the actor's standing and role on it; NotFound when they may not see it."""
    lead = session.get(Lead, lead_id)
    standing = Standing(session, actor, [lead_id])
    role = standing.role(lead) if lead is not None and lead.deleted_at is None else None
    if lead is None or role is None:
        # Not telling apart "absent" from "not yours" keeps hidden leads hidden.
        raise NotFound("Lead #{id} does not exist or you may not see it", id=lead_id)
    return lead, standing, role


def _load_visible(session: Session, actor: Actor, lead_id: int) -> tuple[Lead, str]:
    lead, _standing, role = load_standing(session, actor, lead_id)
    return lead, role


def lead_detail(store: Store, lead_id: int) -> LeadDetail:
    with store.db.read() as session:
        lead, standing, role = load_standing(session, store.actor, lead_id)
        row = _row(session.execute(_row_select().where(Lead.id == lead_id)).mappings().one())
        if standing.masked(lead, role):
            # SPEC 3: what the list shows of it, no follow-ups, a history without values.
            return LeadDetail(
                row=replace(row, values=masked_values(row.values)), followups=(),
                history=tuple(masked_event(e, store.actor.login) for e in audit.history(session, "lead", lead_id)),
                protect_days_left=None, may_followup=False, may_convert=False, masked=True)
        followups = tuple(
            FollowUpRecord(f.id, f.created_at, login, f.kind, f.text, f.duration_s, f.outcome)
            for f, login in session.execute(
                select(FollowUp, User.login).join(User, User.id == FollowUp.author_id)
                .where(FollowUp.lead_id == lead_id).order_by(FollowUp.created_at.desc(), FollowUp.id.desc()))
        )
        return LeadDetail(
            row=row, followups=followups, history=audit.history(session, "lead", lead_id),
            protect_days_left=row.values["days_left"],  # type: ignore[arg-type]
            may_followup=role in _MAY_FOLLOWUP,
            may_convert=_convert_refusal(lead, role) is None,
        )


_MAY_FOLLOWUP = {"admin", "pool_admin", "owner", "manager", "collaborator"}


def _convert_refusal(lead: Lead, role: str) -> str | None:
    if lead.status == "converted":
        return "already converted"
    if role in ("admin", "pool_admin", "owner", "manager"):
        return None
    return "not allowed"


def add_followup(store: Store, lead_id: int, kind: str, text: str,
                 duration_s: int | None = None, outcome: str = "") -> FollowUpRecord:
    """Process / reply (SPEC 2.4): the first follow-up marks the lead handled; one on
    an assigned lead extends its protection (never past max_protect_days)."""
    if kind not in FOLLOWUP_KINDS:
        raise Invalid("Unknown follow-up kind {kind}: one of {choices}", kind=kind,
                      choices=", ".join(FOLLOWUP_KINDS))
    text = (text or "").strip()
    outcome = (outcome or "").strip()
    if kind == "call":
        if duration_s is not None and duration_s < 0:
            raise Invalid("A call's duration cannot be negative")
        if not text and not outcome:
            raise Invalid("A call needs a text or an outcome")
    else:
        if duration_s is not None or outcome:
            raise Invalid("Only calls have a duration and an outcome")
        if not text:
            raise Invalid("A follow-up needs a text")
    actor = store.actor
    with store.db.write() as session:
        lead, role = _load_visible(session, actor, lead_id)
        if role not in _MAY_FOLLOWUP:
            raise Refused("Only the owner, a collaborator or an admin of pool {pool} may work lead {order_no}; "
                          "claim it first", pool=_pool_name(session, lead), order_no=lead.order_no)
        now = clock.now()
        followup = FollowUp(lead_id=lead.id, author_id=actor.id, kind=kind, text=text,
                            duration_s=duration_s if kind == "call" else None, outcome=outcome, created_at=now)
        session.add(followup)
        before = {"handled": lead.handled, "protect_until": lead.protect_until}
        lead.handled = True
        lead.last_followup_at = now
        _extend_protection(session, lead, now)
        session.flush()
        audit.record(session, actor.id, "followup", "lead", lead.id, before,
                     {"handled": True, "protect_until": lead.protect_until, "kind": kind})
        return FollowUpRecord(followup.id, now, actor.login, kind, text, followup.duration_s, outcome)


def _extend_protection(session: Session, lead: Lead, now: datetime) -> None:
    if lead.status == "assigned":
        lead.protect_until = extended_protection(session.get(Pool, lead.pool_id), lead.assigned_at,
                                                 lead.protect_until, now)


def _pool_name(session: Session, lead: Lead) -> str:
    pool = session.get(Pool, lead.pool_id)
    return pool.name if pool else "?"
