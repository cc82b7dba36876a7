"""The pool actions (SPEC 3): assign, claim, reclaim, return, delete, restore, purge.

Each is one transaction over a batch. The leads are locked first (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite the BEGIN IMMEDIATE of every write already makes
writers take turns), so the checks read what the updates change; the updates are
still conditional statements, so a lead that changed hands anyway is reported as
taken instead of being overwritten. Holding caps and daily limits are counted inside
the same transaction, after locking the users concerned, so parallel claims by one
user cannot together pass a cap.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.i18n import t
from leadtui.store.access import Actor, Standing
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.models import AuditEvent, FollowUp, Lead, LeadCollaborator, Pool, User
from leadtui.store.pools.holding import (
    claim_refusal,
    claim_room,
    cooldown_refusal,
    room_for,
    round_robin,
)
from leadtui.store.pools.settings import find_pool
from leadtui.store.records import BatchResult, Refusal

if TYPE_CHECKING:
    from leadtui.store.service import Store

CHUNK = 5000  # ids per IN (...) list: well under SQLite's variable limit
TRASH_DAYS = 30


# ----------------------------------------------------------------------------- helpers


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


# What the actions and their checks read of a lead. lock_leads hands these out as
# read-only rows (attribute access like a Lead: lead.id, lead.owner_id, ...), not ORM
# objects: building 10,000 ORM objects cost more than the rest of a batch, and the
# actions change leads only through conditional UPDATEs anyway.
_STATE_COLUMNS = (Lead.id, Lead.pool_id, Lead.owner_id, Lead.status, Lead.deleted_at, Lead.previous_owner_id,
                  Lead.released_at, Lead.created_by_id)


def lock_leads(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    # FOR NO KEY UPDATE (key_share): as exclusive as FOR UPDATE for other writers of
    # the lead, but it lets rows that merely point at it (a follow-up, a collaborator)
    # go in meanwhile, as PostgreSQL's own UPDATEs do. See lock_users.
    leads: dict[int, Any] = {}
    for chunk in _chunks(sorted(ids)):
        for lead in session.execute(select(*_STATE_COLUMNS).where(Lead.id.in_(chunk))
                                    .order_by(Lead.id).with_for_update(key_share=True)):
            leads[lead.id] = lead
    return leads


def lock_users(session: Session, user_ids: Iterable[int]) -> None:
    """Serialise cap and daily-limit counting per user on PostgreSQL (no-op on SQLite).

    FOR NO KEY UPDATE, not FOR UPDATE: every audit event and notification written
    about a user checks its foreign key with FOR KEY SHARE on the user's row, which
    FOR UPDATE blocks. A claim (user locked, then leads) and a reclaim of that user's
    leads (leads locked, then the user's notification) deadlocked that way under load
    (`leadtui bench concurrency`); NO KEY UPDATE still serialises two claims by one user."""
    ids = sorted(set(user_ids))
    if ids:
        session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update(key_share=True))


def held_counts(session: Session, pool: Pool, user_ids: Iterable[int]) -> dict[int, int]:
    """How many leads of `pool` each user holds now (SPEC 3 `holding_cap`)."""
    ids = list(set(user_ids))
    stmt = (select(Lead.owner_id, func.count()).where(
        Lead.pool_id == pool.id, Lead.owner_id.in_(ids), Lead.status == "assigned", Lead.deleted_at.is_(None))
        .group_by(Lead.owner_id))
    if not pool.cap_counts_own_created:
        stmt = stmt.where((Lead.created_by_id.is_(None)) | (Lead.created_by_id != Lead.owner_id))
    counts = {user_id: 0 for user_id in ids}
    counts.update({owner: n for owner, n in session.execute(stmt)})
    return counts


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def claimed_today(session: Session, pool: Pool, user_id: int, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == user_id, AuditEvent.action == "claim", AuditEvent.pool_id == pool.id,
        AuditEvent.at >= day_start(now))) or 0


def _names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.login).where(User.id.in_(ids))).all())


def _state(lead: Lead, names: dict[int, str], pools: dict[int, str]) -> dict[str, object]:
    return {"owner_id": lead.owner_id, "owner": names.get(lead.owner_id) if lead.owner_id else None,
            "pool_id": lead.pool_id, "pool": pools.get(lead.pool_id), "status": lead.status}


def _pool_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Pool.id, Pool.name)).all())


def protect_until(pool: Pool, assigned_at: datetime) -> datetime | None:
    return assigned_at + timedelta(days=pool.protect_days) if pool.protect_days else None


@dataclass
class _Batch:
    """Collects what a batch did, its audit rows and its notifications."""

    action: str
    actor: Actor
    done: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    notices: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    batch_id: str = field(default_factory=audit.new_batch_id)
    entity: str = "lead"  # or "customer": the same batch bookkeeping serves both

    def refuse(self, lead_id: int, reason: str) -> None:
        self.refused.append(Refusal(lead_id, reason))

    def event(self, lead: Lead, before: dict[str, object], after: dict[str, object], reason: str = "") -> None:
        self.events.append({"actor_id": self.actor.id, "action": self.action, "entity": self.entity,
                            "entity_id": lead.id, "before": before, "after": after, "reason": reason,
                            "batch_id": self.batch_id, "pool_id": before.get("pool_id")})

    def notify(self, user_id: int | None, kind: str, lead_id: int) -> None:
        if user_id is not None and user_id != self.actor.id:
            self.notices[(user_id, kind)].append(lead_id)

    def finish(self, session: Session, total: int) -> BatchResult:
        audit.record_many(session, self.events)
        for (user_id, kind), ids in self.notices.items():
            # The words are made when the inbox is read, in the reader's language.
            audit.notify(session, user_id, kind, self.entity, ids[0],
                         json.dumps({"actor": self.actor.name, "n": len(ids)}, ensure_ascii=False))
        summary = summarize(self.action, len(self.done), total, self.refused)
        return BatchResult(self.action, tuple(self.done), tuple(self.refused), self.batch_id, summary)


VERBS = {"assign": "assigned", "claim": "claimed", "reclaim": "took back", "return": "returned",
         "delete": "deleted", "restore": "restored", "purge": "purged", "move": "moved",
         "owner": "moved", "recycle": "recycled", "tag": "tagged", "lock": "locked", "unlock": "unlocked",
         "blacklist": "blacklisted"}


def summarize(action: str, done: int, total: int, refused: Sequence[Refusal]) -> str:
    """"claimed 37 of 50 — 13 were taken by someone else; 2 …" """
    text = t("{verb} {done} of {total}", verb=t(VERBS.get(action, action)), done=done, total=total)
    if refused:
        counts = Counter(r.reason for r in refused)
        parts = [reason if n == 1 else t("{n} were taken by someone else", n=n) if reason == _taken()
                 else f"{n} × {reason}" for reason, n in counts.most_common(4)]
        if len(counts) > 4:
            parts.append(t("{n} other reasons", n=len(counts) - 4))
        text += " — " + "; ".join(parts)
    return text


def _taken() -> str:
    return t("taken by someone else")


def _missing() -> str:
    return t("does not exist or you may not see it")


def _load(session: Session, store: Store, ids: Sequence[int], batch: _Batch) -> tuple[list[Lead], Standing]:
    """The batch's leads, locked, each visible to the actor; the rest refused."""
    ids = _unique(ids)
    if not ids:
        raise Invalid("No leads given")
    leads = lock_leads(session, ids)
    standing = Standing(session, store.actor, ids)
    visible = []
    for lead_id in ids:
        lead = leads.get(lead_id)
        if lead is None or lead.deleted_at is not None or standing.role(lead) is None:
            batch.refuse(lead_id, _missing())
        else:
            visible.append(lead)
    return visible, standing


def _update(session: Session, ids: Sequence[int], where: Sequence[object], values: dict[str, object]) -> set[int]:
    """A conditional UPDATE; returns the ids it changed."""
    changed: set[int] = set()
    for chunk in _chunks(list(ids)):
        stmt = (update(Lead).where(Lead.id.in_(chunk), *where).values(**values).returning(Lead.id)
                .execution_options(synchronize_session=False))
        changed.update(session.scalars(stmt))
    return changed


# ----------------------------------------------------------------------------- claim


def claim_leads(store: Store, lead_ids: Sequence[int]) -> BatchResult:
    """A member takes pooled leads, under the cap, the daily limit and the cooldown."""
    actor = store.actor
    batch = _Batch("claim", actor)
    ids = _unique(lead_ids)
    with store.db.write() as session:
        lock_users(session, [actor.id])
        leads, standing = _load(session, store, ids, batch)
        now = clock.now()
        pools = {p.id: p for p in session.scalars(select(Pool).where(Pool.id.in_({x.pool_id for x in leads})))}
        by_pool: dict[int, list[Lead]] = defaultdict(list)
        for lead in leads:
            pool = pools[lead.pool_id]
            if not standing.is_member(pool.id):
                batch.refuse(lead.id, t("{user} is not a member of pool {pool}", user=actor.name, pool=pool.name))
            elif lead.status == "converted":
                batch.refuse(lead.id, t("converted already"))
            elif lead.owner_id == actor.id:
                batch.refuse(lead.id, t("yours already"))
            elif lead.owner_id is not None:
                batch.refuse(lead.id, _taken())
            elif cooling := cooldown_refusal(pool, actor.id, actor.name, lead.previous_owner_id,
                                             lead.released_at, now):
                batch.refuse(lead.id, cooling)
            else:
                by_pool[pool.id].append(lead)
        names = _names(session, [actor.id])
        pool_names = _pool_names(session)
        for pool_id, candidates in by_pool.items():
            pool = pools[pool_id]
            held = held_counts(session, pool, [actor.id])[actor.id] if pool.holding_cap is not None else 0
            today = claimed_today(session, pool, actor.id, now) if pool.daily_claim_limit is not None else 0
            room = claim_room(pool, held, today)
            taken, left = 0, candidates
            # A lead someone else took meanwhile leaves its place to the next one.
            while left and taken < room:
                take, left = left[:room - taken], left[room - taken:]
                changed = _update(session, [x.id for x in take],
                                  [Lead.owner_id.is_(None), Lead.status == "pooled", Lead.deleted_at.is_(None)],
                                  {"owner_id": actor.id, "status": "assigned", "assigned_at": now,
                                   "protect_until": protect_until(pool, now)})
                for lead in take:
                    if lead.id not in changed:
                        batch.refuse(lead.id, _taken())
                        continue
                    taken += 1
                    batch.done.append(lead.id)
                    before = _state(lead, names, pool_names)
                    batch.event(lead, before, {**before, "owner_id": actor.id, "owner": actor.login,
                                               "status": "assigned"})
            # The refusal states what refused these: the counts with this batch's claims.
            for lead in left:
                batch.refuse(lead.id, claim_refusal(pool, actor.name, held + taken, today + taken))
        return batch.finish(session, len(ids))


# ----------------------------------------------------------------------------- assign


def assign_leads(store: Store, lead_ids: Sequence[int], to_logins: Sequence[str] = (),
                 to_pool: str | int | None = None, seen_pooled: Collection[int] = ()) -> BatchResult:
    """To one or more users round-robin (evenly, skipping anyone at the cap), or to
    another pool. Pool admins and admins; a manager for their department's leads.

    Assigning a lead that has an owner takes it from them (a reassignment). But the
    leads in `seen_pooled` are the ones the operator saw without an owner: if one has
    an owner by now, another operator got it first (two admins assigning the same
    pooled leads at once), and it is refused as taken, not taken from its new owner.
    The console and `assign --query/--pool` pass what they listed."""
    if bool(to_logins) == (to_pool is not None):
        raise Invalid("Assign to users or to a pool, one of the two")
    if to_pool is not None:
        return _move_to_pool(store, lead_ids, to_pool)
    actor = store.actor
    batch = _Batch("assign", actor)
    ids = _unique(lead_ids)
    seen = set(seen_pooled)
    with store.db.write() as session:
        targets = _targets(session, to_logins)
        lock_users(session, [u.id for u in targets])
        leads, standing = _load(session, store, ids, batch)
        now = clock.now()
        team = standing.team
        pools = {p.id: p for p in session.scalars(select(Pool).where(Pool.id.in_({x.pool_id for x in leads})))}
        names = _names(session, [x.owner_id for x in leads] + [u.id for u in targets])
        pool_names = _pool_names(session)
        by_pool: dict[int, list[Lead]] = defaultdict(list)
        for lead in leads:
            role = standing.role(lead)
            manager_ok = role == "manager" and all(u.id in team for u in targets)
            if role not in ("admin", "pool_admin") and not manager_ok:
                batch.refuse(lead.id, t("only an admin of pool {pool} may assign its leads",
                                        pool=pools[lead.pool_id].name))
            elif lead.status == "converted":
                batch.refuse(lead.id, t("converted already"))
            elif lead.id in seen and lead.owner_id is not None:
                batch.refuse(lead.id, _taken())  # locked: this is the state it is in
            else:
                by_pool[lead.pool_id].append(lead)
        for pool_id, candidates in by_pool.items():
            pool = pools[pool_id]
            room = room_for(pool.holding_cap, held_counts(session, pool, [u.id for u in targets]))
            plan, unplaced, skipped = round_robin(
                candidates, [u.id for u in targets], room,
                lambda lead: t("{user}'s already", user=names.get(lead.owner_id, "?"))
                if lead.owner_id is not None and lead.owner_id in room else None)
            for lead, reason in skipped:
                batch.refuse(lead.id, reason)
            for lead in unplaced:
                batch.refuse(lead.id, t("{users}: at the cap of {cap} leads in pool {pool}",
                                        users=", ".join(u.name for u in targets), cap=pool.holding_cap,
                                        pool=pool.name))
            for target in targets:
                chosen = plan.get(target.id, [])
                # A lead taken from someone keeps them as previous owner (for the
                # cooldown); SQL reads the old owner_id on the right-hand side.
                changed = _update(session, [x.id for x in chosen],
                                  [Lead.status != "converted", Lead.deleted_at.is_(None)],
                                  {"owner_id": target.id, "status": "assigned", "assigned_at": now,
                                   "protect_until": protect_until(pool, now),
                                   "previous_owner_id": func.coalesce(Lead.owner_id, Lead.previous_owner_id),
                                   "released_at": case((Lead.owner_id.is_not(None), now), else_=Lead.released_at)})
                for lead in chosen:
                    if lead.id not in changed:
                        batch.refuse(lead.id, _taken())
                        continue
                    before = _state(lead, names, pool_names)
                    after = {**before, "owner_id": target.id, "owner": target.login, "status": "assigned"}
                    batch.done.append(lead.id)
                    batch.event(lead, before, after)
                    batch.notify(target.id, "assigned", lead.id)
                    if lead.owner_id is not None:
                        batch.notify(lead.owner_id, "reclaimed", lead.id)
        return batch.finish(session, len(ids))


@dataclass(frozen=True)
class _Target:
    id: int
    login: str
    name: str


def _targets(session: Session, logins: Sequence[str]) -> list[_Target]:
    targets = []
    for login in dict.fromkeys(logins):
        row = session.execute(select(User.id, User.login, User.name).where(
            User.login == login, User.active.is_(True))).first()
        if row is None:
            raise Invalid("There is no user {login}", login=login)
        targets.append(_Target(*row))
    return targets


def _move_to_pool(store: Store, lead_ids: Sequence[int], to_pool: str | int) -> BatchResult:
    actor = store.actor
    batch = _Batch("move", actor)
    ids = _unique(lead_ids)
    with store.db.write() as session:
        target = find_pool(session, to_pool)
        leads, standing = _load(session, store, ids, batch)
        now = clock.now()
        names = _names(session, [x.owner_id for x in leads])
        pool_names = _pool_names(session)
        movable = []
        for lead in leads:
            if standing.role(lead) not in ("admin", "pool_admin"):
                batch.refuse(lead.id, t("only an admin of pool {pool} may assign its leads",
                                        pool=pool_names.get(lead.pool_id)))
            elif lead.status == "converted":
                batch.refuse(lead.id, t("converted already"))
            elif lead.pool_id == target.id:
                batch.refuse(lead.id, t("in pool {pool} already", pool=target.name))
            else:
                movable.append(lead)
        # A lead that moves pools goes back to being pooled there; one that had an
        # owner keeps them as previous owner (SQL reads the old owner_id on the
        # right-hand side), in one UPDATE for the whole batch.
        changed = _update(session, [x.id for x in movable], [Lead.status != "converted", Lead.deleted_at.is_(None)],
                          {"pool_id": target.id, "owner_id": None, "status": "pooled", "assigned_at": None,
                           "protect_until": None,
                           "previous_owner_id": func.coalesce(Lead.owner_id, Lead.previous_owner_id),
                           "released_at": case((Lead.owner_id.is_not(None), now), else_=Lead.released_at)})
        for lead in movable:
            if lead.id not in changed:
                batch.refuse(lead.id, _taken())
                continue
            before = _state(lead, names, pool_names)
            batch.done.append(lead.id)
            batch.event(lead, before, {"owner_id": None, "owner": None, "pool_id": target.id,
                                       "pool": target.name, "status": "pooled"})
            batch.notify(lead.owner_id, "reclaimed", lead.id)
        return batch.finish(session, len(ids))


# ----------------------------------------------------------------------------- reclaim / return


def reclaim_leads(store: Store, lead_ids: Sequence[int], reason: str = "") -> BatchResult:
    """Take assigned leads back into their pool (pool admins, admins, a manager for
    their department's leads)."""
    actor = store.actor
    batch = _Batch("reclaim", actor)
    ids = _unique(lead_ids)
    with store.db.write() as session:
        leads, standing = _load(session, store, ids, batch)
        now = clock.now()
        names = _names(session, [x.owner_id for x in leads])
        pool_names = _pool_names(session)
        eligible: list[Lead] = []
        by_owner: dict[int, list[int]] = defaultdict(list)
        for lead in leads:
            role = standing.role(lead)
            if role not in ("admin", "pool_admin", "manager"):
                batch.refuse(lead.id, t("only an admin of pool {pool} may take its leads back",
                                        pool=pool_names.get(lead.pool_id)))
            elif lead.status != "assigned" or lead.owner_id is None:
                batch.refuse(lead.id, t("not assigned"))
            else:
                eligible.append(lead)
                by_owner[lead.owner_id].append(lead.id)
        # One conditional UPDATE per owner, not one per lead (a batch may hold 10,000).
        changed: set[int] = set()
        for owner_id, owned in by_owner.items():
            changed |= _update(session, owned, [Lead.owner_id == owner_id, Lead.status == "assigned"],
                               {"owner_id": None, "status": "pooled", "previous_owner_id": owner_id,
                                "released_at": now, "assigned_at": None, "protect_until": None})
        for lead in eligible:
            if lead.id not in changed:
                batch.refuse(lead.id, _taken())
                continue
            before = _state(lead, names, pool_names)
            batch.done.append(lead.id)
            batch.event(lead, before, {**before, "owner_id": None, "owner": None, "status": "pooled"}, reason)
            batch.notify(lead.owner_id, "reclaimed", lead.id)
        return batch.finish(session, len(ids))


# "other: …" with words after it (SPEC 3: free text under "other"); "other" alone or
# "otherwise …" is not a reason from the list.
_OTHER_REASON = re.compile(r"^(?:other(?:\s*[:：]\s*|\s+)|其他\s*[:：]?\s*)\S", re.IGNORECASE)


def return_leads(store: Store, lead_ids: Sequence[int], reason: str, to_pool: str | int | None = None) -> BatchResult:
    """The owner gives leads back, with a reason from the pool's list (or "other: …"),
    to where the pool's `return_to` says."""
    actor = store.actor
    batch = _Batch("return", actor)
    ids = _unique(lead_ids)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("A return needs a reason")
    with store.db.write() as session:
        leads, _standing = _load(session, store, ids, batch)
        now = clock.now()
        pools = {p.id: p for p in session.scalars(select(Pool).where(Pool.id.in_({x.pool_id for x in leads})))}
        chosen = find_pool(session, to_pool) if to_pool not in (None, "") else None
        names = _names(session, [actor.id])
        pool_names = _pool_names(session)
        returning: list[tuple[Lead, int]] = []
        for lead in leads:
            pool = pools[lead.pool_id]
            if lead.status == "converted":
                batch.refuse(lead.id, t("converted already"))
                continue
            if lead.owner_id != actor.id or lead.status != "assigned":
                batch.refuse(lead.id, t("only its owner may return it"))
                continue
            reasons = [r for r in (pool.return_reasons or "").split("\n") if r]
            if reasons and reason not in reasons and not _OTHER_REASON.match(reason):
                raise Invalid("Pick a return reason of pool {pool}: {reasons}, or other: your words",
                              pool=pool.name, reasons=" / ".join(reasons))
            if pool.return_to == "pool" and pool.return_pool_id:
                destination = pool.return_pool_id
            elif pool.return_to == "choose":
                if chosen is None:
                    raise Invalid("Pool {pool} asks where a returned lead goes: choose a pool", pool=pool.name)
                destination = chosen.id
            else:
                destination = lead.pool_id
            returning.append((lead, destination))
        # One conditional UPDATE per destination pool, not one per lead.
        by_destination: dict[int, list[int]] = defaultdict(list)
        for lead, destination in returning:
            by_destination[destination].append(lead.id)
        changed: set[int] = set()
        for destination, dest_ids in by_destination.items():
            changed |= _update(session, dest_ids, [Lead.owner_id == actor.id, Lead.status == "assigned"],
                               {"owner_id": None, "status": "pooled", "pool_id": destination,
                                "previous_owner_id": actor.id, "released_at": now, "assigned_at": None,
                                "protect_until": None})
        for lead, destination in returning:
            if lead.id not in changed:
                batch.refuse(lead.id, _taken())
                continue
            before = _state(lead, names, pool_names)
            batch.done.append(lead.id)
            batch.event(lead, before, {"owner_id": None, "owner": None, "pool_id": destination,
                                       "pool": pool_names.get(destination), "status": "pooled"}, reason)
        return batch.finish(session, len(ids))


# ----------------------------------------------------------------------------- trash


def delete_leads(store: Store, lead_ids: Sequence[int]) -> BatchResult:
    """Into the trash (pool admins, admins); the owner and collaborators are told."""
    actor = store.actor
    batch = _Batch("delete", actor)
    ids = _unique(lead_ids)
    with store.db.write() as session:
        leads, standing = _load(session, store, ids, batch)
        now = clock.now()
        names = _names(session, [x.owner_id for x in leads])
        pool_names = _pool_names(session)
        allowed = []
        for lead in leads:
            if standing.role(lead) not in ("admin", "pool_admin"):
                batch.refuse(lead.id, t("only an admin of pool {pool} may delete its leads",
                                        pool=pool_names.get(lead.pool_id)))
            else:
                allowed.append(lead)
        changed = _update(session, [x.id for x in allowed], [Lead.deleted_at.is_(None)], {"deleted_at": now})
        collaborators = _collaborators(session, [x.id for x in allowed])
        for lead in allowed:
            if lead.id not in changed:
                batch.refuse(lead.id, _taken())
                continue
            before = _state(lead, names, pool_names)
            batch.done.append(lead.id)
            batch.event(lead, before, {**before, "deleted": True})
            for user_id in {lead.owner_id, *collaborators.get(lead.id, ())}:
                batch.notify(user_id, "deleted", lead.id)
        return batch.finish(session, len(ids))


def _collaborators(session: Session, lead_ids: Sequence[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(list(lead_ids)):
        for lead_id, user_id in session.execute(select(LeadCollaborator.lead_id, LeadCollaborator.user_id)
                                                .where(LeadCollaborator.lead_id.in_(chunk))):
            found[lead_id].add(user_id)
    return found


def _trashed(session: Session, store: Store, ids: Sequence[int], batch: _Batch) -> list[Lead]:
    if not store.actor.is_admin:
        raise Refused("Only an admin may restore or purge leads in the trash")
    ids = _unique(ids)
    if not ids:
        raise Invalid("No leads given")
    leads = lock_leads(session, ids)
    found = []
    for lead_id in ids:
        lead = leads.get(lead_id)
        if lead is None or lead.deleted_at is None:
            batch.refuse(lead_id, t("not in the trash"))
        else:
            found.append(lead)
    return found


def restore_leads(store: Store, lead_ids: Sequence[int]) -> BatchResult:
    """Back from the trash as they were — except that an owner never goes over the
    pool's holding cap: what would not fit comes back pooled (and the owner is told)."""
    batch = _Batch("restore", store.actor)
    with store.db.write() as session:
        leads = _trashed(session, store, lead_ids, batch)
        now = clock.now()
        names = _names(session, [x.owner_id for x in leads])
        pool_names = _pool_names(session)
        overflow = _over_cap(session, [x for x in leads if x.owner_id is not None and x.status == "assigned"])
        keep = [x.id for x in leads if x.id not in overflow]
        changed = _update(session, keep, [Lead.deleted_at.is_not(None)], {"deleted_at": None})
        changed |= _update(session, sorted(overflow), [Lead.deleted_at.is_not(None)], {
            "deleted_at": None, "owner_id": None, "status": "pooled", "previous_owner_id": Lead.owner_id,
            "released_at": now, "assigned_at": None, "protect_until": None})
        collaborators = _collaborators(session, [x.id for x in leads])
        for lead in leads:
            if lead.id not in changed:
                continue
            state = _state(lead, names, pool_names)
            after = {**state, "owner_id": None, "owner": None, "status": "pooled"} if lead.id in overflow else state
            batch.done.append(lead.id)
            batch.event(lead, {**state, "deleted": True}, after,
                        overflow.get(lead.id, ""))
            for user_id in {lead.owner_id, *collaborators.get(lead.id, ())}:
                batch.notify(user_id, "restored", lead.id)
        return batch.finish(session, len(_unique(lead_ids)))


def _over_cap(session: Session, owned: Sequence[Any]) -> dict[int, str]:
    """Of these trashed, owned leads: the ones that would put their owner over the
    pool's holding cap if restored as they were, each with the reason."""
    over: dict[int, str] = {}
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for lead in owned:
        groups[(lead.pool_id, lead.owner_id)].append(lead)
    if not groups:
        return over
    lock_users(session, {owner for _pool, owner in groups})
    pools = {p.id: p for p in session.scalars(select(Pool).where(Pool.id.in_({p for p, _o in groups})))}
    for (pool_id, owner_id), group in groups.items():
        pool = pools[pool_id]
        if pool.holding_cap is None:
            continue
        counted = [x for x in group if pool.cap_counts_own_created or x.created_by_id != owner_id]
        room = max(0, pool.holding_cap - held_counts(session, pool, [owner_id])[owner_id])
        for lead in counted[room:]:
            over[lead.id] = t("back to the pool: its owner is at the cap of {cap} in pool {pool}",
                              cap=pool.holding_cap, pool=pool.name)
    return over


def purge_leads(store: Store, lead_ids: Sequence[int]) -> BatchResult:
    """Gone for good: the lead, its follow-ups and collaborators (its audit stays)."""
    batch = _Batch("purge", store.actor)
    with store.db.write() as session:
        leads = _trashed(session, store, lead_ids, batch)
        names = _names(session, [x.owner_id for x in leads])
        pool_names = _pool_names(session)
        for lead in leads:
            batch.event(lead, _state(lead, names, pool_names), {"purged": True})
            batch.done.append(lead.id)
        _purge(session, [x.id for x in leads])
        return batch.finish(session, len(_unique(lead_ids)))


def _purge(session: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(list(ids)):
        session.execute(delete(FollowUp).where(FollowUp.lead_id.in_(chunk)))
        session.execute(delete(LeadCollaborator).where(LeadCollaborator.lead_id.in_(chunk)))
        session.execute(delete(Lead).where(Lead.id.in_(chunk)).execution_options(synchronize_session=False))


def empty_trash(store: Store) -> int:
    """The trash empties itself: leads deleted more than 30 days ago are purged.
    Run by the console at start, by `trash list`, and by `rules run`."""
    cutoff = clock.now() - timedelta(days=TRASH_DAYS)
    with store.db.write() as session:
        ids = list(session.scalars(select(Lead.id).where(Lead.deleted_at.is_not(None), Lead.deleted_at < cutoff)))
        if ids:
            audit.record_many(session, [{"actor_id": None, "action": "purge", "entity": "lead", "entity_id": i,
                                         "reason": f"in the trash for more than {TRASH_DAYS} days"} for i in ids])
            _purge(session, ids)
        return len(ids)


def deleted_times(store: Store, lead_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these leads went into the trash (admins: the trash's own list)."""
    if not store.actor.is_admin:
        raise Refused("Only an admin may see the trash")
    found: dict[int, datetime] = {}
    with store.db.read() as session:
        for chunk in _chunks(_unique(lead_ids)):
            found.update(session.execute(select(Lead.id, Lead.deleted_at).where(
                Lead.id.in_(chunk), Lead.deleted_at.is_not(None))).all())
    return found
