"""members_see_detail = no (SPEC 3, issue 13 item 5): a plain member of such a pool sees
of an unclaimed lead its order no, source, submit time, status, pool and days, and the
contact's name masked — on every path: lists and --json, the console's columns, search
(by order no only), sort, export, call records, audit and detail. On both backends.

The world:
    boss admin; padmin (admin of Closed); li, wang (East, members of Closed); mgr
    (manager of East). Closed: members_see_detail off. Open: li a member, on.
    `secret`: a lead of Closed that wang worked (a call, an edit of its mobile) and
    returned with a reason — pooled now, with a history full of values.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from leadtui import cli, config
from leadtui.app import LeadApp
from leadtui.store.db.engine import Database
from leadtui.store.errors import NotFound, Refused
from leadtui.store.fields import LEAD_COLUMNS
from leadtui.store.models import LeadCollaborator
from leadtui.store.records import LeadQuery
from tests.factories import NOW, make_lead, make_pool, make_user, store_for

ALL = LeadQuery(screen="all")
# What wang put into `secret` before giving it back: none of it may reach a plain member.
SECRETS = ("Alice Cherry", "13800000009", "13811112222", "alice@cherry.cn", "Cherry Co", "secret message",
           "secret call", "secret reason", "Wang", "wang")
MASKED_CONTACT = "A**** C*****"


@dataclass
class Vis:
    db: Database
    secret: int
    open_lead: int
    order_no: str
    closed: int

    def store(self, login: str):  # noqa: ANN201
        return store_for(self.db, login)


@pytest.fixture
def vis(db: Database) -> Vis:
    make_user(db, "boss", "admin", name="Boss")
    make_user(db, "padmin", "sales", "Ops", name="Padmin")
    make_user(db, "li", "sales", "East", name="Li")
    make_user(db, "wang", "sales", "East", name="Wang")
    make_user(db, "mgr", "manager", "East", name="Mgr")
    closed = make_pool(db, "Closed", admins=["padmin"], members=["li", "wang"])
    make_pool(db, "Open", members=["li"], members_see_detail=True)
    secret = make_lead(db, "Closed", owner="wang", contact="Alice Cherry", mobile="13800000009",
                       email="alice@cherry.cn", company="Cherry Co", message="secret message", tags="vip",
                       submitted_at=NOW - timedelta(hours=2))
    wang = store_for(db, "wang")
    wang.add_followup(secret, "call", "secret call", duration_s=60, outcome="keen")
    wang.edit_lead(secret, {"mobile": "13811112222"})
    assert wang.return_leads([secret], "other: secret reason").done == (secret,)
    open_lead = make_lead(db, "Open", contact="Olga Open", mobile="13900000001", submitted_at=NOW - timedelta(hours=1))
    order_no = store_for(db, "boss").lead_detail(secret).row.get("order_no")
    return Vis(db, secret, open_lead, str(order_no), closed)


def leaks(text: object) -> list[str]:
    """The secrets found in what a path handed out (its repr, or a file's text)."""
    return [s for s in SECRETS if s in str(text)]


def assert_masked_values(values: dict[str, object], order_no: str) -> None:
    assert values["order_no"] == order_no and values["contact"] == MASKED_CONTACT
    assert (values["status"], values["pool"], values["source"]) == ("pooled", "Closed", "intent")
    assert values["submitted_at"] == NOW - timedelta(hours=2)
    shown = {"order_no", "contact", "status", "pool", "source", "submitted_at"}
    assert {k: v for k, v in values.items() if k not in shown} == {k: None for k in LEAD_COLUMNS if k not in shown}


def test_mask_name() -> None:
    from leadtui.store.access import mask_name

    assert mask_name("张三丰") == "张**"
    assert mask_name("John Smith") == "J*** S****"
    assert mask_name("Li") == "L*" and mask_name("X") == "X"
    assert mask_name("") == "" and mask_name(None) == ""


# ----------------------------------------------------------------------------- lists


def test_the_list_shows_a_masked_lead_with_the_allowed_values_only(vis: Vis) -> None:
    li = vis.store("li")
    rows = {r.id: r for r in li.list_leads(ALL)}
    assert_masked_values(rows[vis.secret].values, vis.order_no)
    assert rows[vis.secret].matched_field is None
    assert not leaks(rows[vis.secret])
    assert rows[vis.open_lead].get("contact") == "Olga Open"  # the open pool shows its leads whole
    # in the pool's own list, in both sort directions and from the end (`total`)
    pool = LeadQuery(screen="pool", pool_id=vis.closed)
    for query in (pool, LeadQuery(screen="pool", pool_id=vis.closed, descending=False)):
        [row] = li.list_leads(query, 0, 10, total=1)
        assert_masked_values(row.values, vis.order_no)


def test_leads_list_json_shows_the_masked_lead(vis: Vis, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "li")
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["leads", "list", "--json", "--db", vis.db.url])
    assert result.exit_code == 0, result.output
    [row] = [r for r in json.loads(result.stdout) if r["id"] == vis.secret]
    assert row["contact"] == MASKED_CONTACT and row["mobile"] is None and row["message"] is None
    assert not leaks(result.stdout)
    shown = runner.invoke(cli.app, ["leads", "show", str(vis.secret), "--db", vis.db.url])
    assert shown.exit_code == 0 and vis.order_no in shown.stdout and MASKED_CONTACT in shown.stdout
    assert not leaks(shown.output)


async def test_the_consoles_columns_show_the_masked_lead(vis: Vis) -> None:
    if vis.db.url.startswith("postgresql"):
        pytest.skip("the console runs on SQLite in these tests")
    from tests.test_console import screen_lines, settle

    li = vis.store("li")
    li.set_columns("all", ["order_no", "contact", "mobile", "email", "message", "company", "tags"])
    app = LeadApp(li)
    async with app.run_test(size=(160, 60)) as pilot:  # tall: the detail below
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert vis.order_no in text and MASKED_CONTACT[:9] in text and "Olga Open" in text  # the column cuts it
        assert not leaks(text)
        # and the detail it opens: the masked record, no follow-ups, the history without values
        await pilot.press("G")  # the older lead: `secret`
        await pilot.press("enter")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert vis.order_no in text and MASKED_CONTACT in text and "details once you claim it" in text
        assert "No follow-ups yet." in text
        assert not leaks(text)


# ----------------------------------------------------------------------------- search and sort


def test_search_finds_a_masked_lead_by_its_order_no_only(vis: Vis) -> None:
    li = vis.store("li")

    def found(text: str) -> set[int]:
        query = LeadQuery(text=text)
        rows = li.list_leads(query)
        assert li.count_leads(query) == len(rows) and set(li.lead_ids(query)) == {r.id for r in rows}
        return {r.id for r in rows}

    for text in ("13811112222", "138 1111 2222", "Alice", "alice@cherry.cn", "Cherry Co", "secret", "vip",
                 "Alcie", "Cherri"):  # the last two: typos would find Alice and Cherry
        assert vis.secret not in found(text), text
    [row] = li.list_leads(LeadQuery(text=vis.order_no.lower()))
    assert row.id == vis.secret and row.matched_field == "order_no" and row.exact
    assert_masked_values(row.values, vis.order_no)
    assert vis.secret in found(vis.order_no[3:9])
    assert found("Olga") == {vis.open_lead}
    # the comparison engine (`leadtui search --engine naive`) as well
    from leadtui.store.search import naive as search_naive

    assert search_naive.search(li, "13811112222") == []
    assert [h["id"] for h in search_naive.search(li, vis.order_no)] == [vis.secret]
    assert [h["matched_field"] for h in search_naive.search(li, vis.order_no)] == ["order_no"]


@pytest.mark.parametrize("column", ["mobile", "contact", "email", "last_followup_at", "tags", "company"])
def test_sorting_by_a_hidden_column_does_not_tell_its_values(db: Database, column: str) -> None:
    make_user(db, "li", "sales")
    make_user(db, "boss", "admin")
    pool = make_pool(db, "Closed", members=["li"])
    # The values' order is the reverse of the ids' order.
    ids = [make_lead(db, pool, contact=f"Z{9 - i} Name", mobile=f"1380000000{9 - i}", email=f"{9 - i}@x.cn",
                     company=f"Co {9 - i}", tags=f"t{9 - i}") for i in range(4)]
    with db.write() as session:
        from sqlalchemy import update

        from leadtui.store.models import Lead

        for i, lead_id in enumerate(ids):
            session.execute(update(Lead).where(Lead.id == lead_id)
                            .values(last_followup_at=NOW - timedelta(days=i)))
    li = store_for(db, "li")
    for descending in (False, True):
        rows = li.list_leads(LeadQuery(sort=column, descending=descending))
        assert [r.id for r in rows] == sorted(ids, reverse=descending), (column, descending)
    # the admin sees and sorts the real values
    boss = [r.id for r in store_for(db, "boss").list_leads(LeadQuery(sort=column, descending=False))]
    assert boss == sorted(ids, reverse=True)


# ----------------------------------------------------------------------------- export, calls, audit, detail


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_export_writes_only_the_allowed_fields_of_a_masked_lead(vis: Vis, tmp_path: Path) -> None:
    li = vis.store("li")
    fields = ["order_no", "contact", "mobile", "email", "message", "company", "tags", "status"]
    result = li.export_records(LeadQuery(screen="pool", pool_id=vis.closed), tmp_path / "l.csv", fields)
    assert result.rows == 1
    text = (tmp_path / "l.csv").read_text(encoding="utf-8-sig")
    assert vis.order_no in text and MASKED_CONTACT in text and not leaks(text)
    [row] = read_csv(tmp_path / "l.csv")
    assert [v for v in row.values() if v] == [vis.order_no, MASKED_CONTACT, "Pooled"]


def test_export_calls_leaves_out_a_masked_leads_calls(vis: Vis, tmp_path: Path) -> None:
    li = vis.store("li")
    result = li.export_calls([vis.secret], tmp_path / "c.csv")
    assert result.rows == 0 and not leaks((tmp_path / "c.csv").read_text(encoding="utf-8-sig"))
    assert vis.store("padmin").export_calls([vis.secret], tmp_path / "p.csv").rows == 1


def test_the_audit_trail_of_a_masked_lead_says_when_and_what_only(vis: Vis) -> None:
    li = vis.store("li")
    events = li.list_audit(vis.secret)
    assert [e.action for e in events] == ["return", "edit", "followup", "create"]
    assert not leaks(events)
    assert all(set(e.before) | set(e.after) <= {"status", "pool", "pool_id", "source"} for e in events)
    assert events[0].after["status"] == "pooled" and events[0].reason == "" and events[0].actor == ""
    with pytest.raises(Refused, match="leave out --user"):
        li.list_audit(vis.secret, login="wang")
    assert "secret reason" in str(vis.store("padmin").list_audit(vis.secret))


def test_the_detail_of_a_masked_lead(vis: Vis) -> None:
    detail = vis.store("li").lead_detail(vis.secret)
    assert detail.masked and detail.followups == () and not detail.may_followup and not detail.may_convert
    assert_masked_values(detail.row.values, vis.order_no)
    assert [e.action for e in detail.history] == ["create", "followup", "edit", "return"]
    assert not leaks(detail)
    with pytest.raises(NotFound):
        vis.store("li").lead_detail(424242)


# ----------------------------------------------------------------------------- who sees it whole


def test_everyone_else_sees_it_whole(vis: Vis, tmp_path: Path) -> None:
    """The pool's admin, an admin, a collaborator, and li once she claims it; and every
    member once the pool shows details."""

    def whole(login: str) -> None:
        store = vis.store(login)
        assert store.lead_detail(vis.secret).row.get("mobile") == "13811112222", login
        assert [r.id for r in store.list_leads(LeadQuery(text="13811112222"))] == [vis.secret], login
        assert "secret reason" in str(store.list_audit(vis.secret)), login
        assert store.export_calls([vis.secret], tmp_path / f"{login}.csv").rows == 1, login

    whole("padmin")
    whole("boss")
    with vis.db.write() as session:
        session.execute(insert(LeadCollaborator), [{"lead_id": vis.secret, "user_id": vis.store("mgr").actor.id}])
    make_pool(vis.db, "Other", members=["mgr"])
    whole("mgr")  # a collaborator (not a member of Closed at all)
    vis.store("boss").set_pool("Closed", members_see_detail=True)
    whole("li")
    vis.store("boss").set_pool("Closed", members_see_detail=False)
    assert vis.store("li").lead_detail(vis.secret).masked
    assert vis.store("li").claim_leads([vis.secret]).done == (vis.secret,)
    whole("li")
    assert not vis.store("li").lead_detail(vis.secret).masked
    assert vis.store("wang").lead_detail(vis.secret).row.get("contact") == "Alice Cherry"  # assigned: not masked
