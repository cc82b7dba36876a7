"""Putting new leads into the database: order numbers and the search form.

`lead_values` is the one place a lead's derived columns (order number, normalised
search text) are made, for the demo, intake and import alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store import audit, search_index
from leadtui.store.assign_rules import apply_rules
from leadtui.store.errors import Invalid
from leadtui.store.fields import SEARCH_FIELDS, SOURCES
from leadtui.store.models import Counter, Lead, Pool
from leadtui.store.search import search_text


def next_order_numbers(session: Session, day: datetime, count: int = 1) -> list[str]:
    """`count` fresh order numbers for leads submitted on `day`: L20261122-000042.

    Inside a write transaction (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL)
    two processes never get the same number.
    """
    name = f"order_no.{day:%Y%m%d}"
    session.execute(select(Counter.name).where(Counter.name == name).with_for_update())
    current = session.get(Counter, name)
    if current is None:
        current = Counter(name=name, value=0)
        session.add(current)
        session.flush()
    start = current.value
    session.execute(update(Counter).where(Counter.name == name).values(value=start + count))
    session.expire(current)
    return [f"L{day:%Y%m%d}-{start + i + 1:06d}" for i in range(count)]


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
    """One new lead (intake, tests); writes its audit event. The pool's auto-assign
    rules then look at it: a lead no rule takes stays pooled."""
    submitted_at = submitted_at or clock.now()
    pool_id = pool_id or default_pool_id(session)
    order_no = str(fields.get("order_no") or "").strip() or next_order_numbers(session, submitted_at)[0]
    lead = Lead(**lead_values(fields, pool_id=pool_id, order_no=order_no,
                              submitted_at=submitted_at, source=source))
    lead.created_by_id = actor_id
    session.add(lead)
    session.flush()
    search_index.index_leads(session, [(lead.id, lead.search_text)])
    audit.record(session, actor_id, "create", "lead", lead.id, {},
                 {"pool_id": pool_id, "status": "pooled", "source": source})
    if auto_assign:
        apply_rules(session, [lead], actor_id)
    return lead
