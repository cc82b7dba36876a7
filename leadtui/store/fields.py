"""The words of the business: lead fields, sources, statuses, kinds.

Plain data, no SQLAlchemy, so screens and the CLI can use it too.
"""

from __future__ import annotations

# SPEC 2.1: the 17 searchable fields, in order.
SEARCH_FIELDS: tuple[str, ...] = (
    "order_no", "contact", "nickname", "mobile", "phone", "email", "fax", "wechat",
    "qq", "address", "postcode", "company", "website", "company_type", "department",
    "job_title", "business",
)
# Fields whose digits-only form is searched too ("138 0013 8000" finds 13800138000).
NUMBER_FIELDS: frozenset[str] = frozenset({"order_no", "mobile", "phone", "fax", "qq", "postcode"})

SOURCES: tuple[str, ...] = (
    "intent", "booking", "appointment", "signup", "inquiry", "sample", "message",
)

LEAD_STATUSES: tuple[str, ...] = ("pooled", "assigned", "converted")
FOLLOWUP_KINDS: tuple[str, ...] = ("note", "call", "reply", "email", "visit")
ROLES: tuple[str, ...] = ("admin", "manager", "sales")

CUSTOMER_KINDS: tuple[str, ...] = ("enterprise", "individual")
CUSTOMER_STATUSES: tuple[str, ...] = (
    "first_inquiry", "unassigned", "following", "public_sea", "blacklisted",
)
CUSTOMER_STAGES: tuple[str, ...] = ("new", "contacted", "qualified", "proposal", "won", "lost")

# Columns a lead list can show (besides the 17 fields).
LEAD_EXTRA_COLUMNS: tuple[str, ...] = (
    "source", "status", "pool", "owner", "submitted_at", "assigned_at", "days_left",
    "last_followup_at", "converted_at", "customer", "tags", "message",
)
LEAD_COLUMNS: tuple[str, ...] = SEARCH_FIELDS + LEAD_EXTRA_COLUMNS
# What an edit may change (store/lead_edit.py; the console's edit dialog shows these):
# the order number names the lead and never changes; the rest may be corrected.
LEAD_EDITABLE_FIELDS: tuple[str, ...] = (*[f for f in SEARCH_FIELDS if f != "order_no"], "message", "tags")

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    # The first six fit an 80-column terminal; the rest is a scroll (h / l) away.
    "all": ("order_no", "contact", "mobile", "company", "status", "owner", "submitted_at", "source"),
    "converted": ("order_no", "contact", "mobile", "company", "customer", "owner", "converted_at"),
    # In a pool the owner and the days of protection left tell what the status
    # would (no owner: pooled); at 80 columns they take the status's place.
    "pool": ("order_no", "contact", "mobile", "company", "owner", "days_left", "status", "submitted_at", "source"),
}

# Columns a customer list can show (SPEC 4).
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "name", "kind", "nickname", "company", "mobile", "phone", "email", "wechat", "qq", "address",
    "website", "external_id", "status", "stage", "owner", "public_sea", "locked", "tags", "source",
    "created_at", "assigned_at", "last_followup_at", "protect_until", "days_left",
)
CUSTOMER_SEARCH_FIELDS: tuple[str, ...] = ("nickname", "name", "company", "phone", "mobile", "email", "external_id")
DEFAULT_COLUMNS["mine"] = ("name", "kind", "mobile", "stage", "owner", "tags", "created_at")
DEFAULT_COLUMNS["sea"] = ("name", "kind", "mobile", "public_sea", "source", "created_at")

# Auto-assign rules (SPEC 5): what a condition may test, how, and how many per pool.
RULE_FIELDS: tuple[str, ...] = ("source", *SEARCH_FIELDS, "tags")
RULE_OPS: tuple[str, ...] = ("equals", "contains", "in")
RULE_OP_LABELS: dict[str, str] = {"equals": "equals", "contains": "contains", "in": "is one of"}
MAX_RULES = 10
