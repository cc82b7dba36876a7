"""Putting new leads into the database: order numbers and the search form.

`lead_values` is the one place a lead's derived columns (order number, normalised
search text) are made, for the demo, intake and import alike; `add_leads` the one
way new leads go in (bulk, with their audit events and the auto-assign rules), and
`fill_leads` the way an import merges into the leads it duplicates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store.audit import trail as audit
from leadtui.store.db import bulk
from leadtui.store.errors import Invalid
from leadtui.store.fields import LEAD_EDITABLE_FIELDS, SEARCH_FIELDS, SOURCES
from leadtui.store.leads.lists import id_in
from leadtui.store.models import AssignRule, Counter, Lead, Pool
from leadtui.store.rules.assign import apply_rules
from leadtui.store.search import index as search_index
from leadtui.store.search.engine import search_text

_CHUNK = 2000  # rows per executemany (and per id list in a query)


def next_order_numbers(session: Session, day: datetime, count: int = 1, avoid: Collection[str] = ()) -> list[str]:
    """`count` fresh order numbers for leads submitted on `day`: L20261122-000042.

    Inside a write transaction (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL)
    two processes never get the same number. Numbers already stored are skipped (an
    import of another database's export brings its own L… numbers, which the counter
    here knows nothing of), and so are those in `avoid` (numbers the rows going in
    with them give); the counter moves past the last number looked at.
    """
    date = f"{day.year:04d}{day.month:02d}{day.day:02d}"  # %Y writes the year 1 as "1"
    name = f"order_no.{date}"
    session.execute(select(Counter.name).where(Counter.name == name).with_for_update())
    current = session.get(Counter, name)
    if current is None:
        current = Counter(name=name, value=0)
        session.add(current)
        session.flush()
    last = current.value
    avoided = {n.upper() for n in avoid}
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = [f"L{date}-{n:06d}" for n in range(last + 1, last + 1 + count - len(numbers))]
        # given numbers may be lower case (l2026…): the same number to whoever reads it
        taken = _stored_between(session, wanted[0], wanted[-1]) | {
            n.upper() for n in _stored_between(session, wanted[0].lower(), wanted[-1].lower())}
        numbers += [n for n in wanted if n not in taken and n not in avoided]
        last += len(wanted)
    session.execute(update(Counter).where(Counter.name == name).values(value=last))
    session.expire(current)
    return numbers


def _stored_between(session: Session, first: str, last: str) -> set[str]:
    """The stored order numbers from `first` to `last`: one range scan of the unique
    index. The numbers compared differ in their digits only, so any collation orders
    them alike; whatever else falls in the range is ignored by the caller."""
    return set(session.scalars(select(Lead.order_no).where(Lead.order_no.between(first, last))))


def lead_values(fields: Mapping[str, object], *, pool_id: int, order_no: str,
                submitted_at: datetime, source: str = "intent") -> dict[str, object]:
    """The full column set of a new lead from its SPEC 2.1 fields."""
    if source not in SOURCES:
        raise Invalid("Unknown source {source}: one of {choices}", source=source, choices=", ".join(SOURCES))
    values: dict[str, object] = {name: str(fields.get(name) or "").strip() for name in SEARCH_FIELDS}
    values["order_no"] = order_no
    values.update(
        source=source, message=str(fields.get("message") or ""), submitted_at=submitted_at,
        pool_id=pool_id, status="pooled", tags=str(fields.get("tags") or ""),
    )
    values["search_text"] = search_text(values)
    return values


def default_pool_id(session: Session) -> int:
    pool_id = session.scalar(select(Pool.id).where(Pool.kind == "lead", Pool.is_default.is_(True)))
    if pool_id is None:
        pool = Pool(kind="lead", name="Default", is_default=True)
        session.add(pool)
        session.flush()
        pool_id = pool.id
    return pool_id


def add_lead(session: Session, fields: Mapping[str, object], *, pool_id: int | None = None,
             source: str = "intent", submitted_at: datetime | None = None,
             actor_id: int | None = None, auto_assign: bool = True) -> Lead:
    """One new lead (intake, tests) through `add_leads`; returns it as an ORM object."""
    row = {**fields, "source": source, "submitted_at": submitted_at or clock.now()}
    [lead_id] = add_leads(session, [row], pool_id=pool_id, source=source, actor_id=actor_id,
                          auto_assign=auto_assign)
    lead = session.get(Lead, lead_id)
    assert lead is not None
    return lead


def add_leads(session: Session, rows: Sequence[Mapping[str, object]], *, pool_id: int | None = None,
              source: str = "intent", actor_id: int | None = None, auto_assign: bool = True,
              batch_id: str = "", reason: str = "", taken: Collection[str] = ()) -> list[int]:
    """New leads in bulk, inside the caller's write transaction; returns their ids in
    the order of `rows`. The one way leads come in (intake, import, ingest, add_lead).

    A row holds the SPEC 2.1 fields, and optionally message, tags, source (else
    `source`), submitted_at (else now) and order_no (else a fresh one of its submit
    day). Rows go in with Core executemany, _CHUNK at a time, each with its "create"
    audit event; then the pool's auto-assign rules look at them all at once (one
    round-robin over the whole batch). Order numbers given must be free: the caller
    checks (a taken one fails the transaction on the unique index). The numbers made
    here skip those given by `rows` and by `taken` (an import's later batches).
    """
    if not rows:
        return []
    pool_id = pool_id or default_pool_id(session)
    now = clock.now()
    submitted = [_as_datetime(row.get("submitted_at")) or now for row in rows]
    wanted: dict[datetime, list[int]] = {}  # submit day -> rows needing an order number
    order_nos = [str(row.get("order_no") or "").strip() for row in rows]
    for i, order_no in enumerate(order_nos):
        if not order_no:
            wanted.setdefault(datetime(submitted[i].year, submitted[i].month, submitted[i].day), []).append(i)
    avoid = {n for n in order_nos if n} | set(taken)
    for day, indexes in sorted(wanted.items()):
        for i, number in zip(indexes, next_order_numbers(session, day, len(indexes), avoid)):
            order_nos[i] = number
    values = []
    for i, row in enumerate(rows):
        value = lead_values(row, pool_id=pool_id, order_no=order_nos[i], submitted_at=submitted[i],
                            source=str(row.get("source") or source))
        value["created_by_id"] = actor_id
        values.append(value)
    batch_id = batch_id or audit.new_batch_id()
    ids: list[int] = []
    table = Lead.__table__
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        # A plain executemany, then the ids by order number: on SQLite an INSERT ...
        # RETURNING that keeps the rows' order runs one statement per row.
        bulk.insert_many(session, table, chunk)
        numbers = [str(v["order_no"]) for v in chunk]
        id_of = dict(session.execute(select(table.c.order_no, table.c.id).where(table.c.order_no.in_(numbers))).all())
        ids.extend(id_of[n] for n in numbers)
    # search index: new leads are indexed here (store/search_index.py)
    search_index.index_leads(session, [(lead_id, str(v["search_text"])) for lead_id, v in zip(ids, values)])
    for start in range(0, len(ids), _CHUNK):
        audit.record_many(session, [
            {"actor_id": actor_id, "action": "create", "entity": "lead", "entity_id": lead_id,
             "after": {"pool_id": pool_id, "status": "pooled", "source": v["source"]},
             "reason": reason, "batch_id": batch_id, "pool_id": pool_id}
            for lead_id, v in zip(ids[start:start + _CHUNK], values[start:start + _CHUNK])])
    if auto_assign:
        _apply_rules(session, pool_id, ids, values, actor_id, batch_id)
    return ids


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def _apply_rules(session: Session, pool_id: int, ids: list[int], values: list[dict[str, object]],
                 actor_id: int | None, batch_id: str) -> None:
    """The pool's auto-assign rules on the new leads; a pool without rules costs one query.

    The rules see the new leads as plain objects made from the values just inserted
    (no reloading of thousands of ORM rows, no unit-of-work flush of each), and what
    they change goes back in one executemany.
    """
    if session.scalar(select(AssignRule.id).where(AssignRule.pool_id == pool_id).limit(1)) is None:
        return
    fresh = [SimpleNamespace(**v, id=lead_id, owner_id=None, deleted_at=None, awaiting_rule=False,
                             previous_owner_id=None, released_at=None, assigned_at=None, protect_until=None)
             for lead_id, v in zip(ids, values)]
    apply_rules(session, fresh, actor_id, batch_id)  # type: ignore[arg-type]
    changed = [{"b_id": lead.id, "b_owner": lead.owner_id, "b_status": lead.status, "b_at": lead.assigned_at,
                "b_until": lead.protect_until, "b_waiting": lead.awaiting_rule}
               for lead in fresh if lead.owner_id is not None or lead.awaiting_rule]
    if changed:
        table = Lead.__table__
        session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            owner_id=bindparam("b_owner"), status=bindparam("b_status"), assigned_at=bindparam("b_at"),
            protect_until=bindparam("b_until"), awaiting_rule=bindparam("b_waiting")), changed)


def fill_leads(session: Session, fills: Sequence[tuple[int, Mapping[str, object]]], *, actor_id: int | None,
               batch_id: str = "", reason: str = "", auto_assign: bool = True) -> dict[int, dict[str, object]]:
    """Merge new values into existing leads (an import's duplicates, `--on-duplicate
    merge`): only fields the lead has empty are filled, so nothing an operator entered
    is overwritten. Returns lead id -> the fields filled (an empty dict: nothing to
    fill); leads gone meanwhile (purged, in the trash) are left out. Each change is an
    "edit" audit event, and the pool's rules look at the changed leads, as after an edit.
    """
    wanted: dict[int, list[Mapping[str, object]]] = {}
    for lead_id, fields in fills:
        wanted.setdefault(int(lead_id), []).append(fields)
    filled: dict[int, dict[str, object]] = {}
    changed: list[Lead] = []
    events: list[dict[str, object]] = []
    batch_id = batch_id or audit.new_batch_id()
    ids = sorted(wanted)
    for start in range(0, len(ids), _CHUNK):
        chunk = tuple(ids[start:start + _CHUNK])
        for lead in session.scalars(select(Lead).where(id_in(Lead.id, chunk), Lead.deleted_at.is_(None))):
            after: dict[str, object] = {}
            for fields in wanted[lead.id]:
                for name in LEAD_EDITABLE_FIELDS:  # what an edit may change
                    value = str(fields.get(name) or "").strip()
                    if value and not getattr(lead, name) and name not in after:
                        after[name] = value
            filled[lead.id] = after
            if not after:
                continue
            for name, value in after.items():
                setattr(lead, name, value)
            lead.search_text = search_text({f: getattr(lead, f) for f in SEARCH_FIELDS})
            changed.append(lead)
            events.append({"actor_id": actor_id, "action": "edit", "entity": "lead", "entity_id": lead.id,
                           "before": {name: "" for name in after}, "after": after, "reason": reason,
                           "batch_id": batch_id, "pool_id": lead.pool_id})
    session.flush()
    # search index: merged leads are re-indexed here (store/search_index.py)
    search_index.index_leads(session, [(lead.id, lead.search_text) for lead in changed])
    audit.record_many(session, events)
    if auto_assign and changed:
        apply_rules(session, changed, actor_id, batch_id)
    return filled
