"""How record values read to a person, in the console and the CLI's tables alike."""

from __future__ import annotations

from datetime import datetime

from leadtui.i18n import label, source_label


def cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if key == "source":
        return source_label(str(value))
    if isinstance(value, bool):
        return "✓" if value else ""
    if key in ("status", "kind", "role", "customer_kind", "stage"):
        return label(str(value))
    if key == "matched":  # the field a search matched; "≈" marks a forgiving (typo) hit
        text = str(value)
        return "≈" + label(text[1:]) if text.startswith("~") else label(text)
    return str(value)
