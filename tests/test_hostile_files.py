"""Hostile files hurt nothing (issue 13, items 7-10): one bad line or row is rejected
alone; a crafted xlsx is refused before it can take the memory; every code point XML
forbids is dropped from xlsx files; a csv in an encoding we do not read, or with a
field given twice, is refused with a message saying what to do."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from leadtui.files.write import write_table, xml_text
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid
from leadtui.store.leads.intake import add_lead
from leadtui.store.models import Lead
from leadtui.store.records import LeadQuery
from tests.factories import count_rows, make_pool, make_user, store_for

XML_ILLEGAL = "\x01\x08\x0b\x0c\x1f\ufffe\uffff\ud800\udfff"


def leads_by_contact(db: Database) -> dict[str, Lead]:
    with db.read() as session:
        return {lead.contact: lead for lead in session.scalars(select(Lead))}


def calamine_rows(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture
def boss(db: Database):  # noqa: ANN201
    make_user(db, "boss", "admin")
    make_pool(db, "Main", is_default=True)
    return store_for(db, "boss")


# ----------------------------------------------------------------------------- 9: XML-illegal code points


def test_xml_text_drops_every_code_point_xml_forbids_and_keeps_the_rest() -> None:
    assert xml_text(f"a{XML_ILLEGAL}b") == "ab"
    kept = "\t\n\r \ud7ff\ue000\ufffd\U00010000\U0010ffff\U0001fffe张"
    assert xml_text(kept) == kept


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_table_with_xml_illegal_code_points_is_written_and_reads_back(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"t.{fmt}"
    write_table(path, fmt, ["contact\ufffe", "note"], [[f"x{XML_ILLEGAL}y", "\ud800lone"]], 1)
    if fmt == "xlsx":
        assert calamine_rows(path) == [["contact", "note"], ["xy", "lone"]]
    else:
        assert path.read_text(encoding="utf-8-sig").splitlines() == ["contact,note", "xy,lone"]


def test_leads_holding_nonchars_export_to_xlsx(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    with db.write() as session:
        add_lead(session, {"contact": "Ann\ufffe", "company": "Co\uffff", "message": "hi\x01there"})
    result = boss.export_records(LeadQuery(screen="all"), tmp_path / "e.xlsx", ["contact", "company", "message"])
    assert result.rows == 1
    assert calamine_rows(tmp_path / "e.xlsx")[1] == ["Ann", "Co", "hithere"]


def test_the_xlsx_rejects_file_takes_a_row_with_nonchars(db: Database, boss, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "in.csv").write_text("contact,mobile\nGood,13800138000\nBad\ufffe\uffff\x01,123\n", encoding="utf-8")
    result = boss.import_leads(tmp_path / "in.csv", rejects=tmp_path / "bad.xlsx")
    assert (result.imported, result.rejected) == (1, 1)
    back = calamine_rows(tmp_path / "bad.xlsx")
    assert back[1][:2] == ["Bad", "123"] and "mobile 123 is not a mainland mobile" in back[1][2]


# ----------------------------------------------------------------------------- 7: one bad line, one rejection


def test_a_lone_surrogate_or_deep_nesting_rejects_only_its_own_line(db: Database, boss) -> None:  # noqa: ANN001
    lines = [
        '{"contact": "First", "source": "intent"}\n',
        '{"contact": "\\ud800x", "source": "intent"}\n',
        "[" * 4096 + "\n",
        '{"contact": "Mob", "mobile": "\\udfff1"}\n',
        '{"\\ud83d": "key", "contact": "Odd key"}\n',
        b'{"contact": "Last", "company": "\\ud83d\\ude00 ok"}\n',  # a pair escaped is a character
    ]
    result = boss.ingest_leads(lines)
    assert (result.read, result.imported, result.rejected) == (6, 3, 3)
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons[2] == "Contact holds U+D800, half of a UTF-16 surrogate pair alone, which is no character"
    assert reasons[3] == "not JSON: nested too deeply"
    assert reasons[4].startswith("Mobile holds U+DFFF") and "mobile \ufffd1 is not a mainland mobile" in reasons[4]
    assert result.unknown_columns == ("\ufffd",)
    assert sorted(leads_by_contact(db)) == ["First", "Last", "Odd key"]
    assert leads_by_contact(db)["Last"].company == "\U0001f600 ok"


def test_generated_order_numbers_skip_stored_and_given_ones(db: Database, boss, tmp_path: Path,  # noqa: ANN001
                                                            monkeypatch) -> None:  # noqa: ANN001
    from leadtui.store.exchange import lead_import

    with db.write() as session:  # as if imported from another database: this one's counter is still at 0
        add_lead(session, {"contact": "Elsewhere", "order_no": "L20261122-000002"})
    lines = ['{"contact": "Gen1"}', '{"contact": "Given", "order_no": "L20261122-000001"}', '{"contact": "Gen2"}']
    result = boss.ingest_leads(lines)
    assert (result.imported, result.rejected) == (3, 0), result.problems
    numbers = {c: lead.order_no for c, lead in leads_by_contact(db).items()}
    assert numbers["Given"] == "L20261122-000001"
    assert {numbers["Gen1"], numbers["Gen2"]} == {"L20261122-000003", "L20261122-000004"}
    # an import in batches: a number given in a later batch is not made for an earlier one
    monkeypatch.setattr(lead_import, "BATCH", 2)
    rows = [["contact", "order_no"], ["A", ""], ["B", ""], ["C", "L20261122-000006"], ["D", "L20261122-000005"],
            ["Stored", "L20261122-000002"], ["Twice", "L20261122-000006"]]
    path = tmp_path / "o.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = boss.import_leads(path)
    assert (result.imported, result.skipped, result.rejected) == (4, 1, 1), result.problems
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons == {6: "skipped: lead L20261122-000002 has the same order number",
                       7: "the same order number as row 4 of this file"}
    numbers = {c: lead.order_no for c, lead in leads_by_contact(db).items()}
    assert (numbers["A"], numbers["B"]) == ("L20261122-000007", "L20261122-000008")
    with db.write() as session:  # the counter moved past them
        assert add_lead(session, {"contact": "Next"}).order_no == "L20261122-000009"


def test_generated_order_numbers_skip_lower_case_ones_and_keep_four_digit_years(db: Database, boss) -> None:  # noqa: ANN001
    result = boss.ingest_leads(['{"contact": "Lower", "order_no": "l20261122-000001"}', '{"contact": "Gen"}',
                                '{"contact": "Old", "submitted_at": "0001-01-01"}'])
    assert (result.imported, result.rejected) == (3, 0), result.problems
    numbers = {c: lead.order_no for c, lead in leads_by_contact(db).items()}
    assert numbers["Gen"] == "L20261122-000002"  # not L20261122-000001, which reads the same
    assert numbers["Old"] == "L00010101-000001"


# ----------------------------------------------------------------------------- 8: crafted xlsx, huge csv

_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
          '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main'
          '+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/{kind}" Target="{target}"/>{more}</Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_SHARED_REL = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'sharedStrings" Target="sharedStrings.xml"/>')
GOOD_CELLS = '<row r="1"><c r="A1" t="inlineStr"><is><t>contact</t></is></c></row>' \
             '<row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c></row>'


def crafted_xlsx(path: Path, cells: str, dimension: str | None = None, shared: str | None = None) -> Path:
    """A workbook of one sheet holding `cells` (the XML inside sheetData) as written."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main">{dim}<sheetData>{cells}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS.format(kind="officeDocument", target="xl/workbook.xml", more=""))
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS.format(
            kind="worksheet", target="worksheets/sheet1.xml", more=_SHARED_REL if shared is not None else ""))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://'
                             f'schemas.openxmlformats.org/spreadsheetml/2006/main">{shared}</sst>')
    return path


def refused(store, path: Path, db: Database) -> str:  # noqa: ANN001
    with pytest.raises(Invalid) as caught:
        store.import_leads(path)
    assert count_rows(db, Lead) == 0
    message = str(caught.value)
    assert message.startswith(f"{path.name} is past what an import reads: ") and \
        message.endswith("; nothing was imported"), message
    return message


def test_a_crafted_workbook_is_refused_before_calamine_reads_it(sqlite_db: Database, tmp_path: Path) -> None:
    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    assert boss.import_leads(crafted_xlsx(tmp_path / "ok.xlsx", GOOD_CELLS, "A1:A2"), dry_run=True).imported == 1
    # a declared dimension the size of the whole grid
    message = refused(boss, crafted_xlsx(tmp_path / "dim.xlsx", GOOD_CELLS, "A1:XFD1048576"), sqlite_db)
    assert "sheet xl/worksheets/sheet1.xml declares 1,048,576 rows x 16,384 columns, where the limit is 200,000 " \
           "rows" in message
    # ...also when ref is not its first attribute
    path = crafted_xlsx(tmp_path / "dim2.xlsx", GOOD_CELLS, "A1:XFD1048576")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<dimension ref=', b'<dimension xmlns:foo="x" ref=')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert "declares 1,048,576 rows" in refused(boss, path, sqlite_db)
    # no dimension, or a lying one: one cell far away made calamine abort the process
    far = GOOD_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    for name, dimension in (("nodim.xlsx", None), ("liar.xlsx", "A1:A2")):
        message = refused(boss, crafted_xlsx(tmp_path / name, far, dimension), sqlite_db)
        assert "has cells in 1,048,576 rows x 16,384 columns" in message
    # cells that do not say where they are follow each other: 300 of them run past column GR
    message = refused(boss, crafted_xlsx(tmp_path / "wide.xlsx", "<row>" + "<c><v>1</v></c>" * 300 + "</row>"),
                      sqlite_db)
    assert "has cells in 1 rows x 201 columns, where the limit is 200 columns" in message  # it stops there
    # 5,000 rows x 1,000 columns is within neither
    message = refused(boss, crafted_xlsx(tmp_path / "rect.xlsx", GOOD_CELLS + '<row r="5000"><c r="ALL5000">'
                                         '<v>1</v></c></row>'), sqlite_db)
    assert "5,000 rows x 1,000 columns" in message
    # 20,000 cells naming one 32,000-character shared string: 640 MB in calamine
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{0 if r > 1 else 1}</v></c></row>' for r in range(1, 20_001))
    message = refused(boss, crafted_xlsx(tmp_path / "shared.xlsx", cells, shared=f"<si><t>{'x' * 32_000}</t></si>"
                                         "<si><t>contact</t></si>"), sqlite_db)
    assert "take 611 MB of text from its shared strings, where the limit is 200 MB" in message


def test_a_zip_bomb_is_refused_by_its_sizes(sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from leadtui.files import read as import_read

    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    rows = f'<row><c t="inlineStr"><is><t>{"x" * 100}</t></is></c></row>' * 60_000  # 8 MB packing into 10 KB
    bomb = crafted_xlsx(tmp_path / "bomb.xlsx", GOOD_CELLS + rows)
    assert bomb.stat().st_size < 100_000
    message = refused(boss, bomb, sqlite_db)
    assert "part xl/worksheets/sheet1.xml unpacks to" in message and "times its packed size, where the limit " \
           "is 100" in message
    # sizes the archive lies about count as what comes out
    monkeypatch.setattr(import_read, "MAX_RATIO", 10_000)
    monkeypatch.setattr(import_read, "MAX_PART_MB", 4)
    data = bytearray(bomb.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = max(i for i in _all(data, signature) if data.find(name, i) == i + (30 if size_at == 22 else 46))
        data[at + size_at:at + size_at + 4] = (1000).to_bytes(4, "little")
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    assert zipfile.ZipFile(liar).getinfo(name.decode()).file_size == 1000
    message = refused(boss, liar, sqlite_db)
    assert "part xl/worksheets/sheet1.xml unpacks to" in message and "MB, where the limit is 4 MB" in message


def _all(data: bytes | bytearray, what: bytes) -> list[int]:
    found, at = [], data.find(what)
    while at >= 0:
        found.append(at)
        at = data.find(what, at + 1)
    return found


def test_a_huge_csv_or_field_is_refused_with_a_message(sqlite_db: Database, tmp_path: Path) -> None:
    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    long_field = tmp_path / "field.csv"
    long_field.write_text("contact,message\nAnn,short\nBob," + "x" * 200_000 + "\n", encoding="utf-8")
    message = refused(boss, long_field, sqlite_db)
    assert "line 3 holds a value longer than 131,072 characters" in message
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as fh:
        fh.write(b"contact\nAnn\n")
        fh.truncate(101 * 2**20)  # sparse: no disk, no memory
    assert "it is 101 MB, where the limit is 100 MB" in refused(boss, huge, sqlite_db)
    many = tmp_path / "many.csv"
    many.write_text("contact\n" + "x\n" * 200_001, encoding="utf-8")
    assert "it has more than 200,000 rows or 3,500,000 values" in refused(boss, many, sqlite_db)


def test_the_command_line_refuses_a_crafted_workbook_with_status_2(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    env = {**os.environ, "LEADTUI_LANG": "en"}
    leadtui = [sys.executable, "-m", "leadtui"]
    subprocess.run([*leadtui, "init", "--db", str(database)], check=True, capture_output=True, env=env)
    path = crafted_xlsx(tmp_path / "dim.xlsx", GOOD_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                       "A1:XFD1048576")
    done = subprocess.run([*leadtui, "--db", str(database), "import", str(path)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "dim.xlsx is past what an import reads" in done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- 10: encodings, repeated headers

NAMES = {  # encoding: (text, what the leads' contacts are)
    "shift_jis": ("contact,mobile,company\n山田太郎,13800138000,株式会社テスト\n佐藤花子,13900139000,東京商事\n",
                  ["山田太郎", "佐藤花子"]),
    "big5": ("contact,mobile,company\n陳大文,13800138000,臺灣科技股份有限公司\n林美麗,13900139000,台北貿易\n",
             ["陳大文", "林美麗"]),
    # EUC-KR and EUC-JP bytes are valid GB2312 as well: once read as mojibake (김철수 as 辫枚荐)
    "euc_kr": ("contact,mobile\n김철수,13800004113\n이영희,13800004114\n", ["김철수", "이영희"]),
    "euc_jp": ("contact,mobile,company\n山田太郎,13800000001,株式会社テスト\n鈴木花子,13800000002,東京物産\n",
               ["山田太郎", "鈴木花子"]),
}
LOOKS_LIKE = {"shift_jis": {"cp932", "shift_jis"}, "big5": {"big5", "big5hkscs"}, "euc_kr": {"euc_kr", "cp949"},
              "euc_jp": {"euc_jp", "euc_jis_2004", "euc_jisx0213"}}


@pytest.mark.parametrize("encoding", ["shift_jis", "big5", "euc_kr", "euc_jp"])
def test_shift_jis_and_big5_are_refused_naming_encoding_and_read_with_it(db: Database, boss, tmp_path: Path,  # noqa: ANN001
                                                                         encoding: str) -> None:
    text, contacts = NAMES[encoding]
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(Invalid) as caught:
        boss.import_leads(path)
    message = str(caught.value)
    assert message.startswith(f"{path.name} is neither UTF-8 nor GB18030 (GBK) text") and "--encoding" in message
    guess = message.split("it looks like ")[1].split(":")[0]
    assert codecs.lookup(guess).name in LOOKS_LIKE[encoding], message
    assert count_rows(db, Lead) == 0
    result = boss.import_leads(path, encoding=encoding)
    assert result.imported == 2 and sorted(leads_by_contact(db)) == sorted(contacts)


@pytest.mark.parametrize(("name", "data", "contacts"), [
    ("gbk.csv", "联系人,手机\n张伟,13800138000\n李娜,13900139000\n".encode("gbk"), ["张伟", "李娜"]),
    ("names.csv", "contact,mobile\n王芳,13800138001\n刘洋,13800138002\n".encode("gbk"), ["刘洋", "王芳"]),
    ("rare.csv", "联系人,公司\n张喆,北京星辰科技\n王堃,上海\n李娜,广州\n".encode("gbk"),  # GBK beyond GB2312
     ["张喆", "李娜", "王堃"]),
    ("bom.csv", "\ufeffcontact,company\n山田,株式会社\n陳大文,臺灣\n".encode(), ["山田", "陳大文"]),
    ("plain.csv", "contact\nJosé\n".encode(), ["José"]),
])
def test_utf8_and_gbk_csv_are_read_as_before(sqlite_db: Database, tmp_path: Path, name: str, data: bytes,
                                             contacts: list[str]) -> None:
    make_user(sqlite_db, "boss", "admin")
    (tmp_path / name).write_bytes(data)
    assert store_for(sqlite_db, "boss").import_leads(tmp_path / name).imported == len(contacts)
    assert sorted(leads_by_contact(sqlite_db)) == sorted(contacts)


def test_an_encoding_given_is_used_strictly(sqlite_db: Database, tmp_path: Path) -> None:
    make_user(sqlite_db, "boss", "admin")
    boss = store_for(sqlite_db, "boss")
    path = tmp_path / "l.csv"
    path.write_bytes("contact\n张伟\n".encode("gb18030") + b"\xff\xfe\n")
    with pytest.raises(Invalid) as caught:
        boss.import_leads(path, encoding="utf-8")
    assert str(caught.value).startswith("l.csv is not utf-8 text: line 2 holds bytes that are not (invalid")
    path.write_bytes("contact\n张喆\n王堃\n".encode("gbk"))  # two rare names: not clearly GBK
    with pytest.raises(Invalid) as caught:
        boss.import_leads(path)
    assert "(if it is GBK after all, --encoding gb18030)" in str(caught.value)
    assert boss.import_leads(path, encoding="gb18030").imported == 2
    for name in ("klingon", "base64"):
        with pytest.raises(Invalid) as caught:
            boss.import_leads(path, encoding=name)
        assert str(caught.value) == f"Unknown encoding {name}: give one such as utf-8, gb18030, shift_jis or big5"
    path.write_bytes("\ufeffcontact\nAnn\n".encode())
    assert boss.import_leads(path, encoding="UTF-8").columns == ("contact",)  # the BOM is no header


def test_the_command_line_takes_encoding(sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from leadtui import cli, config

    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    make_user(sqlite_db, "boss", "admin")
    path = tmp_path / "sjis.csv"
    path.write_bytes(NAMES["shift_jis"][0].encode("shift_jis"))
    runner = CliRunner()
    assert "--encoding" in runner.invoke(cli.app, ["import", "--help"]).stdout
    result = runner.invoke(cli.app, ["import", str(path), "--db", sqlite_db.url])
    assert result.exit_code == 2 and "run again with --encoding" in result.stderr
    result = runner.invoke(cli.app, ["import", str(path), "--db", sqlite_db.url, "--encoding", "shift_jis"])
    assert result.exit_code == 0 and "imported 2" in result.stdout, result.output
    result = runner.invoke(cli.app, ["import", str(path), "--db", sqlite_db.url, "--encoding", "nope"])
    assert result.exit_code == 2 and "Unknown encoding nope" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_field_given_by_two_columns_is_refused_naming_them(sqlite_db: Database, tmp_path: Path, fmt: str) -> None:
    make_user(sqlite_db, "boss", "admin")
    rows = [["mobile", "contact", "手机", "E-mail", "邮箱", "Mail"], ["13800138000", "Ann", "13900139000", "", "", ""]]
    path = tmp_path / f"twice.{fmt}"
    write_table(path, fmt, rows[0], rows[1:], 1)
    with pytest.raises(Invalid) as caught:
        store_for(sqlite_db, "boss").import_leads(path)
    assert str(caught.value) == (
        f"twice.{fmt}: columns 1 and 3 both give mobile (mobile, 手机): keep one; columns 4, 5 and 6 all give email "
        "(E-mail, 邮箱, Mail): keep one; nothing was imported")
    assert count_rows(sqlite_db, Lead) == 0


def test_a_field_given_twice_on_a_json_line_rejects_the_line(db: Database, boss) -> None:  # noqa: ANN001
    result = boss.ingest_leads(['{"contact": "A", "mobile": "13800138000", "手机": "13900139000"}',
                                '{"contact": "B"}'])
    assert (result.imported, result.rejected) == (1, 1)
    assert result.problems[0].reason == "mobile is given twice"
