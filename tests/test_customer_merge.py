"""Merging duplicate customers (SPEC 4): every field value kept, every related record
moved, the others in the trash, permissions, audit. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from leadtui.store.customers.merge import MERGED_FIELDS, merge_customers
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.models import (
    AuditEvent,
    Contact,
    Customer,
    Deal,
    FollowUp,
    Lead,
    Notification,
    User,
)
from tests.factories import NOW, make_lead, make_pool, make_user, store_for


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    ids = {}
    for login, role, dept in [("boss", "admin", None), ("mgr", "manager", "East"), ("li", "sales", "East"),
                              ("wang", "sales", "East"), ("zhao", "sales", "West")]:
        ids[login] = make_user(db, login, role, dept, name=login.capitalize()).id
    return ids


def customer(db: Database, owner: int | None, name: str, sea: int | None = None, **fields: object) -> int:
    with db.write() as s:
        c = Customer(kind="enterprise", name=name, status="following" if owner else "public_sea",
                     owner_id=owner, public_sea_id=sea, created_at=NOW - timedelta(days=3), **fields)
        if "mobile" in fields:
            c.mobile_norm = str(fields["mobile"]).replace(" ", "")
        s.add(c)
        s.flush()
        return c.id


def contact(db: Database, customer_id: int, name: str, **fields: object) -> int:
    with db.write() as s:
        c = Contact(customer_id=customer_id, name=name, created_at=NOW, **fields)
        s.add(c)
        s.flush()
        return c.id


def deal(db: Database, customer_id: int, name: str, amount: str = "100") -> int:
    with db.write() as s:
        d = Deal(customer_id=customer_id, name=name, amount=Decimal(amount), created_at=NOW)
        s.add(d)
        s.flush()
        return d.id


def followup(db: Database, customer_id: int, author: int, text: str) -> int:
    with db.write() as s:
        f = FollowUp(customer_id=customer_id, author_id=author, kind="note", text=text, created_at=NOW)
        s.add(f)
        s.flush()
        return f.id


def snapshot(db: Database) -> dict[str, list[tuple]]:
    with db.read() as s:
        return {
            "customers": [tuple(getattr(c, k) for k in ("id", "deleted_at", "tags", *MERGED_FIELDS))
                          for c in s.scalars(select(Customer).order_by(Customer.id))],
            "contacts": [(c.id, c.customer_id) for c in s.scalars(select(Contact).order_by(Contact.id))],
            "deals": [(d.id, d.customer_id, d.name) for d in s.scalars(select(Deal).order_by(Deal.id))],
            "followups": [(f.id, f.customer_id) for f in s.scalars(select(FollowUp).order_by(FollowUp.id))],
            "leads": [(x.id, x.customer_id) for x in s.scalars(select(Lead).order_by(Lead.id))],
            "audit": [e.id for e in s.scalars(select(AuditEvent))],
        }


def test_merge_keeps_every_field_value_and_moves_every_related_record(db: Database, people) -> None:
    li = people["li"]
    main = customer(db, li, "Star Tech", mobile="13800138000", tags="vip,east")
    a = customer(db, li, "Star Tech Ltd", mobile="13900139000", email="Sales@Star.cn", wechat="star_wx",
                 nickname="Stars", tags="east,hot", source="intent",
                 last_followup_at=NOW - timedelta(hours=2))
    b = customer(db, li, "星辰科技", email="other@star.cn", phone="021-5555", qq="12345", address="上海路1号",
                 company="上海星辰科技有限公司", website="star.cn", external_id="EXT-9", nickname="Other nick",
                 tags="cold")
    c_main = contact(db, main, "Zhang", mobile="13700000001", email="z@star.cn")
    c_a = contact(db, a, "Wang", mobile="13700000002")
    c_b = contact(db, b, "Liu")
    d_main = deal(db, main, "Website")
    d_a = deal(db, a, "Website", "250")
    d_b = deal(db, b, "Hosting")
    f_a = followup(db, a, li, "called a")
    f_b = followup(db, b, li, "called b")
    f_main = followup(db, main, li, "called main")
    pool = make_pool(db, "North", members=["li"])
    lead_a = make_lead(db, pool, owner="li", contact="Lead A")
    lead_b = make_lead(db, pool, owner="li", contact="Lead B")
    with db.write() as s:
        s.get(Lead, lead_a).customer_id = a
        s.get(Lead, lead_b).customer_id = b

    assert merge_customers(store_for(db, "li"), main, [a, b]) == main

    with db.read() as s:
        m = s.get(Customer, main)
        # the main's own values first, then a's, then b's; nothing empty when some record had it
        assert m.name == "Star Tech" and m.mobile == "13800138000" and m.mobile_norm == "13800138000"
        assert (m.email, m.email_norm) == ("Sales@Star.cn", "sales@star.cn")
        assert (m.nickname, m.wechat, m.source) == ("Stars", "star_wx", "intent")
        assert (m.phone, m.qq, m.address, m.company, m.website, m.external_id) == (
            "021-5555", "12345", "上海路1号", "上海星辰科技有限公司", "star.cn", "EXT-9")
        assert m.tags.split(",") == ["vip", "east", "hot", "cold"]
        assert m.last_followup_at == NOW - timedelta(hours=2)
        assert m.deleted_at is None
        for other in (a, b):
            assert s.get(Customer, other).deleted_at == NOW  # in the trash
        assert {x.id for x in s.scalars(select(Contact).where(Contact.customer_id == main))} == {c_main, c_a, c_b}
        deals = {x.id: x.name for x in s.scalars(select(Deal).where(Deal.customer_id == main))}
        assert deals == {d_main: "Website", d_a: f"Website (from #{a})", d_b: "Hosting"}
        assert s.get(Deal, d_a).amount == Decimal("250.00")
        assert {x.id for x in s.scalars(select(FollowUp).where(FollowUp.customer_id == main))} == {f_a, f_b, f_main}
        assert s.get(Lead, lead_a).customer_id == main and s.get(Lead, lead_b).customer_id == main
        events = {e.entity_id: e for e in s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "customer", AuditEvent.action == "merge"))}
        assert set(events) == {main, a, b}
        assert events[main].reason == f"merge of #{a}, #{b}"
        before, after = json.loads(events[main].before), json.loads(events[main].after)
        assert before["email"] == "" and after["email"] == "Sales@Star.cn"
        assert "mobile" not in after  # unchanged fields are not listed
        assert after["merged"] == [a, b] and after["deals_renamed"][str(d_a)] == ["Website", f"Website (from #{a})"]
        assert (after["followups_moved"], after["leads_moved"]) == (2, 2)
        assert events[a].reason == f"merged into #{main}" and json.loads(events[a].after)["merged_into"] == main
        assert len({e.batch_id for e in events.values()}) == 1


def test_a_repeated_contact_is_dropped_only_when_it_adds_nothing(db: Database, people) -> None:
    li = people["li"]
    main = customer(db, li, "Acme")
    other = customer(db, li, "ACME")
    kept = contact(db, main, "Zhang Wei", mobile="13700000001", email="zw@acme.cn", job_title="CEO")
    same = contact(db, other, "Zhang Wei", mobile="+86 137 0000 0001", email="ZW@acme.cn")  # nothing new
    more = contact(db, other, "Zhang Wei", mobile="13700000001", job_title="Founder")  # a new value
    other_mobile = contact(db, other, "Zhang Wei", mobile="13700000009")  # another person, same name
    merge_customers(store_for(db, "li"), main, [other])
    with db.read() as s:
        ids = {x.id for x in s.scalars(select(Contact).where(Contact.customer_id == main))}
        assert ids == {kept, more, other_mobile}
        assert s.get(Contact, same) is None
        after = json.loads(s.scalars(select(AuditEvent.after).where(AuditEvent.entity_id == main,
                                                                   AuditEvent.action == "merge")).one())
        assert after["contacts_dropped"] == [same]


def test_deal_names_colliding_among_the_others_are_renamed_too(db: Database, people) -> None:
    li = people["li"]
    main, a, b = customer(db, li, "M"), customer(db, li, "A"), customer(db, li, "B")
    d_a, d_b = deal(db, a, "Renewal"), deal(db, b, "Renewal")
    merge_customers(store_for(db, "li"), main, [a, b])
    with db.read() as s:
        assert s.get(Deal, d_a).name == "Renewal" and s.get(Deal, d_b).name == f"Renewal (from #{b})"
        assert {x.customer_id for x in s.scalars(select(Deal))} == {main}


def test_who_may_merge(db: Database, people) -> None:
    li, wang, zhao = people["li"], people["wang"], people["zhao"]
    li1, li2 = customer(db, li, "L1"), customer(db, li, "L2")
    wang1 = customer(db, wang, "W1")
    sea = customer(db, None, "Sea")
    zhao1 = customer(db, zhao, "Z1")

    # A plain user merges only customers they own, all of them; one they may not see
    # reads as absent, as in the other customer actions.
    for login, main, others in [("li", li1, [wang1]), ("li", li1, [sea]), ("wang", li1, [li2]),
                                ("zhao", li1, [li2])]:
        state = snapshot(db)
        with pytest.raises(NotFound) as err:
            merge_customers(store_for(db, login), main, others)
        assert "does not exist or you may not see it" in str(err.value)
        assert snapshot(db) == state  # a refused merge changes nothing
    # The manager: their department's customers, not another department's nor unowned ones.
    for others in ([zhao1], [wang1, sea]):
        state = snapshot(db)
        with pytest.raises(NotFound):
            merge_customers(store_for(db, "mgr"), li1, others)
        assert snapshot(db) == state
    assert merge_customers(store_for(db, "mgr"), li1, [wang1]) == li1
    # The owner of every customer involved.
    assert merge_customers(store_for(db, "li"), li1, [li2]) == li1
    # An admin: anything.
    other = customer(db, wang, "W2")
    assert merge_customers(store_for(db, "boss"), zhao1, [other]) == zhao1
    with db.read() as s:
        assert s.get(Customer, other).deleted_at == NOW
        # wang lost a customer to a merge by someone else: told in the inbox
        assert s.scalars(select(Notification.kind).where(Notification.user_id == wang)).all()[-1] == "customers_taken"


def test_a_manager_merges_no_public_sea_customer_away(db: Database, people) -> None:
    """Issue 13, 4: a manager merged a public-sea customer of another department's sea
    into their own. Every customer of a merge must be one the operator may see and
    change: a sea's customers are seen by its admins and members, changed by nobody
    but an admin (its admins assign them, its members claim them)."""
    from tests.test_customers import make_sea

    mine = customer(db, people["mgr"], "Mine")
    west_sea = make_sea(db, "West sea", admins=["zhao"], member_depts=["West"])
    east_sea = make_sea(db, "East sea", admins=["mgr"], member_depts=["East"])
    west = customer(db, None, "West's", sea=west_sea, mobile="13900000001")
    west_too = customer(db, None, "West's too", sea=west_sea)
    east = customer(db, None, "East's", sea=east_sea, mobile="13900000002")
    mgr = store_for(db, "mgr")
    state = snapshot(db)
    with pytest.raises(NotFound, match=f"Customer #{west} does not exist or you may not see it"):
        merge_customers(mgr, mine, [west])  # another department's sea: not even seen
    with pytest.raises(Refused, match=f"customer #{east} is not yours"):
        merge_customers(mgr, mine, [east])  # the sea they administer: seen, not theirs to merge
    with pytest.raises(Refused, match=f"customer #{east} is not yours"):
        merge_customers(mgr, east, [mine])  # nor as the main record
    with pytest.raises(Refused, match="is not yours"):
        merge_customers(store_for(db, "zhao"), west, [west_too])  # the sea's own admin neither
    assert snapshot(db) == state
    assert merge_customers(store_for(db, "boss"), mine, [west, east]) == mine  # an admin may


def test_merge_refuses_itself_too_few_and_missing_or_trashed(db: Database, people) -> None:
    li = people["li"]
    a, b = customer(db, li, "A"), customer(db, li, "B")
    trashed = customer(db, li, "T", deleted_at=NOW)
    store = store_for(db, "li")
    state = snapshot(db)
    with pytest.raises(Refused, match="cannot be merged with itself"):
        merge_customers(store, a, [a, b])
    with pytest.raises(Invalid, match="at least two customers"):
        merge_customers(store, a, [])
    with pytest.raises(NotFound, match=f"Customer #{trashed} does not exist or is in the trash"):
        merge_customers(store, a, [b, trashed])
    with pytest.raises(NotFound, match="Customer #9999 does not exist"):
        merge_customers(store, a, [9999])
    with pytest.raises(NotFound):
        merge_customers(store, 9999, [a])
    assert snapshot(db) == state


def test_a_merge_that_fails_midway_changes_nothing(db: Database, people, monkeypatch) -> None:
    li = people["li"]
    main, other = customer(db, li, "M"), customer(db, li, "O", email="o@x.cn")
    contact(db, other, "C")
    deal(db, other, "D")
    followup(db, other, li, "f")
    state = snapshot(db)
    from leadtui.store.customers import merge as customer_merge

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(customer_merge.audit, "record", boom)
    with pytest.raises(RuntimeError):
        merge_customers(store_for(db, "li"), main, [other])
    assert snapshot(db) == state


def test_user_cap_is_not_needed_to_merge(db: Database, people) -> None:
    # Merging never gives anyone more customers: a user at their cap may still merge.
    li = people["li"]
    with db.write() as s:
        s.get(User, li).customer_cap = 2
    a, b = customer(db, li, "A"), customer(db, li, "B")
    assert merge_customers(store_for(db, "li"), a, [b]) == a
