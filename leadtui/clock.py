"""The one clock: every time-dependent function asks here for "now".

Tests and `--now` freeze it; otherwise it is the wall clock. Times are naive UTC
throughout the store, so SQLite and PostgreSQL compare them the same way.
"""

from __future__ import annotations

from datetime import datetime, timezone

_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return wall()


def wall() -> datetime:
    """The wall clock, whatever `now` says: the audit trail keeps it beside a
    simulated time, so that a replay under `--now` is never taken for the real thing."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def simulated() -> bool:
    return _frozen is not None


def freeze(at: datetime | None) -> None:
    """Set (or with None, release) the time every caller sees."""
    global _frozen
    if at is not None and at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    _frozen = at


def parse(text: str) -> datetime:
    """An ISO date or date-time as the naive UTC the store uses."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
