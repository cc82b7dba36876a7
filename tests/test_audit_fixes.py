"""The gaps an audit of issues 2-5 found, each with the test that would have caught it:
CLI tables at 80 columns, claim refusals in the counts that refused them, blacklisting
by normalised mobile / email, similar names with swapped letters, `rules add --when`
in three words, validation messages in the fields' labels, `rules run` naming what it
did, and a mistyped --db that must not create a database."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from leadtui import cli, config, i18n
from leadtui.store.customers.dupes import check_new_customer
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid
from leadtui.store.models import AuditEvent, Lead
from leadtui.store.records import LeadQuery
from tests.factories import NOW, make_lead, make_pool, make_user, store_for
from tests.test_customers import make_customer, make_customers, make_sea, people

runner = CliRunner()


# ----------------------------------------------------------------------------- CLI tables at 80 columns


@pytest.fixture
def shop(tmp_path, monkeypatch) -> str:  # noqa: ANN001
    """A SQLite file with leads, customers, a rule, trash and audit events; boss is admin."""
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    for var in ("LEADTUI_DB", "LEADTUI_AS", "LEADTUI_LANG"):
        monkeypatch.delenv(var, raising=False)
    url = f"sqlite:///{tmp_path}/shop.db"
    assert runner.invoke(cli.app, ["init", "--db", url, "--name", "Boss"]).exit_code == 0
    db = Database(url)
    make_user(db, "li.na", "sales", "华东销售部", name="李娜")
    make_pool(db, "华东线索池", admins=["boss"], members=["li.na"], holding_cap=200, daily_claim_limit=30,
              protect_days=15, cooldown_days=7)
    long_company = "上海星辰科技发展有限公司（浦东新区张江高科技园区分公司）"
    for i in range(3):
        make_lead(db, "华东线索池", contact=f"Alexandra Montgomery-Smith {i}", mobile=f"+86 138 0013 800{i}",
                  company=long_company, email=f"alexandra.montgomery{i}@example-corporation.com")
    make_customers(db, 2, owner="boss", name=long_company, mobile="13900000001")
    db.dispose()
    return url


def run(url: str, *args: str, lang: str = "en"):  # noqa: ANN201
    return runner.invoke(cli.app, ["--lang", lang, *args, "--db", url])


def header(output: str) -> list[str]:
    return re.split(r"\s{2,}", output.splitlines()[0].strip())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_tables_keep_ids_and_key_columns_at_80_columns(shop: str, monkeypatch, lang: str) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", "80")
    lead_ids = [r["id"] for r in json.loads(run(shop, "leads", "list", "--json").stdout)]
    assert run(shop, "claim", str(lead_ids[0])).exit_code == 0
    assert run(shop, "delete", str(lead_ids[1]), "--yes").exit_code == 0
    assert run(shop, "rules", "add", "--pool", "华东线索池", "--when", "address", "contains", "上海",
               "--to", "li.na").exit_code == 0

    def lines_of(*args: str) -> list[str]:
        result = run(shop, *args, lang=lang)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert all(len(line) <= 80 for line in lines), "\n".join(lines)
        return lines

    words = {"en": {"id": "id", "Who": "Who", "Action": "Action", "Daily": "Daily", "Deleted": "Deleted",
                    "claim": "claim", "Record": "Record"},
             "zh": {"id": "id", "Who": "操作人", "Action": "操作", "Daily": "每日领取", "Deleted": "删除时间",
                    "claim": "领取", "Record": "记录"}}[lang]
    leads = lines_of("leads", "list")
    assert header("\n".join(leads))[0] == "id"
    for lead_id in lead_ids[::2]:  # the deleted one is in the trash
        assert any(line.startswith(f"{lead_id} ") for line in leads[1:]), leads
    customers = lines_of("customers", "list")
    assert header("\n".join(customers))[0] == "id"
    assert all(re.match(r"\d+ ", line) for line in customers[1:])
    audit = lines_of("audit")
    top = header("\n".join(audit))
    assert words["Who"] in top and words["Action"] in top and words["Record"] in top
    assert any(f"#{lead_ids[0]}" in line and "boss" in line and words["claim"] in line for line in audit)
    rules = lines_of("rules", "list")
    assert "#" in header("\n".join(rules)) and any(" 1 " in line for line in rules[1:])
    pools = lines_of("pools", "list")
    assert words["Daily"] in header("\n".join(pools))  # not "D…"
    trash = lines_of("trash", "list")
    assert words["Deleted"] in header("\n".join(trash))
    assert any(line.startswith(f"{lead_ids[1]} ") and NOW.strftime("%Y-%m-%d %H:%M") in line for line in trash)
    # A wide terminal shows everything, the long text too.
    monkeypatch.setenv("COLUMNS", "200")
    wide = run(shop, "leads", "list", lang=lang).stdout
    assert "上海星辰科技发展有限公司（浦东新区张江高科技园区分公司）" in wide and "Alexandra Montgomery-Smith 2" in wide


def test_a_mistyped_db_is_refused_without_creating_anything(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    missing = tmp_path / "nonexistent" / "x.db"
    for args in (["leads", "list"], ["db", "status"], []):
        result = runner.invoke(cli.app, ["--db", str(missing), *args])
        assert result.exit_code == 2 and "There is no database file" in result.stderr, result.output
        assert "leadtui init" in result.stderr
    assert not missing.parent.exists()
    # init makes it
    assert runner.invoke(cli.app, ["init", "--db", str(missing)]).exit_code == 0
    assert missing.exists()


# ----------------------------------------------------------------------------- rules add / run


def test_rules_add_takes_the_condition_as_three_words_or_one(shop: str) -> None:
    result = run(shop, "rules", "add", "--pool", "华东线索池", "--when", "address", "contains", "上海", "--when",
                 "source in booking,inquiry", "--to", "li.na", "--json")
    assert result.exit_code == 0, result.output
    assert [(c["field"], c["op"], c["value"]) for c in json.loads(result.stdout)["conditions"]] == [
        ("address", "contains", "上海"), ("source", "in", "booking,inquiry")]
    result = run(shop, "rules", "add", "--pool", "华东线索池", "--when", "address", "contains", "--to", "li.na")
    assert result.exit_code == 2 and "FIELD OP VALUE" in result.stderr
    assert "three words" in runner.invoke(cli.app, ["rules", "add", "--help"]).stdout


def test_rules_run_names_the_leads_and_customers(shop: str, monkeypatch) -> None:  # noqa: ANN001
    db = Database(shop)
    li = store_for(db, "li.na")
    pooled = [r.id for r in li.list_leads(LeadQuery(), 0, 100)]
    li.claim_leads(pooled)
    sea = make_sea(db, "公海", members=["li.na"], protect_days=3)
    made = make_customers(db, 23, owner="li.na", sea=sea, name="回收客户", protect_until=NOW - timedelta(hours=1))
    with db.write() as session:
        session.execute(update(Lead).where(Lead.id.in_(pooled)).values(protect_until=NOW - timedelta(hours=1)))
        orders = dict(session.execute(select(Lead.id, Lead.order_no).where(Lead.id.in_(pooled))).all())
    db.dispose()
    result = run(shop, "rules", "run")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert all(order in text for order in orders.values()), text
    assert "回收客户 1" in text and f"#{made[0]}" in text
    assert "and 3 more" in text  # 23 customers: the first 20 named
    # Someone who is not an admin gets the ids only: those records need not be theirs.
    assert li.run_rules().customer_names == ()


# ----------------------------------------------------------------------------- claim refusals


def test_a_claim_refusal_states_the_counts_that_refused_it(db: Database) -> None:
    make_user(db, "wang.fang", "sales", name="王芳")
    make_pool(db, "X", members=["wang.fang"], daily_claim_limit=2)
    make_pool(db, "Y", members=["wang.fang"], holding_cap=3)
    x = [make_lead(db, "X") for _ in range(3)]
    y = [make_lead(db, "Y") for _ in range(5)]
    wang = store_for(db, "wang.fang")
    result = wang.claim_leads(x)
    assert result.done == tuple(x[:2])
    assert result.summary == ("claimed 2 of 3 — 王芳 claimed 2 of 2 leads allowed per day in pool X; "
                              "0 left today")
    result = wang.claim_leads(y)
    assert [r.reason for r in result.refused] == ["王芳 holds 3 of 3 leads allowed in pool Y; 0 left"] * 2
    # public seas: the same words from the same code
    sea = make_sea(db, "S", members=["wang.fang"], daily_claim_limit=1)
    customers = make_customers(db, 2, sea=sea)
    result = wang.claim_customers(customers)
    assert [r.reason for r in result.refused] == [
        "王芳 claimed 1 of 1 customers allowed per day in public sea S; 0 left today"]


# ----------------------------------------------------------------------------- blacklist


def test_blacklisting_flags_open_leads_by_normalised_mobile_and_email(db: Database) -> None:
    people(db, "boss", role="admin")
    pool = make_pool(db, "P")
    forms = ["138-0013-8000", "138 0013 8000", "+86 138 0013 8000", "+8613800138000", "１３８００１３８０００",
             "13800138000"]
    same = [make_lead(db, pool, mobile=m) for m in forms]
    by_email = make_lead(db, pool, email="  Li.Na@Example.COM ")
    other = make_lead(db, pool, mobile="139-0013-8000")  # the same last digits, another number
    other_mail = make_lead(db, pool, email="li.na@example.org")
    converted = make_lead(db, pool, owner="boss", status="converted", mobile="138 0013 8000")
    customer = make_customer(db, owner="boss", name="黑名单客户", mobile="138-0013-8000",
                             mobile_norm="13800138000", email="li.na@example.com", email_norm="li.na@example.com")
    result = store_for(db, "boss").blacklist_customers([customer])
    assert result.done == (customer,)
    with db.read() as session:
        tags = dict(session.execute(select(Lead.id, Lead.tags)).all())
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "lead", AuditEvent.action == "tag",
                                                          AuditEvent.batch_id == result.batch_id)).all()
    flagged = {lead for lead, value in tags.items() if "blacklist" in (value or "").split(",")}
    assert flagged == {*same, by_email}
    assert other not in flagged and other_mail not in flagged and converted not in flagged
    assert {e.entity_id for e in events} == flagged  # each tag change is in the audit trail
    assert all(json.loads(e.after)["tags"].endswith("blacklist") for e in events)


# ----------------------------------------------------------------------------- similar names


def test_similar_names_catch_swapped_letters_but_not_a_different_name(db: Database) -> None:
    people(db, "li")
    li = store_for(db, "li")
    main = make_customer(db, owner="li", name="merge main")
    star = make_customer(db, owner="li", name="北京星辰科技有限公司")
    make_customer(db, owner="li", name="Golden Bridge Energy")
    assert [s.id for s in check_new_customer(li, "merge mian").similar] == [main]
    assert [s.id for s in check_new_customer(li, "北京辰星科技有限公司").similar] == [star]
    assert [s.id for s in check_new_customer(li, "main merge").similar] == [main]  # words swapped
    assert check_new_customer(li, "北京明月科技有限公司").similar == ()  # another company
    assert check_new_customer(li, "Silver Peak Machinery").similar == ()


# ----------------------------------------------------------------------------- labels in messages


def test_setting_refusals_name_the_settings_by_their_labels(db: Database) -> None:
    people(db, "boss", role="admin")
    boss = store_for(db, "boss")
    for lang, words, cap in (("en", "Max protect days (5) cannot be below Protect days (7)", "Holding cap"),
                             ("zh", "最长保护天数（5）不能小于保护天数（7）", "持有上限")):
        i18n.set_language(lang)
        with pytest.raises(Invalid) as err:
            boss.add_pool("East", protect_days=7, max_protect_days=5)
        assert str(err.value) == words
        with pytest.raises(Invalid) as err:
            boss.add_pool("East", holding_cap=-1)
        assert cap in str(err.value) and "holding_cap" not in str(err.value)
