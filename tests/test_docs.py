"""The README stays short and every relative link in it and in docs/ leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and ![alt](target), not inside code; <http…> and bare URLs are not links here
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def links(page: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    return LINK.findall(text)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation out, spaces to dashes."""
    found: set[str] = set()
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for line in text.splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if not match:
            continue
        title = match.group(1).strip().lower()
        slug = "".join(c for c in title if c.isalnum() or c in " -_").replace(" ", "-")
        base, n = slug, 1
        while slug in found:
            slug = f"{base}-{n}"
            n += 1
        found.add(slug)
    return found


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; keep it to 200 and move the rest to docs/"


def test_pages_are_found() -> None:
    assert len(PAGES) >= 9, [p.name for p in PAGES]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    seen: set[Path] = set()
    todo = [README]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        for target in links(page):
            path_part = target.partition("#")[0]
            if not path_part or re.match(r"[a-z][a-z0-9+.-]*:", path_part):
                continue
            dest = (page.parent / path_part).resolve()
            if dest.suffix == ".md" and dest.exists():
                todo.append(dest)
    unreachable = [p.relative_to(ROOT) for p in PAGES if p.resolve() not in seen]
    assert not unreachable, f"not reachable from README.md: {unreachable}"


def test_the_readme_links_every_docs_page_directly() -> None:
    direct = {(README.parent / t.partition("#")[0]).resolve() for t in links(README)}
    missing = [p.relative_to(ROOT) for p in PAGES[1:] if p.resolve() not in direct]
    assert not missing, f"README.md does not link: {missing}"


def test_the_screenshot_is_clean() -> None:
    svg = (ROOT / "docs" / "images" / "console.svg").read_text(encoding="utf-8")
    assert "\x1b" not in svg, "terminal control codes in the screenshot"
    assert not re.search(r"/(home|root|tmp|work|Users)/", svg), "an absolute path of some machine in the screenshot"


DEMO_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && leadtui demo"
TEST_COMMAND = ("python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]' "
                "&& python -m pytest -n auto")


def test_the_readme_keeps_its_two_commands_and_ci_runs_the_second() -> None:
    readme = README.read_text(encoding="utf-8").splitlines()
    assert DEMO_COMMAND in readme and TEST_COMMAND in readme
    ci = ROOT / ".ci" / "run"
    if ci.exists():
        assert TEST_COMMAND in ci.read_text(encoding="utf-8").splitlines()
