"""Users and departments (SPEC 1)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.fields import ROLES
from leadtui.store.models import Department, SshKey, User
from leadtui.store.records import UserRecord
from leadtui.store.users import ssh_keys

if TYPE_CHECKING:
    from leadtui.store.db.engine import Database
    from leadtui.store.service import Store

_LOGIN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def department(session: Session, name: str) -> Department:
    dept = session.scalar(select(Department).where(Department.name == name))
    if dept is None:
        dept = Department(name=name)
        session.add(dept)
        session.flush()
    return dept


def _create(session: Session, actor_id: int | None, login: str, name: str, role: str,
            dept: str | None) -> UserRecord:
    if not _LOGIN.match(login):
        raise Invalid("Login {login} may only hold letters, digits and _ . @ -", login=login)
    if role not in ROLES:
        raise Invalid("Unknown role {role}: one of {choices}", role=role, choices=", ".join(ROLES))
    name = name.strip()
    if not name:
        raise Invalid("A user needs a name")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise Refused("User {login} exists already", login=login)
    department_id = department(session, dept.strip()).id if dept and dept.strip() else None
    user = User(login=login, name=name, role=role, department_id=department_id)
    session.add(user)
    session.flush()
    audit.record(session, actor_id, "create", "user", user.id, {},
                 {"login": login, "role": role, "department": dept})
    return UserRecord(user.id, login, name, role, dept)


def bootstrap_admin(db: Database, login: str, name: str) -> UserRecord | None:
    """`leadtui init`: the login that runs it becomes the first admin, once."""
    with db.write() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        return _create(session, None, login, name, "admin", None)


def _key_names(keys: Sequence[ssh_keys.PublicKey]) -> tuple[str, ...]:
    return tuple(" ".join(filter(None, (k.fingerprint, k.comment))) for k in keys)


def add_user(store: Store, login: str, name: str, role: str = "sales", dept: str | None = None,
             keys: Sequence[str] = ()) -> UserRecord:
    """A new user, with the SSH public keys that open their login in the locked-down mode."""
    if not store.actor.is_admin:
        raise Refused("Only an admin may add users")
    parsed = [ssh_keys.parse(k) for k in keys]
    with store.db.write() as session:
        made = _create(session, store.actor.id, login, name, role, dept)
        if parsed:
            user = session.get(User, made.id)
            added = ssh_keys.add_keys(session, user, parsed)
            audit.record(session, store.actor.id, "settings", "user", made.id, {}, {"ssh_keys_added": added})
        return UserRecord(made.id, login, made.name, role, made.department, None,
                          _key_names(ssh_keys.keys_of(session, made.id)))


def list_users(store: Store) -> list[UserRecord]:
    with store.db.read() as session:
        rows = session.execute(
            select(User, Department.name).outerjoin(Department, Department.id == User.department_id)
            .where(User.active.is_(True)).order_by(User.login)).all()
        keys: dict[int, list[ssh_keys.PublicKey]] = {}
        for key in session.scalars(select(SshKey).order_by(SshKey.id)):
            keys.setdefault(key.user_id, []).append(ssh_keys.PublicKey(key.kind, key.blob, key.comment))
        return [UserRecord(u.id, u.login, u.name, u.role, d, u.customer_cap, _key_names(keys.get(u.id, [])))
                for u, d in rows]


# `set_user(customer_cap=None)` means "no cap"; leaving it out means "unchanged".
UNCHANGED = object()


def set_user(store: Store, login: str, *, role: str | None = None, dept: str | None = None,
             customer_cap: int | None | object = UNCHANGED, name: str | None = None,
             add_keys: Sequence[str] = (), remove_keys: Sequence[str] = ()) -> UserRecord:
    """Change a user's role, department, name, customer holding cap or SSH keys (admins only)."""
    if not store.actor.is_admin:
        raise Refused("Only an admin may change users")
    parsed = [ssh_keys.parse(k) for k in add_keys]
    if role is not None and role not in ROLES:
        raise Invalid("Unknown role {role}: one of {choices}", role=role, choices=", ".join(ROLES))
    if customer_cap is not UNCHANGED and customer_cap is not None:
        if not isinstance(customer_cap, int) or isinstance(customer_cap, bool) or customer_cap < 0:
            raise Invalid("The customer holding cap is a whole number of 0 or more, not {value}",
                          value=customer_cap)
    if name is not None and not name.strip():
        raise Invalid("A user needs a name")
    with store.db.write() as session:
        user = session.scalar(select(User).where(User.login == login, User.active.is_(True)))
        if user is None:
            raise NotFound("No user {login}", login=login)
        before = {"role": user.role, "department_id": user.department_id,
                  "customer_cap": user.customer_cap, "name": user.name}
        if role is not None:
            if user.id == store.actor.id and role != "admin":
                raise Refused("You may not take away your own admin role")
            user.role = role
        if dept is not None:
            user.department_id = department(session, dept.strip()).id if dept.strip() else None
        if customer_cap is not UNCHANGED:
            user.customer_cap = customer_cap  # type: ignore[assignment]
        if name is not None:
            user.name = name.strip()
        after = {"role": user.role, "department_id": user.department_id,
                 "customer_cap": user.customer_cap, "name": user.name}
        changed = {k: v for k, v in after.items() if before[k] != v}
        removed = ssh_keys.remove_keys(session, user, remove_keys)
        added = ssh_keys.add_keys(session, user, parsed)
        if removed:
            changed["ssh_keys_removed"] = removed
        if added:
            changed["ssh_keys_added"] = added
        if changed:
            audit.record(session, store.actor.id, "settings", "user", user.id,
                         {k: before[k] for k in changed if k in before}, changed)
        dept_name = session.get(Department, user.department_id).name if user.department_id else None
        return UserRecord(user.id, user.login, user.name, user.role, dept_name, user.customer_cap,
                          _key_names(ssh_keys.keys_of(session, user.id)))
