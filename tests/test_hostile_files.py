"""Hostile files hurt nothing (issue 13, items 7-10): one bad line or row is rejected
alone; a crafted xlsx is refused before it can take the memory; every code point XML
forbids is dropped from xlsx files; a csv in an encoding we do not read, or with a
field given twice, is refused with a message saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from leadtui.export_files import write_table, xml_text
from leadtui.store.db import Database
from leadtui.store.intake import add_lead
from leadtui.store.records import LeadQuery
from tests.factories import make_pool, make_user, store_for

XML_ILLEGAL = "\x01\x08\x0b\x0c\x1f\ufffe\uffff\ud800\udfff"


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
