"""Who the operator is and what they may see (SPEC 1).

Every permission is decided here or in the store function that acts, never in
the screens. `Actor` is resolved from the OS login once per store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from leadtui.store.errors import Refused, UnknownLogin
from leadtui.store.models import Lead, LeadCollaborator, Pool, PoolAdmin, PoolMember, User
from leadtui.store.records import AuditRecord


@dataclass(frozen=True)
class Actor:
    id: int
    login: str
    name: str
    role: str
    department_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def resolve_actor(session: Session, os_login: str, as_login: str | None = None) -> Actor:
    """The acting user: the OS login, or with `--as` another user for an admin."""
    user = session.scalar(select(User).where(User.login == os_login, User.active.is_(True)))
    if user is None:
        raise UnknownLogin(
            "Unknown login {login}: an admin adds it with `leadtui users add {login} --name NAME`",
            login=os_login,
        )
    if as_login and as_login != os_login:
        if user.role != "admin":
            raise Refused("Only an admin may act as another user (--as); {login} is {role}",
                          login=os_login, role=user.role)
        user = session.scalar(select(User).where(User.login == as_login, User.active.is_(True)))
        if user is None:
            raise UnknownLogin(
                "Unknown login {login}: an admin adds it with `leadtui users add {login} --name NAME`",
                login=as_login,
            )
    return Actor(user.id, user.login, user.name, user.role, user.department_id)


@dataclass(frozen=True)
class PoolAccess:
    """The pools an actor administers and those they are a member of."""

    admin_of: frozenset[int]
    member_of: frozenset[int]
    # member pools by (hide_assigned, hide_converted) — their visibility rules
    member_rules: dict[int, tuple[bool, bool, bool]]  # pool -> (hide_assigned, hide_converted, see_detail)


def pool_access(session: Session, actor: Actor, kind: str = "lead") -> PoolAccess:
    admin_of = set(session.scalars(
        select(PoolAdmin.pool_id).join(Pool, Pool.id == PoolAdmin.pool_id)
        .where(PoolAdmin.user_id == actor.id, Pool.kind == kind)))
    member_cond = PoolMember.user_id == actor.id
    if actor.department_id is not None:
        member_cond = or_(member_cond, PoolMember.department_id == actor.department_id)
    rows = session.execute(
        select(Pool.id, Pool.hide_assigned, Pool.hide_converted, Pool.members_see_detail)
        .join(PoolMember, PoolMember.pool_id == Pool.id)
        .where(member_cond, Pool.kind == kind)
    ).all()
    rules = {r[0]: (bool(r[1]), bool(r[2]), bool(r[3])) for r in rows}
    return PoolAccess(frozenset(admin_of), frozenset(rules), rules)


def masked_pools(access: PoolAccess) -> frozenset[int]:
    """The pools whose unclaimed leads the actor sees masked: those they are a plain
    member of (not an admin of) and whose members_see_detail is off."""
    return frozenset(pool_id for pool_id, (_ha, _hc, see_detail) in access.member_rules.items()
                     if not see_detail and pool_id not in access.admin_of)


def department_member_ids(session: Session, actor: Actor) -> list[int]:
    if actor.role != "manager" or actor.department_id is None:
        return []
    return list(session.scalars(select(User.id).where(User.department_id == actor.department_id)))


def visible_leads(session: Session, actor: Actor, access: PoolAccess | None = None) -> ColumnElement[bool]:
    """The leads an actor may see (SPEC 1, 3): admin all; otherwise their own, those
    they collaborate on, their pools' (as admin all, as member what the pool's
    hide_assigned / hide_converted leave), and for a manager their department's.
    Some of those they see masked only (`masked_leads`)."""
    if actor.is_admin:
        return true()
    access = access or pool_access(session, actor)
    conditions: list[ColumnElement[bool]] = [
        Lead.owner_id == actor.id,
        Lead.id.in_(select(LeadCollaborator.lead_id).where(LeadCollaborator.user_id == actor.id)),
    ]
    if access.admin_of:
        conditions.append(Lead.pool_id.in_(sorted(access.admin_of)))
    groups: dict[tuple[bool, bool], list[int]] = {}
    for pool_id, (hide_assigned, hide_converted, _see) in access.member_rules.items():
        if pool_id not in access.admin_of:
            groups.setdefault((hide_assigned, hide_converted), []).append(pool_id)
    for (hide_assigned, hide_converted), pools in groups.items():
        cond: list[ColumnElement[bool]] = [Lead.pool_id.in_(sorted(pools))]
        if hide_assigned:
            cond.append(Lead.status != "assigned")
        if hide_converted:
            cond.append(Lead.status != "converted")
        conditions.append(and_(*cond))
    team = department_member_ids(session, actor)
    if team:
        conditions.append(Lead.owner_id.in_(team))
    return or_(*conditions) if conditions else false()


# ----------------------------------------------------------------------------- masked leads
#
# SPEC 3, members_see_detail off: a plain member sees of an unclaimed lead only these
# values and the contact's name masked, on every path (lists, search, export, call
# records, audit, detail). "Plain member" is `Standing.role` == "member": not an admin,
# pool admin, owner, manager of the owner or collaborator. Decided here, once, two
# ways: per lead (`Standing.masked`) and as SQL (`masked_leads`), kept in step.

MASKED_SHOWN: frozenset[str] = frozenset({"order_no", "source", "submitted_at", "status", "pool", "days_left"})
# What an audit event of a masked lead keeps: when and what happened (kept whole), and these.
MASKED_EVENT_KEYS: frozenset[str] = frozenset({"status", "pool", "pool_id", "source"})
_WORD = re.compile(r"\S+")


def mask_name(name: object) -> str:
    """张三丰 -> 张**, John Smith -> J*** S****: each word's first character and a
    star for each of its other characters."""
    return _WORD.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), str(name or ""))


def masked_values(values: Mapping[str, object]) -> dict[str, object]:
    """A lead's values as a masked lead shows them: the rest None."""
    return {key: value if key in MASKED_SHOWN else mask_name(value) if key == "contact" else None
            for key, value in values.items()}


def masked_event(event: AuditRecord, login: str) -> AuditRecord:
    """An audit event of a masked lead: when, what, status and pool; no field values,
    no reason (it may quote them), and nobody's login but the reader's own."""
    def keep(values: Mapping[str, object]) -> dict[str, object]:
        return {k: v for k, v in values.items() if k in MASKED_EVENT_KEYS}

    return replace(event, actor=event.actor if event.actor == login else "", before=keep(event.before),
                   after=keep(event.after), reason="", batch_id="",
                   operator=event.operator if event.operator == login else "")


def masked_leads(actor: Actor, access: PoolAccess | None, pool_id: int | None = None) -> ColumnElement[bool] | None:
    """The leads `actor` sees masked, as SQL (`Standing.masked` per lead), among the
    leads of `pool_id` when given; None when there are none. Callers then add nothing
    to their queries (no column, no CASE, no OR): admins, pool admins and members of
    pools that show details pay nothing for the rule."""
    if actor.is_admin or access is None:
        return None
    pools = masked_pools(access)
    if pool_id is not None:
        pools &= {pool_id}
    if not pools:
        return None
    # Unclaimed: pooled, no owner (so no owner's manager either). A collaborator sees it whole.
    return and_(Lead.pool_id.in_(sorted(pools)), Lead.status == "pooled", Lead.owner_id.is_(None),
                Lead.id.not_in(select(LeadCollaborator.lead_id).where(LeadCollaborator.user_id == actor.id)))


def masked_for(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """`masked_leads` for a caller that has not read the actor's pools yet."""
    return None if actor.is_admin else masked_leads(actor, pool_access(session, actor))


class Standing:
    """An actor's standing on many leads at once: the pool and team facts are read
    once, so a batch of ten thousand leads costs a few queries, not one per lead."""

    def __init__(self, session: Session, actor: Actor, lead_ids: list[int] | None = None) -> None:
        self.actor = actor
        self.access = pool_access(session, actor)
        self.team = set(department_member_ids(session, actor))
        collab = select(LeadCollaborator.lead_id).where(LeadCollaborator.user_id == actor.id)
        if lead_ids is not None:
            collab = collab.where(LeadCollaborator.lead_id.in_(lead_ids))
        self.collaborating = set(session.scalars(collab)) if not actor.is_admin else set()
        self.masked_pools = masked_pools(self.access)

    def role(self, lead: Lead) -> str | None:
        """The strongest standing the actor has on this lead, or None when they may
        not see it: "admin", "pool_admin", "owner", "manager", "collaborator", "member"."""
        if self.actor.is_admin:
            return "admin"
        if lead.pool_id in self.access.admin_of:
            return "pool_admin"
        if lead.owner_id == self.actor.id:
            return "owner"
        if lead.owner_id is not None and lead.owner_id in self.team:
            return "manager"
        if lead.id in self.collaborating:
            return "collaborator"
        rules = self.access.member_rules.get(lead.pool_id)
        if rules is not None:
            hide_assigned, hide_converted, _see = rules
            if (hide_assigned and lead.status == "assigned") or (hide_converted and lead.status == "converted"):
                return None
            return "member"
        return None

    def masked(self, lead: Lead, role: str | None = None) -> bool:
        """Whether the actor sees this lead masked (`masked_leads` as SQL); `role`:
        `role(lead)` when the caller has it already."""
        role = self.role(lead) if role is None else role
        return (role == "member" and lead.status == "pooled" and lead.owner_id is None
                and lead.pool_id in self.masked_pools)

    def is_member(self, pool_id: int) -> bool:
        return self.actor.is_admin or pool_id in self.access.member_of or pool_id in self.access.admin_of


def lead_role(session: Session, actor: Actor, lead: Lead) -> str | None:
    return Standing(session, actor, [lead.id]).role(lead)
