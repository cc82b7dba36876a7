"""The naive search, for comparison only (`leadtui search --engine naive`, `leadtui bench
search`): what a list would do without the index — one `LIKE '%q%'` on each of the
17 columns, OR-ed, newest first. It is not forgiving (no typos, no full-width forms)
and reads every row a rare keyword does not stop it early on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from leadtui.store.fields import SEARCH_FIELDS
from leadtui.store.leads import _conditions
from leadtui.store.models import Lead
from leadtui.store.records import LeadQuery
from leadtui.store.search import _like_escape

if TYPE_CHECKING:
    from leadtui.store.service import Store


def search(store: Store, text: str, screen: str = "all", pool_id: int | None = None,
           limit: int = 20) -> list[dict[str, object]]:
    pattern = f"%{_like_escape(text.strip())}%"
    columns = [getattr(Lead, name) for name in SEARCH_FIELDS]
    with store.db.read() as session:
        conds = _conditions(session, store.actor, LeadQuery(screen=screen, pool_id=pool_id))
        stmt = (select(Lead.id, *columns).where(*conds, or_(*(c.like(pattern, escape="\\") for c in columns)))
                .order_by(Lead.submitted_at.desc(), Lead.id.desc()).limit(limit))
        hits = []
        for row in session.execute(stmt):
            needle = text.strip().lower()
            field = next((name for name, value in zip(SEARCH_FIELDS, row[1:]) if needle in (value or "").lower()),
                         None)
            hits.append({"id": row[0], "score": 100, "matched_field": field, "exact": True})
        return hits
