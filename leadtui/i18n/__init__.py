"""English and Chinese interfaces.

The English text is the key (gettext style): `t("Claimed {n} of {m}", n=1, m=2)`.
A missing Chinese entry falls back to English, so a new string never breaks the
console; `tests/test_i18n.py` checks that every string the code uses has one.
"""

from __future__ import annotations

import dataclasses
import locale
import os
from typing import Any

from leadtui.i18n.zh import ZH

_lang = "en"


def set_language(lang: str | None) -> str:
    global _lang
    _lang = lang if lang in ("en", "zh") else detect_language()
    return _lang


def language() -> str:
    return _lang


def detect_language() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


def t(message: str, /, **params: object) -> str:
    if _lang == "zh":
        message = ZH.get(message, message)
    return message.format(**params) if params else message


def translate_bindings(node: Any) -> None:
    """Key descriptions are written in English and shown in the console's language.

    Each Textual node holds its own copy of its class's bindings, so rewriting the
    copy's descriptions translates the footer, `?` and the palette alike.
    """
    bindings = node._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            dataclasses.replace(b, description=t(b.description), tooltip=t(b.tooltip) if b.tooltip else "")
            for b in items
        ]


def label(word: str) -> str:
    """A business word (field, source, status, kind…) in the current language."""
    if _lang == "zh":
        return ZH_WORDS.get(word, word)
    return EN_WORDS.get(word, word.replace("_", " "))


EN_WORDS: dict[str, str] = {
    "order_no": "Order no", "contact": "Contact", "nickname": "Nickname",
    "mobile": "Mobile", "phone": "Phone", "email": "Email", "fax": "Fax",
    "wechat": "WeChat", "qq": "QQ", "address": "Address", "postcode": "Postcode",
    "company": "Company", "website": "Website", "company_type": "Company type",
    "department": "Department", "job_title": "Job title", "business": "Business",
    "source": "Source", "status": "Status", "pool": "Pool", "owner": "Owner",
    "submitted_at": "Submitted", "assigned_at": "Assigned", "last_followup_at": "Last follow-up",
    "converted_at": "Converted", "customer": "Customer", "tags": "Tags", "message": "Message",
    "protect_until": "Protected until", "days_left": "Days left", "previous_owner": "Previous owner",
    "released_at": "Released", "collaborators": "Collaborators", "handled": "Handled",
    "intent": "Intent", "booking": "Booking", "appointment": "Appointment", "signup": "Sign-up",
    "inquiry": "Inquiry", "sample": "Sample", "pooled": "Pooled", "assigned": "Assigned",
    "converted": "Converted", "note": "Note", "call": "Call", "reply": "Reply",
    "visit": "Visit", "admin": "admin", "manager": "manager", "sales": "sales",
    "enterprise": "Enterprise", "individual": "Individual",
    "name": "Name", "kind": "Kind", "external_id": "External id", "stage": "Stage",
    "public_sea": "Public sea", "locked": "Locked", "created_at": "Created",
    "first_inquiry": "First inquiry", "unassigned": "Unassigned", "following": "Following",
    "blacklisted": "Blacklisted", "new": "New", "contacted": "Contacted", "qualified": "Qualified",
    "proposal": "Proposal", "won": "Won", "lost": "Lost",
    # pool and public-sea settings (SPEC 3), as their refusals name them
    "holding_cap": "Holding cap", "daily_claim_limit": "Daily claim limit", "protect_days": "Protect days",
    "max_protect_days": "Max protect days", "cooldown_days": "Cooldown days",
    "notify_before_days": "Notify days before",
    # what an audit event or a notification is about
    "lead": "lead", "user": "user",
}

ZH_WORDS: dict[str, str] = {
    "order_no": "单号", "contact": "联系人", "nickname": "昵称", "mobile": "手机",
    "phone": "电话", "email": "邮箱", "fax": "传真", "wechat": "微信", "qq": "QQ",
    "address": "详细地址", "postcode": "邮编", "company": "企业名称", "website": "企业官网",
    "company_type": "企业类型", "department": "部门", "job_title": "职务",
    "business": "负责业务", "source": "来源", "status": "状态", "pool": "线索池",
    "owner": "负责人", "submitted_at": "提交时间", "assigned_at": "分配时间",
    "last_followup_at": "最近跟进", "converted_at": "转化时间", "customer": "客户",
    "tags": "标签", "message": "留言内容", "protect_until": "保护期至", "days_left": "剩余天数",
    "previous_owner": "前负责人", "released_at": "释放时间", "collaborators": "协作人",
    "handled": "已处理", "intent": "意向信息", "booking": "在线预订", "appointment": "预约申请",
    "signup": "线索报名", "inquiry": "在线询价", "sample": "样品申请",
    "pooled": "待分配", "assigned": "已分配", "converted": "已转化", "note": "备注",
    "call": "电话", "reply": "回复", "visit": "拜访", "admin": "管理员", "manager": "经理",
    "sales": "销售", "enterprise": "企业客户", "individual": "个人客户",
    "name": "客户名称", "kind": "类型", "external_id": "外部编号", "stage": "阶段", "public_sea": "公海",
    "locked": "锁定", "created_at": "创建时间", "first_inquiry": "首咨", "unassigned": "待分配",
    "following": "跟进中", "blacklisted": "黑名单", "new": "新客户", "contacted": "已联系",
    "qualified": "已确认", "proposal": "方案", "won": "赢单", "lost": "输单",
    "holding_cap": "持有上限", "daily_claim_limit": "每日领取上限", "protect_days": "保护天数",
    "max_protect_days": "最长保护天数", "cooldown_days": "冷却天数", "notify_before_days": "提前提醒天数",
    "lead": "线索", "user": "用户",
}


def source_label(source: str) -> str:
    """"message" is both a field (the text) and a source (留言互动)."""
    if source == "message":
        return "留言互动" if _lang == "zh" else "Message"
    return label(source)
