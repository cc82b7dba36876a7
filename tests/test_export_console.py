"""The export dialog through the Pilot: `e` on the lists, `E` for call records."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from textual.widgets import Input, Select, SelectionList

from leadtui import i18n
from leadtui.app import LeadApp
from leadtui.screens.export_dialog import ExportDialog
from leadtui.store.leads.intake import add_leads
from tests.factories import NOW, make_pool, make_user, store_for
from tests.test_console import screen_lines, settle


def seed(db, monkeypatch, tmp_path, n: int):  # noqa: ANN001, ANN201
    monkeypatch.setenv("LEADTUI_EXPORT_DIR", str(tmp_path / "exports"))
    make_user(db, "boss", "admin", name="Boss")
    pool = make_pool(db, "East")
    with db.write() as session:  # in bulk, as an import does
        ids = add_leads(session, [{"contact": f"客户{i}", "mobile": f"1380000{i:04d}",
                                   "company": "=HYPERLINK(\"x\")" if i == 0 else f"公司{i}",
                                   "submitted_at": NOW - timedelta(minutes=i)} for i in range(n)], pool_id=pool)
    return db, ids


@pytest.fixture
def export_world(sqlite_db, monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    return seed(sqlite_db, monkeypatch, tmp_path, 8)


@pytest.fixture
def big_world(sqlite_db, monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    return seed(sqlite_db, monkeypatch, tmp_path, 2005)


async def open_export(pilot) -> ExportDialog:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    return dialog


async def test_marked_rows_export_to_xlsx(export_world, tmp_path: Path) -> None:  # noqa: ANN001
    db, _ids = export_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        dialog = await open_export(pilot)
        assert dialog.query_one("#scope", Select).value == "marked"
        assert not dialog.query_one("#batch-row").display  # 3 rows: no batches
        path = dialog.query_one("#path", Input).value
        assert path.startswith(str(tmp_path / "exports")) and path.endswith(".xlsx")
        # the visible columns are ticked; "None" then one field
        fields = dialog.query_one("#fields", SelectionList)
        assert list(fields.selected)[:2] == ["order_no", "contact"]
        await pilot.click("#fields-none")
        fields.select("company")
        fields.select("contact")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ExportDialog)
        assert "Exported 3 row(s)" in "\n".join(screen_lines(app))
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        assert rows == [("Contact", "Company"), ("客户0", "'=HYPERLINK(\"x\")"), ("客户1", "公司1"),
                        ("客户2", "公司2")]


async def test_everything_past_2000_rows_offers_batches(big_world, tmp_path: Path) -> None:  # noqa: ANN001
    db, _ids = big_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_export(pilot)
        assert dialog.query_one("#scope", Select).value == "shown"
        assert dialog.query_one("#batch-row").display
        assert "2,005 rows" in str(dialog.query_one("#count").render())
        batch = dialog.query_one("#batch", Select)
        batch.value = "2/2005"
        await pilot.pause()
        path = dialog.query_one("#path", Input)
        assert path.value.endswith("-2.xlsx")
        dialog.query_one("#format", Select).value = "csv"
        await pilot.pause()
        assert path.value.endswith("-2.csv")
        target = tmp_path / "batch2.csv"
        path.value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.2)
        with target.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) == 1 + 5 and rows[1][1] == "客户2000"  # the newest first, as the list shows


async def test_an_error_keeps_the_input(export_world, tmp_path: Path) -> None:  # noqa: ANN001
    db, _ids = export_world
    app = LeadApp(store_for(db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        dialog = await open_export(pilot)
        path = dialog.query_one("#path", Input)
        path.value = str(tmp_path / "no-such-folder" / "x.xlsx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "There is no folder" in str(dialog.query_one("#error").render())
        assert path.value == str(tmp_path / "no-such-folder" / "x.xlsx")
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ExportDialog)


async def test_call_records_of_the_marked_leads(export_world, tmp_path: Path) -> None:  # noqa: ANN001
    db, ids = export_world
    boss = store_for(db, "boss")
    boss.add_followup(ids[0], "call", "rang, no answer", duration_s=30, outcome="+again tomorrow")
    app = LeadApp(boss)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("E")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog) and dialog.calls
        target = tmp_path / "calls.xlsx"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.2)
        rows = list(load_workbook(target).active.iter_rows(values_only=True))
        assert len(rows) == 2 and rows[1][1] == "客户0" and rows[1][5] == "'+again tomorrow"


async def test_export_on_the_customer_screen_in_chinese(sqlite_db, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from leadtui.store.models import Customer

    monkeypatch.setenv("LEADTUI_EXPORT_DIR", str(tmp_path))
    make_user(sqlite_db, "boss", "admin", name="Boss")
    boss = store_for(sqlite_db, "boss")
    with sqlite_db.write() as session:
        session.add(Customer(kind="enterprise", name="@星辰科技", status="following", owner_id=boss.actor.id,
                             created_at=NOW))
    i18n.set_language("zh")
    app = LeadApp(boss)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        dialog = await open_export(pilot)
        assert "导出" in "\n".join(screen_lines(app))
        dialog.query_one("#format", Select).value = "csv"
        await pilot.pause()
        path = Path(dialog.query_one("#path", Input).value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.2)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][0] == "客户名称" and rows[1][0] == "'@星辰科技"
