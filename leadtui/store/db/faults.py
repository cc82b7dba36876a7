"""The one place that reads the database driver's errors (issue 8, faults).

SQLite and PostgreSQL say "busy", "disk full", "read-only" and "cannot connect" in
their own codes; `fault_for` turns them into the store's error classes
(`leadtui.store.errors`: Busy, DiskFull, ReadOnly, Unreachable, DatabaseFault), whose
text says what happened, that nothing was saved, and what to do — in the operator's
language, never a traceback. `Database.read()` / `Database.write()` run inside
`mapped()`, so every store call raises these; the CLI's `guarded` and the console's
store calls show them as they are. Errors that are not faults (an IntegrityError a
store function expects, a programming error) pass through unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from leadtui.store.errors import Busy, DatabaseFault, DiskFull, ReadOnly, Unreachable

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_FULL = sqlite3.SQLITE_FULL
_SQLITE_READONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}
_SQLITE_CANTOPEN = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB}
_SQLITE_IOERR = sqlite3.SQLITE_IOERR
_SQLITE_CORRUPT = sqlite3.SQLITE_CORRUPT

# PostgreSQL SQLSTATEs.
_PG_BUSY = {"55P03", "57014"}  # lock_timeout, statement timeout
_PG_CROSSED = {"40P01", "40001"}  # deadlock detected, serialization failure
_PG_FULL = {"53100"}
_PG_READONLY = {"25006", "42501"}  # read-only transaction (a standby), no privilege to write


def fault_for(exc: BaseException, where: str, busy_s: float) -> DatabaseFault | None:
    """The store's error for a driver error, or None when it is no fault of the
    database (the caller re-raises it). `where` names the database for the message."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in _SQLITE_BUSY:
            return _busy(busy_s)
        if primary == _SQLITE_FULL:
            return _full(where)
        if primary in _SQLITE_READONLY:
            return _read_only(where)
        if primary in _SQLITE_CANTOPEN:
            return Unreachable("Cannot open the database {db}: {error}", db=where, error=detail)
        if primary == _SQLITE_IOERR:
            return DatabaseFault("The disk could not read or write {db} ({error}): nothing was saved",
                                 db=where, error=detail)
        if primary == _SQLITE_CORRUPT:
            return DatabaseFault("The database file {db} is damaged ({error}): restore it from a backup",
                                 db=where, error=detail)
        return None
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        if state in _PG_BUSY:
            return _busy(busy_s)
        if state in _PG_CROSSED:
            return Busy("Another operator's change crossed this one and the database stopped it: "
                        "nothing was saved; try again")
        if state in _PG_FULL:
            return _full(where)
        if state in _PG_READONLY:
            return _read_only(where)
        if state.startswith("08") or state in ("57P01", "57P02", "57P03"):  # connection, shutdown
            return Unreachable("Cannot reach the database {db}: {error}", db=where, error=detail)
        return None
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or _is_connect_failure(orig):
        return Unreachable("Cannot reach the database {db}: {error}", db=where, error=detail)
    return None


def _busy(seconds: float) -> Busy:
    return Busy("The database stayed busy for over {seconds} s (other operators' changes held it): "
                "nothing was saved; try again", seconds=f"{seconds:g}")


def _full(where: str) -> DiskFull:
    return DiskFull("The disk holding the database {db} is full: nothing was saved. "
                    "Free some space, then try again", db=where)


def _read_only(where: str) -> ReadOnly:
    return ReadOnly("The database {db} is read-only for you: nothing was saved. "
                    "Ask whoever runs it to make it writable", db=where)


def _is_connect_failure(orig: BaseException) -> bool:
    # psycopg's OperationalError without a SQLSTATE: the server never answered.
    return type(orig).__name__ == "OperationalError" and type(orig).__module__.startswith("psycopg")


@contextmanager
def mapped(where: str, busy_s: float) -> Iterator[None]:
    """Driver faults inside become the store's errors (the cause kept as __cause__)."""
    try:
        yield
    except DBAPIError as exc:
        fault = fault_for(exc, where, busy_s)
        if fault is None:
            raise
        raise fault from exc
