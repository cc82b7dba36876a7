"""Per-user preferences, such as the columns each screen shows."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select

from leadtui.store.errors import Invalid
from leadtui.store.fields import CUSTOMER_COLUMNS, DEFAULT_COLUMNS, LEAD_COLUMNS
from leadtui.store.models import UserPref

if TYPE_CHECKING:
    from leadtui.store.service import Store


def columns_of(screen: str) -> tuple[str, ...]:
    """The columns a screen can show: the customer screens theirs, the rest the leads'."""
    return CUSTOMER_COLUMNS if screen in ("mine", "sea") else LEAD_COLUMNS


def get_columns(store: Store, screen: str) -> tuple[str, ...]:
    with store.db.read() as session:
        value = session.scalar(select(UserPref.value).where(
            UserPref.user_id == store.actor.id, UserPref.key == f"columns.{screen}"))
    if value:
        try:
            columns = tuple(c for c in json.loads(value) if c in columns_of(screen))
        except (ValueError, TypeError):
            columns = ()
        if columns:
            return columns
    return DEFAULT_COLUMNS.get(screen, DEFAULT_COLUMNS["all"])


def set_columns(store: Store, screen: str, columns: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [c for c in columns if c not in columns_of(screen)]
    if unknown:
        raise Invalid("Unknown columns: {columns}", columns=", ".join(unknown))
    if not columns:
        raise Invalid("Choose at least one column")
    with store.db.write() as session:
        pref = session.get(UserPref, (store.actor.id, f"columns.{screen}"))
        if pref is None:
            session.add(UserPref(user_id=store.actor.id, key=f"columns.{screen}", value=json.dumps(list(columns))))
        else:
            pref.value = json.dumps(list(columns))
    return tuple(columns)
