"""Import hygiene (GUIDE "Layers"): the store never imports Textual; the screens and
widgets never import SQLAlchemy, so they only ever see plain records."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import leadtui

PACKAGE = Path(leadtui.__file__).parent


def modules(subpackage: str) -> list[Path]:
    folder = PACKAGE / subpackage
    return sorted(folder.rglob("*.py")) if folder.is_dir() else []


def imported(path: Path) -> set[str]:
    """Top-level names of every module the file imports (also inside functions and
    `if TYPE_CHECKING:` blocks: a lazy import still pulls the library in)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_store_exists_and_is_scanned() -> None:
    assert len(modules("store")) >= 10


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_store_modules_do_not_import_textual(path: Path) -> None:
    assert "textual" not in imported(path), f"{path} imports Textual"


UI_MODULES = modules("screens") + modules("widgets")


@pytest.mark.skipif(not UI_MODULES, reason="no screens or widgets yet")
@pytest.mark.parametrize("path", UI_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ui_modules_do_not_import_sqlalchemy(path: Path) -> None:
    assert "sqlalchemy" not in imported(path), f"{path} imports SQLAlchemy"


def run_python(code: str, *args: str) -> None:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_store_does_not_load_textual() -> None:
    run_python("""
        import sys
        import leadtui.store.service
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "textual")
        assert not loaded, loaded
    """)


def test_importing_screens_and_widgets_does_not_load_sqlalchemy() -> None:
    run_python("""
        import importlib, pkgutil, sys
        names = []
        for package in ("leadtui.screens", "leadtui.widgets"):
            try:
                pkg = importlib.import_module(package)
            except ModuleNotFoundError:
                continue
            names.append(package)
            for info in pkgutil.walk_packages(pkg.__path__, package + "."):
                importlib.import_module(info.name)
                names.append(info.name)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy")
        assert not loaded, (names, loaded[:5])
        assert len(names) == int(sys.argv[1]), names  # every file was imported
    """, str(len(UI_MODULES)))
