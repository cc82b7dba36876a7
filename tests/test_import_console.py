"""The import dialog through the Pilot (`i` on the lead lists), at 80×24."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.widgets import Button, Input, Select

from leadtui import i18n
from leadtui.app import LeadApp
from leadtui.screens.import_dialog import ImportDialog
from tests.factories import make_lead, make_pool, make_user, store_for
from tests.test_console import screen_lines, settle


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


ROWS = [["联系人", "手机", "邮箱", "企业名称", "备注说明"],
        ["[/]王芳", "139 1111 0001", "wf@example.com", "星辰科技", "x"],
        ["Emma", "+86 139-1111-0002", "", "", ""],
        ["坏号码", "12345", "", "", ""],
        ["Again", "13911110001", "", "", ""]]


async def open_import(pilot) -> ImportDialog:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportDialog)
    return dialog


async def test_check_then_import_from_the_pool_screen(sqlite_db, tmp_path: Path) -> None:  # noqa: ANN001
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_pool(sqlite_db, "Main", is_default=True)
    east = make_pool(sqlite_db, "East [/]")  # a name that is not markup
    make_lead(sqlite_db, east, contact="Already here")
    path = write(tmp_path / "new.csv", ROWS)
    app = LeadApp(store_for(sqlite_db, "boss"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")  # the Pool screen: its pool is first in the dialog
        await settle(pilot)
        app.screen.use_pool(next(p for p in app.screen.pools if p.name == "East [/]"))  # type: ignore[attr-defined]
        await settle(pilot)
        dialog = await open_import(pilot)
        assert dialog.query_one("#pool", Select).value == east
        assert "East [/]" in "\n".join(screen_lines(app))
        dialog.query_one("#path", Input).value = str(path)[:-4]
        await pilot.press(".", "c", "s", "v")  # typed, as a person would end it
        assert dialog.query_one("#rejects", Input).value == str(tmp_path / "new.rejects.csv")
        await pilot.press("ctrl+t")  # check only
        await settle(pilot)
        summary = str(dialog.query_one("#summary").render())
        assert "would import 2, merge 0, skip 0, reject 2" in summary and "Nothing was changed" in summary
        assert "row 4: mobile 12345 is not a mainland mobile" in summary
        assert "row 4: mobile 12345" in "\n".join(screen_lines(app))  # it fits the 80×24 dialog
        assert not (tmp_path / "new.rejects.csv").exists()
        await pilot.press("ctrl+s")  # import
        await settle(pilot)
        summary = str(dialog.query_one("#summary").render())
        assert "imported 2, merged 0, skipped 0, rejected 2" in summary and "new.rejects.csv" in summary
        assert str(dialog.query_one("#ok", Button).label) == "Close"
        assert (tmp_path / "new.rejects.csv").exists()
        await pilot.press("ctrl+s")  # Close
        await settle(pilot)
        assert not isinstance(app.screen, ImportDialog)
        text = "\n".join(screen_lines(app))
        assert "[/]王芳" in text and "Emma" in text and "Already h…" in text  # the list reloaded


async def test_a_bad_file_keeps_the_dialog_and_chinese_labels(sqlite_db, tmp_path: Path) -> None:  # noqa: ANN001
    make_user(sqlite_db, "boss", "admin", name="Boss")
    make_pool(sqlite_db, "默认线索池", is_default=True)
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    i18n.set_language("zh")
    app = LeadApp(store_for(sqlite_db, "boss"))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_import(pilot)
        assert "从 xlsx 或 csv 文件导入线索" in "\n".join(screen_lines(app))
        dialog.query_one("#path", Input).value = str(tmp_path / "junk.xlsx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "无法作为 xlsx 工作簿读取" in str(dialog.query_one("#error").render())
        assert dialog.query_one("#path", Input).value == str(tmp_path / "junk.xlsx")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ImportDialog)


async def test_a_sales_user_is_told_who_may_import(sqlite_db) -> None:  # noqa: ANN001
    make_user(sqlite_db, "li", "sales")
    make_pool(sqlite_db, "Main", is_default=True, members=["li"])
    app = LeadApp(store_for(sqlite_db, "li"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, ImportDialog)
        assert [n.message for n in app._notifications] == ["Only an admin or a pool's admin may import leads"]
