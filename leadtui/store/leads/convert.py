"""Convert a lead to a customer (SPEC 2.5): duplicate check, contact, deal.

A conversion is one transaction: when the contact or the deal is refused, nothing
is changed — not the lead, not the customer.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.leads.lists import _convert_refusal, _load_visible
from leadtui.store.models import Contact, Customer, Deal, Lead
from leadtui.store.records import ConvertPreview, ConvertResult
from leadtui.store.search.engine import digits

if TYPE_CHECKING:
    from leadtui.store.service import Store


def mobile_norm(value: str | None) -> str:
    d = digits(value)
    if len(d) == 13 and d.startswith("86"):
        d = d[2:]
    elif len(d) == 15 and d.startswith("0086"):  # "0086 138…", as the search reads it too
        d = d[4:]
    return d


def email_norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def find_duplicate_customer(session: Session, mobile: str, email: str) -> tuple[Customer, str] | None:
    """The existing customer with the same normalised mobile or email, and which."""
    m, e = mobile_norm(mobile), email_norm(email)
    conds = []
    if m:
        conds.append(Customer.mobile_norm == m)
    if e:
        conds.append(Customer.email_norm == e)
    if not conds:
        return None
    found = session.scalars(
        select(Customer).where(Customer.deleted_at.is_(None), or_(*conds)).order_by(Customer.id)
    ).first()
    if found is None:
        return None
    return found, ("mobile" if m and found.mobile_norm == m else "email")


def _customer_name(lead: Lead) -> str:
    return lead.company or lead.contact or lead.nickname or lead.mobile or lead.email or lead.order_no


def _load_convertible(session: Session, store: Store, lead_id: int) -> Lead:
    lead, role = _load_visible(session, store.actor, lead_id)
    refusal = _convert_refusal(lead, role)
    if refusal == "already converted":
        raise Refused("Lead {order_no} is already converted", order_no=lead.order_no)
    if refusal:
        raise Refused("Only the owner, an admin of its pool or an admin may convert lead {order_no}",
                      order_no=lead.order_no)
    return lead


def preview_conversion(store: Store, lead_id: int) -> ConvertPreview:
    """What converting will do, shown in the dialog before the operator confirms."""
    with store.db.read() as session:
        lead = _load_convertible(session, store, lead_id)
        dup = find_duplicate_customer(session, lead.mobile, lead.email)
        if dup:
            customer, by = dup
            return ConvertPreview(lead.id, lead.order_no, False, customer.id, customer.name,
                                  customer.kind, by, lead.contact)
        kind = "enterprise" if lead.company.strip() else "individual"
        return ConvertPreview(lead.id, lead.order_no, True, None, _customer_name(lead), kind, None,
                              lead.contact)


MAX_AMOUNT = Decimal(10) ** 14


def parse_amount(text: str | Decimal | float | int | None) -> Decimal:
    try:
        amount = Decimal(str(text if text is not None else "0").replace(",", "").strip() or "0")
    except InvalidOperation:
        raise Invalid("Deal amount {amount} is not a number", amount=text) from None
    if amount.is_nan():  # "NaN" parses, but comparing it raises InvalidOperation
        raise Invalid("Deal amount {amount} is not a number", amount=text)
    if amount < 0 or not amount.is_finite():
        raise Invalid("Deal amount {amount} must be zero or more", amount=text)
    if amount >= MAX_AMOUNT:  # the column holds 16 digits, two after the point
        raise Invalid("Deal amount {amount} is too large", amount=text)
    return amount.quantize(Decimal("0.01"))


def convert_lead(store: Store, lead_id: int, create_contact: bool = False,
                 deal_name: str | None = None, deal_amount: str | Decimal | None = None) -> ConvertResult:
    actor = store.actor
    deal_name = (deal_name or "").strip() or None
    amount = parse_amount(deal_amount) if deal_name else None
    if deal_amount not in (None, "") and not deal_name:
        raise Invalid("A deal amount needs a deal name")
    with store.db.write() as session:
        # Lock the row on PostgreSQL; on SQLite BEGIN IMMEDIATE already serialises writers.
        session.execute(select(Lead.id).where(Lead.id == lead_id).with_for_update())
        lead = _load_convertible(session, store, lead_id)
        now = clock.now()
        dup = find_duplicate_customer(session, lead.mobile, lead.email)
        linked = dup is not None
        if dup:
            customer = dup[0]
        else:
            owner_id = lead.owner_id or actor.id
            customer = Customer(
                kind="enterprise" if lead.company.strip() else "individual",
                name=_customer_name(lead), nickname=lead.nickname, mobile=lead.mobile,
                phone=lead.phone, email=lead.email, wechat=lead.wechat, qq=lead.qq,
                address=lead.address, company=lead.company, website=lead.website,
                mobile_norm=mobile_norm(lead.mobile), email_norm=email_norm(lead.email),
                status="following", owner_id=owner_id, source=lead.source, stage="new",
                created_at=now, assigned_at=now, tags=lead.tags,
            )
            session.add(customer)
            session.flush()
            audit.record(session, actor.id, "create", "customer", customer.id, {},
                         {"name": customer.name, "kind": customer.kind, "owner_id": owner_id,
                          "from_lead": lead.id})
        contact_id = None
        if create_contact:
            name = lead.contact.strip()
            if not name:
                raise Invalid("Lead {order_no} has no contact name to create a contact from",
                              order_no=lead.order_no)
            # "The same mobile" is the normalised one, as in the customer duplicate check.
            same_name = session.scalars(select(Contact.mobile).where(
                Contact.customer_id == customer.id, Contact.name == name))
            if any(mobile_norm(m) == mobile_norm(lead.mobile) for m in same_name):
                raise Refused("Customer {customer} already has a contact {name} with mobile {mobile}",
                              customer=customer.name, name=name, mobile=lead.mobile or "-")
            contact = Contact(customer_id=customer.id, name=name, mobile=lead.mobile,
                              email=lead.email, job_title=lead.job_title, created_at=now)
            session.add(contact)
            session.flush()
            contact_id = contact.id
        deal_id = None
        if deal_name:
            exists = session.scalar(select(Deal.id).where(Deal.customer_id == customer.id,
                                                          Deal.name == deal_name))
            if exists is not None:
                raise Refused("Customer {customer} already has a deal named {name}",
                              customer=customer.name, name=deal_name)
            deal = Deal(customer_id=customer.id, name=deal_name, amount=amount, created_at=now)
            session.add(deal)
            session.flush()
            deal_id = deal.id
        before = {"status": lead.status, "customer_id": lead.customer_id}
        lead.status = "converted"
        lead.converted_at = now
        lead.customer_id = customer.id
        audit.record(session, actor.id, "convert", "lead", lead.id, before,
                     {"status": "converted", "customer_id": customer.id, "linked_existing": linked,
                      "contact_id": contact_id, "deal_id": deal_id})
        return ConvertResult(lead.id, customer.id, customer.kind, customer.name, linked,
                             contact_id, deal_id, amount)

