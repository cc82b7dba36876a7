"""Editing a lead's fields; the pool's auto-assign rules then look at it again (SPEC 5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from leadtui.i18n import label
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.fields import LEAD_EDITABLE_FIELDS, SEARCH_FIELDS
from leadtui.store.leads.lists import _load_visible, _pool_name
from leadtui.store.models import Lead
from leadtui.store.rules.assign import apply_rules
from leadtui.store.search import index as search_index
from leadtui.store.search.engine import search_text

if TYPE_CHECKING:
    from leadtui.store.service import Store

_LIMITS = {c.name: c.type.length for c in Lead.__table__.columns if getattr(c.type, "length", None)}
_MAY_EDIT = {"admin", "pool_admin", "owner", "manager"}


def edit_lead(store: Store, lead_id: int, changes: Mapping[str, str]) -> dict[str, str]:
    """Change some fields of a lead; returns the fields that changed (new values).

    A pooled lead that now matches an auto-assign rule is assigned in the same step.
    """
    unknown = [k for k in changes if k not in LEAD_EDITABLE_FIELDS]
    if unknown:
        raise Invalid("{field} cannot be edited: one of {choices}", field=unknown[0],
                      choices=", ".join(LEAD_EDITABLE_FIELDS))
    clean = {k: str(v if v is not None else "").strip() for k, v in changes.items()}
    for key, value in clean.items():
        limit = _LIMITS.get(key)
        if limit and len(value) > limit:
            raise Invalid("{field} is at most {n} characters long", field=label(key), n=limit)
    with store.db.write() as session:
        lead, role = _load_visible(session, store.actor, lead_id)
        if role not in _MAY_EDIT:
            raise Refused("Only the owner or an admin of pool {pool} may edit lead {order_no}",
                          pool=_pool_name(session, lead), order_no=lead.order_no)
        before = {k: getattr(lead, k) for k in clean if getattr(lead, k) != clean[k]}
        if not before:
            return {}
        for key in before:
            setattr(lead, key, clean[key])
        lead.search_text = search_text({f: getattr(lead, f) for f in SEARCH_FIELDS})
        session.flush()
        search_index.index_leads(session, [(lead.id, lead.search_text)])
        after = {k: clean[k] for k in before}
        audit.record(session, store.actor.id, "edit", "lead", lead.id, before, after, pool_id=lead.pool_id)
        apply_rules(session, [lead], store.actor.id)
        return after
