"""Live refresh of the record lists (SPEC 8, issue 8): what other operators change
shows within about a second, the cursor, the marks and the scroll position kept.

About once a second (`LIVE_EVERY`) the list in front — also while a dialog is open
over it, not when another screen covers it — asks the store's change feed, in a
thread worker, what was committed since it last looked (store/changes.py: SQLite's
`PRAGMA data_version` plus the audit trail, PostgreSQL's LISTEN/NOTIFY). Only when
something was, the same worker fetches what is on screen: the count and the page(s)
under the visible rows, nothing else (other cached pages are fetched again when
scrolled to). Back on the UI thread the fresh rows replace the old in one go, the
cursor stays on the record it was on (rows that vanished above it do not move it to
another lead, which the next key would act on), the view keeps its place, and the
status line's counts follow.

Marks: a marked record that someone else took — claimed, assigned, returned,
converted, deleted… by another operator or the rules (the feed names the events),
or that no longer belongs to the list at all — is unmarked, with a notice saying
so. The console's own actions refresh themselves (`batch_done`, `on_screen_resume`);
the feed sees them too, which costs one more cheap refresh, never a wrong one.

This mixin only relies on the list's paging contract: `count(query)`,
`page(query, offset, limit)` (or `live_page`, which also gets the fresh count),
`ids(query)` with `query.ids`, `status.shown` (None while a reload counts), and the table's
`reset(total, keep_cursor=True)`, `supply(generation, page, rows)`, `generation`,
`PAGE_SIZE`, `marks`, `set_marks`. The paging flow of record_list.py (`reload`,
`fetch_page`) can change under it as long as those hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen
from textual.timer import Timer

from leadtui.i18n import t
from leadtui.store.errors import DatabaseReplaced, StoreError

if TYPE_CHECKING:
    from leadtui.store.db.changes import Changes

# Past this many marks, an "unknown what" change does not re-check every mark
# against the list (a query naming them all); named events are still checked.
CHECK_ALL_MARKS_UP_TO = 5000


@dataclass(frozen=True)
class _Look:
    """What was on screen when a look began (read on the UI thread)."""

    query: Any
    generation: int
    pages: tuple[int, ...]
    anchor: int | None  # the record under the cursor
    cursor_row: int
    view_offset: int  # the cursor's line within the view
    marks: frozenset[int]


@dataclass
class _Found:
    look: _Look
    position: int
    feed: Any = None  # the feed the position belongs to
    total: int | None = None  # None: nothing changed
    pages: dict[int, list[Any]] = field(default_factory=dict)
    unmark: set[int] = field(default_factory=set)
    unread: int | None = None


class LiveRefresh:
    """Mixin for RecordListScreen: `live_start()` from on_mount; `live_entity` says
    which records the list shows ("lead" or "customer")."""

    LIVE_EVERY = 1.0  # seconds between two looks (tests make it small)
    live_entity = "lead"

    _live_timer: Timer | None = None

    # Provided by RecordListScreen / its subclasses.
    app: Any
    query_spec: Any
    _loaded: bool
    table: Any
    status: Any

    if TYPE_CHECKING:
        def count(self, query: Any) -> int: ...
        def page(self, query: Any, offset: int, limit: int) -> list[Any]: ...
        def ids(self, query: Any) -> list[int]: ...
        def ready(self) -> bool: ...

    def live_start(self) -> None:
        if self._live_timer is not None:
            return  # on_mount can run twice along a subclass chain
        self._live_position: int | None = None
        self._live_feed: Any = None
        self._live_busy = False
        self._live_trouble: str | None = None
        self._live_timer = self.set_interval(self.LIVE_EVERY, self.live_look)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ one look

    def _live_in_view(self) -> bool:
        stack = self.app.screen_stack
        if self not in stack:
            return False  # another mode's screen
        return all(isinstance(screen, ModalScreen) for screen in stack[stack.index(self) + 1:])

    def live_look(self) -> None:
        if self._live_busy or not self._loaded or not self.ready() or not self._live_in_view():
            return
        if self.status.shown is None:
            return  # the list is being counted (a reload): what it reads is at least as new
        table = self.table
        size = table.PAGE_SIZE
        top = max(0, round(table.scroll_y))
        bottom = max(top, min(top + table.visible_rows, max(table.total, 1)) - 1)
        record = table.cursor_record
        look = _Look(self.query_spec, table.generation, tuple(range(top // size, bottom // size + 1)),
                     record.id if record is not None else None, table.cursor_row, table.cursor_row - top,
                     frozenset(table.marks))
        self._live_busy = True
        self.run_worker(partial(self._live_work, look), thread=True, group="live",  # type: ignore[attr-defined]
                        exit_on_error=False)

    def _live_work(self, look: _Look) -> None:
        """In a worker thread: ask the feed; when something changed, fetch what is on screen."""
        app = self.app
        store = app.store
        try:
            feed = store.change_feed()
            # A reopened database has a new feed: its positions start afresh.
            known = self._live_position if feed is self._live_feed else None
            position, changes = feed.since(known)
            found = _Found(look, position, feed=feed)
            if changes:
                size = self.table.PAGE_SIZE
                found.total = self.count(look.query)
                found.pages = {n: self.live_page(look.query, n * size, size, found.total)
                               for n in look.pages if n * size < found.total}
                found.unmark = self._live_lost_marks(look, changes, store.user.id)
                found.unread = store.unread_count()
        except StoreError as exc:
            app.call_from_thread(self._live_failed, str(exc))
            if isinstance(exc, DatabaseReplaced):
                app.call_from_thread(app.database_replaced, str(exc))
        except Exception as exc:  # noqa: BLE001 — a refresh must never stop the console
            app.call_from_thread(self._live_failed, t("Database error: {error}",
                                                      error=str(getattr(exc, "orig", None) or exc)))
        else:
            app.call_from_thread(self._live_apply, found)

    def live_page(self, query: Any, offset: int, limit: int, total: int) -> list[Any]:
        """One page as `page()` reads it, for a list just counted at `total` (a list
        whose far pages are read from the end, knowing the length, passes it on)."""
        return self.page(query, offset, limit)

    def _live_lost_marks(self, look: _Look, changes: Changes, me: int) -> set[int]:
        """The marks that someone else took or that left the list."""
        if not look.marks:
            return set()
        taken = changes.taken(self.live_entity, me) & look.marks
        named = changes.ids(self.live_entity)
        if named is None:
            suspects = set(look.marks) if len(look.marks) <= CHECK_ALL_MARKS_UP_TO else set()
        else:
            suspects = named & look.marks
        suspects -= taken
        if not suspects:
            return taken
        still = set(self.ids(replace(look.query, ids=tuple(sorted(suspects)))))
        return taken | (suspects - still)

    # ------------------------------------------------------------------ back on the UI thread

    def _live_failed(self, message: str) -> None:
        self._live_busy = False
        if self._live_trouble is None:  # say it once, not every second
            self.app.notify(t("Live refresh paused: {error}", error=message), severity="warning", timeout=8)
            self.status.set(extra=t("not live"))
        self._live_trouble = message

    def _live_apply(self, found: _Found) -> None:
        self._live_busy = False
        if self._live_trouble is not None:
            self._live_trouble = None
            self.status.set(extra="")
        look = found.look
        self._live_feed = found.feed
        if found.total is None:
            self._live_position = found.position
            return
        table = self.table
        if look.query != self.query_spec or table.generation != look.generation:
            # A reload began meanwhile (a search, a batch, a sort): its rows are at least
            # as new. The position stays, so the next look sees these changes again.
            return
        self._live_position = found.position
        moved = table.cursor_row != look.cursor_row  # the operator moved on meanwhile: leave it
        table.reset(found.total, keep_cursor=True)
        for number, rows in found.pages.items():
            table.supply(table.generation, number, rows)
        if not moved:
            self._live_follow_cursor(found)
        lost = found.unmark & table.marks
        if lost:
            table.set_marks(table.marks - lost)
            self.app.notify(t("{n} marked row(s) were taken by someone else or left this list: unmarked",
                              n=len(lost)), severity="warning", timeout=6)
        self.status.set(shown=found.total, marked=len(table.marks),
                        **({"unread": found.unread} if found.unread is not None else {}))

    def _live_follow_cursor(self, found: _Found) -> None:
        """Keep the cursor on its record when rows above it came or went."""
        look, table = found.look, self.table
        if look.anchor is None:
            return
        record = table.cursor_record
        if record is not None and record.id == look.anchor:
            return
        size = table.PAGE_SIZE
        for number, rows in found.pages.items():
            for index, row in enumerate(rows):
                if row.id == look.anchor:
                    at = number * size + index
                    table.scroll_to(y=max(0, at - look.view_offset), animate=False, immediate=True)
                    table.cursor_row = at
                    return
        # Gone from what is on screen (taken, or moved far): the row that took its
        # place is under the cursor, as after a reload.
