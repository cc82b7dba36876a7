"""The console through the Pilot: what an operator sees and does."""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta

import pytest

from leadtui import clock
from leadtui.app import LeadApp
from leadtui.screens.convert import ConvertDialog
from leadtui.screens.detail import LeadDetailScreen
from leadtui.screens.help import HelpDialog
from leadtui.store.db.engine import Database
from leadtui.store.leads import intake
from leadtui.store.records import LeadQuery
from leadtui.store.service import Store
from leadtui.store.users import accounts as users
from leadtui.widgets.record_table import RecordTable

HOSTILE = ["[@click=app.quit]x", "[/]", "[b]bold[/b]", "ti\x1b]0;owned\x07tle", "cl\x1b[2Jear"]
NAMES = ["张伟", "李娜", "王芳", "John Smith", "欧阳娜娜"]


@pytest.fixture
def store(tmp_path) -> Store:
    clock.freeze(datetime(2026, 11, 22, 9, 0))
    db = Database(f"sqlite:///{tmp_path}/console.db")
    db.create_schema()
    login = getpass.getuser()
    users.bootstrap_admin(db, login, "Operator")
    start = datetime(2026, 11, 1)
    with db.write() as session:
        pool = intake.default_pool_id(session)
        for i in range(60):
            intake.add_lead(session, {
                "contact": NAMES[i % len(NAMES)], "mobile": f"139{i:08d}",
                "company": "上海星辰科技有限公司" if i % 2 else "", "email": f"lead{i}@example.com",
            }, pool_id=pool, source="intent", submitted_at=start + timedelta(hours=i))
        for i, name in enumerate(HOSTILE):
            intake.add_lead(session, {"contact": name, "company": name, "mobile": f"13700000{i:03d}"},
                            pool_id=pool, source="message", submitted_at=start + timedelta(days=20, hours=i))
    yield Store(db, login)
    clock.freeze(None)


async def settle(pilot) -> None:
    """Let workers finish and their results paint."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_lines(app: LeadApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def table_of(app: LeadApp) -> RecordTable:
    return app.screen.query_one(RecordTable)


async def test_search_narrows_the_list(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.total == 65
        await pilot.press("slash", *"张伟")
        await pilot.pause(0.3)
        await settle(pilot)
        assert table.total == 12
        shown = [table.record_at(i).get("contact") for i in range(table.total)]
        assert set(shown) == {"张伟"}
        # numbers: spaces are forgiven
        app.screen.query_one("#search").value = "139 0000 0007"
        await pilot.pause(0.3)
        await settle(pilot)
        assert table.total == 1
        assert table.record_at(0).matched_field == "mobile"


async def test_sort_flips_order(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.columns[0].key == "order_no"
        await pilot.press("s")
        await settle(pilot)
        ascending = [table.record_at(i).get("order_no") for i in range(5)]
        assert ascending == sorted(ascending)
        await pilot.press("s")
        await settle(pilot)
        descending = [table.record_at(i).get("order_no") for i in range(5)]
        assert descending == sorted(descending, reverse=True)
        assert descending[0] > ascending[0]


async def test_marks_count_in_the_status_line(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("space", "space", "space")
        assert len(table.marks) == 3
        assert "marked 3" in screen_lines(app)[-2]
        await pilot.press("k", "space")
        assert len(table.marks) == 2
        await pilot.press("A")
        await settle(pilot)
        assert len(table.marks) == 65
        assert "marked 65" in screen_lines(app)[-2]
        await pilot.press("U")
        await pilot.pause()
        assert not table.marks
        assert "marked 0" in screen_lines(app)[-2]


async def test_convert_moves_the_row_to_converted_leads(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        lead = table.cursor_record
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConvertDialog)
        assert dialog.preview is not None and dialog.preview.creates_customer
        assert any("A new" in line for line in screen_lines(app))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConvertDialog)
        assert table.total == 64
        assert lead.id not in [table.record_at(i).id for i in range(min(64, 100)) if table.record_at(i)]
        await pilot.press("2")
        await settle(pilot)
        converted = table_of(app)
        assert converted.total == 1
        assert converted.record_at(0).id == lead.id
        assert store.count_leads(LeadQuery(screen="converted")) == 1


async def test_help_shows_every_key(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpDialog)
        text = "\n".join(screen_lines(app))
        for words in ("Search", "Filter", "Process", "Convert", "Mark", "Mark all", "Clear marks", "Columns",
                      "Sort by column", "Last row", "Page down", "All Leads", "Converted"):
            assert words in text, words
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpDialog)


async def test_hostile_strings_render_literally(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(200, 30), notifications=True) as pilot:
        await settle(pilot)
        table = table_of(app)
        # The newest five leads are the hostile ones; widen the contact column to see them whole.
        table.set_columns([c if c.key != "contact" else type(c)(c.key, c.label, 24) for c in table.columns])
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "[@click=app.quit]x" in text
        assert "[/]" in text and "[b]bold[/b]" in text
        assert "ti␛]0;owned␇tle" in text and "cl␛[2Jear" in text
        assert "\x1b" not in text and "\x07" not in text
        # the detail view
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        detail = "\n".join(screen_lines(app))
        assert "cl␛[2Jear" in detail and "\x1b" not in detail
        await pilot.press("escape")
        await settle(pilot)
        # a notification carrying lead text (the conversion toast names the customer)
        table.move_cursor(4)  # "[@click=app.quit]x"
        await settle(pilot)
        assert table.cursor_record.get("contact") == "[@click=app.quit]x"
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.3)  # the toast slides in
        toast = "\n".join(screen_lines(app))
        assert "[@click=app.quit]x created" in toast
        assert app.is_running  # the click action never ran


async def test_layout_at_80_by_24_with_chinese(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        assert len(lines) == 24
        assert lines[0].strip().startswith("All Leads")
        assert "Order no" in lines[1]
        assert "rows 65" in lines[-2]
        # Columns line up although names hold double-width characters: the mobile
        # column starts at the same terminal cell on every row.
        from rich.cells import cell_len

        rows = [line for line in lines[2:20] if "139" in line or "137" in line]
        starts = set()
        for line in rows:
            index = line.index("13")
            starts.add(cell_len(line[:index]))
        assert len(starts) == 1, rows


async def test_followup_dialog_saves_and_keeps_input_on_error(store: Store) -> None:
    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lead = table_of(app).cursor_record
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # empty text: refused, dialog stays
        await settle(pilot)
        assert "needs a text" in "\n".join(screen_lines(app))
        await pilot.press(*"rang back")
        await pilot.press("enter")
        await settle(pilot)
        detail = store.lead_detail(lead.id)
        assert [f.text for f in detail.followups] == ["rang back"]


async def test_command_palette_lists_the_screen_actions(store: Store) -> None:
    from textual.command import CommandPalette

    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"convert")
        await pilot.pause(0.5)
        text = "\n".join(screen_lines(app))
        assert "Convert" in text and "key: v" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConvertDialog)


async def test_column_choice_is_remembered_per_user(store: Store) -> None:
    from textual.widgets import SelectionList

    from leadtui.screens.columns import ColumnsDialog

    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ColumnsDialog)
        choices = app.screen.query_one(SelectionList)
        choices.deselect("company")
        choices.select("email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        keys = [c.key for c in table_of(app).columns]
        assert "company" not in keys and "email" in keys
    again = LeadApp(store)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert [c.key for c in table_of(again).columns] == keys
        await pilot.press("2")  # another screen keeps its own choice
        await settle(pilot)
        assert "customer" in [c.key for c in table_of(again).columns]


async def test_filter_dialog_narrows_and_rejects_bad_dates(store: Store) -> None:
    from textual.widgets import Input, SelectionList

    from leadtui.screens.filter import FilterDialog

    app = LeadApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#since", Input).value = "2026-13-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # stays open, input kept
        assert "YYYY-MM-DD" in "\n".join(screen_lines(app))
        assert dialog.query_one("#since", Input).value == "2026-13-01"
        dialog.query_one("#since", Input).value = "2026-11-21"
        dialog.query_one("#sources", SelectionList).select("message")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_of(app).total == 5
        assert "filter:" in screen_lines(app)[0]
