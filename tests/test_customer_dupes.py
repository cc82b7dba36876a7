"""Creating a customer by hand: the exact and the fuzzy duplicate rules, validation and
the per-user customer holding cap (SPEC 4). On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from leadtui import i18n
from leadtui.store.customers.dupes import (
    add_customer,
    check_new_customer,
    similarity_key,
)
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, Refused
from leadtui.store.models import AuditEvent, Customer, User
from tests.factories import NOW, count_rows, make_user, store_for


@pytest.fixture
def li(db: Database):
    make_user(db, "li", "sales", "East", name="Li")
    make_user(db, "zhao", "sales", "West", name="Zhao")
    return store_for(db, "li")


def test_add_customer_makes_a_following_customer_owned_by_the_operator(db: Database, li) -> None:
    cid, check = add_customer(li, "  上海星辰科技有限公司 ", mobile="+86 138-0013-8000", email="Info@Star.CN",
                              company="上海星辰科技有限公司", tags="vip, east ,vip", source="intent")
    assert check.exact is None and check.similar == ()
    with db.read() as s:
        c = s.get(Customer, cid)
        assert c is not None
        assert (c.name, c.kind, c.status, c.stage) == ("上海星辰科技有限公司", "enterprise", "following", "new")
        assert c.owner_id == li.actor.id and c.created_at == NOW and c.assigned_at == NOW
        assert (c.mobile_norm, c.email_norm) == ("13800138000", "info@star.cn")
        assert c.tags == "vip,east"
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "customer",
                                                   AuditEvent.entity_id == cid)).one()
        assert event.action == "create" and event.actor_id == li.actor.id
        assert json.loads(event.after)["name"] == "上海星辰科技有限公司"
    cid2, _ = add_customer(li, "Wang Fang")
    cid3, _ = add_customer(li, "Zhang San", company="", kind="enterprise")
    with db.read() as s:
        assert s.get(Customer, cid2).kind == "individual"
        assert s.get(Customer, cid3).kind == "enterprise"


@pytest.mark.parametrize(("field", "given", "existing"), [
    ("name", {"name": "  ACME  Trading "}, {"name": "Acme Trading"}),
    ("name", {"name": "ＡＣＭＥ Trading"}, {"name": "acme trading"}),  # full-width letters (NFKC)
    ("mobile", {"name": "Someone Else", "mobile": "+86 138-0013-8000"}, {"name": "Acme", "mobile": "13800138000"}),
    ("email", {"name": "Someone Else", "email": "Sales@ACME.com "}, {"name": "Acme", "email": "sales@acme.com"}),
])
def test_an_exact_duplicate_is_refused_and_named(db: Database, li, field: str, given: dict, existing: dict) -> None:
    # The duplicate belongs to someone else, whom li cannot see: it is still a duplicate.
    zhao = store_for(db, "zhao")
    dup_id, _ = add_customer(zhao, existing["name"], mobile=existing.get("mobile", ""),
                             email=existing.get("email", ""))
    before = count_rows(db, Customer)
    check = check_new_customer(li, given["name"], given.get("mobile", ""), given.get("email", ""))
    assert check.exact is not None
    assert (check.exact.id, check.exact.name, check.exact.matched_by) == (dup_id, existing["name"], field)
    assert all(s.id != dup_id for s in check.similar)
    for force in (False, True):  # force does not override the exact rule
        with pytest.raises(Refused) as err:
            add_customer(li, given["name"], mobile=given.get("mobile", ""), email=given.get("email", ""),
                         force=force)
        assert f"Customer #{dup_id} {existing['name']} has the same" in str(err.value)
        assert err.value.check.exact.id == dup_id  # type: ignore[attr-defined]
    assert count_rows(db, Customer) == before


def test_the_exact_match_names_the_field_in_chinese(db: Database, li) -> None:
    dup_id, _ = add_customer(li, "Acme", mobile="13800138000")
    i18n.set_language("zh")
    with pytest.raises(Refused) as err:
        add_customer(li, "Other", mobile="138 0013 8000")
    assert str(err.value) == f"客户 #{dup_id} Acme 的手机号相同"


def test_a_customer_in_the_trash_is_no_duplicate(db: Database, li) -> None:
    dup_id, _ = add_customer(li, "Acme", mobile="13800138000")
    with db.write() as s:
        s.get(Customer, dup_id).deleted_at = NOW
    cid, check = add_customer(li, "Acme", mobile="13800138000")
    assert cid != dup_id and check.exact is None and check.similar == ()


def test_similar_names_are_listed_and_refused_without_force(db: Database, li) -> None:
    star, _ = add_customer(li, "上海星辰科技公司")
    trading, _ = add_customer(li, "Acme Trading Co., Ltd.")
    add_customer(li, "上海明月科技有限公司")  # shares the city and the legal form only
    add_customer(li, "Beijing Foods")
    check = check_new_customer(li, "上海星辰科技有限公司")
    assert check.exact is None
    assert [(s.id, s.matched_by) for s in check.similar] == [(star, "similar name")]
    assert check.similar[0].score >= 80
    check = check_new_customer(li, "Acme Tradng")
    assert [s.id for s in check.similar] == [trading]

    before = count_rows(db, Customer)
    with pytest.raises(Refused) as err:
        add_customer(li, "上海星辰科技有限公司", mobile="13900000000")
    assert str(err.value).startswith(f"Similar customers exist: #{star} 上海星辰科技公司 (")
    assert "--force" not in str(err.value)  # the CLI says how to go on there, the console its own way
    assert count_rows(db, Customer) == before

    cid, check = add_customer(li, "上海星辰科技有限公司", mobile="13900000000", force=True)
    assert [s.id for s in check.similar] == [star]
    with db.read() as s:
        assert s.get(Customer, cid).name == "上海星辰科技有限公司"


def test_similar_lists_at_most_five_best_first_and_leaves_out_the_exact_match(db: Database, li) -> None:
    exact, _ = add_customer(li, "Star Tech", mobile="13800138000")
    ids = []
    for name in ["Star Tech Ltd", "Star Tech Inc", "Star Techs", "Star Tek", "Stars Tech", "Star Tech Group",
                 "Start Tech"]:
        ids.append(add_customer(li, name, force=True)[0])
    check = check_new_customer(li, "Star Tech")
    assert check.exact is not None and check.exact.id == exact and check.exact.matched_by == "name"
    assert len(check.similar) == 5 and exact not in [s.id for s in check.similar]
    scores = [s.score for s in check.similar]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 80


def test_similarity_key_drops_legal_forms() -> None:
    assert similarity_key("上海星辰科技有限公司") == similarity_key("上海星辰科技公司") == "上海星辰科技"
    assert similarity_key("Acme Trading Co., Ltd.") == "acme trading"
    assert similarity_key("公司") == "公司"  # nothing left: the name itself
    assert similarity_key("Ltd") == "ltd"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "   "}, "A customer needs a name"),
    ({"name": "A", "mobile": "12345"}, "is not a mainland mobile number"),
    ({"name": "A", "mobile": "23800138000"}, "is not a mainland mobile number"),
    ({"name": "A", "mobile": "1380013800a0"}, "is not a mainland mobile number"),
    ({"name": "A", "mobile": "+1 415 555 0100"}, "is not a mainland mobile number"),
    ({"name": "A", "email": "nobody"}, "is not an email address"),
    ({"name": "A", "email": "a@b@c.com"}, "is not an email address"),
    ({"name": "A", "email": "a@localhost"}, "is not an email address"),
    ({"name": "A", "email": "a b@c.com"}, "is not an email address"),
    ({"name": "A", "kind": "alien"}, "must be enterprise or individual"),
    ({"name": "x" * 201}, "longer than 200 characters"),
])
def test_validation(db: Database, li, kwargs: dict, message: str) -> None:
    kwargs = dict(kwargs)
    name = kwargs.pop("name")
    with pytest.raises(Invalid) as err:
        add_customer(li, name, **kwargs)
    assert message in str(err.value)
    assert count_rows(db, Customer) == 0


def test_valid_mobile_and_email_forms_pass(db: Database, li) -> None:
    for i, (mobile, email) in enumerate([("0086 138 0013 8001", "a.b@c.co"), ("(86)139-0000-0002", "x@y.z.cn"),
                                         ("１３７００１３８００３", "")]):
        cid, _ = add_customer(li, f"Customer {i}", mobile=mobile, email=email, force=True)
        with db.read() as s:
            assert len(s.get(Customer, cid).mobile_norm) == 11


def test_the_customer_holding_cap(db: Database, li) -> None:
    with db.write() as s:
        s.scalars(select(User).where(User.login == "li")).one().customer_cap = 2
    add_customer(li, "First")
    second, _ = add_customer(li, "Second")
    with pytest.raises(Refused) as err:
        add_customer(li, "Third")
    assert str(err.value) == "Li owns 2 of 2 customers allowed"
    assert count_rows(db, Customer) == 2
    # Only the customers being followed count: a deleted or blacklisted one frees a place.
    with db.write() as s:
        s.get(Customer, second).status = "blacklisted"
    add_customer(li, "Third")
    with pytest.raises(Refused):
        add_customer(li, "Fourth")
    # Another user's cap is theirs alone (zhao has none).
    add_customer(store_for(db, "zhao"), "Fourth")
