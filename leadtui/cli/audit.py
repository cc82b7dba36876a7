"""`leadtui audit` and `leadtui inbox`: the audit trail and notifications (SPEC 6)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from leadtui import i18n
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    app,
    guarded,
    open_store,
    plain,
    print_json,
    print_table,
)
from leadtui.display import cell
from leadtui.i18n import t


@app.command("audit")
def audit_(lead: Annotated[int | None, typer.Option("--lead", help="One lead's history.")] = None,
           user: Annotated[str | None, typer.Option("--user", help="What this login did.")] = None,
           limit: Annotated[int, typer.Option("--limit")] = 50,
           db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """The audit trail, newest first."""
    with guarded(json_):
        events = open_store(db, as_).list_audit(lead, user, limit)
        if json_:
            print_json(events)
            return
        print_table([t("When"), t("Record"), t("Who"), t("Action"), t("Change"), t("Reason")],
                    [[_when(e), _record_ref(e.entity, e.entity_id), _who(e), t(e.action),
                      _change(e.before, e.after), e.reason] for e in events],
                    keep=(0, 1, 2, 3), wrap=(4, 5))


def _who(event: Any) -> str:
    """The user acted for, and the admin who did it under --as."""
    return t("{actor} (by {operator})", actor=event.actor, operator=event.operator) if event.operator else event.actor


def _when(event: Any) -> str:
    """The time the event says, and the wall clock when it was made under --now."""
    at = plain(event.at)
    return t("{at} (really {wall})", at=at, wall=plain(event.wall_at)) if event.wall_at else at


def _record_ref(entity: str, entity_id: int | None) -> str:
    """"lead #12", "customer #3": what an audit event is about."""
    if entity_id is None:
        return ""
    return f"{i18n.label(entity)} #{entity_id}" if entity != "lead" else f"#{entity_id}"


def _change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What an event changed, "owner: li → wang; status: pooled → assigned" (the
    whole before / after is in --json)."""
    parts = []
    for key in dict.fromkeys([*before, *after]):
        if key.endswith("_id") and key[:-3] in (*before, *after):
            continue  # "owner" says it in words
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        shown = [json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else "—" if v in (None, "")
                 else cell(key, v) for v in (old, new)]
        name = i18n.label(key)
        parts.append(f"{name}: {shown[1]}" if key not in before else f"{name}: {shown[0]} → {shown[1]}")
    return "; ".join(parts)


@app.command()
def inbox(all_: Annotated[bool, typer.Option("--all", help="Also what you have read.")] = False,
          db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Your notifications; showing them marks them read."""
    with guarded(json_):
        store = open_store(db, as_)
        notes = store.list_notifications(include_read=all_)
        store.mark_read([n.id for n in notes if not n.read])
        if json_:
            print_json(notes)
            return
        print_table([t("When"), t("Record"), t("What"), t("Read")],
                    [[n.at, _record_ref(n.entity, n.entity_id), n.text, "✓" if n.read else ""] for n in notes],
                    keep=(0, 1), wrap=(2,))
