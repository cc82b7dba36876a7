"""Make text from the database safe to put on a terminal.

Lead text is data: it must never act as markup (the screens never hand it to a
markup parser) nor as terminal control sequences (this module). Textual passes ESC
through to the terminal, so a lead holding "\\x1b]0;owned\\x07" could retitle the
operator's terminal; we replace every C0/C1 control character with a visible
placeholder instead.
"""

from __future__ import annotations

import re

# C0 (except tab/newline, handled by the callers that allow them), DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidi overrides can make a line display differently from what it holds.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture", e.g. ␛ for ESC
    return "\ufffd"


def one_line(value: object) -> str:
    """For table cells and labels: no control characters at all, no line breaks."""
    if value is None:
        return ""
    text = str(value)
    text = _CONTROL_ALL.sub(_visible, text)
    return _BIDI.sub("\ufffd", text)


def multi_line(value: object) -> str:
    """For detail views: keeps newlines and tabs, replaces every other control."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n")
    text = _CONTROL.sub(_visible, text)
    return _BIDI.sub("\ufffd", text)
