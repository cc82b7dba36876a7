"""`leadtui leads ...`, the pool actions on leads (assign, claim, reclaim, return, delete), the trash, follow-ups and conversion."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from leadtui import i18n, safe
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    IdsArg,
    JsonOpt,
    app,
    command_group,
    err,
    fail,
    followup_command,
    guarded,
    lead_query,
    open_store,
    out,
    print_batch,
    print_json,
    print_table,
)
from leadtui.display import cell
from leadtui.i18n import t

trash_app = command_group("trash", "Deleted leads: list, restore, purge (admins).")

leads_app = command_group("leads", "Lead lists and details.")


@leads_app.command("list")
def leads_list(
    screen: Annotated[str, typer.Option("--screen", help="all or converted.")] = "all",
    query: Annotated[str, typer.Option("--query", "-q", help="Search the 17 fields.")] = "",
    since: Annotated[str | None, typer.Option("--since", help="Submitted on or after (date).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Submitted on or before (date).")] = None,
    period: Annotated[str | None, typer.Option("--period", help="today, 7d or 30d.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Intake source (repeatable).")] = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="pooled, assigned, converted.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="Column to sort by.")] = "submitted_at",
    asc: Annotated[bool, typer.Option("--asc", help="Ascending (default: newest first).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 50,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """List leads as the All Leads / Converted Leads screens show them."""
    if limit < 1:
        fail(t("--limit must be at least 1"), 2, json_)
    q = lead_query(screen, query, since, until, period, source, status, sort, asc)
    with guarded(json_):
        store = open_store(db, as_)
        rows = store.list_leads(q, 0, limit)
        if json_:
            print_json([{"id": r.id, **r.values, "matched_field": r.matched_field} for r in rows])
            return
        total = store.count_leads(q)
        # The id first: claim, assign, followup, convert and leads show take it.
        columns = ["id", "order_no", "contact", "mobile", "company", "source", "status", "owner", "submitted_at"]
        if sort not in columns:
            columns.append(sort)  # e.g. --sort days_left: show what the order is by
        if query:
            columns.append("matched")
        print_table([i18n.label(c) if c != "matched" else t("Matched") for c in columns],
                    [[r.id if c == "id" else cell(c, r.get(c)) if c != "matched"
                      else i18n.label(r.matched_field or "") for c in columns] for r in rows],
                    keep=tuple(i for i, c in enumerate(columns) if c in ("id", "order_no", "mobile", "submitted_at")),
                    drop=tuple(columns.index(c) for c in ("source", "company", "order_no") if c != sort), readable=7)
        err.print(t("{shown} of {total} leads", shown=len(rows), total=total))


@leads_app.command("show")
def leads_show(lead_id: int, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Show one lead: every field, its follow-ups and its ownership history."""
    with guarded(json_):
        detail = open_store(db, as_).lead_detail(lead_id)
        if json_:
            print_json(detail)
            return
        print_table([t("Field"), t("Value")],
                    [[i18n.label(k), cell(k, v)] for k, v in detail.row.values.items() if v not in (None, "")],
                    keep=(0,), wrap=(1,))
        if detail.masked:
            err.print(t("Its pool shows a lead's details to members once they claim it."))
        if detail.followups:
            out.print()
            print_table([t("When"), t("Who"), t("Kind"), t("Text")],
                        [[f.at, f.author, i18n.label(f.kind), f.text] for f in detail.followups],
                        keep=(0, 1, 2), wrap=(3,))


followup_command(app, "followup", "lead", "Process / reply: add a follow-up to a lead.",
                 lambda store: store.add_followup)


@app.command()
def convert(
    lead_id: int,
    contact: Annotated[bool, typer.Option("--contact", help="Also create a contact.")] = False,
    deal: Annotated[str | None, typer.Option("--deal", help="Also create a deal of this name.")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="The deal's amount.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Convert a lead to a customer (or link it to the existing one)."""
    with guarded(json_):
        result = open_store(db, as_).convert_lead(lead_id, contact, deal, amount)
        if json_:
            print_json(result)
        elif result.linked_existing:
            out.print(Text(t("Lead #{id} joined existing customer #{cid} {name}.", id=lead_id,
                             cid=result.customer_id, name=safe.one_line(result.customer_name))))
        else:
            out.print(Text(t("Lead #{id} became {kind} customer #{cid} {name}.", id=lead_id,
                             kind=i18n.label(result.customer_kind), cid=result.customer_id,
                             name=safe.one_line(result.customer_name))))



def _ids_or_query(store: Any, ids: list[int] | None, query: str | None, pool: str | None,
                  limit: int) -> tuple[list[int], list[int]]:
    """The leads to act on, and those of them listed without an owner (a lead picked
    by --query / --pool as pooled and taken by someone else meanwhile stays theirs)."""
    from leadtui.store.records import LeadQuery

    if ids:
        return ids, []
    if query is None and pool is None:
        fail(t("Give lead ids, or --query / --pool to pick them"), 2)
    pool_id = store.show_pool(pool).id if pool else None
    q = LeadQuery(screen="pool" if pool_id else "all", text=query or "", pool_id=pool_id, sort="submitted_at")
    rows = store.list_leads(q, 0, limit)
    return [row.id for row in rows], [row.id for row in rows if row.get("status") == "pooled"]


@app.command()
def assign(
    ids: IdsArg = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Target login (repeatable: round-robin).")] = None,
    to_pool: Annotated[str | None, typer.Option("--to-pool", help="Move to this pool instead.")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Pick leads by search.")] = None,
    pool: Annotated[str | None, typer.Option("--pool", help="Pick leads of this pool.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="With --query/--pool: at most this many.")] = 100,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Assign leads to users (round-robin, skipping anyone at the cap) or to another pool."""
    with guarded(json_):
        store = open_store(db, as_)
        lead_ids, pooled = _ids_or_query(store, ids, query, pool, limit)
        print_batch(store.assign_leads(lead_ids, to or (), to_pool, seen_pooled=pooled), json_)


@app.command()
def claim(ids: Annotated[list[int], typer.Argument(help="Lead ids.")], db: DbOpt = None, as_: AsOpt = None,
          json_: JsonOpt = False) -> None:
    """Claim pooled leads (under the cap, the daily limit and the cooldown)."""
    with guarded(json_):
        print_batch(open_store(db, as_).claim_leads(ids), json_)


@app.command()
def reclaim(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
            reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")] = "",
            db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Take assigned leads back into their pool (pool admins, admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).reclaim_leads(ids, reason), json_)


@app.command("return")
def return_(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
            reason: Annotated[str, typer.Option("--reason", help="One of the pool's reasons, or other: text.")],
            to_pool: Annotated[str | None, typer.Option("--to-pool", help="When the pool lets you choose.")] = None,
            db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Give your leads back to the pool, with a reason."""
    with guarded(json_):
        print_batch(open_store(db, as_).return_leads(ids, reason, to_pool), json_)


@app.command()
def delete(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
           yes: Annotated[bool, typer.Option("--yes", help="Confirm.")] = False,
           db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Move leads to the trash (pool admins, admins)."""
    if not yes:
        fail(t("Deleting moves {n} lead(s) to the trash: add --yes to confirm", n=len(ids)), 2, json_)
    with guarded(json_):
        print_batch(open_store(db, as_).delete_leads(ids), json_)


@trash_app.command("list")
def trash_list(limit: Annotated[int, typer.Option("--limit")] = 100, db: DbOpt = None, as_: AsOpt = None,
               json_: JsonOpt = False) -> None:
    """Leads in the trash (emptied after 30 days)."""
    from leadtui.store.pools.actions import TRASH_DAYS
    from leadtui.store.records import LeadQuery

    with guarded(json_):
        store = open_store(db, as_)
        store.empty_trash()
        rows = store.list_leads(LeadQuery(screen="trash"), 0, limit)
        deleted = store.deleted_times([r.id for r in rows])
        if json_:
            print_json([{"id": r.id, **r.values, "deleted_at": deleted.get(r.id)} for r in rows])
        else:
            print_table(["id", i18n.label("order_no"), t("Deleted"), i18n.label("contact"), i18n.label("pool"),
                         i18n.label("owner")],
                        [[r.id, r.get("order_no"), cell("deleted_at", deleted.get(r.id)), r.get("contact"),
                          r.get("pool"), r.get("owner")] for r in rows], keep=(0, 1, 2))
            err.print(t("The trash empties itself: a lead goes for good {days} days after it was deleted.",
                        days=TRASH_DAYS))


@trash_app.command("restore")
def trash_restore(ids: Annotated[list[int], typer.Argument(help="Lead ids.")], db: DbOpt = None,
                  as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Bring leads back from the trash (admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).restore_leads(ids), json_)


@trash_app.command("purge")
def trash_purge(ids: Annotated[list[int], typer.Argument(help="Lead ids.")], db: DbOpt = None,
                as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Delete leads in the trash for good (admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).purge_leads(ids), json_)


@leads_app.command("edit")
def leads_edit(
    lead_id: int,
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE; repeatable (e.g. --set company=星辰科技).")],
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Correct a lead's fields (owner, pool admin, admin); auto-assign rules then look at it again."""
    changes: dict[str, str] = {}
    for item in set_:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(t("--set wants FIELD=VALUE, not {value}", value=item), 2, json_)
        changes[key.strip()] = value
    with guarded(json_):
        store = open_store(db, as_)
        changed = store.edit_lead(lead_id, changes)
        owner = store.lead_detail(lead_id).row.get("owner") if changed else None
    if json_:
        print_json({"id": lead_id, "changed": changed, "owner": owner})
    elif not changed:
        err.print(Text(t("Nothing changed.")))
    else:
        out.print(Text(t("Lead #{id}: changed {fields}.", id=lead_id, fields=", ".join(i18n.label(k) for k in changed))))
