"""The naive search, for comparison only (`leadtui search --engine naive`, `leadtui bench
search`): what a list would do without the index — one `LIKE '%q%'` on each of the
17 columns, OR-ed, newest first. It is not forgiving (no typos, no full-width forms)
and reads every row a rare keyword does not stop it early on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from leadtui.store.access import pool_access
from leadtui.store.fields import SEARCH_FIELDS
from leadtui.store.leads.lists import _conditions, _masked, found_by
from leadtui.store.models import Lead
from leadtui.store.records import LeadQuery
from leadtui.store.search.engine import _like_escape

if TYPE_CHECKING:
    from leadtui.store.service import Store


def search(store: Store, text: str, screen: str = "all", pool_id: int | None = None,
           limit: int = 20) -> list[dict[str, object]]:
    pattern = f"%{_like_escape(text.strip())}%"
    columns = [getattr(Lead, name) for name in SEARCH_FIELDS]
    with store.db.read() as session:
        query = LeadQuery(screen=screen, pool_id=pool_id)
        access = None if store.actor.is_admin else pool_access(session, store.actor)
        conds = _conditions(session, store.actor, query, access)
        # Masked leads (SPEC 3) by their order number only, as the lists find them.
        masked = _masked(store.actor, access, query)
        hit = found_by(masked, or_(*(c.like(pattern, escape="\\") for c in columns)), text.strip())
        shown = [] if masked is None else [masked.label("masked")]
        stmt = (select(Lead.id, *columns, *shown).where(*conds, hit)
                .order_by(Lead.submitted_at.desc(), Lead.id.desc()).limit(limit))
        hits = []
        for row in session.execute(stmt):
            needle = text.strip().lower()
            fields = SEARCH_FIELDS[:1] if masked is not None and row[-1] else SEARCH_FIELDS
            field = next((name for name, value in zip(fields, row[1:]) if needle in (value or "").lower()), None)
            hits.append({"id": row[0], "score": 100, "matched_field": field, "exact": True})
        return hits
