"""The demo database (`leadtui demo`): realistic, consistent, repeatable data.

One small demo (300 leads) is built per module and read by every test; the tests
that write (order numbers, the store) build their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadtui import clock
from leadtui.demo.generate import DEMO_COUNTER, build_demo
from leadtui.store.audit import trail as audit
from leadtui.store.db.engine import Database
from leadtui.store.fields import ROLES, SEARCH_FIELDS, SOURCES
from leadtui.store.leads import intake
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.models import (
    AuditEvent,
    Counter,
    Customer,
    FollowUp,
    Lead,
    Notification,
    Pool,
    PoolAdmin,
    PoolMember,
    User,
)
from leadtui.store.records import LeadQuery
from leadtui.store.search.engine import SEP, search_text
from leadtui.store.service import Store

# Set here, not taken from a conftest: a Sunday morning, 09:30 UTC.
NOW = datetime(2026, 11, 22, 9, 30)
LEADS = 300
OPERATOR = "operator"
ORDER_NO = re.compile(r"^L(\d{8})-(\d{6})$")
CJK = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = re.compile(r"[\uff01-\uff5e]")
Demo = tuple[Database, dict[str, int], list[tuple[int, int]]]  # the database, the summary, the progress calls


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def _build(path: Path, seed: int = 42,
           progress: Callable[[int, int], None] | None = None) -> tuple[Database, dict[str, int]]:
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    return db, build_demo(db, OPERATOR, "The Operator", LEADS, seed=seed, progress=progress)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    calls: list[tuple[int, int]] = []
    clock.freeze(NOW)
    try:
        db, summary = _build(tmp_path_factory.mktemp("demo") / "d.db",
                             progress=lambda done, total: calls.append((done, total)))
    finally:
        clock.freeze(None)
    yield db, summary, calls
    db.dispose()


@pytest.fixture
def db(demo: Demo) -> Database:
    return demo[0]


def _leads(db: Database) -> list[Lead]:
    with db.read() as session:
        return list(session.scalars(select(Lead).order_by(Lead.id)))


def test_summary_matches_the_database_and_progress_reaches_the_end(demo: Demo) -> None:
    db, summary, calls = demo
    with db.read() as session:
        def count(model: type) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        assert summary["leads"] == count(Lead) == LEADS
        assert summary["users"] == count(User)
        assert summary["customers"] == count(Customer)
        assert summary["followups"] == count(FollowUp) > 0
        assert summary["converted"] == session.scalar(
            select(func.count()).select_from(Lead).where(Lead.status == "converted"))
        assert summary["pools"] == session.scalar(select(func.count()).select_from(Pool).where(Pool.kind == "lead"))
        assert session.scalar(select(Counter.value).where(Counter.name == DEMO_COUNTER)) == LEADS
    assert calls and calls[-1] == (LEADS, LEADS)


def test_every_source_and_status_is_present_in_realistic_shares(db: Database) -> None:
    leads = _leads(db)
    assert {lead.source for lead in leads} == set(SOURCES)
    share = {s: sum(lead.status == s for lead in leads) / len(leads) for s in ("pooled", "assigned", "converted")}
    assert 0.45 < share["pooled"] < 0.65
    assert 0.25 < share["assigned"] < 0.45
    assert 0.05 < share["converted"] < 0.15


def test_order_numbers_are_unique_and_follow_the_submit_day(db: Database) -> None:
    leads = _leads(db)
    numbers = [lead.order_no for lead in leads]
    assert len(set(numbers)) == len(numbers)
    for lead in leads:
        match = ORDER_NO.match(lead.order_no)
        assert match, lead.order_no
        assert match.group(1) == f"{lead.submitted_at:%Y%m%d}"
    # per day the sequence runs 1, 2, 3, ... in submit order
    by_day: dict[str, list[Lead]] = {}
    for lead in leads:
        by_day.setdefault(lead.order_no[1:9], []).append(lead)
    for day_leads in by_day.values():
        day_leads.sort(key=lambda x: (x.submitted_at, x.id))
        assert [int(x.order_no[-6:]) for x in day_leads] == list(range(1, len(day_leads) + 1))


def test_order_numbers_continue_after_the_demo(db: Database) -> None:
    with db.read() as session:
        newest = session.scalars(select(Lead).order_by(Lead.submitted_at.desc())).first()
        same_day = [n for n in session.scalars(select(Lead.order_no)) if n[1:9] == f"{newest.submitted_at:%Y%m%d}"]
    with db.write() as session:
        fresh = intake.next_order_numbers(session, newest.submitted_at, 2)
    assert not set(fresh) & set(same_day)
    assert int(fresh[0][-6:]) == max(int(n[-6:]) for n in same_day) + 1


def test_submissions_span_half_a_year_with_some_today_and_this_week(db: Database) -> None:
    times = [lead.submitted_at for lead in _leads(db)]
    today = NOW.replace(hour=0, minute=0, second=0)
    assert max(times) <= NOW
    assert min(times) >= NOW - timedelta(days=181)
    assert min(times) < NOW - timedelta(days=120)
    assert any(t >= today for t in times)
    assert sum(t >= NOW - timedelta(days=7) for t in times) >= 10


def test_the_operator_is_an_admin_and_every_role_has_people(db: Database) -> None:
    with db.read() as session:
        users = {u.login: u for u in session.scalars(select(User))}
    assert users[OPERATOR].role == "admin"
    assert users[OPERATOR].name == "The Operator"
    roles = [u.role for u in users.values()]
    assert set(roles) == set(ROLES)
    assert roles.count("admin") >= 2
    assert roles.count("manager") >= 2
    assert roles.count("sales") >= 6
    assert {"zhang.wei", "li.na", "emma.brown"} <= set(users)
    managers = [u for u in users.values() if u.role == "manager"]
    assert len({m.department_id for m in managers}) == len(managers) and None not in {m.department_id for m in managers}


def test_pools_have_settings_admins_and_members(db: Database) -> None:
    with db.read() as session:
        pools = list(session.scalars(select(Pool)))
        admins = {(a.pool_id, a.user_id) for a in session.scalars(select(PoolAdmin))}
        members = list(session.scalars(select(PoolMember)))
        sales = {u.id for u in session.scalars(select(User).where(User.role == "sales"))}
    lead_pools = [p for p in pools if p.kind == "lead"]
    assert [p.kind for p in pools].count("sea") == 1
    assert len(lead_pools) >= 4
    assert sum(p.is_default for p in lead_pools) == 1
    for pool in pools:
        if pool.protect_days and pool.max_protect_days:
            assert pool.max_protect_days >= pool.protect_days
    assert any(p.holding_cap and p.daily_claim_limit and p.cooldown_days and p.notify_before_days for p in lead_pools)
    assert all(len(p.return_reasons.split("\n")) >= 3 for p in lead_pools)
    assert any(user_id in sales for _pool, user_id in admins)
    assert any(m.user_id for m in members) and any(m.department_id for m in members)


def test_leads_look_real_mixed_chinese_and_english(db: Database) -> None:
    leads = _leads(db)
    contacts = [lead.contact for lead in leads if lead.contact]
    chinese = [c for c in contacts if CJK.match(c)]
    assert 0.6 < len(chinese) / len(contacts) < 0.9
    assert all(2 <= len(c) <= 4 for c in chinese)
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-zü]+", c) for c in contacts)
    with_company = [lead for lead in leads if lead.company]
    assert 0.5 < len(with_company) / len(leads) < 0.8
    assert any(lead.company.endswith("有限公司") for lead in with_company)
    assert any(lead.company_type for lead in with_company)
    assert all(not lead.company_type for lead in leads if not lead.company)
    mobiles = [lead.mobile for lead in leads if lead.mobile]
    assert all(re.fullmatch(r"1[3-9]\d{9}", mobile_norm(m)) for m in mobiles)
    assert any(" " in m for m in mobiles) and any("-" in m for m in mobiles)
    assert any(m.startswith("+86") for m in mobiles)
    assert any(re.fullmatch(r"0\d{2,3}-\d{7,8}(-\d+)?", lead.phone) for lead in leads)
    assert any("@" in lead.email for lead in leads)
    assert any(lead.wechat for lead in leads) and any(lead.qq.isdigit() for lead in leads)
    assert any(re.search(r"[省市].*区.*[路道街].*号", lead.address) for lead in leads)
    for name in ("postcode", "website", "department", "job_title", "business", "nickname", "message"):
        assert any(getattr(lead, name) for lead in leads), name
    assert any(FULL_WIDTH.search(lead.company + lead.mobile) for lead in leads)


def test_every_lead_has_its_search_text(db: Database) -> None:
    for lead in _leads(db):
        assert lead.search_text.strip(SEP)
        assert lead.search_text == search_text({f: getattr(lead, f) for f in SEARCH_FIELDS}), lead.order_no


def test_assigned_leads_belong_to_members_and_are_protected(db: Database) -> None:
    with db.read() as session:
        pools = {p.id: p for p in session.scalars(select(Pool))}
        dept_of = {u.id: u.department_id for u in session.scalars(select(User))}
        members: dict[int, set[int]] = {}
        for m in session.scalars(select(PoolMember)):
            if m.user_id:
                members.setdefault(m.pool_id, set()).add(m.user_id)
            else:
                members.setdefault(m.pool_id, set()).update(u for u, d in dept_of.items() if d == m.department_id)
        held: dict[tuple[int, int], int] = {}
        for lead in session.scalars(select(Lead).where(Lead.status == "assigned")):
            pool = pools[lead.pool_id]
            assert lead.owner_id in members[lead.pool_id]
            assert lead.submitted_at < lead.assigned_at <= NOW
            if pool.protect_days:
                assert lead.protect_until >= lead.assigned_at + timedelta(days=pool.protect_days)
                assert lead.protect_until <= lead.assigned_at + timedelta(days=pool.max_protect_days)
            held[(pool.id, lead.owner_id)] = held.get((pool.id, lead.owner_id), 0) + 1
            assert audit.history(session, "lead", lead.id), "no ownership history"
        for (pool_id, _owner), n in held.items():
            if pools[pool_id].holding_cap:
                assert n < pools[pool_id].holding_cap
        for lead in session.scalars(select(Lead).where(Lead.status == "pooled", Lead.released_at.is_(None))):
            assert lead.owner_id is None and lead.assigned_at is None


def test_followups_mark_leads_handled(db: Database) -> None:
    with db.read() as session:
        followups = list(session.scalars(select(FollowUp)))
        leads = {lead.id: lead for lead in session.scalars(select(Lead))}
    assert {f.kind for f in followups} == {"note", "call", "reply", "email", "visit"}
    last: dict[int, datetime] = {}
    for f in followups:
        lead = leads[f.lead_id]
        assert lead.status in ("assigned", "converted")
        assert f.author_id == lead.owner_id
        assert lead.assigned_at <= f.created_at <= NOW
        if f.kind == "call":
            assert f.duration_s is not None and f.outcome
        else:
            assert f.duration_s is None and f.text
        last[f.lead_id] = max(last.get(f.lead_id, f.created_at), f.created_at)
    for lead in leads.values():
        assert lead.handled == (lead.id in last)
        assert lead.last_followup_at == last.get(lead.id)


def test_converted_leads_point_to_customers_made_from_them(db: Database) -> None:
    with db.read() as session:
        converted = list(session.scalars(select(Lead).where(Lead.status == "converted")))
        assert converted
        for lead in converted:
            customer = session.get(Customer, lead.customer_id)
            assert customer is not None
            assert lead.assigned_at < lead.converted_at <= NOW
            assert customer.kind == ("enterprise" if lead.company else "individual")
            assert customer.name == (lead.company or lead.contact or lead.nickname or lead.mobile or lead.email
                                     or lead.order_no)
            assert customer.mobile_norm == mobile_norm(lead.mobile)
            assert customer.email_norm == email_norm(lead.email)
            assert customer.owner_id == lead.owner_id is not None
            assert customer.status == "following"
            assert any(e.action == "convert" for e in audit.history(session, "lead", lead.id))
        assert session.scalar(select(func.count()).select_from(Lead).where(
            Lead.status != "converted", Lead.customer_id.is_not(None))) == 0
        sea = session.scalar(select(func.count()).select_from(Customer).where(Customer.status == "public_sea"))
        assert sea and sea > 0


def test_the_operator_has_unread_notifications(db: Database) -> None:
    with db.read() as session:
        op = session.scalar(select(User.id).where(User.login == OPERATOR))
        unread = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == op, Notification.read_at.is_(None)))
        assert unread and unread >= 2
        # audit rows are as audit.record writes them (JSON before/after)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("assign", "claim")))).first()
        assert event is not None and '"status": "assigned"' in event.after


def test_the_store_works_on_the_demo(db: Database) -> None:
    store = Store(db, OPERATOR)
    assert store.user.role == "admin"
    assert store.unread_count() >= 2
    shown = store.count_leads(LeadQuery(screen="all"))
    assert 0 < shown < LEADS
    assert store.count_leads(LeadQuery(screen="converted")) > 0
    lead = next(x for x in _leads(db) if x.mobile and " " in x.mobile and x.deleted_at is None
                and x.status != "converted")
    digits = mobile_norm(lead.mobile)
    rows = store.list_leads(LeadQuery(screen="all", text=digits))
    assert lead.id in {r.id for r in rows}
    # a sales user sees less than the admin
    assert 0 < Store(db, "li.na").count_leads(LeadQuery(screen="all")) < shown


def test_same_seed_and_clock_give_the_same_demo(db: Database, tmp_path: Path) -> None:
    again, _ = _build(tmp_path / "again.db")  # the module's demo: seed 42, same clock

    def rows(db: Database) -> list[tuple]:
        return [(x.order_no, x.contact, x.mobile, x.email, x.company, x.status, x.owner_id, x.assigned_at)
                for x in _leads(db)]

    assert rows(again) == rows(db)
    again.dispose()


def test_refuses_a_database_that_holds_data(db: Database) -> None:
    with pytest.raises(ValueError):
        build_demo(db, OPERATOR, "Again", 10)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == LEADS
