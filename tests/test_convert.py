"""Converting a lead to a customer (SPEC 2.5), on both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from leadtui.store.errors import Invalid, Refused
from leadtui.store.models import AuditEvent, Contact, Customer, Deal, Lead
from leadtui.store.records import LeadQuery
from tests.factories import NOW, count_rows, get_lead, make_lead, make_pool, make_user, store_for


@pytest.fixture
def admin(db):  # noqa: ANN001, ANN201
    make_user(db, "boss", "admin", name="Boss")
    make_user(db, "li", "sales", "East", name="Li Na")
    return store_for(db, "boss")


def customer(db, customer_id: int) -> Customer:  # noqa: ANN001
    with db.read() as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found


def snapshot(db) -> dict[str, object]:  # noqa: ANN001
    """Everything a failed conversion must leave as it was."""
    with db.read() as session:
        return {
            "customers": session.execute(select(Customer.id, Customer.name, Customer.owner_id)
                                         .order_by(Customer.id)).all(),
            "contacts": session.execute(select(Contact.id, Contact.customer_id, Contact.name)
                                        .order_by(Contact.id)).all(),
            "deals": session.execute(select(Deal.id, Deal.customer_id, Deal.name).order_by(Deal.id)).all(),
            "audit": session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).all(),
            "leads": session.execute(select(Lead.id, Lead.status, Lead.customer_id, Lead.converted_at)
                                     .order_by(Lead.id)).all(),
        }


@pytest.mark.parametrize("first, second", [
    ("13800138000", "13800138000"),
    ("13800138000", "138 0013 8000"),
    ("138 0013 8000", "13800138000"),
    ("13800138000", "+86 138-0013-8000"),
    ("+86 138-0013-8000", "138-0013-8000"),
    ("13800138000", "0086 138 0013 8000"),
])
def test_same_mobile_joins_the_existing_customer(db, admin, first: str, second: str) -> None:  # noqa: ANN001
    a = make_lead(db, contact="张伟", mobile=first, company="星辰科技")
    b = make_lead(db, contact="张伟 (again)", mobile=second)
    made = admin.convert_lead(a)
    assert not made.linked_existing
    preview = admin.preview_conversion(b)
    assert (preview.creates_customer, preview.customer_id, preview.matched_by) == (False, made.customer_id, "mobile")
    joined = admin.convert_lead(b)
    assert joined.linked_existing and joined.customer_id == made.customer_id
    assert count_rows(db, Customer) == 1
    assert get_lead(db, b).customer_id == made.customer_id


def test_same_email_any_case_joins_the_existing_customer(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="Emma Brown", email="emma@example.com")
    b = make_lead(db, contact="E. Brown", email="  Emma@EXAMPLE.com ")
    made = admin.convert_lead(a)
    preview = admin.preview_conversion(b)
    assert (preview.creates_customer, preview.customer_id, preview.matched_by) == (False, made.customer_id, "email")
    assert preview.customer_name == "Emma Brown"
    joined = admin.convert_lead(b)
    assert joined.linked_existing and joined.customer_id == made.customer_id
    assert count_rows(db, Customer) == 1


def test_different_mobile_and_email_make_a_new_customer(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="A", mobile="13800138000", email="a@example.com")
    b = make_lead(db, contact="B", mobile="13800138001", email="b@example.com")
    assert admin.convert_lead(a).customer_id != admin.convert_lead(b).customer_id
    assert count_rows(db, Customer) == 2


def test_enterprise_with_company_individual_without(db, admin) -> None:  # noqa: ANN001
    firm = make_lead(db, contact="张伟", company="上海星辰科技有限公司", mobile="13800000001")
    person = make_lead(db, contact="李娜", mobile="13800000002")
    assert admin.preview_conversion(firm).customer_kind == "enterprise"
    assert admin.preview_conversion(person).customer_kind == "individual"
    f, p = admin.convert_lead(firm), admin.convert_lead(person)
    assert (f.customer_kind, f.customer_name) == ("enterprise", "上海星辰科技有限公司")
    assert (p.customer_kind, p.customer_name) == ("individual", "李娜")
    assert customer(db, f.customer_id).kind == "enterprise"
    assert customer(db, p.customer_id).kind == "individual"
    assert customer(db, p.customer_id).mobile == "13800000002"


def test_customer_owner_is_the_lead_owner_or_the_converting_user(db, admin) -> None:  # noqa: ANN001
    owned = make_lead(db, owner="li", contact="Owned", mobile="13800000001")
    unowned = make_lead(db, contact="Pooled", mobile="13800000002")
    li_id = admin.actor.id + 1
    assert store_for(db, "li").actor.id == li_id
    assert customer(db, admin.convert_lead(owned).customer_id).owner_id == li_id
    assert customer(db, admin.convert_lead(unowned).customer_id).owner_id == admin.actor.id


def test_owner_converts_own_lead_with_contact_and_deal(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li", contact="张伟", mobile="13800138000", company="星辰科技",
                     job_title="CTO", email="zw@xc.cn")
    result = store_for(db, "li").convert_lead(lead, create_contact=True, deal_name="官网改版",
                                              deal_amount="12,500.5")
    assert result.contact_id is not None and result.deal_id is not None
    assert result.deal_amount == Decimal("12500.50")
    with db.read() as session:
        contact = session.get(Contact, result.contact_id)
        deal = session.get(Deal, result.deal_id)
        assert (contact.customer_id, contact.name, contact.mobile, contact.job_title) == (
            result.customer_id, "张伟", "13800138000", "CTO")
        assert (deal.customer_id, deal.name, deal.amount) == (result.customer_id, "官网改版", Decimal("12500.50"))


def test_duplicate_contact_fails_and_changes_nothing(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="张伟", mobile="13800138000")
    b = make_lead(db, owner="li", contact="张伟", mobile="13800138000", email="new@example.com")
    admin.convert_lead(a, create_contact=True)
    before = snapshot(db)
    with pytest.raises(Refused, match="already has a contact 张伟"):
        admin.convert_lead(b, create_contact=True, deal_name="New deal", deal_amount="100")
    assert snapshot(db) == before
    assert get_lead(db, b).status == "assigned"
    assert b not in admin.lead_ids(LeadQuery(screen="converted"))
    # Without asking for the contact, the same lead joins the customer.
    assert admin.convert_lead(b).linked_existing


def test_duplicate_contact_is_found_whatever_the_mobile_format(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="张伟", mobile="13800138000")
    b = make_lead(db, contact="张伟", mobile="+86 138-0013-8000")
    admin.convert_lead(a, create_contact=True)
    before = snapshot(db)
    with pytest.raises(Refused, match="already has a contact"):
        admin.convert_lead(b, create_contact=True)
    assert snapshot(db) == before


def test_same_name_other_mobile_is_a_new_contact(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="张伟", mobile="13800138000", email="shared@example.com")
    b = make_lead(db, contact="张伟", mobile="13900139000", email="shared@example.com")
    first = admin.convert_lead(a, create_contact=True)
    second = admin.convert_lead(b, create_contact=True)
    assert second.linked_existing and second.contact_id not in (None, first.contact_id)
    assert count_rows(db, Contact) == 2


def test_duplicate_deal_name_fails_and_changes_nothing(db, admin) -> None:  # noqa: ANN001
    a = make_lead(db, contact="A", email="buyer@example.com")
    b = make_lead(db, contact="B", email="buyer@example.com")
    admin.convert_lead(a, deal_name="Website", deal_amount="1000")
    before = snapshot(db)
    with pytest.raises(Refused, match="already has a deal named Website"):
        admin.convert_lead(b, create_contact=True, deal_name="Website", deal_amount="2000")
    assert snapshot(db) == before
    assert get_lead(db, b).status == "pooled"
    # Another deal name goes through.
    assert admin.convert_lead(b, deal_name="Website, phase 2").deal_id is not None
    assert count_rows(db, Deal) == 2


def test_failed_conversion_of_a_new_customer_leaves_no_customer(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, mobile="13800138000")  # no contact name to make a contact from
    before = snapshot(db)
    with pytest.raises(Invalid):
        admin.convert_lead(lead, create_contact=True)
    for amount in ("-5", "lots", "NaN", "Infinity"):
        with pytest.raises(Invalid, match="Deal amount"):
            admin.convert_lead(lead, deal_name="Deal", deal_amount=amount)
    with pytest.raises(Invalid):
        admin.convert_lead(lead, deal_amount="5")
    assert snapshot(db) == before


def test_a_converted_lead_cannot_be_converted_again(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, contact="A", mobile="13800138000")
    admin.convert_lead(lead)
    before = snapshot(db)
    with pytest.raises(Refused, match="already converted"):
        admin.convert_lead(lead)
    with pytest.raises(Refused, match="already converted"):
        admin.preview_conversion(lead)
    assert snapshot(db) == before
    assert admin.lead_detail(lead).may_convert is False


def test_preview_says_a_new_customer_is_made(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, contact="王芳", company="芳华贸易", mobile="13800000009")
    preview = admin.preview_conversion(lead)
    assert preview.creates_customer and preview.customer_id is None and preview.matched_by is None
    assert (preview.customer_name, preview.customer_kind, preview.contact_name) == ("芳华贸易", "enterprise", "王芳")
    assert count_rows(db, Customer) == 0  # a preview changes nothing


def test_converted_lead_moves_from_all_to_converted(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, contact="Mover", mobile="13800138000")
    other = make_lead(db, contact="Stayer")
    assert set(admin.lead_ids(LeadQuery(screen="all"))) == {lead, other}
    admin.convert_lead(lead)
    assert admin.lead_ids(LeadQuery(screen="all")) == [other]
    assert admin.lead_ids(LeadQuery(screen="converted")) == [lead]
    row = admin.list_leads(LeadQuery(screen="converted"))[0]
    assert (row.get("status"), row.get("customer"), row.get("converted_at")) == ("converted", "Mover", NOW)
    assert admin.count_leads(LeadQuery(screen="all")) == 1


def test_conversion_writes_audit_events(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, owner="li", contact="Audited", mobile="13800138000")
    result = admin.convert_lead(lead, create_contact=True, deal_name="D")
    history = admin.lead_detail(lead).history
    convert = [e for e in history if e.action == "convert"]
    assert len(convert) == 1
    assert convert[0].actor == "boss" and convert[0].at == NOW
    assert convert[0].before["status"] == "assigned"
    assert convert[0].after["customer_id"] == result.customer_id
    assert convert[0].after["contact_id"] == result.contact_id and convert[0].after["deal_id"] == result.deal_id
    with db.read() as session:
        created = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "customer", AuditEvent.entity_id == result.customer_id)).all()
    assert [e.action for e in created] == ["create"]
    # Joining an existing customer writes the lead's event, not a second customer creation.
    other = make_lead(db, contact="Again", mobile="138 0013 8000")
    admin.convert_lead(other)
    assert [e.action for e in admin.lead_detail(other).history] == ["create", "convert"]
    assert admin.lead_detail(other).history[-1].after["linked_existing"] is True


def test_only_owner_or_admins_convert(db, admin) -> None:  # noqa: ANN001
    make_user(db, "wang", "sales", "East")
    make_pool(db, "North", members=["li", "wang"], members_see_detail=True)
    lead = make_lead(db, "North", owner="wang", contact="W", mobile="13800138000")
    pooled = make_lead(db, "North", contact="P")
    li = store_for(db, "li")
    before = snapshot(db)
    with pytest.raises(Refused, match="Only the owner"):
        li.convert_lead(lead)
    with pytest.raises(Refused, match="Only the owner"):
        li.convert_lead(pooled)
    assert snapshot(db) == before
    assert store_for(db, "wang").convert_lead(lead).customer_id


def test_two_operators_converting_one_lead_make_one_customer(db, admin) -> None:  # noqa: ANN001
    import threading

    make_user(db, "boss2", "admin")
    lead = make_lead(db, contact="Raced", mobile="13800138000")
    stores = [admin, store_for(db, "boss2")]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def convert(store) -> None:  # noqa: ANN001
        start.wait()
        try:
            outcomes.append(store.convert_lead(lead, create_contact=True, deal_name="Deal"))
        except Refused as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=convert, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(outcomes) == 2 and len(refused) == 1 and "already converted" in str(refused[0])
    assert (count_rows(db, Customer), count_rows(db, Contact), count_rows(db, Deal)) == (1, 1, 1)


@pytest.mark.parametrize("amount", ["1e15", "1e30", "100000000000000"])
def test_a_huge_deal_amount_is_refused_cleanly(amount: str) -> None:
    from leadtui.store.errors import Invalid
    from leadtui.store.leads.convert import parse_amount

    with pytest.raises(Invalid, match="too large"):
        parse_amount(amount)
