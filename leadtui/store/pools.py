"""Pools and public seas: creation and membership (SPEC 3).

The pool actions (assign, claim, reclaim, return, delete) come with the pools issue.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadtui.store.models import Pool, PoolAdmin, PoolMember


def create_pool(session: Session, name: str, *, kind: str = "lead", is_default: bool = False,
                admins: Iterable[int] = (), member_users: Iterable[int] = (),
                member_departments: Iterable[int] = (), **settings: object) -> Pool:
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
    return dict(session.execute(select(Pool.id, Pool.name).where(Pool.kind == kind)).tuples())
