"""What every screen and dialog shares: store calls in worker threads (the UI
never waits on the database)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leadtui.i18n import t
from leadtui.store.errors import DatabaseReplaced, StoreError

if TYPE_CHECKING:
    from leadtui.app import LeadApp


class StoreCalls:
    """Mixin for screens: `self.call_store(fn, *args, done=...)` runs `fn` in a
    thread worker and calls `done(result)` back on the UI thread; a refusal or a
    database error becomes a notification and the screen keeps its state."""

    app: LeadApp

    def call_store(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
                   failed: Callable[[str], None] | None = None, group: str = "store",
                   exclusive: bool = False, **kwargs: Any) -> None:
        app = self.app

        def job() -> None:
            try:
                result = fn(*args, **kwargs)
            except StoreError as exc:
                app.call_from_thread(failed or app.show_error, str(exc))
                if isinstance(exc, DatabaseReplaced):
                    app.call_from_thread(app.database_replaced, str(exc))
            except Exception as exc:  # noqa: BLE001 — a DB fault must not kill the console
                message = t("Database error: {error}", error=str(getattr(exc, "orig", None) or exc))
                app.call_from_thread(failed or app.show_error, message)
            else:
                if done is not None:
                    app.call_from_thread(done, result)

        self.run_worker(job, thread=True, group=group, exclusive=exclusive)  # type: ignore[attr-defined]
