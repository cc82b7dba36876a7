"""The search index: for each gram, which leads may hold it (issue 6, SPEC 2.3).

A lead's normalised `search_text` (store/search.py: its 17 fields, NFKC-folded and
case-folded, plus the digits of its number fields, each part between separators) is
cut into grams:
- every pair of neighbouring characters inside one part, except two digits;
- every run of four digits (numbers are mostly digits, and a digit pair is in
  nearly every lead, so digit pairs would select nothing).
A lead that holds a query as a substring of one part holds every gram of the query,
so the leads listed under all the query's grams are a superset of the exact hits;
the list query then checks each candidate with the same LIKE as before
(store/search.py), so the index only ever narrows, never decides.

Storage: table `search_postings`, one row per (gram, segment) where a segment is
16,384 consecutive lead ids; `ids` holds the sorted offsets in the segment as
little-endian uint16, `n` their number. A gram's whole posting list is at most one
row per segment (62 rows at a million leads); new leads only touch the newest
segment's rows, and a segment that small keeps those rows small to rewrite (with
65,536 ids a batch of new leads rewrote four times the bytes: 7,800 leads a second
against 9,200). The index is a superset on purpose: an edit adds the lead's new
grams and leaves the old ones (the LIKE check drops the stale candidates), a delete
or purge leaves them too. `rebuild` starts afresh (`leadtui db reindex`).

Written in the same transaction as the leads it indexes, by every process: SQLite
serialises writers (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped advisory
lock does, because an index write is read-merge-write of a row.

numpy does the cutting and merging: a million leads' grams are cut in seconds instead of
a minute of pure-Python loops, and intake keeps its pace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.orm import Session

from leadtui.store.db import bulk
from leadtui.store.fields import NUMBER_FIELDS, SEARCH_FIELDS
from leadtui.store.models import Lead, SearchPosting, SearchTerm

SEG_BITS = 14
SEG_MASK = (1 << SEG_BITS) - 1
SEP = 0x1F  # store/search.py's separator
_QUAD = 1 << 42  # digit quadruples are coded above every character pair
_PG_LOCK = 0x1EAD5EA  # pg_advisory_xact_lock key of the index writers (an int4)
_IN_CHUNK = 500  # grams per lookup statement (SQLite's bound-parameter limit)

postings = SearchPosting.__table__
terms_table = SearchTerm.__table__

# The words the typo search corrects to (store/search.py): 3+ letters that are not
# CJK (Latin words, pinyin, e-mail names), or a CJK run of 3-4 characters (a name;
# a longer run is an address or a company, which typos do not reach by one edit).
# One pass finds both kinds (a CJK run of any length; `words` keeps 3-4).
_CJK = "\u3400-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[^\W\d_{_CJK}]{{3,}}|[{_CJK}]{{3,}}")
MAX_TERM = 40


# ----------------------------------------------------------------------------- grams

def _pair(a: int, b: int) -> int:
    return (a << 21) | b


def query_grams(normalised: str) -> set[int]:
    """The grams of a normalised query (the same rules as for leads)."""
    out: set[int] = set()
    for a, b in zip(normalised, normalised[1:]):
        if not (a.isdigit() and b.isdigit() and a.isascii() and b.isascii()):
            out.add(_pair(ord(a), ord(b)))
    for run in re.findall(r"[0-9]{4,}", normalised):
        for i in range(len(run) - 3):
            out.add(_QUAD | int(run[i:i + 4]))
    return out


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, gram code) for every gram position of `texts` (repeats kept)."""
    joined = "\x1f" + "\x1f".join(texts) + "\x1f"
    chars = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # Where each text's characters start (after its leading separator).
    starts = np.cumsum(np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))) - \
        np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    digit = (chars >= 48) & (chars <= 57)
    a, b = chars[:-1], chars[1:]
    pair_at = np.flatnonzero((a != SEP) & (b != SEP) & ~(digit[:-1] & digit[1:]))
    pair_codes = (a[pair_at].astype(np.int64) << 21) | b[pair_at]
    quad_at = np.flatnonzero(digit[:-3] & digit[1:-2] & digit[2:-1] & digit[3:])
    d = chars.astype(np.int64) - 48
    quad_codes = _QUAD | (d[quad_at] * 1000 + d[quad_at + 1] * 100 + d[quad_at + 2] * 10 + d[quad_at + 3])
    # A gram never spans a separator, so the text it starts in holds all of it.
    at = np.concatenate((pair_at, quad_at))
    return np.searchsorted(starts, at, side="right") - 1, np.concatenate((pair_codes, quad_codes))


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


_CUT = 16_384  # leads cut at a time: keeps the temporary arrays small


def _segment_postings(ids: np.ndarray, texts: Sequence[str]) -> Iterable[tuple[int, int, bytes]]:
    """(segment, gram, sorted unique offsets as little-endian uint16 bytes) of leads
    `ids` (all in one segment)."""
    parts = []
    for i in range(0, len(texts), _CUT):
        owner, codes = _codes(texts[i:i + _CUT])
        parts.append(_sorted_unique((codes << SEG_BITS) | (ids[i:i + _CUT][owner] & SEG_MASK)))
    keys = _sorted_unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]
    if not len(keys):
        return
    grams = keys >> SEG_BITS
    blob = (keys & SEG_MASK).astype("<u2").tobytes()
    starts = np.flatnonzero(grams[1:] != grams[:-1]) + 1
    seg = int(ids[0]) >> SEG_BITS
    bounds = (np.concatenate(([0], starts, [len(keys)])) * 2).tolist()  # byte offsets
    gram_list = grams[np.concatenate(([0], starts))].tolist()
    for i, gram in enumerate(gram_list):
        yield seg, gram, blob[bounds[i]:bounds[i + 1]]


def _by_segment(items: Sequence[tuple[int, str]]) -> Iterable[tuple[np.ndarray, list[str]]]:
    items = sorted(items)
    ids = np.fromiter((i for i, _ in items), dtype=np.int64, count=len(items))
    segs = ids >> SEG_BITS
    cuts = np.flatnonzero(np.diff(segs)) + 1
    start = 0
    for end in [*cuts.tolist(), len(items)]:
        yield ids[start:end], [t or "" for _, t in items[start:end]]
        start = end


# ----------------------------------------------------------------------------- writing

def _lock(conn: Connection | Session) -> None:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    if bind.dialect.name == "postgresql":
        # One lock per schema: the leadtui of another schema on the same server (a test
        # run, a second team) has an index of its own and need not wait.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": _PG_LOCK})


def _segment_rows(conn: Connection | Session, seg: int, grams: list[int]) -> dict[int, bytes]:
    """gram -> ids of one segment's rows for these grams, in one statement (the grams as
    one JSON / array parameter: a batch of new leads touches tens of thousands)."""
    connection = conn.connection() if isinstance(conn, Session) else conn
    if connection.dialect.name == "postgresql":
        sql = "SELECT gram, ids FROM search_postings WHERE seg = %s AND gram = ANY(%s)"
        params: tuple[object, ...] = (seg, grams)
    else:
        sql = "SELECT gram, ids FROM search_postings WHERE seg = ? AND gram IN (SELECT value FROM json_each(?))"
        params = (seg, json.dumps(grams))
    return {int(g): bytes(b) for g, b in bulk.fetch_all(conn, sql, params)}


def index_leads(conn: Connection | Session, items: Sequence[tuple[int, str]]) -> None:
    """Add leads (id, search_text) to the index, inside the caller's write transaction:
    new leads, and edited ones (their new grams join the old)."""
    if not items:
        return
    _lock(conn)
    for ids, texts in _by_segment(items):
        fresh = {(seg, gram): offs for seg, gram, offs in _segment_postings(ids, texts)}
        if not fresh:
            continue
        seg = next(iter(fresh))[0]
        old = _segment_rows(conn, seg, [g for _, g in fresh])
        inserts, updates = [], []
        for (_, gram), offs in fresh.items():
            before = old.get(gram)
            if before is None:
                inserts.append((gram, seg, len(offs) // 2, offs))
                continue
            if before[-2:][::-1] < offs[1::-1]:  # new leads: they come last (big-endian compare)
                updates.append(((len(before) + len(offs)) // 2, before + offs, gram, seg))
                continue
            merged = np.union1d(np.frombuffer(before, dtype="<u2"), np.frombuffer(offs, dtype="<u2")).astype("<u2")
            if len(merged) * 2 != len(before):
                updates.append((len(merged), merged.tobytes(), gram, seg))
        # Straight to the driver: SQLAlchemy's per-row parameter handling would cost more
        # than the writing (10,000 rows: 150 ms against 80).
        if inserts:
            bulk.execute_many(conn, "INSERT INTO search_postings (gram, seg, n, ids) VALUES (?, ?, ?, ?)", inserts)
        if updates:
            bulk.execute_many(conn, "UPDATE search_postings SET n = ?, ids = ? WHERE gram = ? AND seg = ?", updates)
    add_terms(conn, (t for _, t in items))


def words(text: str) -> list[str]:
    """The words of a text the typo search knows (see WORD)."""
    return [w for w in WORD.findall(text) if _is_word(w)]


def _is_word(w: str) -> bool:
    return len(w) <= (4 if "\u3400" <= w[0] <= "\ufaff" else MAX_TERM)


# The parts of a search_text that hold words (split at the separator, 0 is empty):
# the text fields, not the order number, the number fields or their digits.
_WORD_PARTS = [i + 1 for i, name in enumerate(SEARCH_FIELDS) if name not in NUMBER_FIELDS]


def _words(texts: Iterable[str]) -> set[str]:
    """The words of many leads' search_text: each distinct field value read once (a
    company, a job title, a website repeat across thousands of leads)."""
    values: set[str] = set()
    for text in texts:
        parts = (text or "").split("\x1f")
        if len(parts) > _WORD_PARTS[-1]:
            values.update([parts[i] for i in _WORD_PARTS])
        else:  # not a search_text (a bare value)
            values.add(text or "")
    return {w for w in set(WORD.findall("\x1f".join(values))) if _is_word(w)}


def add_terms(conn: Connection | Session, texts: Iterable[str]) -> None:
    """Record the words the typo search may correct a query to (new ones only)."""
    found = sorted(_words(texts))
    if not found:
        return
    connection = conn.connection() if isinstance(conn, Session) else conn
    if connection.dialect.name == "postgresql":
        sql = "INSERT INTO search_terms (term) VALUES (%s) ON CONFLICT (term) DO NOTHING"
    else:
        sql = "INSERT OR IGNORE INTO search_terms (term) VALUES (?)"
    connection.exec_driver_sql(sql, [(w,) for w in found])


def rebuild(conn: Connection | Session, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every lead afresh (the demo, the migration, `leadtui db reindex`); returns
    the number of postings rows. Bulk: one segment of leads at a time."""
    _lock(conn)
    connection = conn.connection() if isinstance(conn, Session) else conn
    if connection.dialect.name == "sqlite":
        # A page cache that holds the index being written (SQLite's default is 2 MiB:
        # a million leads' postings would be written from disk over and over).
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        return _rebuild(conn, progress)
    finally:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")


def _rebuild(conn: Connection | Session, progress: Callable[[int, int], None] | None) -> int:
    conn.execute(delete(postings))
    conn.execute(delete(terms_table))
    top = conn.execute(select(func.max(Lead.id))).scalar() or 0
    rows = 0
    words: set[str] = set()
    for seg in range((top >> SEG_BITS) + 1):
        lo, hi = seg << SEG_BITS, ((seg + 1) << SEG_BITS) - 1
        batch = bulk.fetch_all(conn, "SELECT id, search_text FROM leads WHERE id BETWEEN ? AND ? ORDER BY id", (lo, hi))
        if not batch:
            continue
        ids = np.fromiter((i for i, _ in batch), dtype=np.int64, count=len(batch))
        texts = [t or "" for _, t in batch]
        out = [(gram, s, len(offs) // 2, offs) for s, gram, offs in _segment_postings(ids, texts)]
        bulk.execute_many(conn, "INSERT INTO search_postings (gram, seg, n, ids) VALUES (?, ?, ?, ?)", out)
        rows += len(out)
        words |= _words(texts)
        if progress is not None:
            progress(min(hi, top), top)
    bulk.execute_many(conn, "INSERT INTO search_terms (term) VALUES (?)", [(w,) for w in sorted(words)])
    return rows


# ----------------------------------------------------------------------------- reading

def gram_counts(conn: Connection | Session, grams: Iterable[int]) -> dict[int, int]:
    """How many leads each gram lists (a gram no lead holds is absent)."""
    grams = list(grams)
    out: dict[int, int] = {}
    for i in range(0, len(grams), _IN_CHUNK):
        chunk = grams[i:i + _IN_CHUNK]
        out.update(conn.execute(select(postings.c.gram, func.sum(postings.c.n))
                                .where(postings.c.gram.in_(chunk)).group_by(postings.c.gram)).all())
    return {g: int(n) for g, n in out.items()}


def gram_leads(conn: Connection | Session, gram: int) -> np.ndarray:
    """The sorted ids of the leads listed under one gram."""
    parts = [(np.frombuffer(blob, dtype="<u2").astype(np.int64) | (seg << SEG_BITS))
             for seg, blob in conn.execute(select(postings.c.seg, postings.c.ids)
                                           .where(postings.c.gram == gram).order_by(postings.c.seg))]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


# Stop narrowing once this few candidates are left, or once this many ids were read.
NARROW_ENOUGH = 64
READ_BUDGET = 3_000_000


class GramCache:
    """What one read has learnt of the index: the typo search asks for many keywords
    that share most of their grams."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.known: set[int] = set()
        self.leads: dict[int, np.ndarray] = {}

    def gram_counts(self, conn: Connection | Session, grams: set[int]) -> dict[int, int]:
        missing = grams - self.known
        if missing:
            self.counts.update(gram_counts(conn, missing))
            self.known |= missing
        return {g: self.counts[g] for g in grams if g in self.counts}

    def gram_leads(self, conn: Connection | Session, gram: int) -> np.ndarray:
        if gram not in self.leads:
            self.leads[gram] = gram_leads(conn, gram)
        return self.leads[gram]


def candidates(conn: Connection | Session, normalised: str, cache: GramCache | None = None) -> np.ndarray | None:
    """The leads that may hold `normalised` (sorted ids), or None when the query has no
    gram (one character, or only two or three digits): then every lead may."""
    grams = query_grams(normalised)
    if not grams:
        return None
    cache = cache or GramCache()
    counts = cache.gram_counts(conn, grams)
    if len(counts) < len(grams):
        return np.empty(0, dtype=np.int64)  # some gram no lead holds
    ordered = sorted(grams, key=counts.__getitem__)
    found = cache.gram_leads(conn, ordered[0])
    read = len(found)
    for gram in ordered[1:]:
        if len(found) <= NARROW_ENOUGH or read + counts[gram] > READ_BUDGET:
            break
        # Reading a posting costs about a fiftieth of checking a candidate row; but
        # while the candidates are many (past 10,000 a list probes or walks rather than
        # checking each), a far denser gram would hardly bring them down.
        if counts[gram] > (50 if len(found) <= 10_000 else 4) * len(found):
            break
        found = _intersect(found, cache.gram_leads(conn, gram))
        read += counts[gram]
    return found


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ids in both sorted arrays: a binary search of each of a's in b, no sorting."""
    if not len(a) or not len(b):
        return a[:0]
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return a[b[at] == a]


def load_terms(conn: Connection | Session, after: int = 0) -> list[tuple[int, str]]:
    """The typo search's words with an id above `after` (a process keeps what it read)."""
    return list(conn.execute(select(terms_table.c.id, terms_table.c.term)
                             .where(terms_table.c.id > after).order_by(terms_table.c.id)).all())
