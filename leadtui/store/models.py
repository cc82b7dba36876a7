"""SQLAlchemy 2.0 typed models. Times are naive UTC (see leadtui.clock)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default="sales")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    customer_cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[Department | None] = relationship()


class SshKey(Base):
    """A public key bound to a login: the locked-down mode (SPEC 11) knows an operator
    by the key sshd accepted, through `leadtui ssh authorized-keys`. A key opens one
    login only, so the key itself is unique."""

    __tablename__ = "ssh_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256…
    blob: Mapped[str] = mapped_column(Text, unique=True)  # the key's base64, as in authorized_keys
    comment: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime)


class Pool(Base):
    """A lead pool (kind "lead") or a public sea of customers (kind "sea"): SPEC 4
    gives a sea the same settings as a pool, so both share one table and one code."""

    __tablename__ = "pools"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="lead")
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    holding_cap: Mapped[int | None] = mapped_column(Integer)
    cap_counts_own_created: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_claim_limit: Mapped[int | None] = mapped_column(Integer)
    protect_days: Mapped[int | None] = mapped_column(Integer)
    max_protect_days: Mapped[int | None] = mapped_column(Integer)
    cooldown_days: Mapped[int | None] = mapped_column(Integer)
    notify_before_days: Mapped[int | None] = mapped_column(Integer)
    # "origin" (the pool it came from), "choose" (the user picks), or "pool" (fixed).
    return_to: Mapped[str] = mapped_column(String(8), default="origin")
    return_pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    return_reasons: Mapped[str] = mapped_column(Text, default="")  # one per line
    hide_assigned: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_converted: Mapped[bool] = mapped_column(Boolean, default=False)
    members_see_detail: Mapped[bool] = mapped_column(Boolean, default=False)
    recycle_own_created: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("kind", "name"),)


class AssignRule(Base):
    """One of a pool's auto-assign rules (SPEC 5): the first whose conditions all hold
    takes the lead for its targets, round-robin from `next_target`."""

    __tablename__ = "assign_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1..10, no gaps
    conditions: Mapped[str] = mapped_column(Text)  # JSON [[field, op, value], ...]
    targets: Mapped[str] = mapped_column(Text)  # JSON [user_id, ...]
    next_target: Mapped[int] = mapped_column(Integer, default=0)


class PoolMember(Base):
    """A member is a user or a whole department."""

    __tablename__ = "pool_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))


class PoolAdmin(Base):
    __tablename__ = "pool_admins"
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), index=True)
    nickname: Mapped[str] = mapped_column(String(100), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    wechat: Mapped[str] = mapped_column(String(100), default="")
    qq: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(100), default="")
    # Normalised forms for the duplicate check (SPEC 2.5, 4).
    mobile_norm: Mapped[str] = mapped_column(String(40), default="", index=True)
    email_norm: Mapped[str] = mapped_column(String(200), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="unassigned")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    public_sea_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="")
    stage: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_followup_at: Mapped[datetime | None] = mapped_column(DateTime)
    protect_until: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # The protect_until the owner was last warned about: one warning per period.
    warned_for: Mapped[datetime | None] = mapped_column(DateTime)
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Deal(Base):
    __tablename__ = "deals"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    stage: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("customer_id", "name"),)


class Lead(Base):
    __tablename__ = "leads"
    id: Mapped[int] = mapped_column(primary_key=True)
    # SPEC 2.1: the 17 searchable fields.
    order_no: Mapped[str] = mapped_column(String(40), unique=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    nickname: Mapped[str] = mapped_column(String(100), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    wechat: Mapped[str] = mapped_column(String(100), default="")
    qq: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    company_type: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    job_title: Mapped[str] = mapped_column(String(100), default="")
    business: Mapped[str] = mapped_column(String(200), default="")

    source: Mapped[str] = mapped_column(String(16), default="intent")
    message: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pooled")
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    protect_until: Mapped[datetime | None] = mapped_column(DateTime)
    warned_for: Mapped[datetime | None] = mapped_column(DateTime)  # as on Customer
    # A rule matched but every target was at the cap: `rules run` tries again.
    awaiting_rule: Mapped[bool] = mapped_column(Boolean, default=False)
    last_followup_at: Mapped[datetime | None] = mapped_column(DateTime)
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    converted_at: Mapped[datetime | None] = mapped_column(DateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    tags: Mapped[str] = mapped_column(Text, default="")
    # In the trash while deleted_at is set; restoring clears it (the status is kept).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The normalised text the search matches against (see store/search.py).
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        # The lists' default orders: newest submitted first, newest converted first.
        Index("ix_leads_submitted", "submitted_at", "id"),
        Index("ix_leads_converted", "converted_at", "id"),
        Index("ix_leads_pool_status", "pool_id", "status"),
        Index("ix_leads_owner", "owner_id"),
        Index("ix_leads_mobile", "mobile"),
        Index("ix_leads_email", "email"),
        Index("ix_leads_customer", "customer_id"),
        # Auto-recycle and the warnings look for assigned leads by protect_until.
        Index("ix_leads_protect", "status", "protect_until"),
    )


class SearchPosting(Base):
    """The search index (store/search_index.py): the leads of one segment (16,384
    consecutive ids) that may hold a gram, as sorted little-endian uint16 offsets."""

    __tablename__ = "search_postings"
    gram: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seg: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)
    ids: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = {"sqlite_with_rowid": False}


class SearchTerm(Base):
    """A word of the leads' text that the typo search may correct a query to; ids grow,
    so a process reads only the words added since it last looked."""

    __tablename__ = "search_terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)


class LeadCollaborator(Base):
    __tablename__ = "lead_collaborators"
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class FollowUp(Base):
    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Append-only: the store only ever inserts here."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))  # "lead", "customer", "user", "pool"
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    after: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    reason: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[str] = mapped_column(String(40), default="")
    # The pool or sea the record was in: daily claim limits count per pool from here.
    pool_id: Mapped[int | None] = mapped_column(Integer)
    # Under `--as`: the admin who really acted (actor_id is the user acted for);
    # otherwise empty.
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Under `--now`: the wall-clock time of the change (`at` is the simulated one);
    # otherwise empty.
    wall_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_actor_action", "actor_id", "action", "at"),
    )


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class UserPref(Base):
    """Per-user settings such as the columns of each screen (JSON values)."""

    __tablename__ = "user_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Sequences such as the daily order number (L20261122-000042)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
