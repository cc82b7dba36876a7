"""Rules (SPEC 5, issue 5) with a frozen clock: protection, auto-recycle, warnings,
auto-assign, the ten-rule limit; each case its own test. Two processes running the
rules at once do the work once (test_rules_concurrency.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from leadtui import clock
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, Refused
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Lead, Notification, User
from tests.factories import NOW, get_lead, make_lead, make_pool, make_user, store_for
from tests.test_customers import get, make_customers, make_sea, uid

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def team(db: Database) -> Database:
    make_user(db, "boss", "admin", name="Boss")
    for login in ("li", "wang", "zhao"):
        make_user(db, login, "sales", "East", name=login.capitalize())
    return db


def run_at(db: Database, when) -> object:  # noqa: ANN001
    clock.freeze(when)
    return store_for(db, "boss").run_rules()


def inbox(db: Database, login: str) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(n.kind, n.text) for n in session.scalars(
            select(Notification).join(User, User.id == Notification.user_id).where(User.login == login)
            .order_by(Notification.id))]


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# ----------------------------------------------------------------------------- protection


def test_claim_sets_protect_until_from_protect_days(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], protect_days=7)
    lead = make_lead(team, pool)
    store_for(team, "li").claim_leads([lead])
    assert get_lead(team, lead).protect_until == NOW + 7 * DAY


def test_assign_sets_protect_until_from_protect_days(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], protect_days=5)
    lead = make_lead(team, pool)
    store_for(team, "boss").assign_leads([lead], ["li"])
    assert get_lead(team, lead).protect_until == NOW + 5 * DAY


def test_followup_extends_protection_up_to_the_maximum(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], protect_days=7, max_protect_days=10)
    lead = make_lead(team, pool)
    li = store_for(team, "li")
    li.claim_leads([lead])
    clock.freeze(NOW + 2 * DAY)
    li.add_followup(lead, "note", "called back")
    assert get_lead(team, lead).protect_until == NOW + 9 * DAY  # now + 7
    clock.freeze(NOW + 6 * DAY)
    li.add_followup(lead, "note", "again")
    assert get_lead(team, lead).protect_until == NOW + 10 * DAY  # capped at assigned + 10


def test_customer_followup_extends_protection_in_its_sea(team: Database) -> None:
    sea = make_sea(team, "Sea", members=["li"], protect_days=7, max_protect_days=9)
    [customer] = make_customers(team, 1, sea=sea)
    li = store_for(team, "li")
    li.claim_customers([customer])
    assert get(team, customer).protect_until == NOW + 7 * DAY
    clock.freeze(NOW + 5 * DAY)
    li.add_customer_followup(customer, "call", "ok", duration_s=60)
    assert get(team, customer).protect_until == NOW + 9 * DAY


# ----------------------------------------------------------------------------- recycle


def _claimed(db: Database, login: str = "li", **settings: object) -> int:
    pool = make_pool(db, "East", members=["li", "wang"], protect_days=3, **settings)
    lead = make_lead(db, pool)
    store_for(db, login).claim_leads([lead])
    return lead


def test_recycle_keeps_a_lead_one_second_before_the_end(team: Database) -> None:
    lead = _claimed(team)
    report = run_at(team, NOW + 3 * DAY - SECOND)
    assert report.recycled_leads == ()
    assert get_lead(team, lead).owner_id == uid(team, "li")


def test_recycle_takes_a_lead_back_one_second_after_the_end(team: Database) -> None:
    lead = _claimed(team)
    report = run_at(team, NOW + 3 * DAY + SECOND)
    assert report.recycled_leads == (lead,)
    row = get_lead(team, lead)
    assert (row.owner_id, row.status, row.protect_until) == (None, "pooled", None)
    assert row.previous_owner_id == uid(team, "li") and row.released_at == NOW + 3 * DAY + SECOND
    [event] = events(team, "recycle")
    assert event.actor_id is None and json.loads(event.before)["owner_id"] == uid(team, "li")
    assert [kind for kind, _ in inbox(team, "li")] == ["recycled"]
    assert "went back to pool East" in store_for(team, "li").list_notifications()[0].text


def test_cooldown_after_recycle_refuses_the_previous_owner_and_allows_others(team: Database) -> None:
    lead = _claimed(team, cooldown_days=2)
    run_at(team, NOW + 4 * DAY)
    refused = store_for(team, "li").claim_leads([lead])
    assert refused.done == () and "allows claiming it back after 2 days" in refused.refused[0].reason
    assert store_for(team, "wang").claim_leads([lead]).done == (lead,)


def test_converted_leads_never_recycle(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], protect_days=1)
    lead = make_lead(team, pool, owner="li", status="converted", protect_until=NOW - DAY)
    assert run_at(team, NOW + 10 * DAY).recycled_leads == ()
    assert get_lead(team, lead).status == "converted"


def test_own_created_leads_follow_recycle_own_created(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], protect_days=1, recycle_own_created=False)
    lead = make_lead(team, pool, owner="li", protect_until=NOW + DAY)
    with team.write() as session:
        session.execute(update(Lead).where(Lead.id == lead).values(created_by_id=uid(team, "li")))
    assert run_at(team, NOW + 2 * DAY).recycled_leads == ()
    store_for(team, "boss").set_pool("East", recycle_own_created=True)
    assert run_at(team, NOW + 2 * DAY).recycled_leads == (lead,)


def test_unlocked_customers_recycle_to_their_sea_and_locked_ones_stay(team: Database) -> None:
    sea = make_sea(team, "Sea", members=["li"], protect_days=2)
    free, kept = make_customers(team, 2, sea=sea)
    li = store_for(team, "li")
    li.claim_customers([free, kept])
    store_for(team, "boss").lock_customers([kept])  # managers and admins lock
    report = run_at(team, NOW + 3 * DAY)
    assert report.recycled_customers == (free,)
    row = get(team, free)
    assert (row.owner_id, row.status, row.public_sea_id) == (None, "public_sea", sea)
    assert row.previous_owner_id == uid(team, "li") and row.released_at == NOW + 3 * DAY
    assert get(team, kept).owner_id == uid(team, "li")
    assert [kind for kind, _ in inbox(team, "li")] == ["customers_recycled"]


def test_a_second_run_at_the_same_moment_does_nothing(team: Database) -> None:
    _claimed(team)
    assert len(run_at(team, NOW + 4 * DAY).recycled_leads) == 1
    again = run_at(team, NOW + 4 * DAY)
    assert again.recycled_leads == () and again.warned_leads == ()
    assert len(events(team, "recycle")) == 1 and len(inbox(team, "li")) == 1


# ----------------------------------------------------------------------------- warnings


def test_warning_is_sent_once_per_protection_period(team: Database) -> None:
    lead = _claimed(team, notify_before_days=1, max_protect_days=10)
    assert run_at(team, NOW + 2 * DAY - SECOND).warned_leads == ()  # more than a day left
    assert run_at(team, NOW + 2 * DAY).warned_leads == (lead,)
    assert run_at(team, NOW + 2 * DAY + 3600 * SECOND).warned_leads == ()  # once
    assert [kind for kind, _ in inbox(team, "li")] == ["recycle_warning"]
    text = store_for(team, "li").list_notifications()[0].text
    assert "pool East" in text and "2026-11-25 09:30" in text
    # a follow-up extends protection: a new period, warned about again when it nears its end
    clock.freeze(NOW + 2 * DAY)
    store_for(team, "li").add_followup(lead, "note", "still interested")
    assert get_lead(team, lead).protect_until == NOW + 5 * DAY
    assert run_at(team, NOW + 3 * DAY).warned_leads == ()
    assert run_at(team, NOW + 4 * DAY + SECOND).warned_leads == (lead,)
    assert len(inbox(team, "li")) == 2


def test_customers_are_warned_too_but_not_locked_ones(team: Database) -> None:
    sea = make_sea(team, "Sea", members=["li"], protect_days=3, notify_before_days=2)
    warned, locked = make_customers(team, 2, sea=sea)
    li = store_for(team, "li")
    li.claim_customers([warned, locked])
    store_for(team, "boss").lock_customers([locked])
    assert run_at(team, NOW + 1 * DAY + SECOND).warned_customers == (warned,)
    assert [kind for kind, _ in inbox(team, "li")] == ["customers_recycle_warning"]


# ----------------------------------------------------------------------------- auto-assign


def _intake(db: Database, pool: int, **fields: object) -> int:
    source = str(fields.pop("source", "intent"))
    with db.write() as session:
        return intake.add_lead(session, fields, pool_id=pool, source=source).id


def test_auto_assign_first_matching_rule_wins(team: Database) -> None:
    pool = make_pool(team, "East", members=["li", "wang", "zhao"], protect_days=4)
    boss = store_for(team, "boss")
    boss.add_rule("East", [("address", "contains", "上海")], ["li"])
    boss.add_rule("East", [("source", "equals", "booking")], ["wang"])
    both = _intake(team, pool, contact="甲", address="上海市浦东新区", source="booking")
    second = _intake(team, pool, contact="乙", address="北京", source="booking")
    row = get_lead(team, both)
    assert row.owner_id == uid(team, "li") and row.status == "assigned"
    assert row.protect_until == NOW + 4 * DAY
    assert get_lead(team, second).owner_id == uid(team, "wang")
    [event, _] = events(team, "auto_assign")
    assert json.loads(event.after)["rule"] == 1
    assert [kind for kind, _ in inbox(team, "li")] == ["auto_assigned"]


def test_auto_assign_conditions_all_hold_and_forgive_case_and_width(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"])
    store_for(team, "boss").add_rule("East", [("company_type", "in", "国企, Foreign"),
                                             ("business", "equals", "CRM")], ["li"])
    hit = _intake(team, pool, contact="a", company_type="ＦＯＲＥＩＧＮ", business=" crm ")
    miss = _intake(team, pool, contact="b", company_type="国企", business="ERP")
    assert get_lead(team, hit).owner_id == uid(team, "li")
    assert get_lead(team, miss).status == "pooled"


def test_auto_assign_round_robin_continues_across_intakes(team: Database) -> None:
    pool = make_pool(team, "East", members=["li", "wang", "zhao"])
    store_for(team, "boss").add_rule("East", [("source", "in", "booking,sample")], ["li", "wang", "zhao"])
    ids = [_intake(team, pool, contact=f"c{i}", source="booking") for i in range(7)]
    owners = [get_lead(team, i).owner_id for i in ids]
    li, wang, zhao = uid(team, "li"), uid(team, "wang"), uid(team, "zhao")
    assert owners == [li, wang, zhao, li, wang, zhao, li]


def test_auto_assign_skips_a_target_at_the_cap_and_waits_when_all_are_full(team: Database) -> None:
    pool = make_pool(team, "East", members=["li", "wang"], holding_cap=1)
    store_for(team, "boss").add_rule("East", [("source", "equals", "booking")], ["li", "wang"])
    make_lead(team, pool, owner="li")  # li is at the cap already
    first = _intake(team, pool, contact="x", source="booking")
    second = _intake(team, pool, contact="y", source="booking")
    assert get_lead(team, first).owner_id == uid(team, "wang")
    row = get_lead(team, second)
    assert row.status == "pooled" and row.awaiting_rule
    # when room frees up, `rules run` places the waiting lead
    store_for(team, "wang").return_leads([first], "other: wrong number")
    report = run_at(team, NOW + SECOND)
    assert report.assigned == ((second, "wang"),)
    assert get_lead(team, second).owner_id == uid(team, "wang") and not get_lead(team, second).awaiting_rule


def test_a_lead_no_rule_takes_stays_pooled(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"])
    store_for(team, "boss").add_rule("East", [("source", "equals", "booking")], ["li"])
    lead = _intake(team, pool, contact="z", source="message")
    row = get_lead(team, lead)
    assert row.status == "pooled" and row.owner_id is None and not row.awaiting_rule
    assert run_at(team, NOW + SECOND).assigned == ()


def test_editing_a_lead_runs_the_rules(team: Database) -> None:
    pool = make_pool(team, "East", admins=["zhao"], members=["li"])
    store_for(team, "boss").add_rule("East", [("address", "contains", "深圳")], ["li"])
    lead = _intake(team, pool, contact="w", address="广州")
    assert get_lead(team, lead).status == "pooled"
    changed = store_for(team, "zhao").edit_lead(lead, {"address": "深圳市南山区"})
    assert changed == {"address": "深圳市南山区"}
    assert get_lead(team, lead).owner_id == uid(team, "li")
    [edit] = events(team, "edit")
    assert json.loads(edit.before) == {"address": "广州"}


def test_editing_is_refused_to_plain_members_and_checks_fields(team: Database) -> None:
    pool = make_pool(team, "East", members=["li"], members_see_detail=True)
    lead = _intake(team, pool, contact="v")
    with pytest.raises(Refused):
        store_for(team, "li").edit_lead(lead, {"company": "X"})
    with pytest.raises(Invalid, match="order_no cannot be edited"):
        store_for(team, "boss").edit_lead(lead, {"order_no": "L1"})
    with pytest.raises(Invalid, match="Mobile is at most 40 characters"):
        store_for(team, "boss").edit_lead(lead, {"mobile": "1" * 41})


def test_the_eleventh_rule_is_refused(team: Database) -> None:
    make_pool(team, "East", members=["li"])
    boss = store_for(team, "boss")
    for i in range(10):
        boss.add_rule("East", [("company", "contains", f"co{i}")], ["li"])
    with pytest.raises(Refused, match="10 rules already"):
        boss.add_rule("East", [("company", "contains", "one more")], ["li"])
    assert len(boss.list_rules("East")) == 10
    boss.remove_rule("East", 1)
    assert [r.position for r in boss.list_rules("East")] == list(range(1, 10))
    assert boss.list_rules("East")[0].conditions[0].value == "co1"


def test_rules_are_kept_in_order_and_checked(team: Database) -> None:
    make_pool(team, "East", members=["li"])
    boss = store_for(team, "boss")
    boss.add_rule("East", [("source", "equals", "booking")], ["li"])
    boss.add_rule("East", [("source", "equals", "sample")], ["wang"], position=1)
    assert [r.conditions[0].value for r in boss.list_rules("East")] == ["sample", "booking"]
    with pytest.raises(Invalid, match="no user nobody"):
        boss.add_rule("East", [("source", "equals", "booking")], ["nobody"])
    with pytest.raises(Invalid, match="cannot test"):
        boss.add_rule("East", [("colour", "equals", "red")], ["li"])
    with pytest.raises(Invalid, match="needs at least one condition"):
        boss.add_rule("East", [], ["li"])
    with pytest.raises(Invalid, match="Position 9"):
        boss.add_rule("East", [("source", "equals", "booking")], ["li"], position=9)
    with pytest.raises(Refused, match="Only an admin"):
        store_for(team, "li").add_rule("East", [("source", "equals", "booking")], ["li"])
