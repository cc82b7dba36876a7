"""Each user's inbox (SPEC 6) and reading the audit trail."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from leadtui import clock
from leadtui.i18n import t
from leadtui.store.access import Standing, masked_event
from leadtui.store.audit import trail as audit
from leadtui.store.errors import NotFound, Refused
from leadtui.store.models import AuditEvent, Lead, Notification, User
from leadtui.store.records import AuditRecord, NotificationRecord

if TYPE_CHECKING:
    from leadtui.store.service import Store


NOTICES = {
    "assigned": "{actor} assigned {n} lead(s) to you",
    "reclaimed": "{actor} took back {n} lead(s) from you",
    "deleted": "{actor} deleted {n} lead(s) you own or work on",
    "restored": "{actor} restored {n} lead(s) you own or work on",
    "customers_assigned": "{actor} gave you {n} customer(s)",
    "customers_taken": "{actor} moved {n} of your customer(s) to someone else or the public sea",
    "auto_assigned": "An auto-assign rule of pool {pool} gave you {n} lead(s)",
    "recycled": "{n} of your lead(s) went back to pool {pool}: their protection ended",
    "customers_recycled": "{n} of your customer(s) went back to public sea {pool}: their protection ended",
    "recycle_warning": "{n} of your lead(s) go back to pool {pool} from {until} unless you follow them up",
    "customers_recycle_warning": "{n} of your customer(s) go back to public sea {pool} from {until} unless "
                                 "you follow them up",
}


def notice_text(kind: str, stored: str) -> str:
    """A notification's words in the reader's language, from its stored facts."""
    try:
        params = json.loads(stored) if stored.startswith("{") else None
    except ValueError:
        params = None
    if params is None or kind not in NOTICES:
        return stored
    return t(NOTICES[kind], **params)


def list_notifications(store: Store, include_read: bool = False, limit: int = 200) -> list[NotificationRecord]:
    with store.db.read() as session:
        stmt = select(Notification).where(Notification.user_id == store.actor.id)
        if not include_read:
            stmt = stmt.where(Notification.read_at.is_(None))
        stmt = stmt.order_by(Notification.at.desc(), Notification.id.desc()).limit(limit)
        return [NotificationRecord(n.id, n.at, n.kind, n.entity, n.entity_id, notice_text(n.kind, n.text),
                                   n.read_at is not None)
                for n in session.scalars(stmt)]


def mark_read(store: Store, ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all of the user's) read; returns how many."""
    with store.db.write() as session:
        stmt = update(Notification).where(Notification.user_id == store.actor.id, Notification.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        return session.execute(stmt.values(read_at=clock.now())).rowcount or 0


def list_audit(store: Store, lead_id: int | None = None, login: str | None = None,
               limit: int = 100) -> list[AuditRecord]:
    """Admins read the whole trail; others the history of a lead they may see (of a
    lead they see masked, SPEC 3: when, what, status and pool, nothing else)."""
    masked = False
    with store.db.read() as session:
        stmt = audit.select_events()
        if lead_id is not None:
            lead = session.get(Lead, lead_id)
            if lead is None and not store.actor.is_admin:
                raise NotFound("Lead #{id} does not exist or you may not see it", id=lead_id)
            if lead is not None and not store.actor.is_admin:
                standing = Standing(session, store.actor, [lead_id])
                role = standing.role(lead)
                if role is None:
                    raise NotFound("Lead #{id} does not exist or you may not see it", id=lead_id)
                masked = standing.masked(lead, role)
            stmt = stmt.where(AuditEvent.entity == "lead", AuditEvent.entity_id == lead_id)
        elif not store.actor.is_admin:
            raise Refused("Only an admin may read the whole audit trail; others give --lead ID")
        if login and masked and login != store.actor.login:
            # Who acted is part of what the masked history leaves out.
            raise Refused("Lead #{id}'s history shows who acted once you may see its details: leave out --user",
                          id=lead_id)
        if login:
            user_id = session.scalar(select(User.id).where(User.login == login))
            if user_id is None:
                raise NotFound("There is no user {login}", login=login)
            stmt = stmt.where(AuditEvent.actor_id == user_id)
        stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
        events = [audit.as_record(row) for row in session.execute(stmt)]
        return [masked_event(e, store.actor.login) for e in events] if masked else events
