"""leadtui.safe: database text cannot drive the operator's terminal."""

from __future__ import annotations

import pytest

from leadtui.safe import multi_line, one_line

CONTROLS = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def no_controls(text: str) -> bool:
    return not any(ord(ch) < 0x20 and ch not in "\t\n" or 0x7F <= ord(ch) <= 0x9F for ch in text)


@pytest.mark.parametrize("clean", [one_line, multi_line])
def test_escape_sequences_are_shown_not_run(clean) -> None:  # noqa: ANN001
    retitle = "ti\x1b]0;owned\x07tle"
    assert clean(retitle) == "ti␛]0;owned␇tle"
    assert clean("cl\x1b[2Jear") == "cl␛[2Jear"
    assert clean("csi\x9b2J") == "csi\ufffd2J"  # the one-byte C1 CSI
    assert clean("del\x7f") == "del\ufffd"
    assert clean("nul\x00") == "nul␀"


@pytest.mark.parametrize("clean", [one_line, multi_line])
@pytest.mark.parametrize("char", CONTROLS)
def test_every_control_character_is_replaced_visibly(clean, char: str) -> None:  # noqa: ANN001
    out = clean(f"a{char}b")
    assert no_controls(out) and len(out) == 3 and out[0] == "a" and out[2] == "b" and out[1] != char


@pytest.mark.parametrize("clean", [one_line, multi_line])
@pytest.mark.parametrize("char", BIDI)
def test_bidi_overrides_are_replaced(clean, char: str) -> None:  # noqa: ANN001
    assert clean(f"invoice{char}fdp.exe") == "invoice\ufffdfdp.exe"


def test_one_line_keeps_no_tab_or_line_break() -> None:
    assert one_line("a\tb\nc\r\nd\re") == "a␉b␊c␍␊d␍e"


def test_multi_line_keeps_tabs_and_newlines() -> None:
    assert multi_line("a\tb\nc") == "a\tb\nc"
    assert multi_line("line\r\nnext") == "line\nnext"
    assert multi_line("bare\rreturn") == "bare␍return"
    assert multi_line("x\x1b[31m\nred") == "x␛[31m\nred"


@pytest.mark.parametrize("clean", [one_line, multi_line])
@pytest.mark.parametrize("text", ["[@click=app.quit]x", "[/]", "[b]bold[/b]", "$name {x} %s", "张伟 <b>",
                                  "ＡＢＣ１２３", "émoji 🎉", ""])
def test_ordinary_and_markup_looking_text_is_untouched(clean, text: str) -> None:  # noqa: ANN001
    assert clean(text) == text


@pytest.mark.parametrize("clean", [one_line, multi_line])
def test_none_and_non_strings(clean) -> None:  # noqa: ANN001
    assert clean(None) == ""
    assert clean(42) == "42"
