"""What the store says when it will not do something.

Each error's text is in the console's language and names the rule, so the TUI
and the CLI can show it as it is.
"""

from __future__ import annotations

from leadtui.i18n import t


class StoreError(Exception):
    """Base: a message (English key, translated on display) and its parameters."""

    exit_code = 1

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return t(self.message, **self.params)


class Refused(StoreError):
    """A permission or a business rule says no; nothing was changed."""


class NotFound(StoreError):
    exit_code = 3


class Invalid(StoreError):
    """Bad input from the operator; nothing was changed."""

    exit_code = 2


class UnknownLogin(Refused):
    pass


class DatabaseFault(StoreError):
    """The database could not do it (busy, full, read-only, out of reach); the
    transaction was rolled back, so nothing was changed. Raised by
    `leadtui.store.db.faults`, the one place that reads the driver's errors."""

    exit_code = 4


class Busy(DatabaseFault):
    pass


class DiskFull(DatabaseFault):
    pass


class ReadOnly(DatabaseFault):
    pass


class Unreachable(DatabaseFault):
    pass


class DatabaseReplaced(DatabaseFault):
    """The SQLite file was moved, deleted or replaced (a restore from backup) since it
    was opened: a write now would go into a file nobody reads again."""
