"""Pools and their actions (SPEC 3, 6; issue 3): caps, daily limits, cooldown, return,
visibility, trash, round-robin, batch reports, audit, notifications, pool settings,
and the command line. On SQLite and (with LEADTUI_TEST_PG) PostgreSQL; the clock is
frozen at NOW (conftest) unless a test moves it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update
from typer.testing import CliRunner

from leadtui import cli, clock, config
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.models import AuditEvent, FollowUp, Lead, LeadCollaborator, Notification, Pool
from leadtui.store.records import LeadQuery
from tests.factories import NOW, count_rows, get_lead, make_lead, make_pool, make_user, store_for

# ----------------------------------------------------------------------------- helpers


def users(db: Database, *logins: str, role: str = "sales", dept: str | None = None) -> None:
    for login in logins:
        make_user(db, login, role, dept, name=login.capitalize())


def pooled(db: Database, pool: str, n: int, **kw: object) -> list[int]:
    return [make_lead(db, pool, **kw) for _ in range(n)]


def states(db: Database, ids: list[int] | None = None) -> dict[int, tuple[object, ...]]:
    with db.read() as session:
        stmt = select(Lead.id, Lead.pool_id, Lead.owner_id, Lead.status, Lead.deleted_at, Lead.previous_owner_id,
                      Lead.released_at, Lead.assigned_at, Lead.protect_until)
        if ids is not None:
            stmt = stmt.where(Lead.id.in_(ids))
        return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}


def owners(db: Database, ids: list[int]) -> Counter[int | None]:
    with db.read() as session:
        return Counter(session.scalars(select(Lead.owner_id).where(Lead.id.in_(ids))))


def events(db: Database, action: str | None = None) -> list[AuditEvent]:
    with db.read() as session:
        stmt = select(AuditEvent).where(AuditEvent.entity == "lead").order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))


def uid(db: Database, login: str) -> int:
    return store_for(db, login).actor.id


def pool_id(db: Database, name: str) -> int:
    with db.read() as session:
        return session.scalar(select(Pool.id).where(Pool.name == name))  # type: ignore[return-value]


def set_created_by(db: Database, ids: list[int], login: str) -> None:
    with db.write() as session:
        session.execute(update(Lead).where(Lead.id.in_(ids)).values(created_by_id=uid(db, login)))


def trash(db: Database, ids: list[int], at=NOW) -> None:  # noqa: ANN001
    with db.write() as session:
        session.execute(update(Lead).where(Lead.id.in_(ids)).values(deleted_at=at))


# ----------------------------------------------------------------------------- holding cap


def test_a_claim_beyond_the_cap_is_refused_saying_how_many_are_left(db: Database) -> None:
    users(db, "li")
    make_pool(db, "P", members=["li"], holding_cap=3, protect_days=7)
    make_lead(db, "P", owner="li")
    leads = pooled(db, "P", 5)
    li = store_for(db, "li")
    result = li.claim_leads(leads)
    assert result.done == tuple(leads[:2])
    assert [r.id for r in result.refused] == leads[2:]
    reason = "Li holds 3 of 3 leads allowed in pool P; 0 left"  # as it is once the two are taken
    assert {r.reason for r in result.refused} == {reason}
    assert result.summary == f"claimed 2 of 5 — 3 × {reason}"
    # claimed leads are the claimer's, protected for protect_days
    lead = get_lead(db, leads[0])
    assert (lead.owner_id, lead.status, lead.assigned_at) == (li.actor.id, "assigned", NOW)
    assert lead.protect_until == NOW + timedelta(days=7)
    # at the cap: nothing more
    again = li.claim_leads(leads[2:3])
    assert again.done == ()
    assert again.refused[0].reason == "Li holds 3 of 3 leads allowed in pool P; 0 left"
    assert owners(db, leads) == Counter({li.actor.id: 2, None: 3})


def test_the_cap_counts_per_pool(db: Database) -> None:
    users(db, "li")
    make_pool(db, "P", members=["li"], holding_cap=1)
    make_pool(db, "Q", members=["li"], holding_cap=1)
    make_lead(db, "Q", owner="li")
    lead = make_lead(db, "P")
    assert store_for(db, "li").claim_leads([lead]).done == (lead,)


def test_assignment_skips_a_member_at_the_cap(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"], holding_cap=2)
    pooled(db, "P", 2, owner="li")
    leads = pooled(db, "P", 3)
    result = store_for(db, "boss").assign_leads(leads, ["li", "wang"])
    assert result.done == tuple(leads[:2])
    assert owners(db, leads[:2]) == Counter({uid(db, "wang"): 2})
    assert [r.reason for r in result.refused] == ["Li, Wang: at the cap of 2 leads in pool P"]
    assert result.summary.startswith("assigned 2 of 3 — ")
    assert get_lead(db, leads[2]).owner_id is None


@pytest.mark.parametrize("counts_own", [False, True])
def test_cap_counts_own_created_both_ways(db: Database, counts_own: bool) -> None:
    users(db, "li")
    make_pool(db, "P", members=["li"], holding_cap=3, cap_counts_own_created=counts_own)
    own = pooled(db, "P", 2, owner="li")
    set_created_by(db, own, "li")  # li entered these leads herself
    leads = pooled(db, "P", 3)
    result = store_for(db, "li").claim_leads(leads)
    if counts_own:
        assert len(result.done) == 1
        assert result.refused[0].reason == "Li holds 3 of 3 leads allowed in pool P; 0 left"
    else:
        assert len(result.done) == 3 and result.refused == ()


# ----------------------------------------------------------------------------- daily claim limit


def test_the_daily_claim_limit_counts_per_pool_per_day(db: Database) -> None:
    users(db, "li", "boss")
    make_pool(db, "P", members=["li"], daily_claim_limit=3, return_reasons="no budget")
    make_pool(db, "Q", members=["li"], daily_claim_limit=3)
    p = pooled(db, "P", 8)
    q = pooled(db, "Q", 3)
    li = store_for(db, "li")
    assert len(li.claim_leads(p[:2]).done) == 2
    result = li.claim_leads(p[2:4])
    assert result.done == (p[2],)
    assert result.refused[0].reason == "Li claimed 3 of 3 leads allowed per day in pool P; 0 left today"
    # another pool keeps its own count
    assert len(li.claim_leads(q).done) == 3
    # giving leads back does not give claims back
    assert li.return_leads(p[:2], "no budget").done == (p[0], p[1])
    refused = li.claim_leads([p[4]])
    assert refused.done == () and "claimed 3 of 3 leads allowed per day in pool P; 0 left today" in \
        refused.refused[0].reason
    # later the same day: still refused; the next day: counted afresh
    clock.freeze(NOW.replace(hour=23, minute=59))
    assert li.claim_leads([p[4]]).done == ()
    clock.freeze(NOW.replace(hour=0, minute=0) + timedelta(days=1))
    result = li.claim_leads(p[4:8])
    assert result.done == tuple(p[4:7])
    assert result.refused[0].reason == "Li claimed 3 of 3 leads allowed per day in pool P; 0 left today"


def test_assignment_does_not_count_against_the_daily_limit(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li")
    make_pool(db, "P", members=["li"], daily_claim_limit=1)
    leads = pooled(db, "P", 4)
    assert len(store_for(db, "boss").assign_leads(leads[:3], ["li"]).done) == 3
    assert store_for(db, "li").claim_leads([leads[3]]).done == (leads[3],)


# ----------------------------------------------------------------------------- cooldown


def test_a_previous_owner_waits_for_the_cooldown_others_do_not(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"], cooldown_days=3)
    first, second = pooled(db, "P", 2, owner="li")
    boss, li, wang = store_for(db, "boss"), store_for(db, "li"), store_for(db, "wang")
    assert len(boss.reclaim_leads([first, second]).done) == 2
    assert get_lead(db, first).previous_owner_id == li.actor.id
    assert get_lead(db, first).released_at == NOW
    refused = li.claim_leads([first])
    assert refused.done == ()
    assert refused.refused[0].reason == ("Li let it go less than 3 days ago; pool P allows claiming it back "
                                         "after 3 days")
    assert wang.claim_leads([second]).done == (second,)
    clock.freeze(NOW + timedelta(days=3) - timedelta(minutes=1))
    assert li.claim_leads([first]).done == ()
    clock.freeze(NOW + timedelta(days=3))
    assert li.claim_leads([first]).done == (first,)


def test_the_cooldown_follows_a_return_too(db: Database) -> None:
    users(db, "li")
    make_pool(db, "P", members=["li"], cooldown_days=1)
    lead = make_lead(db, "P", owner="li")
    li = store_for(db, "li")
    assert li.return_leads([lead], "other: wrong person").done == (lead,)
    assert li.claim_leads([lead]).done == ()
    clock.freeze(NOW + timedelta(days=1))
    assert li.claim_leads([lead]).done == (lead,)


# ----------------------------------------------------------------------------- return


@pytest.fixture
def returning(db: Database) -> Database:
    users(db, "boss", role="admin")
    users(db, "li")
    make_pool(db, "P", members=["li"])
    make_pool(db, "R", members=["li"])
    make_pool(db, "S")
    return db


def test_return_to_origin(returning: Database) -> None:
    db = returning
    lead = make_lead(db, "P", owner="li")
    result = store_for(db, "li").return_leads([lead], "other: not interested")
    assert result.done == (lead,) and result.summary == "returned 1 of 1"
    back = get_lead(db, lead)
    assert (back.pool_id, back.owner_id, back.status) == (pool_id(db, "P"), None, "pooled")
    assert back.previous_owner_id == uid(db, "li") and back.released_at == NOW
    assert back.assigned_at is None and back.protect_until is None


def test_return_to_a_fixed_pool(returning: Database) -> None:
    db = returning
    store_for(db, "boss").set_pool("P", return_to="R")
    assert store_for(db, "boss").show_pool("P").return_pool == "R"
    lead = make_lead(db, "P", owner="li")
    assert store_for(db, "li").return_leads([lead], "other: elsewhere").done == (lead,)
    assert get_lead(db, lead).pool_id == pool_id(db, "R")
    [event] = events(db, "return")
    assert json.loads(event.before)["pool"] == "P" and json.loads(event.after)["pool"] == "R"
    assert event.reason == "other: elsewhere"


def test_return_to_choose_needs_a_pool(returning: Database) -> None:
    db = returning
    store_for(db, "boss").set_pool("P", return_to="choose")
    leads = pooled(db, "P", 2, owner="li")
    before, audit_rows = states(db), count_rows(db, AuditEvent)
    li = store_for(db, "li")
    with pytest.raises(Invalid, match="Pool P asks where a returned lead goes: choose a pool"):
        li.return_leads(leads, "other: x")
    assert states(db) == before and count_rows(db, AuditEvent) == audit_rows
    assert li.return_leads(leads, "other: x", to_pool="R").done == tuple(leads)
    assert {get_lead(db, i).pool_id for i in leads} == {pool_id(db, "R")}
    with pytest.raises(NotFound):
        li.return_leads([make_lead(db, "P", owner="li")], "other: x", to_pool="Nowhere")


def test_return_reasons_come_from_the_pools_list_or_other(returning: Database) -> None:
    db = returning
    store_for(db, "boss").set_pool("P", return_reasons=["no budget", "wrong number"])
    a, b, c = pooled(db, "P", 3, owner="li")
    li = store_for(db, "li")
    assert li.return_leads([a], "no budget").done == (a,)
    assert li.return_leads([b], "other: moved abroad").done == (b,)
    before, audit_rows = states(db), count_rows(db, AuditEvent)
    for bad in ("whatever", "otherwise fine", "other", "other:", "No Budget!"):
        with pytest.raises(Invalid) as refused:
            li.return_leads([c], bad)
        assert "no budget / wrong number" in str(refused.value)
        assert "other" in str(refused.value)
    with pytest.raises(Invalid, match="needs a reason"):
        li.return_leads([c], "   ")
    assert states(db) == before and count_rows(db, AuditEvent) == audit_rows
    assert [e.reason for e in events(db, "return")] == ["no budget", "other: moved abroad"]


def test_one_return_batch_over_pools_with_different_return_to(returning: Database) -> None:
    db = returning
    store_for(db, "boss").set_pool("R", return_to="S")
    from_p = pooled(db, "P", 3, owner="li")
    from_r = pooled(db, "R", 2, owner="li")
    batch = [from_p[0], from_r[0], from_p[1], from_r[1], from_p[2]]
    result = store_for(db, "li").return_leads(batch, "other: too many")
    assert result.done == tuple(batch)  # reported in the order given
    assert {get_lead(db, i).pool_id for i in from_p} == {pool_id(db, "P")}
    assert {get_lead(db, i).pool_id for i in from_r} == {pool_id(db, "S")}
    assert {json.loads(e.after)["pool"] for e in events(db, "return") if e.entity_id in from_r} == {"S"}


def test_moving_to_another_pool_keeps_the_previous_owner(returning: Database) -> None:
    db = returning
    users(db, "wang")
    owned = make_lead(db, "P", owner="li")
    free = make_lead(db, "P")
    converted = make_lead(db, "P", owner="li", status="converted")
    with db.write() as session:  # free was wang's once, long ago
        session.execute(update(Lead).where(Lead.id == free).values(
            previous_owner_id=uid(db, "wang"), released_at=NOW - timedelta(days=9)))
    result = store_for(db, "boss").assign_leads([owned, free, converted], to_pool="R")
    assert result.done == (owned, free) and result.refused[0].reason == "converted already"
    moved, other = get_lead(db, owned), get_lead(db, free)
    assert (moved.pool_id, moved.owner_id, moved.status) == (pool_id(db, "R"), None, "pooled")
    assert (moved.previous_owner_id, moved.released_at) == (uid(db, "li"), NOW)
    assert (other.previous_owner_id, other.released_at) == (uid(db, "wang"), NOW - timedelta(days=9))
    assert notices(db, "li") == [("reclaimed", "Boss took back 1 lead(s) from you")]
    again = store_for(db, "boss").assign_leads([owned], to_pool="R")
    assert again.refused[0].reason == "in pool R already"


def test_only_the_owner_returns_and_converted_leads_stay(returning: Database) -> None:
    db = returning
    users(db, "wang")
    store_for(db, "boss").set_pool("P", members=["li", "wang"])
    mine = make_lead(db, "P", owner="li")
    theirs = make_lead(db, "P", owner="wang")
    done = make_lead(db, "P", owner="li", status="converted")
    result = store_for(db, "li").return_leads([mine, theirs, done], "other: x")
    assert result.done == (mine,)
    assert {r.id: r.reason for r in result.refused} == {theirs: "only its owner may return it",
                                                       done: "converted already"}
    assert result.summary == "returned 1 of 3 — only its owner may return it; converted already"


# ----------------------------------------------------------------------------- visibility


@pytest.fixture
def visibility(db: Database) -> Database:
    users(db, "li", "wang", "padmin")
    make_pool(db, "P", admins=["padmin"], members=["li", "wang"], hide_assigned=True, hide_converted=True)
    return db


def pool_list(db: Database, login: str, pool: str = "P") -> set[int]:
    store = store_for(db, login)
    query = LeadQuery(screen="pool", pool_id=pool_id(db, pool))
    ids = {row.id for row in store.list_leads(query, limit=1000)}
    assert store.count_leads(query) == len(ids)
    return ids


def test_hide_assigned_and_hide_converted_apply_to_plain_members_only(visibility: Database) -> None:
    db = visibility
    free = make_lead(db, "P")
    wangs = make_lead(db, "P", owner="wang")
    converted = make_lead(db, "P", owner="wang", status="converted")
    lis = make_lead(db, "P", owner="li")
    assert pool_list(db, "li") == {free, lis}  # her own she always sees
    assert pool_list(db, "padmin") == {free, wangs, converted, lis}
    with pytest.raises(NotFound):
        store_for(db, "li").lead_detail(wangs)
    with pytest.raises(NotFound):
        store_for(db, "li").lead_detail(converted)
    assert store_for(db, "padmin").lead_detail(converted).row.id == converted
    # a hidden lead cannot be claimed, reclaimed or acted on by id either
    result = store_for(db, "li").claim_leads([wangs])
    assert result.refused[0].reason == "does not exist or you may not see it"
    # turned off, they show
    make_user(db, "boss", "admin")
    store_for(db, "boss").set_pool("P", hide_assigned=False, hide_converted=False)
    assert pool_list(db, "li") == {free, wangs, converted, lis}


@pytest.mark.parametrize("see_detail", [False, True])
def test_members_see_detail(visibility: Database, see_detail: bool) -> None:
    db = visibility
    make_user(db, "boss", "admin")
    store_for(db, "boss").set_pool("P", members_see_detail=see_detail)
    lead = make_lead(db, "P", contact="Cherry Pick")
    li = store_for(db, "li")
    detail = li.lead_detail(lead)
    assert not detail.may_followup and detail.masked is not see_detail
    assert detail.row.get("contact") == ("Cherry Pick" if see_detail else "C***** P***")
    assert store_for(db, "padmin").lead_detail(lead).row.get("contact") == "Cherry Pick"
    # once claimed, the owner opens it whatever the setting
    li.claim_leads([lead])
    assert li.lead_detail(lead).may_followup


# ----------------------------------------------------------------------------- trash


@pytest.fixture
def trash_world(db: Database) -> Database:
    users(db, "boss", role="admin")
    users(db, "li", "wang", "zhao", "padmin")
    make_pool(db, "P", admins=["padmin"], members=["li", "wang", "zhao"])
    return db


def add_collaborator(db: Database, lead: int, login: str) -> None:
    with db.write() as session:
        session.execute(insert(LeadCollaborator), [{"lead_id": lead, "user_id": uid(db, login)}])


def notices(db: Database, login: str, include_read: bool = True) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in store_for(db, login).list_notifications(include_read=include_read)]


def test_delete_notifies_the_owner_and_collaborators(trash_world: Database) -> None:
    db = trash_world
    lead = make_lead(db, "P", owner="li")
    other = make_lead(db, "P")
    add_collaborator(db, lead, "wang")
    add_collaborator(db, lead, "padmin")  # the one deleting is not told about it
    result = store_for(db, "padmin").delete_leads([lead, other])
    assert result.done == (lead, other) and result.summary == "deleted 2 of 2"
    assert get_lead(db, lead).deleted_at == NOW
    assert notices(db, "li") == [("deleted", "Padmin deleted 1 lead(s) you own or work on")]
    assert notices(db, "wang") == [("deleted", "Padmin deleted 1 lead(s) you own or work on")]
    assert notices(db, "zhao") == [] and notices(db, "padmin") == []
    # gone from every list, also the admin's; a second delete finds nothing
    for login in ("li", "padmin", "boss"):
        assert lead not in {r.id for r in store_for(db, login).list_leads(LeadQuery(), limit=100)}
    again = store_for(db, "padmin").delete_leads([lead])
    assert again.done == () and again.refused[0].reason == "does not exist or you may not see it"
    with pytest.raises(NotFound):
        store_for(db, "li").lead_detail(lead)


def test_only_admins_see_the_trash_and_restore_notifies(trash_world: Database) -> None:
    db = trash_world
    lead = make_lead(db, "P", owner="li")
    add_collaborator(db, lead, "wang")
    store_for(db, "padmin").delete_leads([lead])
    trash_query = LeadQuery(screen="trash")
    assert [r.id for r in store_for(db, "boss").list_leads(trash_query)] == [lead]
    for login in ("padmin", "li"):
        with pytest.raises(Refused, match="Only an admin may see the trash"):
            store_for(db, login).list_leads(trash_query)
    result = store_for(db, "boss").restore_leads([lead, 999_999])
    assert result.done == (lead,) and result.summary == "restored 1 of 2 — not in the trash"
    back = get_lead(db, lead)
    assert back.deleted_at is None and back.owner_id == uid(db, "li") and back.status == "assigned"
    assert ("restored", "Boss restored 1 lead(s) you own or work on") in notices(db, "li")
    assert ("restored", "Boss restored 1 lead(s) you own or work on") in notices(db, "wang")
    assert store_for(db, "boss").list_leads(trash_query) == []


def test_restore_never_puts_an_owner_over_the_cap(trash_world: Database) -> None:
    db = trash_world
    boss = store_for(db, "boss")
    boss.set_pool("P", holding_cap=2)
    trashed = [make_lead(db, "P", owner="li") for _ in range(2)]
    boss.delete_leads(trashed)
    boss.assign_leads([make_lead(db, "P")], ["li"])  # li now holds 1 of 2
    result = boss.restore_leads(trashed)
    assert result.done == tuple(trashed)
    states = [(get_lead(db, i).owner_id, get_lead(db, i).status) for i in trashed]
    assert states == [(uid(db, "li"), "assigned"), (None, "pooled")]
    assert get_lead(db, trashed[1]).previous_owner_id == uid(db, "li")
    last = [e for e in events(db) if e.entity_id == trashed[1]][-1]
    assert last.action == "restore" and "at the cap of 2" in last.reason
    with db.read() as session:
        held = session.scalar(select(func.count()).select_from(Lead).where(
            Lead.owner_id == uid(db, "li"), Lead.deleted_at.is_(None)))
    assert held == 2


def test_purge_removes_the_lead_and_its_followups_but_not_its_audit(trash_world: Database) -> None:
    db = trash_world
    lead = make_lead(db, "P", owner="li")
    keep = make_lead(db, "P", owner="li")
    li = store_for(db, "li")
    li.add_followup(lead, "call", "rang", duration_s=30, outcome="busy")
    li.add_followup(keep, "note", "kept")
    add_collaborator(db, lead, "wang")
    boss = store_for(db, "boss")
    # only leads in the trash are purged
    not_trashed = boss.purge_leads([lead])
    assert not_trashed.done == () and not_trashed.refused[0].reason == "not in the trash"
    boss.delete_leads([lead])
    result = boss.purge_leads([lead])
    assert result.done == (lead,) and result.summary == "purged 1 of 1"
    with db.read() as session:
        assert session.get(Lead, lead) is None
        assert session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.lead_id == lead)) == 0
        assert session.scalar(select(func.count()).select_from(LeadCollaborator)) == 0
    assert count_rows(db, FollowUp) == 1 and get_lead(db, keep).id == keep
    assert [e.action for e in events(db) if e.entity_id == lead][-2:] == ["delete", "purge"]
    with pytest.raises(Refused, match="Only an admin may restore or purge"):
        store_for(db, "padmin").purge_leads([keep])


def test_the_trash_empties_itself_after_30_days(trash_world: Database) -> None:
    db = trash_world
    old, young, edge, alive = pooled(db, "P", 4)
    make_user(db, "x")
    with db.write() as session:
        session.add(FollowUp(lead_id=old, author_id=uid(db, "li"), kind="note", text="t", created_at=NOW))
    trash(db, [old], NOW - timedelta(days=30, minutes=1))
    trash(db, [young], NOW - timedelta(days=29))
    trash(db, [edge], NOW - timedelta(days=30))
    assert store_for(db, "boss").empty_trash() == 1
    assert set(states(db)) == {young, edge, alive}
    assert count_rows(db, FollowUp) == 0
    [purge] = events(db, "purge")
    assert purge.entity_id == old and purge.actor_id is None and "30 days" in purge.reason
    assert store_for(db, "boss").empty_trash() == 0
    clock.freeze(NOW + timedelta(days=2))
    assert store_for(db, "boss").empty_trash() == 2
    assert set(states(db)) == {alive}


# ----------------------------------------------------------------------------- round-robin


def test_round_robin_is_even(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "a", "b", "c")
    make_pool(db, "P", members=["a", "b", "c"])
    leads = pooled(db, "P", 100)
    result = store_for(db, "boss").assign_leads(leads, ["a", "b", "c"])
    assert len(result.done) == 100 and result.summary == "assigned 100 of 100"
    got = owners(db, leads)
    assert [got[uid(db, x)] for x in "abc"] == [34, 33, 33]
    # strictly in turn: a, b, c, a, b, c, ...
    with db.read() as session:
        order = [session.get(Lead, i).owner_id for i in leads[:6]]
    assert order == [uid(db, x) for x in "abcabc"]


def test_round_robin_skips_a_capped_user(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "a", "b", "c")
    make_pool(db, "P", members=["a", "b", "c"], holding_cap=50)
    pooled(db, "P", 40, owner="a")  # a has room for 10 more
    leads = pooled(db, "P", 100)
    result = store_for(db, "boss").assign_leads(leads, ["a", "b", "c"])
    assert len(result.done) == 100, result.summary
    got = owners(db, leads)
    assert [got[uid(db, x)] for x in "abc"] == [10, 45, 45]


# ----------------------------------------------------------------------------- batch reports


def test_batch_reports_say_what_happened(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"])
    make_pool(db, "Q", members=["li", "wang"])
    leads = pooled(db, "P", 50)
    taken = pooled(db, "P", 13, owner="wang")
    batch = leads[:37] + taken
    result = store_for(db, "li").claim_leads(batch)
    assert result.summary == "claimed 37 of 50 — 13 were taken by someone else"
    assert len(result.done) == 37 and {r.id for r in result.refused} == set(taken)

    make_pool(db, "C", members=["wang"], holding_cap=40)
    capped = pooled(db, "C", 50)
    result = store_for(db, "boss").assign_leads(capped, ["wang"])
    assert result.summary == "assigned 40 of 50 — 10 × Wang: at the cap of 40 leads in pool C"

    boss = store_for(db, "boss")
    assert boss.reclaim_leads(taken + leads[40:42]).summary == "took back 13 of 15 — 2 × not assigned"
    assert boss.assign_leads(leads[40:45], to_pool="Q").summary == "moved 5 of 5"
    assert boss.delete_leads(leads[45:47]).summary == "deleted 2 of 2"
    assert boss.restore_leads(leads[45:46]).summary == "restored 1 of 1"
    assert boss.purge_leads(leads[46:47]).summary == "purged 1 of 1"
    # one refusal is named once; several different ones each with a count
    mixed = store_for(db, "li").claim_leads([leads[0], leads[1], 999_999, leads[47]])
    assert mixed.summary == "claimed 1 of 4 — 2 × yours already; does not exist or you may not see it"
    assert mixed.done == (leads[47],)


def test_empty_batches_and_duplicate_ids(db: Database) -> None:
    users(db, "li")
    make_pool(db, "P", members=["li"])
    lead = make_lead(db, "P")
    li = store_for(db, "li")
    with pytest.raises(Invalid, match="No leads given"):
        li.claim_leads([])
    result = li.claim_leads([lead, lead, lead])
    assert result.done == (lead,) and result.summary == "claimed 1 of 1"
    assert len(events(db, "claim")) == 1


# ----------------------------------------------------------------------------- nothing changes on refusal


def test_a_refused_action_changes_nothing(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"], return_reasons="no budget", holding_cap=1)
    mine = pooled(db, "P", 3, owner="li")
    free = pooled(db, "P", 2)
    before = states(db)
    audit_rows, notes = count_rows(db, AuditEvent), count_rows(db, Notification)
    li, wang = store_for(db, "li"), store_for(db, "wang")
    with pytest.raises(Invalid):
        li.return_leads(mine, "bad reason")
    assert li.claim_leads(free).done == ()  # li holds 3 with a cap of 1
    assert wang.reclaim_leads(mine).done == ()
    assert wang.delete_leads(mine).done == ()
    with pytest.raises(Refused):
        wang.restore_leads(mine)
    with pytest.raises(Invalid, match="There is no user nobody"):
        store_for(db, "boss").assign_leads(free, ["wang", "nobody"])
    with pytest.raises(NotFound):
        store_for(db, "boss").assign_leads(free, to_pool="Nowhere")
    with pytest.raises(Invalid, match="Assign to users or to a pool"):
        store_for(db, "boss").assign_leads(free)
    assert states(db) == before
    assert count_rows(db, AuditEvent) == audit_rows and count_rows(db, Notification) == notes


def test_a_batch_changes_the_rows_it_reports_and_no_others(db: Database) -> None:
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"], holding_cap=4)
    free = pooled(db, "P", 6)
    wangs = pooled(db, "P", 2, owner="wang")
    bystanders = pooled(db, "P", 3)
    before = states(db)
    result = store_for(db, "li").claim_leads(free + wangs)
    after = states(db)
    changed = {i for i in before if before[i] != after[i]}
    assert changed == set(result.done) and len(changed) == 4
    assert not changed & set(bystanders + wangs)
    assert {e.entity_id for e in events(db, "claim")} == set(result.done)


# ----------------------------------------------------------------------------- audit


def test_every_change_writes_audit_events(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang", "zhao")
    make_pool(db, "P", members=["li", "wang", "zhao"])
    make_pool(db, "Q", members=["li"])
    p, q = pool_id(db, "P"), pool_id(db, "Q")
    a, b = pooled(db, "P", 2)
    c = make_lead(db, "P", owner="zhao")
    boss = store_for(db, "boss")
    assigned = boss.assign_leads([a, b, c], ["li", "wang"])
    rows = events(db, "assign")
    assert sorted(e.entity_id for e in rows) == [a, b, c]
    assert {e.batch_id for e in rows} == {assigned.batch_id} and assigned.batch_id
    assert all(e.actor_id == boss.actor.id and e.at == NOW and e.pool_id == p for e in rows)
    before = {e.entity_id: json.loads(e.before) for e in rows}
    after = {e.entity_id: json.loads(e.after) for e in rows}
    assert before[a] == {"owner": None, "owner_id": None, "pool": "P", "pool_id": p, "status": "pooled"}
    assert after[a] == {"owner": "li", "owner_id": uid(db, "li"), "pool": "P", "pool_id": p, "status": "assigned"}
    assert (before[c]["owner"], after[c]["owner"]) == ("zhao", "li")

    reclaimed = boss.reclaim_leads([a, b], reason="idle for 30 days")
    rows = events(db, "reclaim")
    assert {e.batch_id for e in rows} == {reclaimed.batch_id} != {assigned.batch_id}
    assert {e.reason for e in rows} == {"idle for 30 days"}
    assert [json.loads(e.after)["status"] for e in rows] == ["pooled", "pooled"]

    li = store_for(db, "li")
    li.claim_leads([a])
    li.return_leads([a], "other: duplicate")
    boss.assign_leads([b], to_pool="Q")
    boss.delete_leads([c])
    boss.restore_leads([c])
    history = [(e.action, e.actor, e.before.get("owner"), e.after.get("owner"), e.reason)
               for e in reversed(boss.list_audit(lead_id=a))]
    assert history == [("create", "", None, None, ""), ("assign", "boss", None, "li", ""),
                       ("reclaim", "boss", "li", None, "idle for 30 days"), ("claim", "li", None, "li", ""),
                       ("return", "li", "li", None, "other: duplicate")]
    [move] = events(db, "move")
    assert (json.loads(move.before)["pool_id"], json.loads(move.after)["pool_id"]) == (p, q)
    assert [e.action for e in events(db) if e.entity_id == c][-2:] == ["delete", "restore"]
    # the detail view shows the same trail
    assert [h.action for h in boss.lead_detail(a).history][-2:] == ["claim", "return"]
    # the trail is only read by admins as a whole; others per lead they may see
    with pytest.raises(Refused, match="Only an admin may read the whole audit trail"):
        li.list_audit()
    with pytest.raises(NotFound):
        store_for(db, "zhao").list_audit(lead_id=b)  # b is in Q now


# ----------------------------------------------------------------------------- notifications


def test_notifications_assigned_and_reclaimed_with_the_unread_count(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "wang")
    make_pool(db, "P", members=["li", "wang"])
    leads = pooled(db, "P", 3)
    boss, li, wang = store_for(db, "boss"), store_for(db, "li"), store_for(db, "wang")
    assert li.unread_count() == 0
    boss.assign_leads(leads, ["li"])
    assert li.unread_count() == 1  # one notice per batch, not one per lead
    assert [(n.kind, n.text) for n in li.list_notifications()] == [("assigned", "Boss assigned 3 lead(s) to you")]
    boss.reclaim_leads(leads[:2])
    assert li.unread_count() == 2
    assert li.list_notifications()[0].text == "Boss took back 2 lead(s) from you"
    boss.assign_leads(leads[2:], ["wang"])  # taken from li, given to wang
    assert li.list_notifications()[0].text == "Boss took back 1 lead(s) from you"
    assert wang.list_notifications()[0].text == "Boss assigned 1 lead(s) to you"
    assert li.unread_count() == 3
    assert li.mark_read() == 3
    assert li.unread_count() == 0 and li.list_notifications() == []
    assert len(li.list_notifications(include_read=True)) == 3
    assert boss.unread_count() == 0  # the one acting is not told
    # a claim tells nobody
    li.claim_leads(leads[:1])
    assert wang.unread_count() == 1 and li.unread_count() == 0


# ----------------------------------------------------------------------------- pool settings


def test_pool_settings_are_checked(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "padmin")
    boss = store_for(db, "boss")
    made = boss.add_pool("East", admins=["padmin"], members=["li"], holding_cap=30, daily_claim_limit=10,
                         protect_days=7, max_protect_days=30, cooldown_days=3, notify_before_days=2,
                         return_reasons=["no budget", "wrong number"], hide_assigned=True)
    assert (made.holding_cap, made.daily_claim_limit, made.protect_days, made.max_protect_days) == (30, 10, 7, 30)
    assert made.return_reasons == ("no budget", "wrong number") and made.return_to == "origin"
    assert made.admins == ("padmin",) and made.member_users == ("li",) and made.hide_assigned
    pools_before = count_rows(db, Pool)
    with pytest.raises(Invalid, match=r"Max protect days \(5\) cannot be below Protect days \(10\)"):
        boss.add_pool("West", protect_days=10, max_protect_days=5)
    with pytest.raises(Invalid, match="Holding cap must be a whole number of 0 or more, not -1"):
        boss.add_pool("West", holding_cap=-1)
    with pytest.raises(Invalid, match="Cooldown days must be"):
        boss.add_pool("West", cooldown_days=-3)
    with pytest.raises(Refused, match="A pool named East exists already"):
        boss.add_pool("East")
    with pytest.raises(Invalid, match="needs a name"):
        boss.add_pool("  ")
    with pytest.raises(NotFound, match="There is no user ghost"):
        boss.add_pool("West", members=["ghost"])
    with pytest.raises(NotFound, match="There is no pool named Atlantis"):
        boss.add_pool("West", return_to="Atlantis")
    for login in ("li", "padmin"):  # a pool admin is not an admin
        with pytest.raises(Refused, match="Only an admin may create or change pools"):
            store_for(db, login).add_pool("Mine")
        with pytest.raises(Refused, match="Only an admin may create or change pools"):
            store_for(db, login).set_pool("East", holding_cap=1000)
    assert count_rows(db, Pool) == pools_before
    # set: the same checks against the pool's other settings; nothing half-changed
    with pytest.raises(Invalid, match=r"Max protect days \(3\) cannot be below Protect days \(7\)"):
        boss.set_pool("East", max_protect_days=3, holding_cap=5)
    with pytest.raises(Invalid):
        boss.set_pool("East", protect_days=31)
    assert boss.show_pool("East").holding_cap == 30
    boss.add_pool("West")
    with pytest.raises(Refused, match="A pool named West exists already"):
        boss.set_pool("East", rename="West")
    changed = boss.set_pool("East", holding_cap=0, return_to="West", hide_assigned=False)
    assert (changed.holding_cap, changed.return_to, changed.return_pool, changed.hide_assigned) == \
        (0, "pool", "West", False)
    [settings] = events_of(db, "pool", "settings")
    assert json.loads(settings.before)["holding_cap"] == 30 and json.loads(settings.after)["holding_cap"] == 0


def events_of(db: Database, entity: str, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == entity,
                                                             AuditEvent.action == action)))


def test_who_sees_which_pools(db: Database) -> None:
    users(db, "boss", role="admin")
    users(db, "li", "padmin")
    users(db, "zhao", dept="West")
    make_pool(db, "A", admins=["padmin"])
    make_pool(db, "B", members=["li"])
    make_pool(db, "C", member_depts=["West"])
    assert [p.name for p in store_for(db, "boss").list_pools()] == ["A", "B", "C"]
    assert [(p.name, p.i_am_admin) for p in store_for(db, "padmin").list_pools()] == [("A", True)]
    assert [(p.name, p.i_am_member) for p in store_for(db, "li").list_pools()] == [("B", True)]
    assert [p.name for p in store_for(db, "zhao").list_pools()] == ["C"]
    with pytest.raises(NotFound):
        store_for(db, "li").show_pool("A")


# ----------------------------------------------------------------------------- command line

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, monkeypatch) -> str:  # noqa: ANN001
    """The `db` schema (SQLite file or PostgreSQL schema) as a --db URL; boss is its admin."""
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    monkeypatch.delenv("LEADTUI_LANG", raising=False)
    url = db.url
    assert runner.invoke(cli.app, ["init", "--db", url, "--name", "Boss"]).exit_code == 0
    for login in ("li", "wang"):
        result = runner.invoke(cli.app, ["users", "add", login, "--name", login.capitalize(), "--db", url])
        assert result.exit_code == 0, result.output
    return url


def run(url: str, *args: str):  # noqa: ANN201
    return runner.invoke(cli.app, [*args, "--db", url])


def as_user(monkeypatch, login: str) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: login)


def test_cli_pools(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    result = run(url, "pools", "add", "East", "--admin", "wang", "--member", "li", "--holding-cap", "2",
                 "--daily-claim-limit", "5", "--protect-days", "7", "--max-protect-days", "30",
                 "--cooldown-days", "3", "--notify-before-days", "2", "--return-to", "origin",
                 "--reason", "no budget", "--reason", "wrong number", "--hide-assigned", "--json")
    assert result.exit_code == 0, result.output
    pool = json.loads(result.stdout)
    assert pool["holding_cap"] == 2 and pool["return_reasons"] == ["no budget", "wrong number"]
    assert pool["admins"] == ["wang"] and pool["member_users"] == ["li"] and pool["hide_assigned"] is True
    result = run(url, "pools", "add", "East", "--json")
    assert result.exit_code != 0 and "exists already" in result.stderr and "error" in json.loads(result.stdout)
    result = run(url, "pools", "add", "Bad", "--protect-days", "10", "--max-protect-days", "5")
    assert result.exit_code == 2 and "cannot be below Protect days" in result.stderr
    result = run(url, "pools", "set", "East", "--holding-cap", "3", "--members-see-detail", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["holding_cap"] == 3
    result = run(url, "pools", "list", "--json")
    assert [p["name"] for p in json.loads(result.stdout)] == ["East"]
    result = run(url, "pools", "show", "East")
    assert result.exit_code == 0 and "no budget" in result.stdout
    as_user(monkeypatch, "li")
    result = run(url, "pools", "set", "East", "--holding-cap", "100")
    assert result.exit_code != 0 and "Only an admin may create or change pools" in result.stderr
    result = run(url, "pools", "show", "East", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["i_am_member"] is True


def seed(url: str, pool: str, n: int) -> list[int]:
    db = Database(url)
    try:
        return pooled(db, pool, n)
    finally:
        db.dispose()


def test_cli_pool_actions(cli_db: str, monkeypatch) -> None:  # noqa: ANN001
    url = cli_db
    assert run(url, "pools", "add", "East", "--admin", "wang", "--member", "li", "--holding-cap", "3",
               "--reason", "no budget").exit_code == 0
    ids = seed(url, "East", 5)
    as_user(monkeypatch, "li")
    result = run(url, "claim", *map(str, ids), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["done"] == ids[:3]
    assert [r["id"] for r in out["refused"]] == ids[3:]
    assert "Li holds 3 of 3 leads allowed in pool East; 0 left" == out["refused"][0]["reason"]
    assert out["summary"].startswith("claimed 3 of 5")
    # nothing done: a non-zero exit, with and without --json
    result = run(url, "claim", str(ids[4]), "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["done"] == []
    result = run(url, "claim", str(ids[4]))
    assert result.exit_code == 1 and "claimed 0 of 1" in result.stdout and "holds 3 of 3" in result.stderr
    result = run(url, "return", str(ids[0]), "--reason", "meh", "--json")
    assert result.exit_code == 2 and "no budget" in json.loads(result.stdout)["error"]
    result = run(url, "return", str(ids[0]), "--reason", "other: moved", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [ids[0]]
    result = run(url, "reclaim", str(ids[1]), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["refused"] == [
        {"id": ids[1], "reason": "only an admin of pool East may take its leads back"}]
    as_user(monkeypatch, "wang")  # East's admin
    result = run(url, "reclaim", str(ids[1]), "--reason", "idle", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [ids[1]]
    result = run(url, "assign", str(ids[1]), str(ids[3]), "--to", "li", "--to", "wang", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [ids[1], ids[3]]
    result = run(url, "assign", "--pool", "East", "--limit", "10", "--to", "wang", "--json")
    assert result.exit_code == 0, result.output
    result = run(url, "assign", str(ids[4]), "--to", "ghost")
    assert result.exit_code == 2 and "There is no user ghost" in result.stderr
    result = run(url, "delete", str(ids[4]))
    assert result.exit_code == 2 and "--yes" in result.stderr
    result = run(url, "delete", str(ids[4]), "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [ids[4]]
    result = run(url, "trash", "list")
    assert result.exit_code != 0 and "Only an admin may see the trash" in result.stderr
    as_user(monkeypatch, "boss")
    result = run(url, "trash", "list", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [ids[4]]
    result = run(url, "trash", "restore", str(ids[4]), str(ids[0]), "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == 0 and out["done"] == [ids[4]]
    assert out["refused"] == [{"id": ids[0], "reason": "not in the trash"}]
    run(url, "delete", str(ids[4]), "--yes")
    result = run(url, "trash", "purge", str(ids[4]), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["done"] == [ids[4]]
    result = run(url, "audit", "--lead", str(ids[0]), "--json")
    assert [e["action"] for e in json.loads(result.stdout)] == ["return", "claim", "create"]
    result = run(url, "audit", "--user", "li", "--limit", "2", "--json")
    assert [e["actor"] for e in json.loads(result.stdout)] == ["li", "li"]
    as_user(monkeypatch, "li")
    result = run(url, "inbox", "--json")
    texts = [n["text"] for n in json.loads(result.stdout)]
    assert "Wang took back 1 lead(s) from you" in texts and "Wang assigned 1 lead(s) to you" in texts
    assert json.loads(run(url, "inbox", "--json").stdout) == []  # shown once: read now
    assert len(json.loads(run(url, "inbox", "--all", "--json").stdout)) == len(texts)
    result = run(url, "audit")
    assert result.exit_code != 0 and "Only an admin may read the whole audit trail" in result.stderr


def test_cli_pool_commands_have_help() -> None:
    for args in (["pools", "add"], ["pools", "set"], ["pools", "list"], ["pools", "show"], ["assign"], ["claim"],
                 ["reclaim"], ["return"], ["delete"], ["trash", "list"], ["trash", "restore"], ["trash", "purge"],
                 ["audit"], ["inbox"], ["bench", "batch"]):
        result = runner.invoke(cli.app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_a_number_setting_is_cleared_with_an_empty_string(db: Database) -> None:
    users(db, "boss", role="admin")
    boss = store_for(db, "boss")
    boss.add_pool("East", holding_cap=30, protect_days=7, max_protect_days=30, cooldown_days=3)
    # None (or leaving it out) keeps a setting; "" clears it back to "no limit"
    kept = boss.set_pool("East", holding_cap=None, protect_days=None)
    assert (kept.holding_cap, kept.protect_days) == (30, 7)
    cleared = boss.set_pool("East", holding_cap="", max_protect_days=" ", cooldown_days=3)
    assert (cleared.holding_cap, cleared.max_protect_days, cleared.cooldown_days) == (None, None, 3)
    assert boss.show_pool("East").holding_cap is None
    with pytest.raises(Invalid, match="Holding cap must be a whole number of 0 or more, not x"):
        boss.set_pool("East", holding_cap="x")
    last = max(events_of(db, "pool", "settings"), key=lambda e: e.id)
    assert json.loads(last.after)["holding_cap"] is None
