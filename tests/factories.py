"""Test factories: users, pools, leads and stores written straight into a `Database`.

They bypass the permission checks on purpose (a test sets up a world, then asks the
store as some user what that user may do), but they use the store's own insert paths
(`users._create`, `pools.create_pool`, `intake.add_lead`) so the derived columns —
order numbers, the normalised search text, audit events of creation — are real.

    from tests.factories import NOW, make_user, make_pool, make_lead, store_for
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from leadtui import clock
from leadtui.store.db.engine import Database
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.leads.intake import add_lead
from leadtui.store.models import Customer, Lead, Pool, User
from leadtui.store.pools import settings as pools
from leadtui.store.records import UserRecord
from leadtui.store.service import Store
from leadtui.store.users import accounts as users

# The frozen "now" of every test (conftest freezes the clock here): a Sunday morning.
NOW = datetime(2026, 11, 22, 9, 30)


def make_user(db: Database, login: str, role: str = "sales", dept: str | None = None,
              name: str | None = None) -> UserRecord:
    """A user (department created on first use); `name` defaults to the login."""
    with db.write() as session:
        return users._create(session, None, login, name or login, role, dept)


def _user_id(session, login: str) -> int:  # noqa: ANN001
    user_id = session.scalar(select(User.id).where(User.login == login))
    if user_id is None:
        raise LookupError(f"no user {login!r}: make it with make_user first")
    return user_id


def _pool_id(session, pool: int | str | None) -> int | None:  # noqa: ANN001
    if pool is None or isinstance(pool, int):
        return pool
    pool_id = session.scalar(select(Pool.id).where(Pool.name == pool, Pool.kind == "lead"))
    if pool_id is None:
        raise LookupError(f"no pool {pool!r}: make it with make_pool first")
    return pool_id


def make_pool(db: Database, name: str, admins: Iterable[str] = (), members: Iterable[str] = (),
              member_depts: Iterable[str] = (), **settings: object) -> int:
    """A lead pool; admins and members are logins, member_depts department names
    (created when missing); settings are Pool columns (holding_cap=5,
    hide_assigned=True, members_see_detail=True, is_default=True, ...). Returns its id."""
    is_default = bool(settings.pop("is_default", False))
    with db.write() as session:
        admin_ids = [_user_id(session, login) for login in admins]
        member_ids = [_user_id(session, login) for login in members]
        dept_ids = [users.department(session, d).id for d in member_depts]
        pool = pools.create_pool(session, name, is_default=is_default, admins=admin_ids,
                                 member_users=member_ids, member_departments=dept_ids, **settings)
        return pool.id


def make_lead(db: Database, pool: int | str | None = None, owner: str | None = None,
              status: str = "pooled", *, source: str = "intent", submitted_at: datetime | None = None,
              assigned_at: datetime | None = None, protect_until: datetime | None = None,
              **fields: object) -> int:
    """A lead through intake (`intake.add_lead`); returns its id.

    pool: id or name (None: the default pool, made on first use).
    owner: a login; giving one makes the lead "assigned" (assigned_at defaults to now,
    protect_until to assigned_at + the pool's protect_days when it has one).
    status "converted" also makes a customer from the lead (owner = lead owner) and
    links it, as a conversion would (no contact, no deal, no convert audit event).
    fields: the SPEC 2.1 fields, plus message and tags.
    """
    if status not in ("pooled", "assigned", "converted"):
        raise ValueError(f"unknown status {status!r}")
    if status == "assigned" and owner is None:
        raise ValueError("an assigned lead needs an owner")
    with db.write() as session:
        lead = add_lead(session, fields, pool_id=_pool_id(session, pool), source=source,
                        submitted_at=submitted_at)
        if owner is not None:
            lead.owner_id = _user_id(session, owner)
            lead.assigned_at = assigned_at or clock.now()
            lead.status = "assigned"
            if protect_until is None:
                days = session.scalar(select(Pool.protect_days).where(Pool.id == lead.pool_id))
                if days:
                    protect_until = lead.assigned_at + timedelta(days=days)
            lead.protect_until = protect_until
        if status == "converted":
            customer = Customer(
                kind="enterprise" if lead.company else "individual",
                name=lead.company or lead.contact or lead.order_no, mobile=lead.mobile, email=lead.email,
                company=lead.company, mobile_norm=mobile_norm(lead.mobile), email_norm=email_norm(lead.email),
                status="following", owner_id=lead.owner_id, created_at=clock.now(),
            )
            session.add(customer)
            session.flush()
            lead.status = "converted"
            lead.converted_at = clock.now()
            lead.customer_id = customer.id
        session.flush()
        return lead.id


def store_for(db: Database, login: str, as_login: str | None = None) -> Store:
    """The store as `login` sees it (optionally acting as `as_login`)."""
    return Store(db, login, as_login)


def get_lead(db: Database, lead_id: int) -> Lead:
    """The lead's row as stored (for what the store does not hand out, e.g. `handled`)."""
    with db.read() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def count_rows(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
