"""Process / reply: follow-ups on a lead (SPEC 2.4) and the protection they extend (SPEC 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadtui import clock
from leadtui.store.errors import Invalid
from leadtui.store.fields import FOLLOWUP_KINDS
from leadtui.store.models import AuditEvent, FollowUp
from leadtui.store.records import LeadQuery
from tests.factories import NOW, count_rows, get_lead, make_lead, make_pool, make_user, store_for


@pytest.fixture
def li(db):  # noqa: ANN001, ANN201
    make_user(db, "li", "sales", "East", name="Li Na")
    return store_for(db, "li")


def state(db, lead_id: int) -> tuple:  # noqa: ANN001
    lead = get_lead(db, lead_id)
    return (count_rows(db, FollowUp), count_rows(db, AuditEvent), lead.handled, lead.last_followup_at,
            lead.protect_until)


@pytest.mark.parametrize("kind", FOLLOWUP_KINDS)
def test_each_kind_is_recorded(db, li, kind: str) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li")
    extra = {"duration_s": 95, "outcome": "call back Monday"} if kind == "call" else {}
    record = li.add_followup(lead, kind, f"  a {kind}  ", **extra)
    assert (record.kind, record.text, record.author, record.at) == (kind, f"a {kind}", "li", NOW)
    [shown] = li.lead_detail(lead).followups
    assert (shown.kind, shown.text, shown.author) == (kind, f"a {kind}", "li")
    if kind == "call":
        assert (shown.duration_s, shown.outcome) == (95, "call back Monday")
    else:
        assert (shown.duration_s, shown.outcome) == (None, "")


def test_a_call_may_have_only_an_outcome(db, li) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li")
    record = li.add_followup(lead, "call", "", duration_s=0, outcome="no answer")
    assert (record.duration_s, record.outcome, record.text) == (0, "no answer", "")


@pytest.mark.parametrize("kind, text, extra, message", [
    ("fax", "sent a fax", {}, "Unknown follow-up kind fax"),
    ("", "empty kind", {}, "Unknown follow-up kind"),
    ("note", "", {}, "needs a text"),
    ("note", "   \n\t ", {}, "needs a text"),
    ("email", None, {}, "needs a text"),
    ("note", "with a duration", {"duration_s": 30}, "Only calls have a duration"),
    ("visit", "with an outcome", {"outcome": "signed"}, "Only calls have a duration and an outcome"),
    ("call", "negative", {"duration_s": -1}, "cannot be negative"),
    ("call", "  ", {"outcome": "  "}, "A call needs a text or an outcome"),
])
def test_invalid_followups_change_nothing(db, li, kind: str, text, extra: dict, message: str) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li")
    before = state(db, lead)
    with pytest.raises(Invalid, match=message):
        li.add_followup(lead, kind, text, **extra)
    assert state(db, lead) == before
    assert li.lead_detail(lead).followups == ()


def test_the_first_followup_marks_the_lead_handled(db, li) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li")
    assert get_lead(db, lead).handled is False
    assert li.list_leads(LeadQuery())[0].get("last_followup_at") is None
    li.add_followup(lead, "note", "first")
    stored = get_lead(db, lead)
    assert stored.handled is True and stored.last_followup_at == NOW
    assert li.list_leads(LeadQuery())[0].get("last_followup_at") == NOW
    clock.freeze(NOW + timedelta(hours=2))
    li.add_followup(lead, "note", "second")
    assert get_lead(db, lead).last_followup_at == NOW + timedelta(hours=2)


def test_followups_are_listed_newest_first_with_their_audit(db, li) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li")
    for minutes, text in [(0, "one"), (5, "two"), (30, "three")]:
        clock.freeze(NOW + timedelta(minutes=minutes))
        li.add_followup(lead, "note", text)
    clock.freeze(NOW + timedelta(minutes=30))
    li.add_followup(lead, "reply", "three, same minute")
    detail = li.lead_detail(lead)
    assert [f.text for f in detail.followups] == ["three, same minute", "three", "two", "one"]
    assert [e.action for e in detail.history].count("followup") == 4
    assert [e.after["kind"] for e in detail.history if e.action == "followup"] == ["note", "note", "note", "reply"]


def test_followup_on_a_protected_lead_extends_protection(db, li) -> None:  # noqa: ANN001
    make_pool(db, "North", members=["li"], protect_days=7, max_protect_days=30)
    lead = make_lead(db, "North", owner="li", assigned_at=NOW - timedelta(days=1))
    assert get_lead(db, lead).protect_until == NOW + timedelta(days=6)
    assert li.lead_detail(lead).protect_days_left == 6
    li.add_followup(lead, "call", "talked", duration_s=300)
    assert get_lead(db, lead).protect_until == NOW + timedelta(days=7)
    assert li.lead_detail(lead).protect_days_left == 7


def test_protection_never_passes_max_protect_days(db, li) -> None:  # noqa: ANN001
    make_pool(db, "North", members=["li"], protect_days=7, max_protect_days=10)
    assigned = NOW - timedelta(days=5)
    lead = make_lead(db, "North", owner="li", assigned_at=assigned)
    assert get_lead(db, lead).protect_until == NOW + timedelta(days=2)
    li.add_followup(lead, "note", "still here")
    assert get_lead(db, lead).protect_until == assigned + timedelta(days=10)
    assert li.lead_detail(lead).protect_days_left == 5
    # later follow-ups cannot push it further
    clock.freeze(NOW + timedelta(days=4))
    li.add_followup(lead, "note", "and again")
    assert get_lead(db, lead).protect_until == assigned + timedelta(days=10)


def test_protection_is_never_shortened(db, li) -> None:  # noqa: ANN001
    make_pool(db, "North", members=["li"], protect_days=7, max_protect_days=30)
    lead = make_lead(db, "North", owner="li", protect_until=NOW + timedelta(days=20))
    li.add_followup(lead, "note", "a long protection stays")
    assert get_lead(db, lead).protect_until == NOW + timedelta(days=20)


def test_a_pool_without_protect_days_gives_no_protection(db, li) -> None:  # noqa: ANN001
    make_pool(db, "Plain", members=["li"])
    lead = make_lead(db, "Plain", owner="li")
    li.add_followup(lead, "note", "no protection here")
    assert get_lead(db, lead).protect_until is None
    assert li.lead_detail(lead).protect_days_left is None


def test_a_followup_on_a_pooled_lead_protects_nothing(db) -> None:  # noqa: ANN001
    make_user(db, "boss", "admin")
    make_pool(db, "North", protect_days=7, max_protect_days=30)
    lead = make_lead(db, "North")
    store_for(db, "boss").add_followup(lead, "note", "admin looked at it")
    stored = get_lead(db, lead)
    assert stored.handled and stored.protect_until is None and stored.owner_id is None
