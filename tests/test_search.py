"""Search, filter and sort of the lead lists (SPEC 2.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from leadtui import clock
from leadtui.store.errors import Invalid
from leadtui.store.fields import NUMBER_FIELDS, SEARCH_FIELDS
from leadtui.store.leads.intake import add_lead
from leadtui.store.models import AuditEvent, Lead
from leadtui.store.records import LeadQuery
from leadtui.store.search import engine as search
from tests.factories import NOW, make_lead, make_pool, make_user, store_for

# One realistic value per field, none found in another field or in NOISE.
FIELD_VALUES = {
    "order_no": "WX20260777",
    "contact": "Quentin Blake",
    "nickname": "小熊猫",
    "mobile": "13912345678",
    "phone": "021-66667777",
    "email": "qb@zephyr.io",
    "fax": "010-88889999",
    "wechat": "wx_qblake",
    "qq": "987654321",
    "address": "上海市浦东新区世纪大道100号",
    "postcode": "518057",
    "company": "Zephyr Robotics",
    "website": "www.qblake-art.cn",
    "company_type": "有限责任公司",
    "department": "Procurement",
    "job_title": "Chief Buyer",
    "business": "工业机器人采购",
}
assert tuple(FIELD_VALUES) == SEARCH_FIELDS

NOISE = {
    "contact": "Noise Person", "nickname": "大白", "mobile": "13700000000", "phone": "020-11112222",
    "email": "noise@example.com", "fax": "020-33334444", "wechat": "noise_wx", "qq": "12345",
    "address": "北京市朝阳区", "postcode": "100020", "company": "Acme Ltd", "website": "acme.example",
    "company_type": "股份有限公司", "department": "Sales", "job_title": "Clerk", "business": "文具",
}


@pytest.fixture
def admin(db):  # noqa: ANN001, ANN201
    make_user(db, "boss", "admin", name="Boss")
    return store_for(db, "boss")


def found(store, text: str, **query: object) -> set[int]:  # noqa: ANN001
    return set(store.lead_ids(LeadQuery(text=text, **query)))


@pytest.mark.parametrize("field", SEARCH_FIELDS)
def test_the_keyword_matches_each_field_and_names_it(db, admin, field: str) -> None:  # noqa: ANN001
    make_lead(db, **NOISE)
    target = make_lead(db, **{field: FIELD_VALUES[field]})
    make_lead(db, contact="Other", mobile="13600000000")
    rows = admin.list_leads(LeadQuery(text=FIELD_VALUES[field]))
    assert [r.id for r in rows] == [target]
    assert rows[0].matched_field == field
    assert admin.count_leads(LeadQuery(text=FIELD_VALUES[field])) == 1


def test_a_blank_keyword_shows_everything_and_names_no_field(db, admin) -> None:  # noqa: ANN001
    ids = {make_lead(db, **NOISE), make_lead(db, contact="x")}
    for blank in ("", "   ", "\u3000"):
        rows = admin.list_leads(LeadQuery(text=blank))
        assert {r.id for r in rows} == ids and all(r.matched_field is None for r in rows)


def test_case_does_not_matter(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, contact="Quentin Blake", email="QB@Zephyr.IO")
    make_lead(db, **NOISE)
    assert found(admin, "QUENTIN blake") == {lead}
    assert found(admin, "qb@zephyr.io") == {lead}


def test_full_width_forms_match_half_width_and_back(db, admin) -> None:  # noqa: ANN001
    half = make_lead(db, company="ABC Trading", mobile="13800138000")
    full = make_lead(db, company="ＸＹＺ贸易", qq="８８６６")
    make_lead(db, **NOISE)
    assert found(admin, "ＡＢＣ") == {half}
    assert found(admin, "ａｂｃ ｔｒａｄｉｎｇ") == {half}
    assert found(admin, "１３８") == {half}
    assert found(admin, "xyz") == {full}
    assert found(admin, "8866") == {full}
    rows = admin.list_leads(LeadQuery(text="ＡＢＣ"))
    assert rows[0].matched_field == "company"


@pytest.mark.parametrize("query", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                                   "0086-138-0013-8000", "(138) 0013 8000", "１３８ ００１３ ８０００"])
@pytest.mark.parametrize("stored", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 13800138000"])
def test_spaces_and_dashes_in_numbers_do_not_matter(sqlite_db, stored: str, query: str) -> None:  # noqa: ANN001
    make_user(sqlite_db, "boss", "admin")
    admin = store_for(sqlite_db, "boss")
    lead = make_lead(sqlite_db, contact="张伟", mobile=stored)
    make_lead(sqlite_db, **NOISE)
    rows = admin.list_leads(LeadQuery(text=query))
    assert [r.id for r in rows] == [lead]
    assert rows[0].matched_field == "mobile"


def test_numbers_match_across_formatting_on_every_backend(db, admin) -> None:  # noqa: ANN001
    plain = make_lead(db, mobile="13800138000")
    spaced = make_lead(db, phone="021 6666-7777")
    make_lead(db, **NOISE)
    assert found(admin, "138 0013 8000") == {plain}
    assert found(admin, "+86 138-0013-8000") == {plain}
    assert found(admin, "02166667777") == {spaced}
    assert found(admin, "021-6666 7777") == {spaced}
    assert admin.list_leads(LeadQuery(text="02166667777"))[0].matched_field == "phone"


def test_percent_and_underscore_are_literal(db, admin) -> None:  # noqa: ANN001
    percent = make_lead(db, contact="100% Cotton")
    make_lead(db, contact="1000 Cotton")
    underscore = make_lead(db, wechat="wx_abc")
    make_lead(db, wechat="wxzabc")
    backslash = make_lead(db, company="A\\B")
    make_lead(db, company="AB")
    assert found(admin, "100%") == {percent}
    assert found(admin, "%") == {percent}
    assert found(admin, "wx_abc") == {underscore}
    assert found(admin, "_") == {underscore}
    assert found(admin, "a\\b") == {backslash}


def test_fields_are_or_ed(db, admin) -> None:  # noqa: ANN001
    by_company = make_lead(db, company="Zephyr Robotics")
    by_email = make_lead(db, email="buyer@zephyr.io")
    by_website = make_lead(db, website="https://zephyr.cn")
    make_lead(db, **NOISE)
    rows = admin.list_leads(LeadQuery(text="zephyr"))
    assert {r.id: r.matched_field for r in rows} == {
        by_company: "company", by_email: "email", by_website: "website"}


def test_the_keyword_does_not_match_across_two_fields(db, admin) -> None:  # noqa: ANN001
    make_lead(db, contact="Blake", nickname="Quentin")
    assert found(admin, "blake quentin") == set()
    assert found(admin, "blakequentin") == set()


def test_search_text_follows_hostile_or_odd_input(db, admin) -> None:  # noqa: ANN001
    odd = make_lead(db, contact="[b]bold[/b]", company="x\x1fy")
    assert found(admin, "[b]bold") == {odd}
    assert found(admin, "x y") == {odd}


@pytest.fixture
def dated(db, admin):  # noqa: ANN001, ANN201
    """Leads submitted at various times before the frozen NOW (2026-11-22 09:30)."""
    at = {
        "hour": NOW - timedelta(hours=1),
        "midnight": NOW.replace(hour=0, minute=0),
        "yesterday": NOW.replace(hour=0, minute=0) - timedelta(minutes=1),
        "6d": NOW - timedelta(days=6),
        "8d": NOW - timedelta(days=8),
        "29d": NOW - timedelta(days=29),
        "31d": NOW - timedelta(days=31),
    }
    sources = {"hour": "booking", "midnight": "intent", "yesterday": "inquiry", "6d": "sample",
               "8d": "booking", "29d": "message", "31d": "signup"}
    return {k: make_lead(db, contact=k, submitted_at=v, source=sources[k]) for k, v in at.items()}


def test_period_presets_count_from_the_clock(admin, dated) -> None:  # noqa: ANN001
    def ids(*keys: str) -> set[int]:
        return {dated[k] for k in keys}

    assert found(admin, "", period="today") == ids("hour", "midnight")
    assert found(admin, "", period="7d") == ids("hour", "midnight", "yesterday", "6d")
    assert found(admin, "", period="30d") == ids("hour", "midnight", "yesterday", "6d", "8d", "29d")
    assert found(admin, "") == set(dated.values())
    assert admin.count_leads(LeadQuery(period="7d")) == 4
    with pytest.raises(Invalid, match="Unknown period"):
        admin.list_leads(LeadQuery(period="fortnight"))


def test_today_starts_at_midnight_whatever_the_fraction_of_a_second(db, admin) -> None:  # noqa: ANN001
    midnight = make_lead(db, contact="midnight", submitted_at=NOW.replace(hour=0, minute=0))
    clock.freeze(NOW.replace(microsecond=500_000))
    assert found(admin, "", period="today") == {midnight}


def test_since_and_until_include_their_ends(admin, dated) -> None:  # noqa: ANN001
    assert found(admin, "", since=NOW - timedelta(days=8), until=NOW - timedelta(days=6)) == {
        dated["8d"], dated["6d"]}
    assert found(admin, "", since=NOW - timedelta(days=1)) == {dated["hour"], dated["midnight"], dated["yesterday"]}
    assert found(admin, "", until=NOW - timedelta(days=29)) == {dated["29d"], dated["31d"]}


def test_source_and_status_filters(db, admin, dated) -> None:  # noqa: ANN001
    make_user(db, "li", "sales")
    assigned = make_lead(db, owner="li", contact="owned", source="booking")
    assert found(admin, "", sources=("booking",)) == {dated["hour"], dated["8d"], assigned}
    assert found(admin, "", sources=("booking", "sample")) == {dated["hour"], dated["8d"], dated["6d"], assigned}
    assert found(admin, "", statuses=("assigned",)) == {assigned}
    assert found(admin, "", statuses=("pooled",)) == set(dated.values())
    assert found(admin, "", statuses=("assigned",), sources=("sample",)) == set()
    assert found(admin, "own", sources=("booking",), period="today") == {assigned}
    with pytest.raises(Invalid, match="Unknown source"):
        admin.list_leads(LeadQuery(sources=("fax",)))
    with pytest.raises(Invalid, match="Unknown status"):
        admin.count_leads(LeadQuery(statuses=("lost",)))


@pytest.fixture
def sortable(db, admin):  # noqa: ANN001, ANN201
    for login, name in [("li", "Li Na"), ("wang", "Wang Fang"), ("zhao", "Zhao Lei")]:
        make_user(db, login, "sales", name=name)
    for pool in ("Gamma", "Alpha", "Beta"):
        make_pool(db, pool)
    specs = [  # key: pool, owner, contact, mobile, minutes before NOW
        ("a", "Beta", "wang", "Carol", "13800000003", 50),
        ("b", "Alpha", "zhao", "Alice", "13800000001", 10),
        ("c", "Gamma", "li", "Bob", "13800000002", 30),
        ("d", "Alpha", None, "Dave", "13800000004", 20),
    ]
    return {key: make_lead(db, pool, owner=owner, contact=contact, mobile=mobile,
                           submitted_at=NOW - timedelta(minutes=minutes))
            for key, pool, owner, contact, mobile, minutes in specs}


@pytest.mark.parametrize("column, ascending", [
    ("contact", "bcad"),
    ("mobile", "bcad"),
    ("submitted_at", "acdb"),
    ("pool", "bdac"),
    ("owner", "cabd"),  # Li, Wang, Zhao, then the lead nobody owns
])
def test_sort_ascending_and_descending(admin, sortable, column: str, ascending: str) -> None:  # noqa: ANN001
    asc = [r.id for r in admin.list_leads(LeadQuery(sort=column, descending=False))]
    desc = [r.id for r in admin.list_leads(LeadQuery(sort=column, descending=True))]
    assert asc == [sortable[k] for k in ascending]
    if column == "owner":  # the unowned lead stays last both ways
        assert desc == [sortable[k] for k in "bacd"]
    elif column == "pool":  # ties (two in Alpha) broken by id, reversed with the order
        assert desc == [sortable[k] for k in "cadb"]
    else:
        assert desc == asc[::-1]


def test_default_order_is_newest_first_and_pages_follow_it(admin, sortable) -> None:  # noqa: ANN001
    everything = [r.id for r in admin.list_leads(LeadQuery())]
    assert everything == [sortable[k] for k in "bdca"]
    pages = [r.id for off in range(0, 4, 2) for r in admin.list_leads(LeadQuery(), offset=off, limit=2)]
    assert pages == everything


def test_rows_carry_owner_and_pool_names(admin, sortable) -> None:  # noqa: ANN001
    rows = {r.id: r for r in admin.list_leads(LeadQuery())}
    assert (rows[sortable["a"]].get("owner"), rows[sortable["a"]].get("pool")) == ("Wang Fang", "Beta")
    assert (rows[sortable["d"]].get("owner"), rows[sortable["d"]].get("pool")) == (None, "Alpha")


def test_unknown_sort_column_is_refused(admin) -> None:  # noqa: ANN001
    with pytest.raises(Invalid, match="Cannot sort by"):
        admin.list_leads(LeadQuery(sort="search_text"))


# --- property: the SQL search equals a brute-force scan --------------------------

ALPHABET = st.sampled_from(list("abcAB12 -_%\\.@+张伟ＡＢ１２ßẞ\u3000\t"))
TEXT = st.text(ALPHABET, max_size=8)
LEADS = st.lists(st.fixed_dictionaries({}, optional={f: TEXT for f in SEARCH_FIELDS}), min_size=1, max_size=5)


def brute_force(leads: list[dict[str, str]], query: str) -> set[int]:
    q = search.normalize(query)
    d = search.query_digits(query)
    hits = set()
    for i, fields in enumerate(leads):
        for name in SEARCH_FIELDS:
            value = fields.get(name, "").strip()
            if not value:
                continue
            if not q or q in search.normalize(value) or (d and (
                    d in search.normalize(value) or name in NUMBER_FIELDS and d in search.digits(value))):
                hits.add(i)
    if not q:
        return set(range(len(leads)))
    return hits


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=LEADS, data=st.data())
def test_search_equals_a_brute_force_scan(sqlite_db, leads, data) -> None:  # noqa: ANN001
    # One database for all the examples (hypothesis reruns the body, not the fixture).
    if not hasattr(sqlite_db, "prop_admin"):
        make_user(sqlite_db, "boss", "admin")
        sqlite_db.prop_admin = store_for(sqlite_db, "boss")
    admin = sqlite_db.prop_admin
    with sqlite_db.write() as session:
        session.execute(delete(AuditEvent))
        session.execute(delete(Lead))
        ids = []
        for i, fields in enumerate(leads):
            fields = dict(fields)
            fields.setdefault("order_no", "")
            if not fields["order_no"].strip():
                fields["order_no"] = f"#{i}"  # unique; no digits from the date
            elif any(fields["order_no"].strip() == lead.get("order_no", "").strip() for lead in leads[:i]):
                fields["order_no"] += f"#{i}"
            leads[i] = fields
            ids.append(add_lead(session, fields).id)
    # a substring of some field's value, or free text
    values = [v for lead in leads for v in lead.values() if v]
    query = data.draw(st.one_of(
        TEXT,
        st.sampled_from(values).flatmap(lambda v: st.tuples(st.integers(0, len(v)), st.integers(0, len(v))).map(
            lambda ij: v[min(ij):max(ij)])),
    ), label="query")
    expected = {ids[i] for i in brute_force(leads, query)}
    rows = [r for r in admin.list_leads(LeadQuery(text=query), limit=1000) if r.exact is not False]
    assert {r.id for r in rows} == expected
    for row in rows:
        if search.normalize(query):
            field = row.matched_field
            assert field is not None
            lead = leads[ids.index(row.id)]
            assert brute_force([{field: lead.get(field, "")}], query) == {0}
