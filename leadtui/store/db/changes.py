"""What other operators changed, for the open console's live refresh (issue 8).

A `ChangeFeed` (one per Store, so one per console) answers "what has been committed
since I last asked?" cheaply enough to ask once a second:

- SQLite: `PRAGMA data_version` on a connection of the feed's own. Its value moves
  when any *other* connection commits — other processes, and also this process's own
  pooled connections, so the console's own writes show here too (the screens refresh
  after their own actions anyway). When it moved, the audit trail since the last look
  names what changed: every change of owner, pool, status, tags or fields writes an
  audit event (SPEC 6), so the trail is the change log.
- PostgreSQL: every write transaction (`Database.write`) ends with a NOTIFY on a
  channel of its schema, carrying what it changed (`collect` / `note` / `announce`;
  ids when few, else only "something"); NOTIFY is transactional, so a rolled-back
  write tells nobody. The feed LISTENs on a connection of its own and reads what
  arrived without a round trip. When it cannot listen (the connection dropped, a
  pooler that does not pass LISTEN through), it falls back to polling
  `pg_current_snapshot()`, which moves whenever a writing transaction starts or ends,
  and tries to listen again every half minute.

What a feed hands out is `Changes`: nothing, some named events, or "something,
unknown what" (a fallback poll, a burst too big to name, a subscriber's first look).
No Textual here; the screens poll the feed from a worker thread (screens/live.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from leadtui.store.db import faults

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadtui.store.db.engine import Database

CHANNEL_PREFIX = "leadtui_"
NAMED_MAX = 150  # events named in one NOTIFY payload (it must stay under 8000 bytes)
READ_MAX = 2000  # audit rows read per SQLite check; past it: "something, unknown what"
_NOTES = "leadtui.changes"

# Actions after which a record is no longer the one an operator marked: its owner,
# pool or state moved under them (a follow-up, an edit or a tag is not "taking").
TAKING = frozenset({"claim", "assign", "auto_assign", "reclaim", "return", "recycle", "convert", "delete",
                    "purge", "move", "owner", "merge", "blacklist"})


@dataclass(frozen=True)
class Changed:
    """One audit event as the feed sees it."""

    entity: str  # lead | customer | pool | user
    entity_id: int
    action: str
    actor_id: int | None  # None: the rules
    owner_known: bool = False  # whether the event says who owns it afterwards
    owner_id: int | None = None


@dataclass(frozen=True)
class Changes:
    """What was committed: `any` False means nothing; `events` None means unknown what."""

    any: bool = False
    events: tuple[Changed, ...] | None = ()

    def __bool__(self) -> bool:
        return self.any

    @property
    def known(self) -> bool:
        return self.events is not None

    def ids(self, entity: str) -> set[int] | None:
        """The records of `entity` named as changed; None when unknown."""
        if self.events is None:
            return None
        return {e.entity_id for e in self.events if e.entity == entity}

    def taken(self, entity: str, me: int) -> set[int]:
        """Records someone other than `me` took from under me: claimed, assigned,
        returned, converted, deleted… by another operator or the rules, and not to me."""
        return {e.entity_id for e in self.events or ()
                if e.entity == entity and e.action in TAKING and e.actor_id != me
                and not (e.owner_known and e.owner_id == me)}


NOTHING = Changes()
UNKNOWN = Changes(True, None)


def merge(found: Iterable[Changes]) -> Changes:
    events: list[Changed] = []
    anything = False
    for changes in found:
        if not changes:
            continue
        if changes.events is None:
            return UNKNOWN
        anything = True
        events.extend(changes.events)
    return Changes(True, tuple(events)) if anything else NOTHING


def _event(entity: str, entity_id: int, action: str, actor_id: int | None,
           after: Mapping[str, object] | None) -> Changed:
    after = after or {}
    owner = after.get("owner_id") if "owner_id" in after else None
    return Changed(entity, int(entity_id), action, actor_id, "owner_id" in after,
                   owner if isinstance(owner, int) else None)


# ----------------------------------------------------------------------------- the writing side


def collect(session: Session) -> None:
    """Start noting what this write transaction changes (PostgreSQL only: SQLite's
    consoles read the audit trail itself)."""
    session.info[_NOTES] = []


def note(session: Session, entity: str, entity_id: int, action: str, actor_id: int | None,
         after: Mapping[str, object] | None) -> None:
    """Called by the audit trail for each event it writes."""
    notes = session.info.get(_NOTES)
    if notes is not None and len(notes) <= NAMED_MAX:
        notes.append(_event(entity, entity_id, action, actor_id, after))


def note_many(session: Session, rows: list[dict[str, Any]]) -> None:
    notes = session.info.get(_NOTES)
    if notes is None:
        return
    for row in rows[:NAMED_MAX + 1 - len(notes)]:
        notes.append(_event(row["entity"], row["entity_id"], row["action"], row.get("actor_id"), row.get("after")))


def payload(events: list[Changed]) -> str:
    if len(events) > NAMED_MAX:
        return json.dumps({"more": True})
    return json.dumps({"e": [[e.entity, e.entity_id, e.action, e.actor_id, int(e.owner_known), e.owner_id]
                             for e in events]}, separators=(",", ":"))


def parse(text: str) -> Changes:
    try:
        data = json.loads(text)
        if data.get("more"):
            return UNKNOWN
        return Changes(True, tuple(Changed(str(entity), int(entity_id), str(action), actor, bool(known), owner)
                                   for entity, entity_id, action, actor, known, owner in data["e"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return UNKNOWN  # a payload from another leadtui version: refresh everything


_CHANNEL_SQL = f"left('{CHANNEL_PREFIX}' || current_schema(), 63)"


def announce(session: Session) -> None:
    """The last statement of a PostgreSQL write transaction: NOTIFY what it changed
    (delivered at commit, dropped on rollback). A write that noted nothing still
    announces itself: the consoles refresh rather than miss a change."""
    notes = session.info.pop(_NOTES, None)
    if notes is None:
        return
    session.connection().exec_driver_sql(f"SELECT pg_notify({_CHANNEL_SQL}, %(payload)s)",
                                         {"payload": payload(notes)})


# ----------------------------------------------------------------------------- the reading side


class _SqliteProbe:
    def __init__(self, db: Database) -> None:
        from leadtui.store.models import AuditEvent

        self._table = AuditEvent.__table__.name
        # A connection of the feed's own, out of the pool: data_version counts the
        # commits of every connection but the one asking.
        self._raw = db.engine.raw_connection()
        self._conn = self._raw.driver_connection
        self._raw.detach()
        self._version = self._one("PRAGMA data_version")
        self._last = self._one(f"SELECT coalesce(max(id), 0) FROM {self._table}")

    def _one(self, sql: str) -> Any:
        cursor = self._conn.cursor()
        try:
            return cursor.execute(sql).fetchone()[0]
        finally:
            cursor.close()

    def check(self) -> Changes:
        version = self._one("PRAGMA data_version")
        if version == self._version:
            return NOTHING
        self._version = version
        cursor = self._conn.cursor()
        try:
            rows = cursor.execute(f"SELECT id, entity, entity_id, action, actor_id, after FROM {self._table} "
                                  f"WHERE id > ? ORDER BY id LIMIT ?", (self._last, READ_MAX + 1)).fetchall()
        finally:
            cursor.close()
        if len(rows) > READ_MAX:
            self._last = self._one(f"SELECT coalesce(max(id), 0) FROM {self._table}")
            return UNKNOWN
        if rows:
            self._last = rows[-1][0]
        events = []
        for _id, entity, entity_id, action, actor_id, after in rows:
            try:
                values = json.loads(after or "{}")
            except ValueError:
                values = {}
            events.append(_event(entity, entity_id, action, actor_id, values if isinstance(values, dict) else {}))
        return Changes(True, tuple(events))

    def close(self) -> None:
        self._raw.close()


class _PgProbe:
    RELISTEN_S = 30.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._listener: Any = None
        self._snapshot: str | None = None
        self._next_listen = 0.0
        self._listen()
        if self._listener is None:
            self._snapshot = self._poll_snapshot()

    def _listen(self) -> None:
        from psycopg import sql

        raw = self._db.engine.raw_connection()
        conn = raw.driver_connection
        try:
            raw.detach()
            conn.rollback()  # the pool's ping may have opened a transaction
            conn.autocommit = True
            channel = conn.execute(f"SELECT {_CHANNEL_SQL}").fetchone()[0]
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except Exception:  # noqa: BLE001 — no listening: poll instead, try again later
            raw.close()
            self._next_listen = time.monotonic() + self.RELISTEN_S
            return
        self._listener = raw
        self._conn = conn

    def _poll_snapshot(self) -> str:
        with self._db.read() as session:
            return str(session.scalar(text("SELECT pg_current_snapshot()::text")))

    def listening(self) -> bool:
        return self._listener is not None

    def check(self) -> Changes:
        if self._listener is not None:
            try:
                found = [parse(n.payload) for n in self._conn.notifies(timeout=0)]
            except Exception:  # noqa: BLE001 — the connection dropped: poll from now on
                self._drop_listener()
                self._snapshot = self._poll_snapshot()
                return UNKNOWN  # something may have been missed meanwhile
            return merge(found)
        if time.monotonic() >= self._next_listen:
            self._listen()
            if self._listener is not None:
                return UNKNOWN  # whatever happened between the last poll and LISTEN
        snapshot = self._poll_snapshot()
        if snapshot == self._snapshot:
            return NOTHING
        self._snapshot = snapshot
        return UNKNOWN

    def _drop_listener(self) -> None:
        try:
            self._listener.close()
        except Exception:  # noqa: BLE001
            pass
        self._listener = None
        self._next_listen = time.monotonic() + self.RELISTEN_S

    def close(self) -> None:
        if self._listener is not None:
            self._drop_listener()


class ChangeFeed:
    """What was committed since a subscriber's position. Thread-safe; the database
    is asked at most once per `min_interval` however many screens ask."""

    KEEP = 256  # change batches remembered for subscribers that look less often

    def __init__(self, db: Database, min_interval: float = 0.2) -> None:
        self._db = db
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._probe: _SqliteProbe | _PgProbe | None = None
        self._checked = float("-inf")
        self._seq = 0
        self._log: deque[tuple[int, Changes]] = deque(maxlen=self.KEEP)
        self._broken = False
        self.closed = False

    def since(self, position: int | None) -> tuple[int, Changes]:
        """(new position, what changed after `position`). A new subscriber (None)
        is told "something": it refreshes once, and every later commit is seen."""
        with self._lock:
            if self.closed:
                return position or 0, NOTHING
            self._check()
            if position is None:
                return self._seq, UNKNOWN
            if position >= self._seq:
                return self._seq, NOTHING
            found = [changes for seq, changes in self._log if seq > position]
            if len(found) < self._seq - position:
                return self._seq, UNKNOWN  # older than what the feed remembers
            return self._seq, merge(found)

    def listening(self) -> bool:
        """On PostgreSQL: whether NOTIFY is heard (else the snapshot is polled)."""
        return isinstance(self._probe, _PgProbe) and self._probe.listening()

    def _check(self) -> None:
        now = time.monotonic()
        if now - self._checked < self._min_interval:
            return
        self._checked = now
        # A file replaced under the console (a restore with `mv`): say so at the next
        # look, before the operator's next write is refused for it.
        self._db.check_same_file()
        try:
            if self._probe is None:
                self._probe = _SqliteProbe(self._db) if self._db.is_sqlite else _PgProbe(self._db)
                found = UNKNOWN if self._broken else NOTHING  # after an outage: refresh
            else:
                found = self._probe.check()
        except Exception as exc:
            # Start again with a new connection at the next look; say why meanwhile.
            self._drop_probe()
            self._broken = True
            fault = faults.fault_for(exc, self._db.describe(), self._db.busy_timeout_ms / 1000)
            if fault is not None:
                raise fault from exc
            raise
        self._broken = False
        if found:
            self._seq += 1
            self._log.append((self._seq, found))

    def _drop_probe(self) -> None:
        if self._probe is not None:
            try:
                self._probe.close()
            except Exception:  # noqa: BLE001
                pass
            self._probe = None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._drop_probe()
