"""Who sees and works which lead (SPEC 1, 3), checked in the store for every caller."""

from __future__ import annotations

import pytest

from leadtui.store.errors import NotFound, Refused, UnknownLogin
from leadtui.store.models import FollowUp, Lead
from leadtui.store.records import LeadQuery
from leadtui.store.service import Store
from tests.factories import count_rows, get_lead, make_lead, make_pool, make_user, store_for

ALL = LeadQuery(screen="all")
CONVERTED = LeadQuery(screen="converted")


def visible(store: Store) -> set[int]:
    """Every lead the user sees in All Leads and Converted Leads, checked three ways."""
    ids = set()
    for query in (ALL, CONVERTED):
        listed = {r.id for r in store.list_leads(query, limit=1000)}
        assert set(store.lead_ids(query)) == listed
        assert store.count_leads(query) == len(listed)
        ids |= listed
    return ids


def test_each_role_sees_its_leads(world) -> None:  # noqa: ANN001
    w = world
    assert visible(w.store("boss")) == set(w.leads.values())
    assert visible(w.store("li")) == w.ids("n_pooled", "n_li", "n_wang", "n_conv", "s_li")
    assert visible(w.store("zhao")) == w.ids("s_pooled", "s_zhao")
    # wang: North as a member, all of South as its admin
    assert visible(w.store("wang")) == set(w.leads.values())
    # mgr: North as its admin, plus what East's members hold elsewhere
    assert visible(w.store("mgr")) == w.ids("n_pooled", "n_li", "n_wang", "n_conv", "s_li", "s_conv")


def test_a_sales_user_cannot_reach_leads_of_other_pools(world) -> None:  # noqa: ANN001
    zhao = world.store("zhao")
    hidden = world.leads["n_pooled"]
    assert hidden not in visible(zhao)
    assert zhao.list_leads(LeadQuery(text="Alice North")) == []
    assert zhao.count_leads(LeadQuery(text="13800000001")) == 0
    with pytest.raises(NotFound):
        zhao.lead_detail(hidden)
    with pytest.raises(NotFound):
        zhao.add_followup(hidden, "note", "peeking")
    with pytest.raises(NotFound):
        zhao.convert_lead(hidden)
    with pytest.raises(NotFound):
        zhao.preview_conversion(hidden)
    with pytest.raises(NotFound):
        zhao.lead_detail(999_999)
    assert count_rows(world.db, FollowUp) == 0
    assert get_lead(world.db, hidden).status == "pooled"


def test_not_yours_reads_like_absent(world) -> None:  # noqa: ANN001
    with pytest.raises(NotFound) as hidden:
        world.store("zhao").lead_detail(world.leads["n_li"])
    with pytest.raises(NotFound) as absent:
        world.store("zhao").lead_detail(424242)
    assert str(hidden.value).replace(str(world.leads["n_li"]), "#") == str(absent.value).replace("424242", "#")


def test_hide_assigned_and_hide_converted_hide_them_from_plain_members(world) -> None:  # noqa: ANN001
    w = world
    zhao = w.store("zhao")
    assert zhao.lead_ids(ALL) and w.leads["s_li"] not in zhao.lead_ids(ALL)
    assert zhao.lead_ids(CONVERTED) == []
    for key in ("s_li", "s_conv"):
        with pytest.raises(NotFound):
            zhao.lead_detail(w.leads[key])
    # The pool's admin sees them all.
    assert w.ids("s_li", "s_conv") <= visible(w.store("wang"))


@pytest.mark.parametrize("hide_assigned, hide_converted", [(False, False), (True, False), (False, True),
                                                           (True, True)])
def test_each_hide_setting_hides_only_its_kind(db, hide_assigned: bool, hide_converted: bool) -> None:  # noqa: ANN001
    make_user(db, "a", "sales")
    make_user(db, "b", "sales")
    make_pool(db, "P", members=["a", "b"], hide_assigned=hide_assigned, hide_converted=hide_converted)
    pooled = make_lead(db, "P")
    assigned = make_lead(db, "P", owner="b")
    converted = make_lead(db, "P", owner="b", status="converted")
    expected = {pooled}
    if not hide_assigned:
        expected.add(assigned)
    if not hide_converted:
        expected.add(converted)
    assert visible(store_for(db, "a")) == expected
    assert visible(store_for(db, "b")) == {pooled, assigned, converted}  # the owner always sees own


def test_members_open_pooled_leads_only_when_the_pool_allows(db) -> None:  # noqa: ANN001
    make_user(db, "li", "sales")
    make_pool(db, "Closed", members=["li"])
    make_pool(db, "Open", members=["li"], members_see_detail=True)
    closed = make_lead(db, "Closed", contact="Hidden detail")
    opened = make_lead(db, "Open", contact="Shown detail")
    li = store_for(db, "li")
    assert {closed, opened} <= set(li.lead_ids(ALL))  # both listed
    masked = li.lead_detail(closed)  # the order no, source, time, status, pool; the name masked
    assert masked.masked and masked.row.get("contact") == "H***** d*****" and masked.followups == ()
    detail = li.lead_detail(opened)
    assert detail.row.get("contact") == "Shown detail"
    assert detail.may_followup is False and detail.may_convert is False


def test_members_cannot_work_or_convert_pooled_leads(world) -> None:  # noqa: ANN001
    li, lead = world.store("li"), world.leads["n_pooled"]
    with pytest.raises(Refused, match="North"):
        li.add_followup(lead, "note", "cherry-picking")
    with pytest.raises(Refused, match="Only the owner"):
        li.convert_lead(lead)
    with pytest.raises(Refused):
        li.preview_conversion(lead)
    assert count_rows(world.db, FollowUp) == 0
    assert get_lead(world.db, lead).status == "pooled"


def test_a_member_cannot_work_another_members_lead(world) -> None:  # noqa: ANN001
    li, lead = world.store("li"), world.leads["n_wang"]
    detail = li.lead_detail(lead)  # North shows assigned leads to its members
    assert detail.may_followup is False and detail.may_convert is False
    with pytest.raises(Refused):
        li.add_followup(lead, "note", "not mine")
    with pytest.raises(Refused):
        li.convert_lead(lead)


def test_the_owner_works_and_converts_own_lead(world) -> None:  # noqa: ANN001
    li, lead = world.store("li"), world.leads["n_li"]
    detail = li.lead_detail(lead)
    assert detail.may_followup and detail.may_convert
    li.add_followup(lead, "call", "called", duration_s=60, outcome="interested")
    assert li.convert_lead(lead).customer_id
    assert get_lead(world.db, lead).status == "converted"


def test_a_pool_admin_sees_and_works_every_lead_of_the_pool(world) -> None:  # noqa: ANN001
    w = world
    wang = w.store("wang")
    for key in ("s_pooled", "s_zhao", "s_li", "s_conv"):
        assert wang.lead_detail(w.leads[key]).row.id == w.leads[key]
    assert wang.lead_detail(w.leads["s_pooled"]).may_followup
    wang.add_followup(w.leads["s_zhao"], "note", "checked by the pool admin")
    assert wang.convert_lead(w.leads["s_pooled"]).customer_id


def test_a_manager_sees_the_department_members_leads(world) -> None:  # noqa: ANN001
    w = world
    mgr = w.store("mgr")
    # s_li is in South, which mgr neither administers nor belongs to: seen as li's manager
    assert w.leads["s_li"] in mgr.lead_ids(ALL)
    assert mgr.lead_detail(w.leads["s_li"]).row.get("owner") == "Li"
    # zhao is in West: not mgr's
    assert w.leads["s_zhao"] not in mgr.lead_ids(ALL)
    with pytest.raises(NotFound):
        mgr.lead_detail(w.leads["s_zhao"])
    with pytest.raises(NotFound):
        mgr.lead_detail(w.leads["s_pooled"])


def test_a_manager_without_a_department_sees_no_team(db) -> None:  # noqa: ANN001
    make_user(db, "lone", "manager")
    make_user(db, "li", "sales", "East")
    lead = make_lead(db, owner="li")
    assert visible(store_for(db, "lone")) == set()
    assert visible(store_for(db, "li")) == {lead}


def test_a_department_member_pool_admits_the_whole_department(db) -> None:  # noqa: ANN001
    make_user(db, "a", "sales", "East")
    make_user(db, "b", "sales", "East")
    make_user(db, "c", "sales", "West")
    make_pool(db, "EastPool", member_depts=["East"])
    lead = make_lead(db, "EastPool")
    assert lead in store_for(db, "a").lead_ids(ALL)
    assert lead in store_for(db, "b").lead_ids(ALL)
    assert lead not in store_for(db, "c").lead_ids(ALL)


def test_an_admin_sees_and_works_everything(world) -> None:  # noqa: ANN001
    boss = world.store("boss")
    for lead in world.leads.values():
        boss.lead_detail(lead)
    boss.add_followup(world.leads["s_pooled"], "note", "admin note")
    assert boss.convert_lead(world.leads["n_pooled"]).customer_id


def test_admin_acts_as_another_user(world) -> None:  # noqa: ANN001
    acting = Store(world.db, "boss", as_login="zhao")
    assert acting.user.login == "zhao" and acting.actor.role == "sales"
    assert acting.user.department == "West"
    assert visible(acting) == visible(world.store("zhao"))
    acting.add_followup(world.leads["s_zhao"], "note", "on zhao's behalf")
    with world.db.read() as session:
        followup = session.query(FollowUp).one()
        assert followup.author_id == world.users["zhao"].id
    # acting as oneself is just oneself
    assert Store(world.db, "boss", as_login="boss").actor.is_admin


def test_only_an_admin_may_act_as_another(world) -> None:  # noqa: ANN001
    with pytest.raises(Refused, match="Only an admin may act as another user") as refused:
        Store(world.db, "li", as_login="boss")
    assert not isinstance(refused.value, UnknownLogin)
    with pytest.raises(Refused, match="Only an admin"):
        Store(world.db, "mgr", as_login="li")


def test_an_unknown_login_says_how_to_add_it(world) -> None:  # noqa: ANN001
    with pytest.raises(UnknownLogin) as unknown:
        Store(world.db, "stranger")
    assert "stranger" in str(unknown.value)
    assert "leadtui users add stranger" in str(unknown.value)
    with pytest.raises(UnknownLogin, match="leadtui users add ghost"):
        Store(world.db, "boss", as_login="ghost")


def test_an_inactive_user_is_unknown(world) -> None:  # noqa: ANN001
    from leadtui.store.models import User

    with world.db.write() as session:
        session.get(User, world.users["zhao"].id).active = False
    with pytest.raises(UnknownLogin):
        Store(world.db, "zhao")


def test_only_admins_add_users(world) -> None:  # noqa: ANN001
    for login in ("li", "mgr"):
        with pytest.raises(Refused, match="Only an admin may add users"):
            world.store(login).add_user("newbie", "New Bie")
    assert "newbie" not in {u.login for u in world.store("boss").list_users()}
    added = world.store("boss").add_user("newbie", "New Bie", "sales", "East")
    assert (added.login, added.role, added.department) == ("newbie", "sales", "East")
    newbie = store_for(world.db, "newbie")
    assert newbie.user.department == "East"
    assert visible(newbie) == set()  # not a pool member yet
    # an admin acting as a sales user is a sales user
    with pytest.raises(Refused):
        Store(world.db, "boss", as_login="li").add_user("other", "Other")


def test_the_lead_table_is_untouched_by_refusals(world) -> None:  # noqa: ANN001
    with world.db.read() as session:
        before = session.query(Lead.id, Lead.status, Lead.owner_id, Lead.handled).order_by(Lead.id).all()
    for login, key in [("zhao", "n_li"), ("li", "n_pooled"), ("li", "n_wang"), ("mgr", "s_pooled")]:
        with pytest.raises((Refused, NotFound)):
            world.store(login).add_followup(world.leads[key], "note", "x")
        with pytest.raises((Refused, NotFound)):
            world.store(login).convert_lead(world.leads[key])
    with world.db.read() as session:
        after = session.query(Lead.id, Lead.status, Lead.owner_id, Lead.handled).order_by(Lead.id).all()
    assert after == before
