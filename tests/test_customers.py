"""Customers and public seas (SPEC 4, issue 4): change of owner round-robin, recycle,
claim and assign under the shared holding rules, the customer holding cap, tags,
lock, blacklist, delete, notifications, audit, and the command line (the permission
table of every customer action is in tests/test_permission_matrix.py). On SQLite and (with LEADTUI_TEST_PG) PostgreSQL; the
clock is frozen at NOW (conftest) unless a test moves it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from leadtui import cli, clock, config
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.models import (
    AuditEvent,
    Contact,
    Customer,
    Deal,
    Lead,
    Notification,
    User,
)
from leadtui.store.pools import settings as pools
from leadtui.store.records import BatchResult, CustomerQuery
from leadtui.store.service import Store
from leadtui.store.users import accounts as users
from tests.factories import NOW, make_lead, make_pool, make_user, store_for

# ----------------------------------------------------------------------------- helpers


def people(db: Database, *logins: str, role: str = "sales", dept: str | None = None) -> None:
    for login in logins:
        make_user(db, login, role, dept, name=login.capitalize())


def make_sea(db: Database, name: str, admins: Iterable[str] = (), members: Iterable[str] = (),
             member_depts: Iterable[str] = (), **settings: object) -> int:
    """A public sea (a pool of kind "sea"), written straight into the database."""
    with db.write() as session:
        admin_ids = [uid_in(session, login) for login in admins]
        member_ids = [uid_in(session, login) for login in members]
        dept_ids = [users.department(session, d).id for d in member_depts]
        return pools.create_pool(session, name, kind="sea", admins=admin_ids, member_users=member_ids,
                                 member_departments=dept_ids, **settings).id


def uid_in(session, login: str) -> int:  # noqa: ANN001
    user_id = session.scalar(select(User.id).where(User.login == login))
    assert user_id is not None, login
    return user_id


def uid(db: Database, login: str) -> int:
    with db.read() as session:
        return uid_in(session, login)


def make_customers(db: Database, n: int = 1, *, owner: str | None = None, sea: int | None = None,
                   name: str = "Customer", **fields: Any) -> list[int]:
    """`n` customers: owned by `owner` ("following") or in `sea` ("public_sea")."""
    with db.write() as session:
        owner_id = uid_in(session, owner) if owner else None
        made = []
        for i in range(n):
            values = {"kind": "individual", "name": name if n == 1 else f"{name} {i + 1}",
                      "status": "following" if owner_id else ("public_sea" if sea else "unassigned"),
                      "owner_id": owner_id, "public_sea_id": sea, "created_at": NOW - timedelta(days=1),
                      "assigned_at": NOW - timedelta(days=1) if owner_id else None, **fields}
            if values.get("mobile") and "mobile_norm" not in values:
                values["mobile_norm"] = values["mobile"]
            if values.get("email") and "email_norm" not in values:
                values["email_norm"] = str(values["email"]).lower()
            customer = Customer(**values)
            session.add(customer)
            session.flush()
            made.append(customer.id)
        return made


def make_customer(db: Database, **kw: Any) -> int:
    return make_customers(db, 1, **kw)[0]


def set_cap(db: Database, login: str, cap: int | None) -> None:
    with db.write() as session:
        session.execute(update(User).where(User.login == login).values(customer_cap=cap))


def get(db: Database, customer_id: int) -> Customer:
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer


def owners(db: Database, ids: list[int]) -> Counter[int | None]:
    with db.read() as session:
        return Counter(session.scalars(select(Customer.owner_id).where(Customer.id.in_(ids))))


def events(db: Database, action: str | None = None) -> list[AuditEvent]:
    with db.read() as session:
        stmt = select(AuditEvent).where(AuditEvent.entity == "customer").order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))


def inbox(db: Database, login: str) -> list[str]:
    return [n.text for n in store_for(db, login).list_notifications()]


def listed(store: Store, **query: Any) -> set[int]:
    return {row.id for row in store.list_customers(CustomerQuery(**query), 0, 1000)}


def reasons(result: BatchResult) -> list[str]:
    return [r.reason for r in result.refused]


# ----------------------------------------------------------------------------- change owner, round-robin


def test_change_owner_shares_100_customers_34_33_33(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "owner", "a", "b", "c", dept="East")
    ids = make_customers(db, 100, owner="owner")
    result = store_for(db, "boss").change_owner(ids, ["a", "b", "c"])
    assert len(result.done) == 100 and result.refused == ()
    assert result.summary == "moved 100 of 100"
    counts = owners(db, ids)
    assert [counts[uid(db, u)] for u in ("a", "b", "c")] == [34, 33, 33]
    # in turn: a, b, c, a, b, c, ...
    with db.read() as session:
        order = list(session.scalars(select(Customer.owner_id).where(Customer.id.in_(ids[:6]))
                                     .order_by(Customer.id)))
    assert order == [uid(db, u) for u in ("a", "b", "c", "a", "b", "c")]
    c = get(db, ids[0])
    assert (c.status, c.assigned_at, c.previous_owner_id, c.released_at) == ("following", NOW, uid(db, "owner"), NOW)


def test_change_owner_to_a_department(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "owner", dept="East")
    people(db, "x", "y", dept="Team")
    ids = make_customers(db, 7, owner="owner")
    result = store_for(db, "boss").change_owner(ids, to_dept="Team")
    assert len(result.done) == 7
    counts = owners(db, ids)
    assert (counts[uid(db, "x")], counts[uid(db, "y")]) == (4, 3)
    with pytest.raises(NotFound, match="There is no department Nowhere"):
        store_for(db, "boss").change_owner(ids, to_dept="Nowhere")
    with pytest.raises(Invalid, match="Give one or more users or a department"):
        store_for(db, "boss").change_owner(ids)
    with pytest.raises(Invalid, match="There is no user ghost"):
        store_for(db, "boss").change_owner(ids, ["ghost"])


def test_change_owner_skips_a_user_at_their_customer_cap(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "owner", "a", "b", "c", dept="East")
    make_customers(db, 3, owner="b", name="B's own")
    set_cap(db, "b", 5)  # b holds 3: room for 2
    ids = make_customers(db, 12, owner="owner")
    result = store_for(db, "boss").change_owner(ids, ["a", "b", "c"])
    assert len(result.done) == 12
    counts = owners(db, ids)
    assert (counts[uid(db, "a")], counts[uid(db, "b")], counts[uid(db, "c")]) == (5, 2, 5)
    # everyone full: the refusal names the cap
    set_cap(db, "a", 5)
    set_cap(db, "c", 5)
    more = make_customers(db, 2, owner="owner", name="More")
    result = store_for(db, "boss").change_owner(more, ["a", "b", "c"])
    assert result.done == ()
    assert reasons(result)[0] == ("a owns 5 of 5 customers allowed; b owns 5 of 5 customers allowed; "
                                  "c owns 5 of 5 customers allowed")
    assert "a owns 5 of 5 customers allowed" in result.summary


def test_the_customer_cap_holds_across_seas_in_one_batch(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "a")
    one, two = make_sea(db, "One"), make_sea(db, "Two")
    ids = make_customers(db, 3, sea=one) + make_customers(db, 3, sea=two)
    set_cap(db, "a", 2)
    result = store_for(db, "boss").assign_customers(ids, ["a"])
    assert len(result.done) == 2
    assert set(reasons(result)) == {"a owns 2 of 2 customers allowed"}
    assert owners(db, ids)[uid(db, "a")] == 2


def test_round_robin_stays_even_across_seas(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "a", "b")
    one, two, three = make_sea(db, "One"), make_sea(db, "Two"), make_sea(db, "Three")
    ids = make_customers(db, 1, sea=one) + make_customers(db, 1, sea=two) + make_customers(db, 1, sea=three) \
        + make_customers(db, 1, sea=one)
    result = store_for(db, "boss").assign_customers(ids, ["a", "b"])
    assert len(result.done) == 4
    counts = owners(db, ids)
    assert (counts[uid(db, "a")], counts[uid(db, "b")]) == (2, 2)


def test_a_customer_is_never_handed_to_its_current_owner(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "a", "b", "c")
    mine = make_customers(db, 4, owner="a")
    result = store_for(db, "boss").change_owner(mine, ["a", "b"])
    assert len(result.done) == 4 and owners(db, mine) == Counter({uid(db, "b"): 4})
    # only the current owner as target: refused, and nothing changes
    theirs = make_customers(db, 2, owner="c", name="C's")
    result = store_for(db, "boss").change_owner(theirs, ["c"])
    assert result.done == () and set(reasons(result)) == {"c's already"}
    assert owners(db, theirs) == Counter({uid(db, "c"): 2})
    assert events(db, "owner") and all(e.entity_id in mine for e in events(db, "owner"))


def test_blacklisted_customers_do_not_change_owner(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "a", "b")
    black = make_customer(db, owner="a", status="blacklisted")
    result = store_for(db, "boss").change_owner([black], ["b"])
    assert result.done == () and reasons(result) == ["blacklisted"]


# ----------------------------------------------------------------------------- recycle


def test_recycle_clears_the_owner_and_keeps_the_previous_owner(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", dept="East")
    sea = make_sea(db, "S")
    [cid] = make_customers(db, owner="li", sea=sea, protect_until=NOW + timedelta(days=3))
    result = store_for(db, "li").recycle_customers([cid])
    assert result.done == (cid,) and result.summary == "recycled 1 of 1"
    c = get(db, cid)
    assert (c.owner_id, c.status, c.public_sea_id, c.previous_owner_id, c.released_at, c.protect_until) == \
        (None, "public_sea", sea, uid(db, "li"), NOW, None)
    [event] = events(db, "recycle")
    assert json.loads(event.before)["owner"] == "li" and json.loads(event.after)["pool"] == "S"
    assert event.pool_id == sea
    # in the sea now, not in li's list; recycling again is refused
    assert cid not in listed(store_for(db, "li"))
    result = store_for(db, "boss").recycle_customers([cid])
    assert result.done == () and reasons(result) == ["in the public sea already"]


def test_recycle_refuses_locked_customers_and_asks_for_a_sea(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "li")
    sea = make_sea(db, "S")
    locked = make_customer(db, owner="li", sea=sea, locked=True, name="Locked")
    sealess = make_customer(db, owner="li", name="Sealess")
    result = store_for(db, "boss").recycle_customers([locked, sealess])
    assert result.done == ()
    assert reasons(result) == ["locked: unlock it first", "it has no public sea: choose one"]
    assert get(db, locked).owner_id == get(db, sealess).owner_id == uid(db, "li")
    result = store_for(db, "boss").recycle_customers([sealess], sea="S")
    assert result.done == (sealess,)
    assert (get(db, sealess).public_sea_id, get(db, sealess).status) == (sea, "public_sea")
    with pytest.raises(NotFound, match="There is no public sea named Atlantis"):
        store_for(db, "boss").recycle_customers([locked], sea="Atlantis")
    # the owner is told
    assert inbox(db, "li") == ["Boss moved 1 of your customer(s) to someone else or the public sea"]


def test_recycle_keeps_a_blacklisted_customer_on_the_blacklist(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "li")
    sea = make_sea(db, "S")
    black = make_customer(db, owner="li", sea=sea, status="blacklisted")
    result = store_for(db, "boss").recycle_customers([black])
    assert result.done == () and reasons(result) == ["blacklisted"]
    assert get(db, black).status == "blacklisted"


# ----------------------------------------------------------------------------- claim (the shared holding rules)


def test_claim_under_the_seas_holding_cap(db: Database) -> None:
    people(db, "li", "wang")
    sea = make_sea(db, "S", members=["li", "wang"], holding_cap=2, protect_days=7)
    ids = make_customers(db, 3, sea=sea)
    result = store_for(db, "li").claim_customers(ids)
    assert result.done == tuple(ids[:2])
    assert reasons(result) == ["Li holds 2 of 2 customers allowed in public sea S; 0 left"]
    c = get(db, ids[0])
    assert (c.owner_id, c.status, c.assigned_at, c.protect_until) == (uid(db, "li"), "following", NOW,
                                                                     NOW + timedelta(days=7))
    result = store_for(db, "li").claim_customers([ids[2]])
    assert result.done == () and reasons(result) == ["Li holds 2 of 2 customers allowed in public sea S; 0 left"]
    # the cap is per person: wang may
    assert store_for(db, "wang").claim_customers([ids[2]]).done == (ids[2],)
    # someone else's is out of sight; yours already
    result = store_for(db, "li").claim_customers([ids[2], ids[0]])
    assert reasons(result) == ["does not exist or you may not see it", "yours already"]


def test_claim_under_the_daily_limit(db: Database) -> None:
    people(db, "li")
    sea = make_sea(db, "S", members=["li"], daily_claim_limit=2)
    ids = make_customers(db, 4, sea=sea)
    assert store_for(db, "li").claim_customers(ids[:2]).done == tuple(ids[:2])
    # giving them back does not give claims back
    assert len(store_for(db, "li").recycle_customers(ids[:2]).done) == 2
    result = store_for(db, "li").claim_customers(ids[2:])
    assert result.done == ()
    assert reasons(result)[0] == "Li claimed 2 of 2 customers allowed per day in public sea S; 0 left today"
    clock.freeze(NOW + timedelta(days=1))
    assert store_for(db, "li").claim_customers(ids[2:]).done == tuple(ids[2:])


def test_claim_waits_for_the_cooldown(db: Database) -> None:
    people(db, "li", "wang")
    sea = make_sea(db, "S", members=["li", "wang"], cooldown_days=3)
    a, b = make_customers(db, 2, owner="li", sea=sea)
    store_for(db, "li").recycle_customers([a, b])
    result = store_for(db, "li").claim_customers([a])
    assert result.done == ()
    assert reasons(result) == ["Li let it go less than 3 days ago; public sea S allows claiming it back after 3 days"]
    assert store_for(db, "wang").claim_customers([b]).done == (b,)  # others need not wait
    clock.freeze(NOW + timedelta(days=3))
    assert store_for(db, "li").claim_customers([a]).done == (a,)


def test_claim_under_the_users_customer_cap(db: Database) -> None:
    people(db, "li")
    sea = make_sea(db, "S", members=["li"])
    make_customer(db, owner="li", name="Already")
    set_cap(db, "li", 2)
    ids = make_customers(db, 3, sea=sea)
    result = store_for(db, "li").claim_customers(ids)
    assert result.done == (ids[0],)
    assert reasons(result) == ["Li owns 2 of 2 customers allowed"] * 2


def test_claim_uses_the_shared_holding_rules() -> None:
    """Seas and pools decide with the same functions (store/holding.py), not copies."""
    from leadtui.store.customers import actions as customers
    from leadtui.store.pools import actions as pool_actions
    from leadtui.store.pools import holding

    for name in ("claim_room", "claim_refusal", "cooldown_refusal", "round_robin", "room_for"):
        assert getattr(customers, name) is getattr(holding, name)
        assert getattr(pool_actions, name) is getattr(holding, name)


def test_blacklisted_customers_cannot_be_claimed(db: Database) -> None:
    people(db, "li")
    sea = make_sea(db, "S", members=["li"])
    black = make_customer(db, sea=sea, status="blacklisted")
    result = store_for(db, "li").claim_customers([black])
    assert result.done == ()  # hidden from the sea: not even visible as claimable
    assert get(db, black).status == "blacklisted" and get(db, black).owner_id is None


# ----------------------------------------------------------------------------- assign from the sea


def test_assign_from_the_sea_round_robin_under_the_seas_cap(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "sadmin", "a", "b")
    sea = make_sea(db, "S", admins=["sadmin"], members=["a", "b"], holding_cap=2)
    ids = make_customers(db, 5, sea=sea)
    result = store_for(db, "sadmin").assign_customers(ids, ["a", "b"])
    assert len(result.done) == 4
    assert reasons(result) == ["at most 2 customers each from public sea S"]
    counts = owners(db, ids)
    assert (counts[uid(db, "a")], counts[uid(db, "b")], counts[None]) == (2, 2, 1)
    # an owned customer is not the sea's to assign
    owned = make_customer(db, owner="a", sea=sea)
    result = store_for(db, "boss").assign_customers([owned], ["b"])
    assert reasons(result) == ["not in a public sea"]
    # assignment does not count against the daily limit of the assignee
    assert all(e.actor_id == uid(db, "sadmin") for e in events(db, "assign"))


def test_only_sea_admins_and_admins_assign(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "sadmin", "member", "outsider")
    sea = make_sea(db, "S", admins=["sadmin"], members=["member"])
    [cid] = make_customers(db, sea=sea)
    assert reasons(store_for(db, "member").assign_customers([cid], ["member"])) == [
        "only an admin of the public sea may assign its customers"]
    assert reasons(store_for(db, "outsider").assign_customers([cid], ["outsider"])) == [
        "does not exist or you may not see it"]
    assert store_for(db, "boss").assign_customers([cid], ["member"]).done == (cid,)


# ----------------------------------------------------------------------------- tags


def test_tags_add_set_and_the_any_all_filter(db: Database) -> None:
    people(db, "li")
    store = store_for(db, "li")
    both, vip, north, none = (make_customer(db, owner="li", name=n, tags=t_) for n, t_ in
                              [("Both", "vip,north"), ("Vip", "vip"), ("North", "north"), ("None", "")])
    assert listed(store, tags=("vip", "north")) == {both, vip, north}
    assert listed(store, tags=("vip", "north"), tags_match="all") == {both}
    assert listed(store, tags=("vi",)) == set()  # whole tags only
    with pytest.raises(Invalid, match="Tags match any or all"):
        listed(store, tags=("vip",), tags_match="some")
    result = store.tag_customers([none, vip], add=["vip", "hot"])
    assert result.done == (none, vip) and result.summary == "tagged 2 of 2"
    assert (get(db, none).tags, get(db, vip).tags) == ("vip,hot", "vip,hot")
    assert store.tag_customers([both], set_to=["cold"]).done == (both,)
    assert get(db, both).tags == "cold"
    assert store.tag_customers([both], set_to=[]).done == (both,)
    assert get(db, both).tags == ""
    [first, *_] = events(db, "tag")
    assert (json.loads(first.before), json.loads(first.after)) == ({"tags": ""}, {"tags": "vip,hot"})
    with pytest.raises(Invalid, match="one of the two"):
        store.tag_customers([both])
    with pytest.raises(Invalid, match="one of the two"):
        store.tag_customers([both], add=["a"], set_to=["b"])
    with pytest.raises(Invalid, match="cannot hold a comma"):
        store.tag_customers([both], add=["a,b"])


# ----------------------------------------------------------------------------- lock


def test_lock_and_unlock(db: Database) -> None:
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", dept="East")
    sea = make_sea(db, "S")
    [cid] = make_customers(db, owner="li", sea=sea)
    mgr = store_for(db, "mgr")
    assert mgr.lock_customers([cid]).done == (cid,) and get(db, cid).locked is True
    assert reasons(mgr.lock_customers([cid])) == ["locked already"]
    assert reasons(store_for(db, "li").recycle_customers([cid])) == ["locked: unlock it first"]
    assert reasons(store_for(db, "li").lock_customers([cid], False)) == [
        "only a manager or an admin may lock or unlock customer Customer"]
    assert mgr.lock_customers([cid], False).done == (cid,) and get(db, cid).locked is False
    assert reasons(mgr.lock_customers([cid], False)) == ["not locked"]
    assert [e.action for e in events(db)] == ["lock", "unlock"]
    assert store_for(db, "li").recycle_customers([cid]).done == (cid,)


# ----------------------------------------------------------------------------- blacklist


def test_blacklist_hides_lists_and_flags_open_leads(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", dept="East")
    make_pool(db, "P", members=["li"])
    sea = make_sea(db, "S", members=["li"])
    cid = make_customer(db, owner="li", name="Spammer", mobile="13900000001", email="spam@example.com")
    in_sea = make_customer(db, sea=sea, name="Sea spammer")
    by_mobile = make_lead(db, "P", contact="Spam 1", mobile="13900000001")
    by_email = make_lead(db, "P", contact="Spam 2", email="SPAM@example.com", tags="hot")
    other = make_lead(db, "P", contact="Fine", mobile="13900000009")
    converted = make_lead(db, "P", owner="li", status="converted", contact="Done", mobile="13900000001")
    li = store_for(db, "li")
    assert listed(li) >= {cid} and listed(li, scope="sea") == {in_sea}
    result = li.blacklist_customers([cid])
    assert result.done == (cid,) and result.summary == "blacklisted 1 of 1"
    assert store_for(db, "boss").blacklist_customers([in_sea]).done == (in_sea,)
    assert get(db, cid).status == "blacklisted" and get(db, cid).owner_id == uid(db, "li")
    # hidden from the working lists, listed under the blacklist filter
    assert cid not in listed(li) and listed(li, scope="sea") == set()
    assert listed(li, scope="blacklist") == {cid}
    assert listed(store_for(db, "mgr"), scope="blacklist") == {cid}
    assert cid not in listed(store_for(db, "mgr"), scope="dept")
    assert listed(store_for(db, "boss"), scope="blacklist") == {cid, in_sea}
    assert {cid, in_sea}.isdisjoint(listed(store_for(db, "boss"), scope="all"))
    # its open leads are flagged, the converted one and others are not
    with db.read() as session:
        tags = dict(session.execute(select(Lead.id, Lead.tags)).all())
    assert tags[by_mobile] == "blacklist" and tags[by_email] == "hot,blacklist"
    assert "blacklist" not in tags[other] and "blacklist" not in tags[converted]
    assert reasons(li.blacklist_customers([cid])) == ["blacklisted already"]
    [event, _] = events(db, "blacklist")
    assert json.loads(event.after)["status"] == "blacklisted"


# ----------------------------------------------------------------------------- delete


def test_delete_moves_to_the_trash_managers_and_admins_only(db: Database) -> None:
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", dept="East")
    a, b = make_customers(db, 2, owner="li")
    assert reasons(store_for(db, "li").delete_customers([a])) == [
        "only a manager or an admin may delete customer Customer 1"]
    result = store_for(db, "mgr").delete_customers([a, b])
    assert result.done == (a, b) and result.summary == "deleted 2 of 2"
    assert get(db, a).deleted_at == NOW
    assert listed(store_for(db, "li")) == set()
    with pytest.raises(NotFound):
        store_for(db, "mgr").customer_detail(a)
    assert reasons(store_for(db, "mgr").delete_customers([a])) == ["does not exist or you may not see it"]
    assert inbox(db, "li") == ["Mgr moved 2 of your customer(s) to someone else or the public sea"]


# ----------------------------------------------------------------------------- notifications, audit


def test_notifications_to_the_new_and_old_owners(db: Database) -> None:
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", "wang", dept="East")
    ids = make_customers(db, 3, owner="li")
    store_for(db, "mgr").change_owner(ids, ["wang"])
    assert inbox(db, "wang") == ["Mgr gave you 3 customer(s)"]
    assert inbox(db, "li") == ["Mgr moved 3 of your customer(s) to someone else or the public sea"]
    assert inbox(db, "mgr") == []
    with db.read() as session:
        notes = list(session.scalars(select(Notification)))
    assert {n.entity for n in notes} == {"customer"}
    # giving your own away tells only the new owner
    store_for(db, "wang").change_owner(ids[:1], ["li"])
    assert inbox(db, "wang") == ["Mgr gave you 3 customer(s)"]
    assert inbox(db, "li")[0] == "Wang gave you 1 customer(s)"


def test_every_customer_action_writes_audit_events(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "li", "wang")
    sea = make_sea(db, "S", members=["li", "wang"])
    ids = make_customers(db, 2, owner="li", sea=sea)
    boss = store_for(db, "boss")
    owner = boss.change_owner(ids, ["wang"])
    boss.tag_customers(ids, add=["vip"])
    boss.lock_customers(ids)
    boss.lock_customers(ids, False)
    boss.recycle_customers(ids)
    store_for(db, "li").claim_customers(ids[:1])
    boss.assign_customers(ids[1:], ["li"])
    boss.blacklist_customers(ids[:1])
    boss.delete_customers(ids[1:])
    all_events = events(db)
    assert [e.action for e in all_events] == (["owner"] * 2 + ["tag"] * 2 + ["lock"] * 2 + ["unlock"] * 2
                                              + ["recycle"] * 2 + ["claim", "assign", "blacklist", "delete"])
    assert {e.entity for e in all_events} == {"customer"}
    owner_events = events(db, "owner")
    assert {e.batch_id for e in owner_events} == {owner.batch_id}
    assert [json.loads(e.before)["owner"] for e in owner_events] == ["li", "li"]
    assert [json.loads(e.after)["owner"] for e in owner_events] == ["wang", "wang"]
    [claim] = events(db, "claim")
    assert claim.actor_id == uid(db, "li") and claim.pool_id == sea
    # the detail's history is the customer's own trail
    history = store_for(db, "boss").customer_detail(ids[0]).history
    assert [h.action for h in history] == ["owner", "tag", "lock", "unlock", "recycle", "claim", "blacklist"]


# ----------------------------------------------------------------------------- lists, detail, follow-ups


def test_list_scopes_filters_and_search(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "mgr", role="manager", dept="East")
    people(db, "li", "wang", dept="East")
    people(db, "zhao", dept="West")
    sea = make_sea(db, "S", members=["zhao"])
    li_a = make_customer(db, owner="li", name="Alpha Co", mobile="13800000001", stage="won", source="booking")
    li_b = make_customer(db, owner="li", name="Beta", company="Gamma Ltd", created_at=NOW - timedelta(days=10))
    wang = make_customer(db, owner="wang", name="Wang's")
    pooled = make_customer(db, sea=sea, name="Pooled")
    assert listed(store_for(db, "li")) == {li_a, li_b}
    assert listed(store_for(db, "mgr"), scope="dept") == {li_a, li_b, wang}
    assert listed(store_for(db, "boss"), scope="all") == {li_a, li_b, wang, pooled}
    assert listed(store_for(db, "zhao"), scope="sea") == {pooled}
    assert listed(store_for(db, "zhao"), scope="sea", sea_id=sea) == {pooled}
    assert listed(store_for(db, "li"), scope="sea") == set()
    with pytest.raises(Refused, match="Only a manager may widen the list"):
        listed(store_for(db, "li"), scope="dept")
    with pytest.raises(Refused, match="Only an admin may list every customer"):
        listed(store_for(db, "mgr"), scope="all")
    li = store_for(db, "li")
    assert listed(li, text="gamma") == {li_b}
    assert listed(li, text="138 0000 0001") == {li_a}
    [row] = li.list_customers(CustomerQuery(text="gamma"))
    assert row.matched_field == "company"
    assert listed(li, stages=("won",)) == {li_a}
    assert listed(li, sources=("booking",)) == {li_a}
    assert listed(li, created_since=NOW - timedelta(days=2)) == {li_a}
    assert listed(li, created_until=NOW - timedelta(days=2)) == {li_b}
    with pytest.raises(Invalid, match="Unknown stage"):
        listed(li, stages=("done",))
    assert li.count_customers(CustomerQuery()) == 2


def test_detail_and_follow_ups(db: Database) -> None:
    people(db, "li")
    people(db, "wang")
    make_pool(db, "P", members=["li"])
    lead = make_lead(db, "P", owner="li", status="converted", contact="Dan", company="Dan Co")
    with db.read() as session:
        cid = session.scalar(select(Lead.customer_id).where(Lead.id == lead))
    with db.write() as session:
        session.add(Contact(customer_id=cid, name="Dan", mobile="13800000002", created_at=NOW))
        session.add(Deal(customer_id=cid, name="First", amount=100, created_at=NOW))
    li = store_for(db, "li")
    record = li.add_customer_followup(cid, "call", "rang", 60, "interested")
    assert (record.kind, record.duration_s, record.author) == ("call", 60, "li")
    detail = li.customer_detail(cid)
    assert detail.row.get("name") == "Dan Co" and detail.row.get("stage") == "contacted"
    assert [c.name for c in detail.contacts] == ["Dan"] and [d.name for d in detail.deals] == ["First"]
    assert [f.text for f in detail.followups] == ["rang"] and detail.leads[0][0] == lead
    assert get(db, cid).last_followup_at == NOW
    with pytest.raises(NotFound):
        store_for(db, "wang").customer_detail(cid)
    with pytest.raises(NotFound):
        store_for(db, "wang").add_customer_followup(cid, "note", "x")
    with pytest.raises(Invalid, match="needs a text"):
        li.add_customer_followup(cid, "note", " ")
    with pytest.raises(Invalid, match="Unknown follow-up kind"):
        li.add_customer_followup(cid, "fax", "x")


def test_empty_and_duplicate_ids(db: Database) -> None:
    people(db, "boss", role="admin")
    people(db, "li")
    [cid] = make_customers(db, owner="li")
    with pytest.raises(Invalid, match="No customers given"):
        store_for(db, "boss").tag_customers([], add=["x"])
    result = store_for(db, "boss").tag_customers([cid, cid, 999999], add=["x"])
    assert result.done == (cid,) and reasons(result) == ["does not exist or you may not see it"]
    assert result.summary.startswith("tagged 1 of 2")


# ----------------------------------------------------------------------------- the permission table
# Every role × every customer action is one table with the leads' and pools': tests/test_permission_matrix.py.


# ----------------------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, monkeypatch) -> str:  # noqa: ANN001
    """The `db` schema as a --db URL: boss (admin), mgr (manager, East), li and wang
    (sales, East); sea S administered by wang with member li."""
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    monkeypatch.delenv("LEADTUI_LANG", raising=False)
    url = db.url
    assert runner.invoke(cli.app, ["init", "--db", url, "--name", "Boss"]).exit_code == 0
    for login, role in (("mgr", "manager"), ("li", "sales"), ("wang", "sales")):
        result = runner.invoke(cli.app, ["users", "add", login, "--name", login.capitalize(), "--role", role,
                                         "--dept", "East", "--db", url])
        assert result.exit_code == 0, result.output
    return url


def run(url: str, *args: str):  # noqa: ANN201
    return runner.invoke(cli.app, [*args, "--db", url])


def as_user(monkeypatch, login: str) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: login)


def seed(url: str, n: int, **kw: Any) -> list[int]:
    db = Database(url)
    try:
        return make_customers(db, n, **kw)
    finally:
        db.dispose()


def test_cli_seas(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    result = run(url, "seas", "add", "S", "--admin", "wang", "--member", "li", "--holding-cap", "2",
                 "--daily-claim-limit", "5", "--protect-days", "7", "--cooldown-days", "3", "--json")
    assert result.exit_code == 0, result.output
    sea = json.loads(result.stdout)
    assert (sea["kind"], sea["name"], sea["holding_cap"], sea["cooldown_days"]) == ("sea", "S", 2, 3)
    assert sea["admins"] == ["wang"] and sea["member_users"] == ["li"]
    result = run(url, "seas", "add", "S", "--json")
    assert result.exit_code != 0 and "exists already" in json.loads(result.stdout)["error"]
    # a sea and a lead pool may share a name
    assert run(url, "pools", "add", "S").exit_code == 0
    result = run(url, "seas", "set", "S", "--holding-cap", "4", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["holding_cap"] == 4
    result = run(url, "seas", "list", "--json")
    assert [s["name"] for s in json.loads(result.stdout)] == ["S"]
    result = run(url, "seas", "list")
    assert result.exit_code == 0 and "S" in result.stdout
    result = run(url, "seas", "show", "S")
    assert result.exit_code == 0 and "holding_cap" in result.stdout
    result = run(url, "seas", "show", "Atlantis")
    assert result.exit_code == 3
    as_user(monkeypatch, "li")
    result = run(url, "seas", "set", "S", "--holding-cap", "100")
    assert result.exit_code != 0 and "Only an admin may create or change pools and public seas" in result.stderr
    result = run(url, "seas", "show", "S", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["i_am_member"] is True


def test_cli_customers_list_and_show(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    assert run(url, "seas", "add", "S", "--member", "li").exit_code == 0
    db = Database(url)
    try:
        sea = db_sea(db, "S")
        a = make_customer(db, owner="li", name="Alpha", tags="vip,north", stage="won", mobile="13800000001")
        b = make_customer(db, owner="li", name="Beta", tags="vip")
        w = make_customer(db, owner="wang", name="Wang's")
        pooled = make_customer(db, sea=sea, name="Pooled")
        with db.write() as session:
            session.add(Contact(customer_id=a, name="Al", mobile="13800000003", created_at=NOW))
            session.add(Deal(customer_id=a, name="Deal one", amount=10, created_at=NOW))
    finally:
        db.dispose()
    as_user(monkeypatch, "li")
    result = run(url, "customers", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {a, b}
    for key in ("id", "name", "kind", "mobile", "status", "stage", "owner", "public_sea", "locked", "tags",
                "created_at", "matched_field"):
        assert key in rows[0]
    result = run(url, "customers", "list", "--tag", "vip", "--tag", "north", "--tags-match", "all", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [a]
    result = run(url, "customers", "list", "--tag", "vip", "--tag", "north", "--json")
    assert {r["id"] for r in json.loads(result.stdout)} == {a, b}
    result = run(url, "customers", "list", "--stage", "won", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [a]
    result = run(url, "customers", "list", "--query", "138 0000 0001", "--json")
    assert [(r["id"], r["matched_field"]) for r in json.loads(result.stdout)] == [(a, "mobile")]
    result = run(url, "customers", "list", "--sea", "S", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [pooled]
    result = run(url, "customers", "list", "--sea", "*", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [pooled]
    result = run(url, "customers", "list", "--limit", "1")
    assert result.exit_code == 0 and "1 of 2 customers" in result.stderr
    result = run(url, "customers", "list", "--query", "Beta")
    assert result.exit_code == 0 and "Beta" in result.stdout
    result = run(url, "customers", "list", "--dept")
    assert result.exit_code == 1 and "Only a manager may widen" in result.stderr
    result = run(url, "customers", "list", "--mine", "--blacklist")
    assert result.exit_code == 2 and "Choose one of" in result.stderr
    result = run(url, "customers", "list", "--stage", "done", "--json")
    assert result.exit_code == 2 and "Unknown stage" in json.loads(result.stdout)["error"]
    result = run(url, "customers", "list", "--tags-match", "some")
    assert result.exit_code == 2
    result = run(url, "customers", "list", "--created-since", "last week")
    assert result.exit_code == 2 and "--created-since" in result.stderr
    result = run(url, "customers", "list", "--sea", "Atlantis")
    assert result.exit_code == 3
    as_user(monkeypatch, "mgr")
    result = run(url, "customers", "list", "--dept", "--json")
    assert {r["id"] for r in json.loads(result.stdout)} == {a, b, w}
    result = run(url, "customers", "list", "--all")
    assert result.exit_code == 1 and "Only an admin may list every customer" in result.stderr
    # show
    as_user(monkeypatch, "li")
    assert run(url, "customers", "followup", str(a), "--kind", "call", "--text", "rang", "--duration", "30",
               "--outcome", "keen").exit_code == 0
    result = run(url, "customers", "show", str(a), "--json")
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)
    assert detail["id"] == a and detail["name"] == "Alpha" and detail["stage"] == "won"
    assert [c["name"] for c in detail["contacts"]] == ["Al"]
    assert [(d["name"], d["amount"]) for d in detail["deals"]] == [("Deal one", "10.00")]
    assert [(f["kind"], f["duration_s"], f["outcome"]) for f in detail["followups"]] == [("call", 30, "keen")]
    assert detail["leads"] == [] and [h["action"] for h in detail["history"]] == ["followup"]
    result = run(url, "customers", "show", str(a))
    assert result.exit_code == 0
    for text in ("Alpha", "Contacts", "Al", "Deal one", "Follow-ups", "rang", "History"):
        assert text in result.stdout
    result = run(url, "customers", "show", str(w))
    assert result.exit_code == 3 and "does not exist or you may not see it" in result.stderr


def db_sea(db: Database, name: str) -> int:
    from leadtui.store.models import Pool

    with db.read() as session:
        sea_id = session.scalar(select(Pool.id).where(Pool.name == name, Pool.kind == "sea"))
        assert sea_id is not None
        return sea_id


def test_cli_customers_add_checks_duplicates(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    as_user(monkeypatch, "li")
    result = run(url, "customers", "add", "--name", "上海星辰科技有限公司", "--mobile", "13800138000",
                 "--email", "info@xingchen.cn", "--company", "上海星辰科技有限公司", "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    assert first["id"] and first["similar"] == []
    assert first["name"] == "上海星辰科技有限公司"
    # the exact rule: same mobile refuses, naming the match (with --force too)
    result = run(url, "customers", "add", "--name", "Other", "--mobile", "138-0013-8000", "--force", "--json")
    assert result.exit_code == 1
    refusal = json.loads(result.stdout)
    assert refusal["exact"]["id"] == first["id"] and refusal["exact"]["matched_by"] == "mobile"
    assert f"Customer #{first['id']}" in refusal["error"]
    result = run(url, "customers", "add", "--name", "上海星辰科技有限公司")
    assert result.exit_code == 1 and "has the same name" in result.stderr
    assert f"#{first['id']} 上海星辰科技有限公司" in result.stderr
    # the fuzzy rule: similar names are listed and refused without --force
    result = run(url, "customers", "add", "--name", "上海星辰科技公司", "--json")
    assert result.exit_code == 1
    refusal = json.loads(result.stdout)
    assert refusal["exact"] is None and [s["id"] for s in refusal["similar"]] == [first["id"]]
    assert "--force" in refusal["error"]
    result = run(url, "customers", "add", "--name", "上海星辰科技公司")
    assert result.exit_code == 1 and "similar name" in result.stderr
    result = run(url, "customers", "add", "--name", "上海星辰科技公司", "--force", "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)
    assert [s["id"] for s in added["similar"]] == [first["id"]]
    result = run(url, "customers", "add", "--name", "Quiet Ltd", "--email", "q@example.com")
    assert result.exit_code == 0 and "Added customer #" in result.stdout
    result = run(url, "customers", "add", "--name", "Bad", "--mobile", "123")
    assert result.exit_code == 2 and "not a mainland mobile number" in result.stderr
    result = run(url, "customers", "list", "--json")
    assert len(json.loads(result.stdout)) == 3


def test_cli_customer_batch_actions(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    assert run(url, "seas", "add", "S", "--admin", "wang", "--member", "li", "--holding-cap", "2").exit_code == 0
    db = Database(url)
    try:
        sea = db_sea(db, "S")
    finally:
        db.dispose()
    owned = seed(url, 4, owner="li", name="Owned")  # from no sea
    pooled = seed(url, 3, sea=sea, name="Pooled")
    # change owner (boss): round-robin
    result = run(url, "customers", "owner", *map(str, owned), "--to", "wang", "--to", "mgr", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["action"] == "owner" and sorted(out["done"]) == owned and out["refused"] == [] and out["batch_id"]
    assert out["summary"] == "moved 4 of 4"
    result = run(url, "customers", "owner", str(owned[0]))
    assert result.exit_code == 2 and "--to" in result.stderr
    result = run(url, "customers", "owner", *map(str, owned), "--to-dept", "East", "--json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["done"]) == 4
    result = run(url, "customers", "owner", str(owned[0]), "--to", "ghost")
    assert result.exit_code == 2 and "There is no user ghost" in result.stderr
    result = run(url, "customers", "owner", *map(str, owned), "--to", "li", "--json")
    assert result.exit_code == 0
    # claim (li, a member, cap 2)
    as_user(monkeypatch, "li")
    result = run(url, "customers", "claim", *map(str, pooled), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["done"] == pooled[:2]
    assert out["refused"] == [{"id": pooled[2], "reason": "Li holds 2 of 2 customers allowed in public sea S; 0 left"}]
    result = run(url, "customers", "claim", str(pooled[2]))
    assert result.exit_code == 1 and "claimed 0 of 1" in result.stdout and "holds 2 of 2" in result.stderr
    # assign: li is a plain member
    result = run(url, "customers", "assign", str(pooled[2]), "--to", "li", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["refused"][0]["reason"] == \
        "only an admin of the public sea may assign its customers"
    # tags
    result = run(url, "customers", "tag", str(owned[0]), "--add", "vip", "--add", "hot", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [owned[0]]
    result = run(url, "customers", "tag", str(owned[0]), "--set", "cold", "--json")
    assert result.exit_code == 0
    result = run(url, "customers", "list", "--tag", "cold", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [owned[0]]
    result = run(url, "customers", "tag", str(owned[0]))
    assert result.exit_code == 2 and "one of the two" in result.stderr
    # lock: not for the owner
    result = run(url, "customers", "lock", str(owned[0]), "--json")
    assert result.exit_code == 1 and "only a manager or an admin" in json.loads(result.stdout)["refused"][0]["reason"]
    # recycle
    result = run(url, "customers", "recycle", str(owned[1]), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["refused"][0]["reason"] == "it has no public sea: choose one"
    result = run(url, "customers", "recycle", str(owned[1]), "--sea", "S", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"] == "recycled 1 of 1"
    result = run(url, "customers", "list", "--sea", "S", "--json")
    assert owned[1] in [r["id"] for r in json.loads(result.stdout)]
    # follow-up
    result = run(url, "customers", "followup", str(owned[0]), "--kind", "note", "--text", "met", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["text"] == "met"
    result = run(url, "customers", "followup", str(owned[0]), "--kind", "fax", "--text", "x")
    assert result.exit_code == 2 and "Unknown follow-up kind" in result.stderr
    result = run(url, "customers", "followup", str(owned[0]), "--kind", "note", "--text", "met")
    assert result.exit_code == 0 and "follow-up to customer" in result.stdout
    # delete: confirm, and not for the owner
    result = run(url, "customers", "delete", str(owned[0]))
    assert result.exit_code == 2 and "--yes" in result.stderr
    result = run(url, "customers", "delete", str(owned[0]), "--yes")
    assert result.exit_code == 1 and "only a manager or an admin may delete" in result.stderr
    # the manager: lock, unlock, assign refused (not the sea's admin), blacklist, delete
    as_user(monkeypatch, "mgr")
    result = run(url, "customers", "lock", str(owned[0]), str(owned[2]), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [owned[0], owned[2]]
    result = run(url, "customers", "recycle", str(owned[0]), "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["refused"][0]["reason"] == "locked: unlock it first"
    result = run(url, "customers", "unlock", str(owned[0]), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["action"] == "unlock"
    result = run(url, "customers", "blacklist", str(owned[2]), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [owned[2]]
    result = run(url, "customers", "list", "--blacklist", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [owned[2]]
    result = run(url, "customers", "delete", str(owned[3]), "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [owned[3]]
    # the sea's admin assigns
    as_user(monkeypatch, "wang")
    result = run(url, "customers", "assign", str(pooled[2]), "--to", "wang", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [pooled[2]]
    result = run(url, "customers", "assign", str(pooled[2]))
    assert result.exit_code == 2  # --to is required
    # li's inbox
    as_user(monkeypatch, "li")
    texts = [n["text"] for n in json.loads(run(url, "inbox", "--json").stdout)]
    assert "Boss gave you 2 customer(s)" in texts


def test_cli_customers_merge(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    main = seed(url, 1, owner="li", name="Main", mobile="13800000001")[0]
    other = seed(url, 1, owner="li", name="Main copy", email="copy@example.com")[0]
    theirs = seed(url, 1, owner="wang", name="Wang's")[0]
    as_user(monkeypatch, "li")
    result = run(url, "customers", "merge", str(main), str(theirs), "--json")
    assert result.exit_code == 3 and "error" in json.loads(result.stdout)  # not hers to see: as if absent
    result = run(url, "customers", "merge", str(main), str(main))
    assert result.exit_code != 0 and "cannot be merged with itself" in result.stderr
    result = run(url, "customers", "merge", str(main), str(other), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"main_id": main, "merged": [other]}
    detail = json.loads(run(url, "customers", "show", str(main), "--json").stdout)
    assert (detail["mobile"], detail["email"]) == ("13800000001", "copy@example.com")
    result = run(url, "customers", "merge", str(main), str(other))
    assert result.exit_code == 3 and "in the trash" in result.stderr
    result = run(url, "customers", "merge", str(main))
    assert result.exit_code == 2  # OTHER_IDS are required


def test_cli_customer_commands_have_help() -> None:
    for args in (["customers"], ["seas"], *[["customers", c] for c in (
            "list", "show", "add", "owner", "recycle", "claim", "assign", "tag", "lock", "unlock", "blacklist",
            "merge", "delete", "followup")], *[["seas", c] for c in ("add", "set", "list", "show")]):
        result = runner.invoke(cli.app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_cli_customers_in_chinese(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    ids = seed(url, 2, owner="li")
    # --lang is a global option: it goes before the command
    result = runner.invoke(cli.app, ["--lang", "zh", "customers", "delete", str(ids[0]), "--db", url])
    assert result.exit_code == 2 and "回收站" in result.stderr
    result = runner.invoke(cli.app, ["--lang", "zh", "customers", "list", "--all", "--db", url])
    assert result.exit_code == 0 and "2 个客户" in result.stderr
