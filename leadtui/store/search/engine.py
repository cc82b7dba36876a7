"""Lead search across the 17 fields of SPEC 2.1: exact hits, then forgiving ones.

Normalise once, on write: each lead keeps `search_text`, its 17 fields NFKC-folded
and case-folded (full-width forms become half-width), plus a digits-only form of the
number fields, joined by a separator that no query can contain.

An **exact hit** holds the normalised keyword (or, for a number-like keyword, its
digits) inside one field. The gram index (store/search_index.py) names the few
leads that may; one escaped LIKE over `search_text` checks them, inside the list's
own query with its permissions and filters (`Plan.clause` says how the list meets
the candidates). A keyword without a gram (one character; two or three digits) or
one that most leads may hold skips the index: the list walks in its own order and
the LIKE picks the rows (that finds a page of a common keyword at once).

**Forgiving hits** (typos: `smtih` finds Smith) come after the exact ones when
those fill less than a page and a word of the keyword is not a word of any lead, or
nothing matched exactly: each such word is corrected to the nearest words the leads
hold (rapidfuzz: at most one edit for a short word, two for a long one, a swap of
two letters counting as one), fewer edits first, then by Jaro-Winkler similarity,
and the corrected keywords are searched exactly, the likeliest first, until three
have found leads.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler
from sqlalchemy import BigInteger, ColumnElement, Dialect, Text, and_, bindparam, false, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine

from leadtui.store.fields import NUMBER_FIELDS, SEARCH_FIELDS
from leadtui.store.models import Lead
from leadtui.store.search import index as search_index

SEP = "\x1f"
_NUMBERISH = re.compile(r"^[\d\s\-+().]+$")
_NON_DIGITS = re.compile(r"\D")


def normalize(value: object) -> str:
    """NFKC-folded, case-folded, each run of white space (the separator included) one
    space, none at the ends. ASCII needs neither NFKC nor full case folding (both are
    `lower` there), and intake normalises 17 fields of every lead."""
    if value is None:
        return ""
    text = str(value)
    text = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())  # str.split's white space is re's \s, SEP included


def digits(value: object) -> str:
    text = str(value or "")
    return _NON_DIGITS.sub("", text if text.isascii() else unicodedata.normalize("NFKC", text))


_NUMBERS_IN_ORDER = [name for name in SEARCH_FIELDS if name in NUMBER_FIELDS]


def search_text(values: Mapping[str, object]) -> str:
    """The normalised form stored with a lead; rebuilt on every write of its fields
    (empty fields skip the normalising: most leads leave most of the 17 empty)."""
    parts = [normalize(v) if (v := values.get(name)) not in (None, "") else "" for name in SEARCH_FIELDS]
    for name in _NUMBERS_IN_ORDER:
        v = values.get(name)
        if v not in (None, ""):
            d = digits(v)
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


def alternatives(query: str) -> list[str]:
    """What an exact hit may hold: the normalised keyword, and for a number-like one
    its digits ("138 0013 8000" -> "13800138000"). Empty for a blank keyword."""
    q = normalize(query)
    if not q:
        return []
    d = query_digits(query)
    return [q, d] if d and d != q else [q]




class _IdList(TypeDecorator[list[int]]):
    """A list of ids as one bound value: JSON text on SQLite, a bigint[] on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> Any:
        return value if dialect.name == "postgresql" else json.dumps(value)


class _IdsIn(ColumnElement[Any]):
    """`column IN (ids)` with the ids passed as ONE parameter that SQLite's json_each
    reads (an array on PostgreSQL). Thousands of ids would pass SQLite's limit of
    bound parameters one by one, and rendering them into the SQL costs more than the
    query (80,000 ids: 150 ms against 10). Statements keep their compiled cache."""

    inherit_cache = True
    # Not Boolean: SQLite would get "(... IN ...) = 1" and lose the index.
    type = NullType()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[int], ids: list[int]) -> None:
        self.column = column
        self.ids = bindparam(None, ids, type_=_IdList(), unique=True)


@compiles(_IdsIn)
def _ids_in_sqlite(element: _IdsIn, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} IN (SELECT value FROM json_each({compiler.process(element.ids, **kw)})))"


@compiles(_IdsIn, "postgresql")
def _ids_in_postgres(element: _IdsIn, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)}))"


def ids_in(column: ColumnElement[int], ids: Any) -> ColumnElement[bool]:
    """`column IN (ids)` for any number of ids (a list, or a numpy array)."""
    return _IdsIn(column, ids.tolist() if hasattr(ids, "tolist") else [int(i) for i in ids])


# How a list meets its candidates (measured at a million leads, SQLite):
# - up to LOOKUP_UP_TO, each candidate is read by id and the hits sorted;
# - above it, when the list's order has an index (newest first), the list walks that
#   index and probes the candidate set for each entry, which costs a tenth of a
#   microsecond, reading a row only for a candidate: a page of 7,800 candidates in
#   3 ms instead of 25;
# - above PROBE_UP_TO the keyword is in one lead of ten or more: walking and checking
#   each row finds a page at once, and the candidate list would only cost its size.
# A count has no order to walk: it reads candidates by id up to COUNT_LOOKUP_UP_TO.
LOOKUP_UP_TO = 1_500
PROBE_UP_TO = 100_000
COUNT_LOOKUP_UP_TO = 30_000


@dataclass(frozen=True)
class Plan:
    """A keyword's exact hits, planned once per read: each alternative with the
    sorted ids of its candidates (None: no gram, every lead may hold it)."""

    parts: tuple[tuple[str, object], ...]
    postgres: bool

    def clause(self, walk: bool = False) -> ColumnElement[bool]:
        """The WHERE condition; `walk`: the list reads in an indexed order (a page)."""
        conds: list[ColumnElement[bool]] = []
        for alt, found in self.parts:
            like = Lead.search_text.like(f"%{_like_escape(alt)}%", escape="\\")
            if found is None or len(found) > PROBE_UP_TO:  # type: ignore[arg-type]
                conds.append(like)
            elif not len(found):  # type: ignore[arg-type]
                continue
            elif self.postgres or len(found) <= (LOOKUP_UP_TO if walk else COUNT_LOOKUP_UP_TO):  # type: ignore[arg-type]
                conds.append(and_(ids_in(Lead.id, found), like))
            else:  # "id + 0": not the row id, so SQLite probes it instead of reading by it
                conds.append(and_(ids_in(Lead.id + 0, found), like))
        if not conds:
            return false()
        return or_(*conds) if len(conds) > 1 else conds[0]


def plan(session: Session, query: str, cache: search_index.GramCache | None = None) -> Plan | None:
    """The exact hits' plan, or None when the keyword is blank."""
    alts = alternatives(query)
    if not alts:
        return None
    return Plan(tuple((alt, search_index.candidates(session, alt, cache)) for alt in alts),
                session.get_bind().dialect.name == "postgresql")


def match(values: Mapping[str, object], query: str) -> tuple[str, int, int] | None:
    """(field, start, end): where in which field's value (as stored) the keyword is,
    for the row to show the field and highlight the characters."""
    q = normalize(query)
    if not q:
        return None
    d = query_digits(query)
    for name in SEARCH_FIELDS:
        value = values.get(name)
        if not value:
            continue
        value = str(value)
        span = _find_normalised(value, q)
        if span is None and d and name in NUMBER_FIELDS:
            span = _find_digits(value, d)
        if span is not None:
            return (name, *span)
    return None


def _find_normalised(value: str, q: str) -> tuple[int, int] | None:
    if q not in normalize(value):
        return None
    # The value normalised a character at a time, remembering where each came from.
    out: list[str] = []
    source: list[int] = []
    for i, char in enumerate(value):
        folded = unicodedata.normalize("NFKC", char).casefold().replace(SEP, " ")
        for f in folded:
            if f.isspace():
                if not out or out[-1] == " ":
                    continue
                f = " "
            out.append(f)
            source.append(i)
    at = "".join(out).find(q)
    if at < 0:  # a sequence that only folds as a whole: show the field, not the span
        return (0, 0)
    return source[at], source[at + len(q) - 1] + 1


def _find_digits(value: str, d: str) -> tuple[int, int] | None:
    places = [i for i, char in enumerate(value) if _NON_DIGITS.sub("", unicodedata.normalize("NFKC", char))]
    ds = digits(value)
    at = ds.find(d)
    if at < 0 or len(ds) != len(places):
        return None if at < 0 else (0, 0)
    return places[at], places[at + len(d) - 1] + 1


# ----------------------------------------------------------------------------- typos

_WORD = search_index.WORD
MAX_CORRECTIONS = 12


@dataclass
class _Words:
    """One process's copy of the words the leads hold (search_terms), by length; it
    reads only the words added since it last looked, so every process stays current."""

    last_id: int = 0
    known: set[str] = field(default_factory=set)
    by_length: dict[int, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, session: Session) -> None:
        with self.lock:
            for term_id, term in search_index.load_terms(session, self.last_id):
                self.last_id = max(self.last_id, term_id)
                if term not in self.known:
                    self.known.add(term)
                    self.by_length.setdefault(len(term), []).append(term)

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for length in range(len(word) - edits, len(word) + edits + 1):
            choices = self.by_length.get(length)
            if choices:
                found += [(t, int(dist)) for t, dist, _ in process.extract(
                    word, choices, scorer=OSA.distance, score_cutoff=edits, limit=20)]
        return found


_WORDS: dict[str, _Words] = {}
_WORDS_LOCK = threading.Lock()


def _words_of(session: Session) -> _Words:
    url = str(session.get_bind().url)
    with _WORDS_LOCK:
        words = _WORDS.get(url)
        if words is None:
            words = _WORDS[url] = _Words()
    words.refresh(session)
    return words


def warm(session: Session) -> None:
    """Read the words the typo search needs now (a console does it after it opens),
    not at the first typo."""
    _words_of(session)


def corrections(session: Session, query: str, exact_hits: int) -> list[tuple[str, int]]:
    """Corrected keywords to search exactly, best first, with a score under 100
    (rapidfuzz's Jaro-Winkler similarity of the corrected word to the typed one)."""
    q = normalize(query)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(q) if search_index.words(m.group())]
    if not spans:
        return []
    words = _words_of(session)
    unknown = [s for s in spans if q[s[0]:s[1]] not in words.known]
    if exact_hits and not unknown:
        return []
    best: dict[str, tuple[int, int]] = {}  # corrected keyword -> (edits, score)
    for start, end in unknown or spans:
        word = q[start:end]
        edits = 1 if len(word) <= 5 or not word.isascii() else 2
        for term, dist in words.near(word, edits):
            if term == word:
                continue
            score = min(99, round(JaroWinkler.normalized_similarity(word, term) * 100))
            corrected = q[:start] + term + q[end:]
            if corrected not in best or (dist, -score) < (best[corrected][0], -best[corrected][1]):
                best[corrected] = (dist, score)
    # Fewer edits first (one slip is likelier than two), then the closer by Jaro-Winkler.
    ranked = sorted(best.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0]))
    return [(corrected, score) for corrected, (_, score) in ranked[:MAX_CORRECTIONS]]
