"""Users and departments (SPEC 1)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadtui.store import audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.fields import ROLES
from leadtui.store.models import Department, User
from leadtui.store.records import UserRecord

if TYPE_CHECKING:
    from leadtui.store.db import Database
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


def add_user(store: Store, login: str, name: str, role: str = "sales", dept: str | None = None) -> UserRecord:
    if not store.actor.is_admin:
        raise Refused("Only an admin may add users")
    with store.db.write() as session:
        return _create(session, store.actor.id, login, name, role, dept)


def list_users(store: Store) -> list[UserRecord]:
    with store.db.read() as session:
        rows = session.execute(
            select(User, Department.name).outerjoin(Department, Department.id == User.department_id)
            .where(User.active.is_(True)).order_by(User.login)).all()
        return [UserRecord(u.id, u.login, u.name, u.role, d) for u, d in rows]
