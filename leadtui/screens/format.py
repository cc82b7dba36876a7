"""How record values read on screen: dates, translated words, amounts."""

from __future__ import annotations

from datetime import datetime

from leadtui.i18n import label, source_label
from leadtui.store.fields import LEAD_COLUMNS

# Default cell widths in terminal cells (a CJK character takes two).
WIDTHS: dict[str, int] = {
    "order_no": 16, "contact": 10, "nickname": 10, "mobile": 13, "phone": 13, "email": 22,
    "fax": 13, "wechat": 12, "qq": 11, "address": 24, "postcode": 7, "company": 22,
    "website": 20, "company_type": 12, "department": 10, "job_title": 10, "business": 14,
    "source": 8, "status": 6, "pool": 10, "owner": 8, "submitted_at": 16, "assigned_at": 16,
    "last_followup_at": 16, "converted_at": 16, "customer": 18, "tags": 12, "message": 24,
}
assert set(WIDTHS) == set(LEAD_COLUMNS)


def cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if key == "source":
        return source_label(str(value))
    if key == "status":
        return label(str(value))
    return str(value)
