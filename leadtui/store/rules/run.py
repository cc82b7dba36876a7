"""Running the rules (SPEC 5): auto-recycle, warnings, and auto-assign retries.

`rules run` (cron) and every open console call `run_rules`. Each piece of work is a
conditional UPDATE ... RETURNING whose condition is the rule itself ("assigned to this
owner and protection over"), so when two runs overlap — two consoles, cron and a
console, two hosts on PostgreSQL — the second finds the rows changed and does nothing:
one recycle, one audit event, one notification per record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store.audit import trail as audit
from leadtui.store.models import Customer, Lead, Pool
from leadtui.store.records import RulesReport
from leadtui.store.rules.assign import apply_rules

if TYPE_CHECKING:
    from leadtui.store.db.engine import Database
    from leadtui.store.service import Store

_CHUNK = 500


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _notify_each(session: Session, owners: dict[int, list[int]], kind: str, entity: str,
                 params: dict[str, Any]) -> None:
    for owner_id, ids in owners.items():
        audit.notify(session, owner_id, kind, entity, ids[0],
                     json.dumps({**params, "n": len(ids)}, ensure_ascii=False))


# ----------------------------------------------------------------------------- recycle


def _recycle_leads(session: Session, now: datetime, batch_id: str) -> list[int]:
    """Assigned leads past protect_until go back to their pool, owner kept as previous."""
    due = session.execute(
        select(Lead.id, Lead.owner_id, Lead.pool_id, Pool.name).join(Pool, Pool.id == Lead.pool_id)
        .where(Lead.status == "assigned", Lead.protect_until < now, Lead.deleted_at.is_(None),
               Lead.owner_id.is_not(None),
               # Leads a member created themselves go back only by hand when the pool says so.
               or_(Pool.recycle_own_created.is_(True), Lead.created_by_id.is_(None),
                   Lead.created_by_id != Lead.owner_id))
        .order_by(Lead.id)).all()
    groups: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for lead_id, owner_id, pool_id, pool_name in due:
        groups[(owner_id, pool_id, pool_name)].append(lead_id)
    recycled: list[int] = []
    events: list[dict[str, object]] = []
    for (owner_id, pool_id, pool_name), ids in groups.items():
        changed: list[int] = []
        for chunk in _chunks(ids):
            changed += session.scalars(
                update(Lead).where(Lead.id.in_(chunk), Lead.owner_id == owner_id, Lead.status == "assigned",
                                   Lead.protect_until < now, Lead.deleted_at.is_(None))
                .values(owner_id=None, status="pooled", previous_owner_id=owner_id, released_at=now,
                        assigned_at=None, protect_until=None, warned_for=None)
                .returning(Lead.id).execution_options(synchronize_session=False)).all()
        if not changed:
            continue
        recycled += changed
        events += [{"actor_id": None, "action": "recycle", "entity": "lead", "entity_id": lead_id,
                    "before": {"owner_id": owner_id, "status": "assigned"},
                    "after": {"owner_id": None, "status": "pooled", "pool": pool_name},
                    "reason": "protection ended", "batch_id": batch_id, "pool_id": pool_id}
                   for lead_id in changed]
        _notify_each(session, {owner_id: sorted(changed)}, "recycled", "lead", {"pool": pool_name})
    audit.record_many(session, events)
    return sorted(recycled)


def _recycle_customers(session: Session, now: datetime, batch_id: str) -> list[int]:
    """Unlocked customers past protect_until go back to their public sea."""
    due = session.execute(
        select(Customer.id, Customer.owner_id, Customer.public_sea_id, Pool.name)
        .join(Pool, Pool.id == Customer.public_sea_id)
        .where(Customer.owner_id.is_not(None), Customer.protect_until < now, Customer.locked.is_(False),
               Customer.deleted_at.is_(None), Customer.status != "blacklisted")
        .order_by(Customer.id)).all()
    groups: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for customer_id, owner_id, sea_id, sea_name in due:
        groups[(owner_id, sea_id, sea_name)].append(customer_id)
    recycled: list[int] = []
    events: list[dict[str, object]] = []
    for (owner_id, sea_id, sea_name), ids in groups.items():
        changed: list[int] = []
        for chunk in _chunks(ids):
            changed += session.scalars(
                update(Customer).where(Customer.id.in_(chunk), Customer.owner_id == owner_id,
                                       Customer.protect_until < now, Customer.locked.is_(False),
                                       Customer.deleted_at.is_(None))
                .values(owner_id=None, status="public_sea", previous_owner_id=owner_id, released_at=now,
                        assigned_at=None, protect_until=None, warned_for=None)
                .returning(Customer.id).execution_options(synchronize_session=False)).all()
        if not changed:
            continue
        recycled += changed
        events += [{"actor_id": None, "action": "recycle", "entity": "customer", "entity_id": customer_id,
                    "before": {"owner_id": owner_id, "status": "following"},
                    "after": {"owner_id": None, "status": "public_sea", "public_sea": sea_name},
                    "reason": "protection ended", "batch_id": batch_id, "pool_id": sea_id}
                   for customer_id in changed]
        _notify_each(session, {owner_id: sorted(changed)}, "customers_recycled", "customer", {"pool": sea_name})
    audit.record_many(session, events)
    return sorted(recycled)


# ----------------------------------------------------------------------------- warnings


def _warn(session: Session, now: datetime, model: type[Lead] | type[Customer]) -> list[int]:
    """Once per record and protection period, notify_before_days before protect_until.

    `warned_for` remembers the protect_until warned about: a follow-up that extends
    protection starts a new period, which is warned about again.
    """
    is_lead = model is Lead
    pool_column = Lead.pool_id if is_lead else Customer.public_sea_id
    warned: list[int] = []
    pools = session.execute(select(Pool.id, Pool.name, Pool.notify_before_days, Pool.recycle_own_created).where(
        Pool.kind == ("lead" if is_lead else "sea"), Pool.notify_before_days.is_not(None))).all()
    for pool_id, pool_name, days, recycle_own in pools:
        conditions = [pool_column == pool_id, model.owner_id.is_not(None), model.protect_until.is_not(None),
                      model.protect_until >= now, model.protect_until <= now + timedelta(days=days),
                      model.deleted_at.is_(None),
                      or_(model.warned_for.is_(None), model.warned_for != model.protect_until)]
        if is_lead:
            conditions.append(Lead.status == "assigned")
            if not recycle_own:
                conditions.append(or_(Lead.created_by_id.is_(None), Lead.created_by_id != Lead.owner_id))
        else:
            conditions += [Customer.locked.is_(False), Customer.status != "blacklisted"]
        rows = session.execute(
            update(model).where(and_(*conditions)).values(warned_for=model.protect_until)
            .returning(model.id, model.owner_id, model.protect_until)
            .execution_options(synchronize_session=False)).all()
        owners: dict[int, list[int]] = defaultdict(list)
        soonest: dict[int, datetime] = {}
        for record_id, owner_id, until in rows:
            owners[owner_id].append(record_id)
            soonest[owner_id] = min(until, soonest.get(owner_id, until))
            warned.append(record_id)
        for owner_id, ids in owners.items():
            ids.sort()
            audit.notify(session, owner_id, "recycle_warning" if is_lead else "customers_recycle_warning",
                         "lead" if is_lead else "customer", ids[0],
                         json.dumps({"pool": pool_name, "n": len(ids), "until": f"{soonest[owner_id]:%Y-%m-%d %H:%M}"},
                                    ensure_ascii=False))
    return sorted(warned)


# ----------------------------------------------------------------------------- auto-assign retries


def _retry_waiting(session: Session) -> list[tuple[int, int]]:
    """Leads a rule matched while every target was at the cap: try again."""
    waiting = list(session.scalars(
        select(Lead).where(Lead.awaiting_rule.is_(True), Lead.status == "pooled", Lead.owner_id.is_(None),
                           Lead.deleted_at.is_(None)).order_by(Lead.id).with_for_update()))
    if not waiting:
        return []
    return apply_rules(session, waiting)


# ----------------------------------------------------------------------------- the run


def run_all(db: Database, names: bool = False) -> RulesReport:
    """One run of every rule, in one transaction: all of it lands, or none. With
    `names`, the report also holds the order numbers and customer names involved."""
    now = clock.now()
    batch_id = audit.new_batch_id()
    with db.write() as session:
        recycled_leads = _recycle_leads(session, now, batch_id)
        recycled_customers = _recycle_customers(session, now, batch_id)
        warned_leads = _warn(session, now, Lead)
        warned_customers = _warn(session, now, Customer)
        assigned = _retry_waiting(session)
        logins = _logins(session, [user_id for _, user_id in assigned])
        order_nos: dict[int, str] = {}
        customer_names: dict[int, str] = {}
        if names:
            order_nos = _column_of(session, Lead.order_no, [*recycled_leads, *warned_leads, *(i for i, _ in assigned)])
            customer_names = _column_of(session, Customer.name, [*recycled_customers, *warned_customers])
    return RulesReport(tuple(recycled_leads), tuple(recycled_customers), tuple(warned_leads),
                       tuple(warned_customers), tuple((lead_id, logins.get(u, "?")) for lead_id, u in assigned),
                       order_nos=tuple(order_nos.items()), customer_names=tuple(customer_names.items()))


def _column_of(session: Session, column: Any, ids: list[int]) -> dict[int, str]:
    """id -> `column` for these ids of the column's table."""
    table_id = column.class_.id
    found: dict[int, str] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 5000):
        found.update(session.execute(select(table_id, column).where(table_id.in_(unique[start:start + 5000]))).all())
    return found


def _logins(session: Session, ids: list[int]) -> dict[int, str]:
    from leadtui.store.models import User

    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.login).where(User.id.in_(set(ids)))).all())


def run_rules(store: Store) -> RulesReport:
    """Any known user's console or cron job may run the rules: they act for nobody
    (audit actor empty) and do only what the pools' settings say. The report names
    the leads and customers (order numbers, names) for admins; others get the ids,
    as those records need not be theirs to see."""
    return run_all(store.db, names=store.actor.is_admin)
