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
    customer_cap: int | None = None
    ssh_keys: tuple[str, ...] = ()  # "SHA256:… comment" of each key bound to the login


@dataclass(frozen=True)
class LeadQuery:
    """What a lead list shows: screen, search text, filters and sort."""

    screen: str = "all"  # all | converted | pool | trash
    text: str = ""
    pool_id: int | None = None  # the Pool screen's pool
    owner: str | None = None  # a login, or "-" for leads nobody owns
    period: str | None = None  # today | 7d | 30d (from the one clock)
    since: datetime | None = None
    until: datetime | None = None  # inclusive of that day when given as a date
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sort: str = "submitted_at"
    descending: bool = True
    ids: tuple[int, ...] | None = None  # only these leads (an export of marked rows)


@dataclass(frozen=True)
class LeadRow:
    id: int
    values: dict[str, object]  # column key -> value (str, datetime or None)
    matched_field: str | None = None
    # With a keyword: where in the matched field's value it is (start, end), whether
    # the row is an exact hit or a forgiving one, and its score (exact: 100).
    match_span: tuple[int, int] | None = None
    exact: bool | None = None
    score: int | None = None

    def get(self, key: str) -> object:
        if key == "matched":  # the field the search matched; "~field" for a forgiving hit
            return None if self.matched_field is None else ("~" if self.exact is False else "") + self.matched_field
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
    """One audit event, and the record it is about (a lead, a customer, a pool…)."""

    id: int
    at: datetime
    actor: str
    action: str
    before: dict[str, object]
    after: dict[str, object]
    reason: str
    batch_id: str
    entity: str = ""
    entity_id: int | None = None
    operator: str = ""  # the admin behind an --as (actor is the user acted for)
    wall_at: datetime | None = None  # the wall clock behind a --now (at is the simulated time)


@dataclass(frozen=True)
class LeadDetail:
    row: LeadRow
    followups: tuple[FollowUpRecord, ...]
    history: tuple[AuditRecord, ...]
    protect_days_left: int | None
    may_followup: bool
    may_convert: bool
    # A plain member's view of an unclaimed lead of a pool that hides details (SPEC 3):
    # the allowed fields only, no follow-ups, the history without values.
    masked: bool = False


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


@dataclass(frozen=True)
class PoolRecord:
    id: int
    kind: str
    name: str
    is_default: bool
    holding_cap: int | None
    cap_counts_own_created: bool
    daily_claim_limit: int | None
    protect_days: int | None
    max_protect_days: int | None
    cooldown_days: int | None
    notify_before_days: int | None
    return_to: str  # origin | choose | pool
    return_pool: str | None
    return_reasons: tuple[str, ...]
    hide_assigned: bool
    hide_converted: bool
    members_see_detail: bool
    recycle_own_created: bool
    admins: tuple[str, ...]
    member_users: tuple[str, ...]
    member_departments: tuple[str, ...]
    # What the asking user may do here.
    i_am_admin: bool = False
    i_am_member: bool = False


@dataclass(frozen=True)
class Refusal:
    id: int
    reason: str


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: the ids it changed and, for the others, why not."""

    action: str
    done: tuple[int, ...]
    refused: tuple[Refusal, ...]
    batch_id: str
    summary: str


@dataclass(frozen=True)
class CustomerQuery:
    """What a customer list shows (SPEC 4): My Customers, the department, a sea."""

    scope: str = "mine"  # mine | dept | sea | blacklist | all (admins)
    sea_id: int | None = None  # the Public Sea screen's sea (None: every sea one may see)
    text: str = ""
    created_since: datetime | None = None
    created_until: datetime | None = None
    assigned_since: datetime | None = None
    assigned_until: datetime | None = None
    tags: tuple[str, ...] = ()
    tags_match: str = "any"  # any | all
    sources: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    sort: str = "created_at"
    descending: bool = True
    ids: tuple[int, ...] | None = None  # only these customers (an export of marked rows)


@dataclass(frozen=True)
class CustomerRow:
    id: int
    values: dict[str, object]
    matched_field: str | None = None

    def get(self, key: str) -> object:
        if key == "matched":
            return self.matched_field
        return self.values.get(key)


@dataclass(frozen=True)
class ContactRecord:
    id: int
    name: str
    mobile: str
    email: str
    job_title: str


@dataclass(frozen=True)
class DealRecord:
    id: int
    name: str
    amount: Decimal
    stage: str


@dataclass(frozen=True)
class CustomerDetail:
    row: CustomerRow
    contacts: tuple[ContactRecord, ...]
    deals: tuple[DealRecord, ...]
    followups: tuple[FollowUpRecord, ...]
    leads: tuple[tuple[int, str], ...]  # (id, order_no) of the leads converted into it
    history: tuple[AuditRecord, ...]
    protect_days_left: int | None


@dataclass(frozen=True)
class SimilarCustomer:
    id: int
    name: str
    score: float
    matched_by: str  # "name", "mobile", "email" (exact) or "similar name" (fuzzy)


@dataclass(frozen=True)
class DuplicateCheck:
    """What creating a customer by hand would run into (SPEC 4)."""

    exact: SimilarCustomer | None  # same name, mobile or email: creation is refused
    similar: tuple[SimilarCustomer, ...]  # similar names: listed, the operator may go on


@dataclass(frozen=True)
class RuleCondition:
    field: str  # a lead field (assign_rules.RULE_FIELDS)
    op: str  # "equals" | "contains" | "in"
    value: str  # for "in": the choices, comma-separated


@dataclass(frozen=True)
class AssignRuleRecord:
    """One auto-assign rule of a pool (SPEC 5), in the pool's order."""

    pool: str
    position: int  # 1-based
    conditions: tuple[RuleCondition, ...]
    targets: tuple[str, ...]  # logins

    def conditions_text(self) -> str:
        """"Source equals booking and Address contains 上海", in the reader's language."""
        from leadtui.i18n import label, t
        from leadtui.store.fields import RULE_OP_LABELS

        return t(" and ").join(f"{label(c.field)} {t(RULE_OP_LABELS.get(c.op, c.op))} {c.value}"
                               for c in self.conditions)

    def describe(self) -> str:
        return f"{self.conditions_text()} → {', '.join(self.targets)}"


@dataclass(frozen=True)
class RulesReport:
    """What one `rules run` did."""

    recycled_leads: tuple[int, ...]
    recycled_customers: tuple[int, ...]
    warned_leads: tuple[int, ...]
    warned_customers: tuple[int, ...]
    assigned: tuple[tuple[int, str], ...]  # (lead id, login)
    ran: bool = True  # False when another run held the lock at that moment
    # For admins' reports: the leads' order numbers, the customers' names.
    order_nos: tuple[tuple[int, str], ...] = ()
    customer_names: tuple[tuple[int, str], ...] = ()

    def lead_label(self, lead_id: int) -> str:
        return dict(self.order_nos).get(lead_id) or f"#{lead_id}"

    def customer_label(self, customer_id: int) -> str:
        name = dict(self.customer_names).get(customer_id)
        return f"#{customer_id} {name}" if name else f"#{customer_id}"

    def summary(self) -> str:
        from leadtui.i18n import t

        return t("recycled {leads} lead(s) and {customers} customer(s); sent {warned} warning(s) of a "
                 "coming recycle; auto-assigned {assigned} lead(s)",
                 leads=len(self.recycled_leads), customers=len(self.recycled_customers),
                 warned=len(self.warned_leads) + len(self.warned_customers), assigned=len(self.assigned))


@dataclass(frozen=True)
class ImportProblem:
    """A row (import) or line (ingest) that did not go in, and why."""

    row: int  # the row number in the file (the header is row 1), or the line number
    reason: str
    outcome: str = "rejected"  # "rejected", or "skipped" (a duplicate of a lead, as asked)


@dataclass(frozen=True)
class ImportResult:
    """What an import or an ingest did (or, dry run, would do): read = imported +
    merged + skipped + rejected."""

    source: str  # the file, or "-" for standard input
    pool: str
    dry_run: bool
    on_duplicate: str
    read: int
    imported: int
    merged: int
    skipped: int
    rejected: int
    auto_assigned: int = 0
    blank: int = 0  # wholly blank rows / lines, left out of `read`
    columns: tuple[str, ...] = ()  # the lead fields found (in the file's order)
    unknown_columns: tuple[str, ...] = ()  # headers (or JSON keys) that are no lead field: ignored
    problems: tuple[ImportProblem, ...] = ()  # every rejected and skipped row, in file order
    rejects_path: str | None = None  # where the rejected and skipped rows were written
    error: str = ""  # set when a database error stopped the import part-way
    unit: str = "row"  # "row" (import) or "line" (ingest)

    def summary(self) -> str:
        from leadtui.i18n import t

        counts = {"read": f"{self.read:,}", "imported": f"{self.imported:,}", "merged": f"{self.merged:,}",
                  "skipped": f"{self.skipped:,}", "rejected": f"{self.rejected:,}"}
        if self.dry_run:
            return t("read {read}: would import {imported}, merge {merged}, skip {skipped}, reject {rejected}",
                     **counts)
        return t("read {read}: imported {imported}, merged {merged}, skipped {skipped}, rejected {rejected}",
                 **counts)
