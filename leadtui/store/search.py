"""Lead search across the 17 fields of SPEC 2.1.

Normalise once, on write: each lead keeps `search_text`, its 17 fields NFKC-folded
and case-folded (full-width forms become half-width), plus a digits-only form of the
number fields, joined by a separator that no query can contain. A search is then one
escaped LIKE over that column, OR-ing the fields by construction.

This is the one entry point lead lists use for the keyword (`search_clause` and
`matched_field`); the fast fuzzy engine of the search issue replaces it here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from sqlalchemy import ColumnElement, or_

from leadtui.store.fields import NUMBER_FIELDS, SEARCH_FIELDS

SEP = "\x1f"
_SPACES = re.compile(r"\s+")
_NUMBERISH = re.compile(r"^[\d\s\-+().]+$")
_NON_DIGITS = re.compile(r"\D")


def normalize(value: object) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = text.replace(SEP, " ")
    return _SPACES.sub(" ", text).strip()


def digits(value: object) -> str:
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", str(value or "")))


def search_text(values: Mapping[str, object]) -> str:
    """The normalised form stored with a lead; rebuilt on every write of its fields."""
    parts = [normalize(values.get(name)) for name in SEARCH_FIELDS]
    for name in SEARCH_FIELDS:
        if name in NUMBER_FIELDS:
            d = digits(values.get(name))
            if d:
                parts.append(d)
    return SEP + SEP.join(parts) + SEP


def query_digits(query: str) -> str | None:
    """The digits a number-like query stands for, or None for a text query.

    "138 0013 8000", "138-0013-8000" and "+86 138 0013 8000" all give 13800138000.
    """
    q = unicodedata.normalize("NFKC", query).strip()
    if not _NUMBERISH.match(q):
        return None
    d = digits(q)
    if q.startswith("+86") or q.startswith("0086"):
        d = d[2:] if q.startswith("+") else d[4:]
    return d if len(d) >= 2 else None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(column: ColumnElement[str], query: str) -> ColumnElement[bool] | None:
    """The WHERE condition for a keyword, or None when the keyword is blank."""
    q = normalize(query)
    if not q:
        return None
    conditions = [column.like(f"%{_like_escape(q)}%", escape="\\")]
    d = query_digits(query)
    if d and d != q:
        conditions.append(column.like(f"%{_like_escape(d)}%", escape="\\"))
    return or_(*conditions) if len(conditions) > 1 else conditions[0]


def matched_field(values: Mapping[str, object], query: str) -> str | None:
    """The first of the 17 fields that the keyword matches (shown on the row)."""
    q = normalize(query)
    if not q:
        return None
    d = query_digits(query)
    for name in SEARCH_FIELDS:
        value = values.get(name)
        if not value:
            continue
        if q in normalize(value):
            return name
        if d and name in NUMBER_FIELDS and d in digits(value):
            return name
    return None
