"""Pools and public seas: creation, settings and membership (SPEC 3).

A public sea is a pool of kind "sea" (SPEC 4 gives it the same settings), so both
are made and changed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leadtui.i18n import label, t
from leadtui.store.access import pool_access
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.models import Department, Pool, PoolAdmin, PoolMember, User
from leadtui.store.records import PoolRecord

if TYPE_CHECKING:
    from leadtui.store.service import Store

KINDS = ("lead", "sea")
_NUMBERS = ("holding_cap", "daily_claim_limit", "protect_days", "max_protect_days", "cooldown_days",
            "notify_before_days")
_FLAGS = ("cap_counts_own_created", "hide_assigned", "hide_converted", "members_see_detail",
          "recycle_own_created")


def create_pool(session: Session, name: str, *, kind: str = "lead", is_default: bool = False,
                admins: Iterable[int] = (), member_users: Iterable[int] = (),
                member_departments: Iterable[int] = (), **settings: object) -> Pool:
    """The raw insert (demo data, tests); `add_pool` is the checked business action."""
    pool = Pool(kind=kind, name=name, is_default=is_default, **settings)
    session.add(pool)
    session.flush()
    for user_id in admins:
        session.add(PoolAdmin(pool_id=pool.id, user_id=user_id))
    for user_id in member_users:
        session.add(PoolMember(pool_id=pool.id, user_id=user_id))
    for dept_id in member_departments:
        session.add(PoolMember(pool_id=pool.id, department_id=dept_id))
    session.flush()
    return pool


def pool_names(session: Session, kind: str = "lead") -> dict[int, str]:
    return dict(session.execute(select(Pool.id, Pool.name).where(Pool.kind == kind)).all())


def find_pool(session: Session, name_or_id: str | int, kind: str = "lead") -> Pool:
    text = str(name_or_id).strip()
    pool = None
    if text.isdigit():
        pool = session.scalar(select(Pool).where(Pool.id == int(text), Pool.kind == kind))
    if pool is None:
        pool = session.scalar(select(Pool).where(Pool.name == text, Pool.kind == kind))
    if pool is None:
        what = t("public sea") if kind == "sea" else t("pool")
        raise NotFound("There is no {what} named {name}", what=what, name=text)
    return pool


def _user_ids(session: Session, logins: Iterable[str]) -> list[int]:
    ids = []
    for login in logins:
        user_id = session.scalar(select(User.id).where(User.login == login, User.active.is_(True)))
        if user_id is None:
            raise NotFound("There is no user {login}", login=login)
        ids.append(user_id)
    return ids


def _dept_ids(session: Session, names: Iterable[str]) -> list[int]:
    ids = []
    for name in names:
        dept_id = session.scalar(select(Department.id).where(Department.name == name))
        if dept_id is None:
            raise NotFound("There is no department {name}", name=name)
        ids.append(dept_id)
    return ids


def _apply_settings(session: Session, pool: Pool, settings: dict[str, Any]) -> None:
    # A number setting left out or None stays as it is; "" clears it (no limit), so a
    # form can send back an emptied field (the settings screen does).
    for key in _NUMBERS:
        if key in settings and settings[key] is not None:
            value = settings[key]
            if isinstance(value, str) and not value.strip():
                setattr(pool, key, None)
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise Invalid("{setting} must be a whole number of 0 or more, not {value}", setting=label(key),
                              value=value)
            setattr(pool, key, value)
    for key in _FLAGS:
        if key in settings and settings[key] is not None:
            setattr(pool, key, bool(settings[key]))
    if settings.get("return_to") is not None:
        target = str(settings["return_to"]).strip()
        if target in ("origin", "choose"):
            pool.return_to, pool.return_pool_id = target, None
        else:
            fixed = find_pool(session, target, pool.kind)
            pool.return_to, pool.return_pool_id = "pool", fixed.id
    if settings.get("return_reasons") is not None:
        reasons = [r.strip() for r in settings["return_reasons"] if r and r.strip()]
        pool.return_reasons = "\n".join(dict.fromkeys(reasons))
    if pool.protect_days and pool.max_protect_days and pool.max_protect_days < pool.protect_days:
        raise Invalid("{longest} ({max}) cannot be below {protect} ({days})", longest=label("max_protect_days"),
                      max=pool.max_protect_days, protect=label("protect_days"), days=pool.protect_days)


def _set_members(session: Session, pool: Pool, admins: Sequence[str] | None, members: Sequence[str] | None,
                 member_depts: Sequence[str] | None) -> None:
    if admins is not None:
        session.execute(delete(PoolAdmin).where(PoolAdmin.pool_id == pool.id))
        for user_id in dict.fromkeys(_user_ids(session, admins)):
            session.add(PoolAdmin(pool_id=pool.id, user_id=user_id))
    if members is not None:
        session.execute(delete(PoolMember).where(PoolMember.pool_id == pool.id, PoolMember.user_id.is_not(None)))
        for user_id in dict.fromkeys(_user_ids(session, members)):
            session.add(PoolMember(pool_id=pool.id, user_id=user_id))
    if member_depts is not None:
        session.execute(delete(PoolMember).where(PoolMember.pool_id == pool.id,
                                                 PoolMember.department_id.is_not(None)))
        for dept_id in dict.fromkeys(_dept_ids(session, member_depts)):
            session.add(PoolMember(pool_id=pool.id, department_id=dept_id))


def _require_admin(store: Store) -> None:
    if not store.actor.is_admin:
        raise Refused("Only an admin may create or change pools and public seas")


def add_pool(store: Store, name: str, *, kind: str = "lead", admins: Sequence[str] = (),
             members: Sequence[str] = (), member_depts: Sequence[str] = (), default: bool = False,
             **settings: Any) -> PoolRecord:
    _require_admin(store)
    name = name.strip()
    if not name:
        raise Invalid("A pool needs a name")
    if kind not in KINDS:
        raise Invalid("Unknown pool kind {kind}", kind=kind)
    with store.db.write() as session:
        if session.scalar(select(Pool.id).where(Pool.name == name, Pool.kind == kind)) is not None:
            raise Refused("A pool named {name} exists already", name=name)
        pool = Pool(kind=kind, name=name, is_default=False)
        session.add(pool)
        session.flush()
        _apply_settings(session, pool, settings)
        _set_members(session, pool, admins, members, member_depts)
        if default:
            _make_default(session, pool)
        session.flush()
        audit.record(session, store.actor.id, "create", "pool", pool.id, {}, {"name": name, "kind": kind},
                     pool_id=pool.id)
        return _record(session, store, pool)


def set_pool(store: Store, name_or_id: str | int, *, kind: str = "lead", rename: str | None = None,
             admins: Sequence[str] | None = None, members: Sequence[str] | None = None,
             member_depts: Sequence[str] | None = None, default: bool = False, **settings: Any) -> PoolRecord:
    _require_admin(store)
    with store.db.write() as session:
        pool = find_pool(session, name_or_id, kind)
        before = _record(session, store, pool)
        if rename is not None and rename.strip() and rename.strip() != pool.name:
            if session.scalar(select(Pool.id).where(Pool.name == rename.strip(), Pool.kind == kind)):
                raise Refused("A pool named {name} exists already", name=rename.strip())
            pool.name = rename.strip()
        _apply_settings(session, pool, settings)
        _set_members(session, pool, admins, members, member_depts)
        if default:
            _make_default(session, pool)
        session.flush()
        after = _record(session, store, pool)
        changed = {k: v for k, v in vars(after).items() if vars(before).get(k) != v}
        audit.record(session, store.actor.id, "settings", "pool", pool.id,
                     {k: vars(before)[k] for k in changed}, changed, pool_id=pool.id)
        return after


def _make_default(session: Session, pool: Pool) -> None:
    for other in session.scalars(select(Pool).where(Pool.kind == pool.kind, Pool.is_default.is_(True))):
        other.is_default = False
    pool.is_default = True


def _record(session: Session, store: Store, pool: Pool) -> PoolRecord:
    admins = tuple(session.scalars(select(User.login).join(PoolAdmin, PoolAdmin.user_id == User.id)
                                   .where(PoolAdmin.pool_id == pool.id).order_by(User.login)))
    users = tuple(session.scalars(select(User.login).join(PoolMember, PoolMember.user_id == User.id)
                                  .where(PoolMember.pool_id == pool.id).order_by(User.login)))
    depts = tuple(session.scalars(select(Department.name).join(PoolMember, PoolMember.department_id == Department.id)
                                  .where(PoolMember.pool_id == pool.id).order_by(Department.name)))
    return_pool = session.get(Pool, pool.return_pool_id) if pool.return_pool_id else None
    access = pool_access(session, store.actor, pool.kind)
    return PoolRecord(
        id=pool.id, kind=pool.kind, name=pool.name, is_default=pool.is_default, holding_cap=pool.holding_cap,
        cap_counts_own_created=pool.cap_counts_own_created, daily_claim_limit=pool.daily_claim_limit,
        protect_days=pool.protect_days, max_protect_days=pool.max_protect_days,
        cooldown_days=pool.cooldown_days, notify_before_days=pool.notify_before_days,
        return_to=pool.return_to, return_pool=return_pool.name if return_pool else None,
        return_reasons=tuple(r for r in (pool.return_reasons or "").split("\n") if r),
        hide_assigned=pool.hide_assigned, hide_converted=pool.hide_converted,
        members_see_detail=pool.members_see_detail, recycle_own_created=pool.recycle_own_created,
        admins=admins, member_users=users, member_departments=depts,
        i_am_admin=store.actor.is_admin or pool.id in access.admin_of,
        i_am_member=pool.id in access.member_of,
    )


def list_pools(store: Store, kind: str = "lead") -> list[PoolRecord]:
    """The pools the user may see: admins all, others those they administer or belong to."""
    with store.db.read() as session:
        access = pool_access(session, store.actor, kind)
        pools = session.scalars(select(Pool).where(Pool.kind == kind).order_by(Pool.is_default.desc(), Pool.name))
        return [_record(session, store, p) for p in pools
                if store.actor.is_admin or p.id in access.admin_of or p.id in access.member_of]


def show_pool(store: Store, name_or_id: str | int, kind: str = "lead") -> PoolRecord:
    for pool in list_pools(store, kind):
        if str(pool.id) == str(name_or_id).strip() or pool.name == str(name_or_id).strip():
            return pool
    raise NotFound("There is no pool named {name} that you may see", name=name_or_id)
