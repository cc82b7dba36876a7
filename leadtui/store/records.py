"""Plain frozen records that leave the store: screens never see ORM objects.

No SQLAlchemy here, so screens and widgets may import this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class UserRecord:
    id: int
    login: str
    name: str
    role: str
    department: str | None = None


@dataclass(frozen=True)
class LeadQuery:
    """What a lead list shows: screen, search text, filters and sort."""

    screen: str = "all"  # all | converted
    text: str = ""
    period: str | None = None  # today | 7d | 30d (from the one clock)
    since: datetime | None = None
    until: datetime | None = None  # inclusive of that day when given as a date
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sort: str = "submitted_at"
    descending: bool = True


@dataclass(frozen=True)
class LeadRow:
    id: int
    values: dict[str, object]  # column key -> value (str, datetime or None)
    matched_field: str | None = None

    def get(self, key: str) -> object:
        return self.values.get(key)


@dataclass(frozen=True)
class FollowUpRecord:
    id: int
    at: datetime
    author: str
    kind: str
    text: str
    duration_s: int | None
    outcome: str


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    before: dict[str, object]
    after: dict[str, object]
    reason: str
    batch_id: str


@dataclass(frozen=True)
class LeadDetail:
    row: LeadRow
    followups: tuple[FollowUpRecord, ...]
    history: tuple[AuditRecord, ...]
    protect_days_left: int | None
    may_followup: bool
    may_convert: bool


@dataclass(frozen=True)
class ConvertPreview:
    lead_id: int
    order_no: str
    creates_customer: bool
    customer_id: int | None  # the existing customer the lead will join
    customer_name: str
    customer_kind: str
    matched_by: str | None  # "mobile" or "email" when it joins an existing one
    contact_name: str


@dataclass(frozen=True)
class ConvertResult:
    lead_id: int
    customer_id: int
    customer_kind: str
    customer_name: str
    linked_existing: bool
    contact_id: int | None = None
    deal_id: int | None = None
    deal_amount: Decimal | None = None


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    at: datetime
    kind: str
    entity: str
    entity_id: int
    text: str
    read: bool
