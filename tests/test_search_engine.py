"""The search engine at scale (issue 6): the gram index, its three ways to meet a
list, forgiving (typo) hits, matched fields and their spans, reading far pages from
the end, and the index kept in step with every write, from every process.

The scale itself is measured by `leadtui bench search` / `bench console`; here the
thresholds are made tiny so a few dozen leads take every path a million do.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from leadtui.store.fields import NUMBER_FIELDS, SEARCH_FIELDS
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Lead, SearchPosting
from leadtui.store.records import LeadQuery
from leadtui.store.search import engine as search
from leadtui.store.search import index as search_index
from tests.factories import NOW, make_lead, make_pool, make_user, store_for

# ----------------------------------------------------------------------------- grams


def _reference_grams(search_text: str) -> set[int]:
    out: set[int] = set()
    for part in search_text.split(search.SEP):
        out |= search_index.query_grams(part)
    return out


def test_numpy_grams_equal_the_query_grams_of_every_part() -> None:
    rng = random.Random(11)
    alphabet = list("ab 张伟0123456789-@.ＡＢ１２ßẞ\u3000é\U0001f600") + ["\ud800"]
    texts = []
    for _ in range(400):
        fields = {f: "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for f in SEARCH_FIELDS}
        texts.append(search.search_text(fields))
    ids = np.arange(70_000, 70_000 + len(texts), dtype=np.int64)  # one segment, not the first
    got: dict[int, set[int]] = {}
    for seg, gram, offsets in search_index._segment_postings(ids, texts):
        for offset in np.frombuffer(offsets, dtype="<u2").tolist():
            got.setdefault(gram, set()).add((seg << search_index.SEG_BITS) | offset)
    want: dict[int, set[int]] = {}
    for lead_id, text in zip(ids.tolist(), texts):
        for gram in _reference_grams(text):
            want.setdefault(gram, set()).add(lead_id)
    assert got == want


def test_a_query_without_a_gram_has_no_candidates_list() -> None:
    assert search_index.query_grams("王") == set()
    assert search_index.query_grams("138") == set()  # two or three digits: every lead may
    assert search_index.query_grams("1380") != set()
    assert search_index.query_grams("张伟") != set()


# ----------------------------------------------------------------------------- exact hits


@pytest.fixture
def admin(db):  # noqa: ANN001, ANN201
    make_user(db, "boss", "admin", name="Boss")
    return store_for(db, "boss")


@pytest.fixture(params=["lookup", "probe", "walk"])
def path(request, monkeypatch, db) -> str:  # noqa: ANN001
    """Each way a list meets its candidates, forced at small sizes (PostgreSQL always
    looks candidates up: its planner chooses how)."""
    if request.param == "probe" and not db.is_sqlite:
        pytest.skip("PostgreSQL has no probe path")
    if request.param == "lookup":
        monkeypatch.setattr(search, "LOOKUP_UP_TO", 10**9)
        monkeypatch.setattr(search, "COUNT_LOOKUP_UP_TO", 10**9)
    elif request.param == "probe":
        monkeypatch.setattr(search, "LOOKUP_UP_TO", 0)
        monkeypatch.setattr(search, "COUNT_LOOKUP_UP_TO", 0)
    else:
        monkeypatch.setattr(search, "PROBE_UP_TO", 0)
    return request.param


def brute_force(leads: dict[int, dict[str, str]], query: str) -> set[int]:
    """The exact hits by definition: the normalised keyword inside one field; for a
    number-like keyword also its digits, inside a number field's digits or inside any
    field as written ("138 0013 8000" finds a contact typed as 13800138000)."""
    q, d = search.normalize(query), search.query_digits(query)
    return {lead_id for lead_id, fields in leads.items()
            if any(q in search.normalize(v) or (d and (d in search.normalize(v) or (
                name in NUMBER_FIELDS and d in search.digits(v))))
                   for name, v in fields.items() if v and v.strip())}


WORDS = ["张伟", "李娜", "王波凯", "smith", "smyth", "Smith-Jones", "13800138000", "138 0013 8000", "+86 139",
         "qq.com", "星辰科技", "华创科技有限公司", "ＡＢＣ", "abc", "a_b", "100%", "x", "", "0013", "8000"]
VALUE = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join).map(lambda v: v[:40])  # mobile: 40 at most
LEAD = st.fixed_dictionaries({}, optional={f: VALUE for f in ("contact", "mobile", "email", "company", "qq",
                                                                "address", "wechat")})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=st.lists(LEAD, min_size=1, max_size=12), edits=st.lists(st.tuples(st.integers(0, 11), LEAD),
                                                                     max_size=4),
       queries=st.lists(st.one_of(st.sampled_from(WORDS), VALUE), min_size=1, max_size=6))
def test_exact_hits_equal_a_brute_force_scan_whatever_the_path(db, path, leads, edits, queries) -> None:  # noqa: ANN001
    """Random leads, then edits (the index keeps the old grams: a superset) and a
    delete-everything that makes SQLite reuse ids: the exact hits still equal the scan."""
    if not hasattr(db, "engine_admin"):
        make_user(db, "boss", "admin")
        db.engine_admin = store_for(db, "boss")
    store = db.engine_admin
    with db.write() as session:
        session.execute(delete(AuditEvent))
        session.execute(delete(Lead))
        ids = intake.add_leads(session, leads, auto_assign=False)
    current = {lead_id: dict(fields) for lead_id, fields in zip(ids, leads)}
    with db.read() as session:  # the order numbers intake made are searched too (L20261122-000013 holds 0013)
        for lead_id, order_no in session.execute(select(Lead.id, Lead.order_no)):
            current[lead_id]["order_no"] = order_no
    for index, fields in edits:
        lead_id = ids[index % len(ids)]
        changes = {k: v for k, v in fields.items() if k in ("contact", "mobile", "email", "company")}
        if changes:
            store.edit_lead(lead_id, changes)
            current[lead_id].update(changes)
    for query in queries:
        rows = store.list_leads(LeadQuery(text=query), 0, 1000)
        exact = [r for r in rows if r.exact is not False]
        if search.normalize(query):
            assert {r.id for r in exact} == brute_force(current, query), query
            assert store.count_leads(LeadQuery(text=query)) == len(rows)
            assert all(r.exact for r in rows[:len(exact)]) and not any(r.exact for r in rows[len(exact):])
        else:
            assert {r.id for r in rows} == set(current)


def test_pages_of_a_keyword_follow_the_sort_on_every_path(db, admin, path) -> None:  # noqa: ANN001
    made = [make_lead(db, contact=f"张伟{i}", submitted_at=NOW - timedelta(minutes=i)) for i in range(30)]
    make_lead(db, contact="李娜")
    q = LeadQuery(text="张伟")
    everything = [r.id for r in admin.list_leads(q, 0, 100)]
    assert everything == made  # newest first
    pages = [r.id for off in range(0, 30, 7) for r in admin.list_leads(q, off, 7)]
    assert pages == made
    asc = [r.id for r in admin.list_leads(LeadQuery(text="张伟", sort="contact", descending=False), 0, 100)]
    assert asc == sorted(made, key=lambda i: f"张伟{made.index(i)}")


@pytest.mark.parametrize("sort", ["submitted_at", "contact", "owner", "days_left"])
@pytest.mark.parametrize("descending", [True, False])
def test_a_far_page_read_from_the_end_is_the_same_page(db, admin, sort: str, descending: bool) -> None:  # noqa: ANN001
    make_user(db, "li", "sales")
    for i in range(23):
        make_lead(db, owner="li" if i % 3 == 0 else None, contact=f"c{i % 5}",
                  submitted_at=NOW - timedelta(minutes=i % 7))
    q = LeadQuery(sort=sort, descending=descending)
    total = admin.count_leads(q)
    for offset, limit in [(12, 5), (18, 5), (20, 10), (22, 1), (23, 5)]:
        forwards = [r.id for r in admin.list_leads(q, offset, limit)]
        backwards = [r.id for r in admin.list_leads(q, offset, limit, total=total)]
        assert backwards == forwards, (offset, limit)


# ----------------------------------------------------------------------------- forgiving hits


@pytest.fixture
def people(db, admin):  # noqa: ANN001, ANN201
    return {
        "smith": make_lead(db, contact="John Smith", email="john.smith@zephyr.io"),
        "emma": make_lead(db, contact="Emma Brown", email="emma.brown88@qq.com"),
        "wang": make_lead(db, contact="王波凯", email="wangbokai2@zhonghetech.net"),
        "noise": make_lead(db, contact="Noise Person", company="Acme Ltd"),
    }


def test_a_typo_finds_the_lead_after_the_exact_hits(admin, people) -> None:  # noqa: ANN001
    rows = admin.list_leads(LeadQuery(text="smtih"))
    assert [r.id for r in rows] == [people["smith"]]
    assert rows[0].exact is False and 0 < rows[0].score < 100 and rows[0].matched_field == "contact"
    rows = admin.list_leads(LeadQuery(text="jonh smith"))
    assert [r.id for r in rows] == [people["smith"]] and rows[0].exact is False
    rows = admin.list_leads(LeadQuery(text="wangbokia2@zhonghetech.net"))
    assert [r.id for r in rows] == [people["wang"]] and rows[0].matched_field == "email"
    assert [r.id for r in admin.list_leads(LeadQuery(text="王波楷"))] == [people["wang"]]  # a CJK name
    assert admin.count_leads(LeadQuery(text="smtih")) == 1
    assert admin.lead_ids(LeadQuery(text="smtih")) == [people["smith"]]


def test_exact_hits_come_first_and_known_words_are_not_corrected(db, admin, people) -> None:  # noqa: ANN001
    smyth = make_lead(db, contact="Anna Smyth")
    mitch = make_lead(db, contact="Ann Mitch")
    # "smith" is a word the leads hold: no guessing, only the exact hit
    assert [r.id for r in admin.list_leads(LeadQuery(text="smith"))] == [people["smith"]]
    # "mith" is inside Smith (exact) but no lead's word: its neighbour Mitch follows
    rows = admin.list_leads(LeadQuery(text="mith"))
    assert [(r.id, r.exact) for r in rows] == [(people["smith"], True), (mitch, False)]
    assert rows[0].score == 100 and rows[1].score < 100
    assert smyth not in {r.id for r in admin.list_leads(LeadQuery(text="smitj"))}  # two edits away
    assert admin.list_leads(LeadQuery(text="zzqqxx")) == []


def test_numbers_and_short_words_are_never_guessed(admin, people) -> None:  # noqa: ANN001
    assert admin.list_leads(LeadQuery(text="13800138001")) == []
    rows = admin.list_leads(LeadQuery(text="jo"))
    assert rows and all(r.exact for r in rows)
    assert admin.list_leads(LeadQuery(text="qz")) == []


def test_forgiving_hits_respect_the_list_and_its_permissions(db, people) -> None:  # noqa: ANN001
    make_user(db, "li", "sales")
    make_pool(db, "East", members=["li"], members_see_detail=True)
    make_pool(db, "Closed", members=["li"])
    mine = make_lead(db, "East", contact="Peter Smith")
    make_lead(db, "Closed", contact="Paul Smith")  # seen masked: found by its order no only
    li = store_for(db, "li")
    assert [r.id for r in li.list_leads(LeadQuery(text="smtih"))] == [mine]


# ----------------------------------------------------------------------------- what matched


@pytest.mark.parametrize("values, query, expected", [
    ({"contact": "ＪＯＨＮ  Smith"}, "john smi", ("contact", 0, 9)),
    ({"contact": "Anna", "mobile": "+86 138-0013-8000"}, "138 0013 8000", ("mobile", 4, 17)),
    ({"mobile": "13800138000"}, "0013", ("mobile", 3, 7)),
    ({"company": "北京星辰科技有限公司"}, "星辰", ("company", 2, 4)),
    ({"email": "QB@Zephyr.IO"}, "zephyr", ("email", 3, 9)),
])
def test_the_match_names_the_field_and_the_characters(values, query, expected) -> None:  # noqa: ANN001
    assert search.match(values, query) == expected


def test_rows_carry_the_span_for_the_table_to_underline(admin, people) -> None:  # noqa: ANN001
    [row] = admin.list_leads(LeadQuery(text="brown88"))
    assert (row.matched_field, row.match_span, row.exact, row.score) == ("email", (5, 12), True, 100)
    assert row.get("matched") == "email"
    [typo] = admin.list_leads(LeadQuery(text="smtih"))
    assert typo.get("matched") == "~contact" and typo.match_span == (5, 10)


# ----------------------------------------------------------------------------- kept in step


def test_the_index_follows_intake_edit_merge_delete_and_purge(db, admin) -> None:  # noqa: ANN001
    lead = make_lead(db, contact="Quentin Blake", mobile="13912345678")
    assert [r.id for r in admin.list_leads(LeadQuery(text="quentin"))] == [lead]
    admin.edit_lead(lead, {"contact": "Roald Dahl", "mobile": "13700001111"})
    assert [r.id for r in admin.list_leads(LeadQuery(text="roald dahl"))] == [lead]
    assert [r.id for r in admin.list_leads(LeadQuery(text="0000 1111"))] == [lead]
    assert admin.list_leads(LeadQuery(text="quentin")) == []  # its old grams stay listed; the check drops them
    with db.write() as session:
        filled = intake.fill_leads(session, [(lead, {"company": "Matilda Books"})], actor_id=None)
    assert filled[lead] == {"company": "Matilda Books"}
    assert [r.id for r in admin.list_leads(LeadQuery(text="matilda"))] == [lead]
    admin.delete_leads([lead])
    assert admin.list_leads(LeadQuery(text="roald")) == []
    assert [r.id for r in admin.list_leads(LeadQuery(screen="trash", text="roald"))] == [lead]
    admin.restore_leads([lead])
    assert [r.id for r in admin.list_leads(LeadQuery(text="roald"))] == [lead]
    admin.delete_leads([lead])
    admin.purge_leads([lead])
    assert admin.list_leads(LeadQuery(screen="trash", text="roald")) == []
    with db.read() as session:  # the index only ever narrows: a purged id listed is harmless
        assert session.scalar(select(func.count()).select_from(SearchPosting)) > 0


def test_leads_another_process_adds_are_found_at_once(db, admin, tmp_path) -> None:  # noqa: ANN001
    make_lead(db, contact="Before")
    code = ("import sys; from leadtui.store.db.engine import Database; from leadtui.store.leads import intake\n"
            "db = Database(sys.argv[1])\n"
            "with db.write() as s:\n"
            "    intake.add_leads(s, [{'contact': '欧阳娜娜', 'mobile': '186 1234 5678'}], auto_assign=False)\n")
    subprocess.run([sys.executable, "-c", code, db.url], check=True, timeout=60)
    [row] = admin.list_leads(LeadQuery(text="欧阳娜"))
    assert row.get("contact") == "欧阳娜娜"
    assert [r.id for r in admin.list_leads(LeadQuery(text="18612345678"))] == [row.id]
    # and its words reach this process's typo search too
    assert [r.id for r in admin.list_leads(LeadQuery(text="欧阳娜那"))] == [row.id]


def test_rebuild_makes_the_same_index_as_writing_lead_by_lead(db) -> None:  # noqa: ANN001
    for i in range(40):
        make_lead(db, contact=f"张伟{i}", email=f"user{i}@example.com", mobile=f"1380013{i:04d}")

    def snapshot() -> dict[tuple[int, int], bytes]:
        with db.read() as session:
            return {(g, s): bytes(b) for g, s, b in session.execute(
                select(SearchPosting.gram, SearchPosting.seg, SearchPosting.ids))}

    incremental = snapshot()
    with db.write() as session:
        search_index.rebuild(session)
    assert snapshot() == incremental
