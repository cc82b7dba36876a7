"""The audit trail (append-only) and the users' inboxes (SPEC 6)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from leadtui import clock
from leadtui.store.db import bulk, changes
from leadtui.store.models import AuditEvent, Notification, User
from leadtui.store.records import AuditRecord


def new_batch_id() -> str:
    return uuid.uuid4().hex[:16]


def _json(values: Mapping[str, object] | None) -> str:
    return json.dumps(dict(values or {}), ensure_ascii=False, default=str, sort_keys=True)


def _witness(session: Session, actor_id: int | None) -> dict[str, object]:
    """Who really acted and when, where that is not what the event says: the operator
    (the write session carries them, see Database.acting) when the event names
    someone else — the user an admin acted for with `--as` — or no one — a rules run —,
    and the wall clock behind a `--now`."""
    operator = session.info.get("operator_id")
    return {"operator_id": operator if operator != actor_id else None,
            "wall_at": clock.wall() if clock.simulated() else None}


def record(session: Session, actor_id: int | None, action: str, entity: str, entity_id: int,
           before: Mapping[str, object] | None = None, after: Mapping[str, object] | None = None,
           reason: str = "", batch_id: str = "", pool_id: int | None = None) -> None:
    session.add(AuditEvent(
        at=clock.now(), actor_id=actor_id, action=action, entity=entity, entity_id=entity_id,
        before=_json(before), after=_json(after), reason=reason, batch_id=batch_id, pool_id=pool_id,
        **_witness(session, actor_id),
    ))
    changes.note(session, entity, entity_id, action, actor_id, after)  # for the consoles' live refresh


def record_many(session: Session, rows: list[dict[str, object]]) -> None:
    """Many events in one statement (batches of thousands); each row as `record` takes."""
    if not rows:
        return
    at = clock.now()
    # Straight through the driver (store/bulk.py): the ORM's bulk path costs a third
    # more per row, SQLAlchemy's own parameter handling as much again.
    bulk.insert_many(session, AuditEvent.__table__, [
        {"at": at, "actor_id": r.get("actor_id"), "action": r["action"], "entity": r["entity"],
         "entity_id": r["entity_id"], "before": _json(r.get("before")), "after": _json(r.get("after")),  # type: ignore[arg-type]
         "reason": r.get("reason", ""), "batch_id": r.get("batch_id", ""), "pool_id": r.get("pool_id"),
         **_witness(session, r.get("actor_id"))}  # type: ignore[arg-type]
        for r in rows
    ])
    changes.note_many(session, rows)


def notify(session: Session, user_id: int, kind: str, entity: str, entity_id: int, text: str) -> None:
    session.add(Notification(user_id=user_id, at=clock.now(), kind=kind, entity=entity,
                             entity_id=entity_id, text=text))


Operator = aliased(User, name="operator_user")


def select_events() -> Select[Any]:
    """Events with the logins of their actor and (under --as) their operator; see `as_record`."""
    return (select(AuditEvent, User.login, Operator.login)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .outerjoin(Operator, Operator.id == AuditEvent.operator_id))


def as_record(row: Any) -> AuditRecord:
    e, login, operator = row
    return AuditRecord(e.id, e.at, login or "", e.action, json.loads(e.before or "{}"),
                       json.loads(e.after or "{}"), e.reason, e.batch_id, e.entity, e.entity_id,
                       operator or "", e.wall_at)


def history(session: Session, entity: str, entity_id: int) -> tuple[AuditRecord, ...]:
    rows = session.execute(
        select_events().where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return tuple(as_record(row) for row in rows)
