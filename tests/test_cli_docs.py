"""docs/cli.md is what the typer app says: regenerated in-process and compared."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "cli_docs.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("cli_docs", TOOL)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    tool = load_tool()
    page = tool.render()
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == page, (
        "docs/cli.md is not what the typer app says (a command, option or help text changed): "
        "run `python tools/cli_docs.py` and commit docs/cli.md")


def test_cli_reference_lists_every_command():
    tool = load_tool()
    page = tool.render()
    for heading in ("`leadtui init`", "`leadtui leads list`", "`leadtui pools add`", "`leadtui seas add`",
                    "`leadtui customers merge`", "`leadtui rules run`", "`leadtui db upgrade`",
                    "`leadtui ssh authorized-keys`", "`leadtui bench search`"):
        assert f"# {heading}\n" in page, heading


def test_cli_reference_does_not_depend_on_terminal_or_language(monkeypatch):
    from leadtui import i18n

    tool = load_tool()
    plain = tool.render()
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("LEADTUI_LANG", "zh")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    before = i18n.set_language("zh")
    try:
        assert tool.render() == plain
        assert i18n.language() == "zh"  # put back as it was
        assert os.environ["LANG"] == "zh_CN.UTF-8"
    finally:
        i18n.set_language("en")
    assert before == "zh"


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys):
    tool = load_tool()
    stale = tmp_path / "cli.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(tool, "TARGET", stale)
    assert tool.main(["--check"]) == 1
    assert "run `python tools/cli_docs.py`" in capsys.readouterr().err
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0


def test_cli_reference_names_no_path_of_this_machine():
    page = load_tool().render()
    for path in {str(Path.home()), str(ROOT), os.getcwd()}:
        assert path not in page, f"docs/cli.md shows {path}: a default that depends on the machine"
