"""Column widths of the lead lists. (How values read is leadtui.display.)"""

from __future__ import annotations

from leadtui.store.fields import CUSTOMER_COLUMNS, LEAD_COLUMNS

# Default cell widths in terminal cells (a CJK character takes two).
WIDTHS: dict[str, int] = {
    "order_no": 16, "contact": 10, "nickname": 10, "mobile": 11, "phone": 13, "email": 22,
    "fax": 13, "wechat": 12, "qq": 11, "address": 24, "postcode": 7, "company": 16,
    "website": 20, "company_type": 12, "department": 10, "job_title": 10, "business": 14,
    "source": 8, "status": 8, "pool": 10, "owner": 8, "submitted_at": 16, "assigned_at": 16,
    "days_left": 4,  # a number: the label sets the width (Days left / 剩余天数)
    "last_followup_at": 16, "converted_at": 16, "customer": 14, "tags": 12, "message": 24,
}
assert set(WIDTHS) == set(LEAD_COLUMNS)


CUSTOMER_WIDTHS: dict[str, int] = {
    "name": 22, "kind": 10, "nickname": 10, "company": 18, "mobile": 11, "phone": 13, "email": 22,
    "wechat": 12, "qq": 11, "address": 24, "website": 20, "external_id": 10, "status": 8, "stage": 9,
    "owner": 8, "public_sea": 8, "locked": 4, "tags": 12, "source": 8, "created_at": 16, "assigned_at": 16,
    "last_followup_at": 16, "protect_until": 16, "days_left": 4,
}
assert set(CUSTOMER_WIDTHS) == set(CUSTOMER_COLUMNS)
