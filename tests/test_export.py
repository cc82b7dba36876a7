"""Export (SPEC 7): safe cells in xlsx and csv, the 2,000-row cap and its batches,
only what the user may see, call records, the command line."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from leadtui import cli, config
from leadtui.files.write import FORMULA_STARTS, MAX_CELL, write_table
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, Refused
from leadtui.store.exchange.export import EXPORT_LIMIT
from leadtui.store.leads.intake import add_lead, add_leads
from leadtui.store.records import CustomerQuery, LeadQuery
from tests.conftest import World
from tests.factories import NOW, make_pool, make_user, store_for

HOSTILE = [start + "1+1" for start in FORMULA_STARTS] + [
    "=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1)", "-2+3", "＝1+1", "+86 138 0013 8000", "plain 张伟"]


def read_xlsx(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    rows = []
    for row in sheet.iter_rows():
        for c in row:
            assert c.data_type != "f", (c.coordinate, c.value)
        rows.append([c.value for c in row])
    return rows


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel wants for UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def expected(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# ----------------------------------------------------------------------------- the file writer


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formulas_are_neutralised_in_both_formats(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"x.{fmt}"
    rows = [[i, value] for i, value in enumerate(HOSTILE)]
    written, cut = write_table(path, fmt, ["n", "=header"], rows, len(rows))
    assert (written, cut) == (len(HOSTILE), ())
    back = read_xlsx(path) if fmt == "xlsx" else read_csv(path)
    assert back[0] == ["n", "'=header"]
    for i, value in enumerate(HOSTILE):
        want = expected(value)
        # XML reads a bare carriage return back as a line feed, unless the writer escapes
        # it (openpyxl does through lxml)
        assert back[i + 1][1] in ((want, want.replace("\r", "\n")) if fmt == "xlsx" else (want,))
        assert str(back[i + 1][1]).startswith("'") == value.startswith(FORMULA_STARTS)
    # each of the ten starting characters, full-width included, got its quote
    assert sum(str(r[1]).startswith("'") for r in back[1:]) >= len(FORMULA_STARTS)
    assert not list(tmp_path.glob(".*part"))  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_forbidden_characters_dropped_long_values_cut_dates_kept(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"x.{fmt}"
    when = datetime(2026, 11, 22, 9, 30)
    rows = [["a\x00b\x07c\x1bd", when, 5], ["x" * (MAX_CELL + 10), None, None], ["中文\t留言", when, 0]]
    written, cut = write_table(path, fmt, ["text", "date", "n"], rows, 3)
    assert written == 3 and cut == (2,)
    back = read_xlsx(path) if fmt == "xlsx" else read_csv(path)
    assert back[1][0] == "abcd"
    assert len(back[2][0]) == MAX_CELL
    assert back[3][0] == "中文\t留言"
    if fmt == "xlsx":
        assert back[1][1] == when and back[1][2] == 5
    else:
        assert back[1][1] == "2026-11-22 09:30:00" and back[1][2] == "5"


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"

    def rows():  # noqa: ANN202
        yield ["one"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_table(path, "csv", ["a"], rows(), 2)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the store


def seed(db: Database, n: int, **fields: object) -> int:
    """`n` leads in one pool, submitted a minute apart (lead i at NOW - i minutes)."""
    make_user(db, "boss", "admin")
    pool = make_pool(db, "Big")
    with db.write() as session:  # in bulk: one add_lead per row took a minute on PostgreSQL
        add_leads(session, [{"contact": f"c{i}", "mobile": f"138{i:08d}", **fields,
                             "submitted_at": NOW - timedelta(minutes=i)} for i in range(n)], pool_id=pool)
    return pool


def test_more_than_2000_rows_need_a_batch_and_the_batches_hold_every_row_once(db: Database, tmp_path: Path) -> None:
    seed(db, EXPORT_LIMIT + 1)
    boss = store_for(db, "boss")
    query = LeadQuery(screen="all")
    with pytest.raises(Refused) as refused:
        boss.export_records(query, tmp_path / "all.csv", ["id", "contact"])
    assert "2,001" in str(refused.value) and "2 batches" in str(refused.value)
    assert not (tmp_path / "all.csv").exists()
    first = boss.export_records(query, tmp_path / "b1.csv", ["id", "contact"], batch=1)
    second = boss.export_records(query, tmp_path / "b2.xlsx", ["id", "contact"], batch=2)
    assert (first.rows, second.rows, first.batches, first.total) == (2000, 1, 2, 2001)
    ids_1 = [int(r[0]) for r in read_csv(tmp_path / "b1.csv")[1:]]
    ids_2 = [r[0] for r in read_xlsx(tmp_path / "b2.xlsx")[1:]]
    in_order = boss.list_leads(query, 0, 3000)
    assert ids_1 + ids_2 == [r.id for r in in_order]  # the screen's order, nothing lost or doubled
    assert read_csv(tmp_path / "b1.csv")[1][1] == "c0" and read_xlsx(tmp_path / "b2.xlsx")[1][1] == "c2000"
    with pytest.raises(Invalid):
        boss.export_records(query, tmp_path / "b3.csv", batch=3)
    # 2,001 marked rows: the same batches (the ids go into the SQL, past SQLite's parameter limit)
    marked = boss.export_records(query, tmp_path / "m2.csv", ["id"], batch=2, ids=[r.id for r in in_order])
    assert (marked.rows, marked.total) == (1, 2001)
    assert int(read_csv(tmp_path / "m2.csv")[1][0]) == in_order[-1].id


def test_hostile_lead_values_survive_as_text(db: Database, tmp_path: Path) -> None:
    make_user(db, "boss", "admin")
    pool = make_pool(db, "P")
    with db.write() as session:
        for value in HOSTILE:
            add_lead(session, {"contact": value, "company": "[@click=app.quit]x"}, pool_id=pool)
    boss = store_for(db, "boss")
    for fmt in ("xlsx", "csv"):
        result = boss.export_records(LeadQuery(screen="all", sort="contact", descending=False),
                                     tmp_path / f"h.{fmt}", ["contact", "company", "submitted_at"])
        back = read_xlsx(tmp_path / "h.xlsx") if fmt == "xlsx" else read_csv(tmp_path / "h.csv")
        assert result.rows == len(HOSTILE)
        assert back[0] == ["Contact", "Company", "Submitted"]
        stored = [r.get("contact") for r in boss.list_leads(LeadQuery(screen="all"), 0, 100)]  # intake trims
        assert sorted(r[0] for r in back[1:]) == sorted(expected(str(v)) for v in stored)
        assert {"'=1+1", "'＝1+1", "'@SUM(A1)", "'-2+3", "'＋1+1"} <= {r[0] for r in back[1:]}
        assert {r[1] for r in back[1:]} == {"[@click=app.quit]x"}
        if fmt == "xlsx":
            assert all(isinstance(r[2], datetime) for r in back[1:])


def test_a_sales_user_exports_only_what_she_sees(world: World, tmp_path: Path) -> None:
    zhao = world.store("zhao")
    hidden = world.leads["n_li"]  # North: zhao is no member
    mine = world.leads["s_zhao"]
    result = zhao.export_records(LeadQuery(screen="all"), tmp_path / "z.csv", ["id", "contact"], ids=[hidden, mine])
    assert result.rows == 1
    assert [r[1] for r in read_csv(tmp_path / "z.csv")[1:]] == ["Frank South"]
    with pytest.raises(Invalid):  # its call records neither
        zhao.export_calls([hidden], tmp_path / "calls.csv")
    assert not (tmp_path / "calls.csv").exists()
    # everything she sees: s_pooled and s_zhao only
    everything = zhao.export_records(LeadQuery(screen="all"), tmp_path / "all.xlsx", ["contact"])
    assert sorted(r[0] for r in read_xlsx(tmp_path / "all.xlsx")[1:]) == ["Erin South", "Frank South"]
    assert everything.rows == 2


def test_marked_rows_keep_the_screen_order_and_ignore_the_search(world: World, tmp_path: Path) -> None:
    boss = world.store("boss")
    ids = [world.leads[k] for k in ("n_pooled", "n_li", "s_zhao")]
    query = LeadQuery(screen="all", text="nobody matches this", sort="contact", descending=False)
    result = boss.export_records(query, tmp_path / "m.csv", ["contact"], ids=ids)
    assert [r[0] for r in read_csv(tmp_path / "m.csv")[1:]] == ["Alice North", "Bob North", "Frank South"]
    assert result.rows == 3
    with pytest.raises(Invalid):
        boss.export_records(query, tmp_path / "none.csv", ids=[])


def test_customers_export_and_call_records(world: World, tmp_path: Path) -> None:
    li = world.store("li")
    li.add_followup(world.leads["n_li"], "call", "=cmd|' /C calc'!A0", duration_s=60, outcome="interested")
    li.add_followup(world.leads["n_li"], "note", "not a call")
    result = li.export_calls([world.leads["n_li"], world.leads["s_zhao"]], tmp_path / "calls.xlsx")
    rows = read_xlsx(tmp_path / "calls.xlsx")
    assert result.rows == 1
    assert rows[0][:3] == ["Order no", "Contact", "When"]
    assert rows[1][1] == "Bob North" and rows[1][-1] == "'=cmd|' /C calc'!A0" and rows[1][4] == 60
    mine = world.store("wang").export_records(CustomerQuery(scope="mine"), tmp_path / "c.csv", ["name", "kind"])
    assert mine.rows == 1 and read_csv(tmp_path / "c.csv")[0] == ["Name", "Kind"]


def test_bad_names_and_fields_are_refused(world: World, tmp_path: Path) -> None:
    boss = world.store("boss")
    with pytest.raises(Invalid):
        boss.export_records(LeadQuery(), tmp_path / "x.pdf")
    with pytest.raises(Invalid):
        boss.export_records(LeadQuery(), tmp_path / "no" / "x.csv")
    with pytest.raises(Invalid):
        boss.export_records(LeadQuery(), tmp_path / "x.csv", ["contact", "password"])


def test_headers_follow_the_console_language(world: World, tmp_path: Path) -> None:
    from leadtui import i18n

    i18n.set_language("zh")
    world.store("boss").export_records(LeadQuery(), tmp_path / "zh.csv", ["order_no", "contact", "mobile"])
    assert read_csv(tmp_path / "zh.csv")[0] == ["单号", "联系人", "手机"]


# ----------------------------------------------------------------------------- the command line

runner = CliRunner()


def test_cli_round_trip_and_refusal(sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    seed(sqlite_db, EXPORT_LIMIT + 1, company="=1+2")
    url = sqlite_db.url
    out = tmp_path / "leads.xlsx"
    result = runner.invoke(cli.app, ["export", "--db", url, "--out", str(out), "--fields", "order_no,company"])
    assert result.exit_code == 1 and "2 batches" in result.stderr and not out.exists()
    result = runner.invoke(cli.app, ["export", "--db", url, "--out", str(out), "--fields", "order_no,company",
                                     "--batch", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["rows"], report["batch"], report["batches"], report["total"]) == (1, 2, 2, 2001)
    assert read_xlsx(out)[1][1] == "'=1+2"
    csv_out = tmp_path / "q.csv"
    result = runner.invoke(cli.app, ["export", "--db", url, "--out", str(csv_out), "--query", "c1999",
                                     "--screen", "pool", "--pool", "Big"])
    assert result.exit_code == 0, result.output
    assert "Exported 1 row(s)" in result.stdout
    assert read_csv(csv_out)[1][1] == "c1999"
    result = runner.invoke(cli.app, ["export", "--db", url, "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
    result = runner.invoke(cli.app, ["export", "--db", url, "--out", str(out), "--calls"])
    assert result.exit_code == 2
