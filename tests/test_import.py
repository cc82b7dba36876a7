"""Import and intake (SPEC 7, issue 7): every kind of bad row lands in the rejects
file with its reason, the counts add up, a dry run changes nothing, a file that is
no table is refused whole, duplicates are skipped or merged, who may import where,
JSON lines with their line numbers, the command line and the sample files."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadtui import cli, config, i18n
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.exchange.lead_import import header_key, map_columns, mobile_of
from leadtui.store.leads import intake
from leadtui.store.models import AuditEvent, Counter, Lead
from tests.conftest import World
from tests.factories import NOW, count_rows, make_lead, make_pool, make_user, store_for

DATA = Path(__file__).resolve().parent.parent / "data"


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def read_rows(path: Path) -> list[list[object]]:
    if path.suffix == ".xlsx":
        return [list(r) for r in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def leads_by_contact(db: Database) -> dict[str, Lead]:
    with db.read() as session:
        return {lead.contact: lead for lead in session.scalars(select(Lead))}


HEADER = ["Contact", "Mobile", "E-mail", "company name", "Submitted", "Source", "Notes"]
BAD_ROWS = [  # (row, the words its reason must hold)
    (["Short", "1380013800", "", "", "", "", ""], "mobile 1380013800 is not a mainland mobile"),
    (["Landline", "02188886666", "", "", "", "", ""], "is not a mainland mobile"),
    (["Abroad", "+1 415 555 0100", "", "", "", "", ""], "is not a mainland mobile"),
    (["No at", "", "nobody.example.com", "", "", "", ""], "is not an email address"),
    (["Two at", "", "a@b@example.com", "", "", "", ""], "is not an email address"),
    (["No dot", "", "someone@example", "", "", "", ""], "is not an email address"),
    (["", "", "", "", "", "", "only a note"], "no contact, mobile, email or company"),
    (["Bad date", "13900000009", "", "", "2026-02-30", "", ""], "submit date 2026-02-30 is not a date"),
    (["Odd source", "13900000010", "", "", "", "billboard", ""], "source billboard is unknown"),
    (["名" * 101, "13900000011", "", "", "", "", ""], "Contact is longer than 100 characters"),
    (["Again", "139 0000 0001", "", "", "", "", ""], "the same mobile as row 2 of this file"),
    (["Again mail", "", "FIRST@example.com", "", "", "", ""], "the same email as row 2 of this file"),
    (["Stray", "13900000014", "", "", "", "", "", "beyond"], "1 value(s) right of the last column"),
]
GOOD_ROWS = [
    ["First", "+86 139-0000-0001", "first@example.com", "星辰科技", "2026-11-20 10:00", "在线预订", "VIP"],
    ["全角", "13900000002".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}), "", "", "2026/11/21",
     "Booking", ""],  # full-width digits
    ["=HYPERLINK(\"x\")", "", "formula@example.com", "", "", "", ""],
]


@pytest.fixture
def boss(db: Database):  # noqa: ANN201
    make_user(db, "boss", "admin")
    make_pool(db, "Main", is_default=True)
    return store_for(db, "boss")


def test_each_kind_of_bad_row_lands_in_the_rejects_file_with_its_reason(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    path = write_csv(tmp_path / "leads.csv", [HEADER, GOOD_ROWS[0], *[r for r, _ in BAD_ROWS], *GOOD_ROWS[1:]])
    result = boss.import_leads(path)
    assert (result.read, result.imported, result.merged, result.skipped, result.rejected) == \
        (len(BAD_ROWS) + 3, 3, 0, 0, len(BAD_ROWS))
    assert result.read == result.imported + result.merged + result.skipped + result.rejected
    assert result.unknown_columns == ("Notes",)
    assert result.columns == ("contact", "mobile", "email", "company", "submitted_at", "source")
    rejects = Path(result.rejects_path or "")
    assert rejects == tmp_path / "leads.rejects.csv" and (rejects.stat().st_mode & 0o777) == 0o600
    back = read_rows(rejects)
    assert back[0] == [*HEADER, "", "reason"]  # a blank header above the stray value
    for (row, words), got in zip(BAD_ROWS, back[1:], strict=True):
        reason = got[-1]
        assert len(got) == len(back[0])  # the reason in its column, also after a stray value
        assert got[:len(row)] == [("'" + c if c.startswith("+") else c) for c in row], reason  # as read
        assert words in reason and reason.startswith("row "), reason
    assert [p.row for p in result.problems] == list(range(3, 3 + len(BAD_ROWS)))
    # the good ones went in, normalised
    leads = leads_by_contact(db)
    assert leads["First"].mobile == "13900000001" and leads["First"].source == "booking"
    assert leads["First"].submitted_at == datetime(2026, 11, 20, 10, 0) and leads["First"].company == "星辰科技"
    assert leads["全角"].mobile == "13900000002" and leads["全角"].submitted_at == datetime(2026, 11, 21)
    assert leads["=HYPERLINK(\"x\")"].source == "intent" and leads["=HYPERLINK(\"x\")"].submitted_at == NOW
    assert "13900000001" in leads["First"].search_text
    # a fixed rejects file imports cleanly: its reason column is no unknown column
    fixed = write_csv(tmp_path / "fixed.csv", [back[0], ["Fixed", "13900000099", "", "", "", "", "", "", "row 3: …"]])
    again = boss.import_leads(fixed)
    assert (again.imported, again.unknown_columns) == (1, ("Notes",))


def test_valid_rows_go_in_with_audit_events_and_auto_assign_rules(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    make_user(db, "li", "sales")
    make_user(db, "wang", "sales")
    east = make_pool(db, "East", members=["li", "wang"], protect_days=7)
    boss.add_rule("East", [["address", "contains", "上海"]], ["li", "wang"])
    existing = make_lead(db, east, contact="Old", mobile="139 0000 0005", email="old@example.com")
    rows = [["联系人", "手机", "邮箱", "详细地址"]] + [[f"客户{i}", f"1390000010{i}", "", "上海市浦东新区" if i < 4 else "北京"]
                                                  for i in range(6)]
    rows.append(["Repeat", "+86 13900000005", "", ""])  # the existing lead's mobile, as typed otherwise
    result = boss.import_leads(write_xlsx(tmp_path / "zh.xlsx", rows), pool="East")
    assert (result.read, result.imported, result.skipped, result.rejected, result.auto_assigned) == (7, 6, 1, 0, 4)
    assert result.problems[0].outcome == "skipped" and "has the same mobile" in result.problems[0].reason
    assert read_rows(Path(result.rejects_path or ""))[1][0] == "Repeat"
    leads = leads_by_contact(db)
    owners = [leads[f"客户{i}"].owner_id for i in range(4)]
    assert len(set(owners)) == 2 and None not in owners  # round-robin over li and wang
    assert leads["客户4"].status == "pooled" and leads["客户0"].protect_until is not None
    with db.read() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.reason, AuditEvent.batch_id)
                                 .where(AuditEvent.entity == "lead", AuditEvent.entity_id != existing)).all()
    assert sorted(e.action for e in events) == ["auto_assign"] * 4 + ["create"] * 6
    assert {e.reason for e in events if e.action == "create"} == {"import of zh.xlsx"}
    assert len({e.batch_id for e in events}) == 1


def test_a_dry_run_changes_nothing(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    tmp_path = tmp_path / "files"  # apart from the SQLite file
    tmp_path.mkdir()
    path = write_csv(tmp_path / "leads.csv", [HEADER, *GOOD_ROWS, BAD_ROWS[0][0]])
    before = (count_rows(db, Lead), count_rows(db, AuditEvent), count_rows(db, Counter))
    result = boss.import_leads(path, dry_run=True, on_duplicate="merge")
    assert (result.dry_run, result.read, result.imported, result.rejected) == (True, 4, 3, 1)
    assert "would import 3" in result.summary()
    assert (count_rows(db, Lead), count_rows(db, AuditEvent), count_rows(db, Counter)) == before
    assert result.rejects_path is None and sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"]
    named = boss.import_leads(path, dry_run=True, rejects=tmp_path / "out.xlsx")  # asked for: written
    assert named.rejects_path == str(tmp_path / "out.xlsx") and count_rows(db, Lead) == before[0]


def test_merge_fills_empty_fields_and_skip_leaves_the_lead(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    lead = make_lead(db, None, contact="Zhang", mobile="13800138000", company="")
    rows = [["contact", "mobile", "company", "job_title"], ["Zhang Wei", "138-0013-8000", "星辰科技", "经理"]]
    path = write_csv(tmp_path / "m.csv", rows)
    skipped = boss.import_leads(path)
    assert (skipped.skipped, skipped.imported) == (1, 0)
    merged = boss.import_leads(path, on_duplicate="merge")
    assert (merged.merged, merged.imported, merged.skipped, merged.rejected) == (1, 0, 0, 0)
    stored = leads_by_contact(db)["Zhang"]  # the contact it had is kept; empty fields filled
    assert (stored.id, stored.company, stored.job_title) == (lead, "星辰科技", "经理")
    assert "星辰科技" in stored.search_text
    with db.read() as session:
        edit = session.scalars(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    assert json.loads(edit.after) == {"company": "星辰科技", "job_title": "经理"}
    assert count_rows(db, Lead) == 1


RANDOM = os.urandom(4096)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("random.xlsx", RANDOM, "cannot be read as an xlsx workbook"),
    ("text.xlsx", b"contact,mobile\nA,13800138000\n", "cannot be read as an xlsx workbook"),
    ("truncated.xlsx", None, "cannot be read as an xlsx workbook"),
    ("random.csv", b"\x00" + RANDOM, "is not a text file"),
    ("latin1.csv", "contact,company\nJosé,Caf\xe9 \xff\n".encode("latin-1"), "neither UTF-8 nor GB18030"),
    ("empty.csv", b"", "is empty"),
    ("blank.csv", b"\n,,\n\n", "is empty"),
    ("header.csv", b"contact,mobile\n", "has a header row but no rows"),
    ("quote.csv", b'contact,mobile\n"cut off,138', "cannot be read as csv"),
    ("columns.csv", b"name of it,what\nA,B\n", "has no column of a lead field"),
    ("leads.txt", b"contact\nA\n", "Import a file ending in .xlsx or .csv"),
])
def test_a_file_that_is_no_table_is_refused_whole(sqlite_db: Database, tmp_path: Path, name: str,
                                                  content: bytes | None, words: str) -> None:
    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    tmp_path = tmp_path / "files"  # apart from the SQLite file
    tmp_path.mkdir()
    path = tmp_path / name
    if content is None:  # a real workbook, cut in half
        write_xlsx(tmp_path / "whole.xlsx", [["contact"], ["A"]])
        data = (tmp_path / "whole.xlsx").read_bytes()
        content = data[: len(data) // 2]
        (tmp_path / "whole.xlsx").unlink()
    path.write_bytes(content)
    with pytest.raises(Invalid) as refused:
        boss.import_leads(path)
    assert words in str(refused.value)
    assert count_rows(sqlite_db, Lead) == 0 and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_gb18030_csv_and_headers_in_any_case_and_width(sqlite_db: Database, tmp_path: Path) -> None:
    make_user(sqlite_db, "boss", "admin")
    path = tmp_path / "gbk.csv"
    path.write_bytes("联系人 ,手机号码,ＥＭＡＩＬ,企业 名称,Job_Title\n张伟,13800138000,zw@example.com,星辰,经理\n"
                     .encode("gb18030"))
    result = store_for(sqlite_db, "boss").import_leads(path)
    assert result.imported == 1 and result.columns == ("contact", "mobile", "email", "company", "job_title")
    assert leads_by_contact(sqlite_db)["张伟"].company == "星辰"
    columns = map_columns(["Order No.", "ORDER_NO", "微信", "  ", "reason", "Fax*", "提交时间"])
    assert columns.found == ("order_no", "wechat", "fax", "submitted_at") and columns.unknown == ()
    assert columns.repeated == {"order_no": [(0, "Order No."), (1, "ORDER_NO")]}  # refused by the import
    assert header_key("Ｃｏｍｐａｎｙ Ｔｙｐｅ") == header_key("company_type")
    assert [mobile_of(v) for v in ("(+86) 138 0013 8000", "0086 13800138000", "8613800138000", "138.0013.8000")] \
        == ["13800138000"] * 4
    assert [mobile_of(v) for v in ("+44 13800138000", "138001380001", "2380013800", "138 0013 800x")] == [None] * 4


def test_who_may_import_into_which_pool(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", [["contact"], ["New One"]])
    with pytest.raises(Refused) as refused:  # a plain member of North
        world.store("li").import_leads(path, pool="North")
    assert "Only an admin or an admin of pool North" in str(refused.value)
    with pytest.raises(Refused):  # mgr administers North, not South
        world.store("mgr").import_leads(path, pool="South")
    with pytest.raises(Refused):  # no pool given: the default pool, which only admins may fill here
        world.store("wang").import_leads(path)
    with pytest.raises(Refused):  # a dry run is checked the same way
        world.store("li").ingest_leads(['{"contact": "x"}'], pool="North", dry_run=True)
    with pytest.raises(NotFound):
        world.store("boss").import_leads(path, pool="Nowhere")
    assert world.store("mgr").import_leads(path, pool="North").imported == 1
    assert world.store("wang").ingest_leads(['{"contact": "y"}'], pool="South").imported == 1
    assert world.store("boss").import_leads(path).pool == "Default"  # made on first use
    # a duplicate the importer sees but may not edit is skipped, naming the lead (wang is a member of North,
    # and sees li's lead there whole)
    make_lead(world.db, "North", owner="li", contact="Seen", mobile="13600000006")
    dup = write_csv(tmp_path / "d.csv", [["contact", "mobile"], ["Copy", "13600000006"]])
    result = world.store("wang").import_leads(dup, pool="South", on_duplicate="merge", dry_run=True)
    assert result.skipped == 1 and result.problems[0].reason.endswith("has the same mobile, and you may not change it")
    # one the importer may not see, or sees masked (North's pooled lead: members do not see its details),
    # is not theirs to learn of: the row goes in as a lead of its own (issue 13)
    make_lead(world.db, "South", contact="Hidden", mobile="13700000009")
    hidden = write_csv(tmp_path / "h.csv", [["contact", "mobile"], ["Copy", "137 0000 0009"]])
    result = world.store("mgr").import_leads(hidden, pool="North", on_duplicate="merge", dry_run=True)
    assert (result.imported, result.skipped, result.problems) == (1, 0, ())
    masked = write_csv(tmp_path / "m.csv", [["contact", "mobile"], ["Copy", "13800000001"]])
    result = world.store("wang").import_leads(masked, pool="South", dry_run=True)
    assert (result.imported, result.skipped, result.problems) == (1, 0, ())


def test_a_database_error_part_way_says_what_went_in(sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from leadtui.store.exchange import lead_import

    make_user(sqlite_db, "boss", "admin")
    monkeypatch.setattr(lead_import, "BATCH", 2)
    real = intake.add_leads
    calls = []

    def failing(session, rows, **kwargs):  # noqa: ANN001, ANN202
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk I/O error")
        return real(session, rows, **kwargs)

    monkeypatch.setattr(intake, "add_leads", failing)
    path = write_csv(tmp_path / "l.csv", [["contact"], *[[f"c{i}"] for i in range(5)]])
    result = store_for(sqlite_db, "boss").import_leads(path)
    assert result.error == "stopped at row 4: disk I/O error"
    assert (result.read, result.imported, result.rejected) == (5, 2, 3)
    assert sorted(leads_by_contact(sqlite_db)) == ["c0", "c1"]
    back = read_rows(tmp_path / "l.rejects.csv")
    assert [r[0] for r in back[1:]] == ["c2", "c3", "c4"] and "not imported: disk I/O error" in back[1][-1]


# ----------------------------------------------------------------------------- intake


def test_ingest_keeps_good_lines_and_reports_bad_ones_by_number(db: Database, boss) -> None:  # noqa: ANN001
    boss.add_rule("Main", [["source", "equals", "booking"]], ["boss"])
    lines = [
        '{"contact": "张伟", "mobile": "138 0013 8000", "source": "booking"}\n',
        "{not json\n",
        "\n",
        '["a", "list"]\n',
        '{"联系人": "Emma", "邮箱": "emma@example.com", "utm": "x"}\n',
        '{"contact": "Bad", "mobile": "12345"}\n',
        b'{"contact": "\xff"}\n',
        '{"contact": "Nested", "company": {"name": "x"}}\n',
        '{"contact": "Again", "mobile": "13800138000"}\n',  # a second inquiry: kept by default
    ]
    result = boss.ingest_leads(lines, source="signup")
    assert (result.read, result.imported, result.rejected, result.blank, result.unit) == (8, 3, 5, 1, "line")
    assert [(p.row, p.reason.split(":")[0]) for p in result.problems] == [
        (2, "not JSON"), (4, "not a JSON object with the lead's fields"),
        (6, "mobile 12345 is not a mainland mobile (11 digits starting with 1)"), (7, "not UTF-8 text"),
        (8, "company holds a list or an object, not a value")]
    assert result.unknown_columns == ("utm",) and result.auto_assigned == 1
    leads = leads_by_contact(db)
    assert leads["张伟"].source == "booking" and leads["张伟"].status == "assigned"
    assert leads["Emma"].source == "signup" and leads["Emma"].email == "emma@example.com"
    skip = boss.ingest_leads(['{"contact": "Third", "mobile": "+8613800138000"}'], on_duplicate="skip")
    assert (skip.imported, skip.skipped) == (0, 1)


# ----------------------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.fixture
def cli_db(sqlite_db: Database, monkeypatch) -> str:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    make_user(sqlite_db, "boss", "admin")
    return sqlite_db.url


def test_cli_import_exit_status_json_and_messages(cli_db: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leads.csv", [HEADER, GOOD_ROWS[0], BAD_ROWS[0][0]])
    result = runner.invoke(cli.app, ["import", str(path), "--db", cli_db, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would import 1" in result.stdout and "Dry run: nothing was changed" in result.stdout
    assert "row 3: mobile 1380013800 is not a mainland mobile" in result.stderr
    result = runner.invoke(cli.app, ["import", str(path), "--db", cli_db, "--json", "--rejects",
                                     str(tmp_path / "bad.xlsx")])
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and (report["imported"], report["rejected"]) == (1, 1)
    assert report["rejects_path"] == str(tmp_path / "bad.xlsx") and (tmp_path / "bad.xlsx").exists()
    only_bad = write_csv(tmp_path / "bad.csv", [HEADER, BAD_ROWS[3][0]])
    assert runner.invoke(cli.app, ["import", str(only_bad), "--db", cli_db]).exit_code == 1
    (tmp_path / "junk.xlsx").write_bytes(b"junk")
    result = runner.invoke(cli.app, ["import", str(tmp_path / "junk.xlsx"), "--db", cli_db])
    assert result.exit_code == 2 and "cannot be read as an xlsx workbook" in result.stderr
    result = runner.invoke(cli.app, ["import", str(path), "--db", cli_db, "--on-duplicate", "replace"])
    assert result.exit_code == 2 and "--on-duplicate is one of skip, merge" in result.stderr


def test_cli_ingest_from_standard_input_in_chinese(cli_db: str) -> None:
    lines = '{"contact": "李娜", "mobile": "139 1234 5678"}\nnope\n'
    i18n.set_language("zh")
    result = runner.invoke(cli.app, ["--lang", "zh", "ingest", "--db", cli_db, "--source", "在线询价"], input=lines)
    assert result.exit_code == 0, result.output
    assert "导入 1" in result.stdout and "第 2 行：不是 JSON" in result.stderr
    result = runner.invoke(cli.app, ["ingest", "--db", cli_db, "--json"], input="oops\n")
    assert result.exit_code == 1 and json.loads(result.stdout)["rejected"] == 1
    result = runner.invoke(cli.app, ["ingest", "--db", cli_db, "--dry-run"],
                           input='{"contact": "x", "mobile": "1\\u001b]0;owned\\u0007"}\n')
    assert "\x1b" not in result.stderr and "␛]0;owned" in result.stderr  # the terminal is not retitled


def test_the_sample_files_in_data(sqlite_db: Database, tmp_path: Path) -> None:
    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    counts = {name: boss.import_leads(DATA / name, dry_run=True).imported
              for name in ("leads-en.xlsx", "leads-en.csv", "leads-zh.xlsx")}
    assert counts == {"leads-en.xlsx": 40, "leads-en.csv": 40, "leads-zh.xlsx": 40}
    assert boss.import_leads(DATA / "leads-zh.xlsx", dry_run=True).columns[:4] == \
        ("contact", "mobile", "email", "company")
    boss.import_leads(DATA / "leads-en.xlsx", rejects=tmp_path / "en.rejects.csv")
    problems = boss.import_leads(DATA / "leads-problems.csv", dry_run=True)
    comments = {p.row: p.reason for p in problems.problems}
    assert (problems.imported, problems.skipped, problems.rejected) == (4, 1, 15)
    assert len(comments) == 16 and problems.unknown_columns == ("Comment",)
    intake_result = boss.ingest_leads((DATA / "leads-intake.jsonl").read_text(encoding="utf-8").splitlines(),
                                      dry_run=True)
    assert (intake_result.imported, intake_result.rejected) == (6, 2)
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 40


def test_add_leads_in_bulk_keeps_order_numbers_per_day_and_audits(db: Database) -> None:
    make_user(db, "boss", "admin")
    pool = make_pool(db, "Bulk")
    day1, day2 = datetime(2026, 11, 20, 8), datetime(2026, 11, 21, 8)
    rows = [{"contact": f"c{i}", "submitted_at": day1 if i % 2 else day2} for i in range(5)]
    rows.append({"contact": "given", "order_no": "X-1"})
    with db.write() as session:
        ids = intake.add_leads(session, rows, pool_id=pool, actor_id=None, reason="test")
        single = intake.add_lead(session, {"contact": "one"}, pool_id=pool, submitted_at=day1)
    with db.read() as session:
        got = {lead.id: lead for lead in session.scalars(select(Lead))}
        creates = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.entity == "lead"))
    assert [got[i].contact for i in ids] == ["c0", "c1", "c2", "c3", "c4", "given"]
    assert [got[i].order_no for i in ids] == ["L20261121-000001", "L20261120-000001", "L20261121-000002",
                                              "L20261120-000002", "L20261121-000003", "X-1"]
    assert got[single.id].order_no == "L20261120-000003" and creates == 7
    assert all(got[i].search_text and got[i].status == "pooled" for i in ids)
