"""`leadtui customers ...`: My Customers, the department, the public seas, the blacklist (SPEC 4)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.text import Text

from leadtui import i18n, safe
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    command_group,
    date_bound,
    err,
    fail,
    followup_command,
    guarded,
    open_store,
    out,
    plain,
    print_batch,
    print_json,
    print_table,
)
from leadtui.display import cell
from leadtui.i18n import t

customers_app = command_group("customers", "Customers: My Customers, the department, the public seas, the blacklist.")

CustomerIdsArg = Annotated[list[int], typer.Argument(metavar="IDS…", help="Customer ids.")]


def _customer_cell(key: str, value: Any) -> str:
    if key == "locked":
        return "✓" if value else ""
    return cell(key, value)


@customers_app.command("list")
def customers_list(
    mine: Annotated[bool, typer.Option("--mine", help="The customers you own (the default).")] = False,
    dept: Annotated[bool, typer.Option("--dept", help="Your department's (managers).")] = False,
    sea: Annotated[str | None, typer.Option("--sea", help="A public sea's unowned customers (name or id; "
                                                          "'*' for every sea you may see).")] = None,
    blacklist: Annotated[bool, typer.Option("--blacklist", help="Blacklisted customers.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every customer (admins).")] = False,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Has this tag (repeatable).")] = None,
    tags_match: Annotated[str, typer.Option("--tags-match", help="any or all of the --tag tags.")] = "any",
    stage: Annotated[list[str] | None, typer.Option("--stage", help="new, contacted, qualified, proposal, won, "
                                                                   "lost (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Source (repeatable).")] = None,
    query: Annotated[str, typer.Option("--query", "-q", help="Search nickname, name, company, phone, mobile, "
                                                             "email, external id.")] = "",
    created_since: Annotated[str | None, typer.Option("--created-since", help="Created on or after (date).")] = None,
    created_until: Annotated[str | None, typer.Option("--created-until", help="Created on or before (date).")] = None,
    assigned_since: Annotated[str | None, typer.Option("--assigned-since",
                                                       help="Assigned on or after (date).")] = None,
    assigned_until: Annotated[str | None, typer.Option("--assigned-until",
                                                       help="Assigned on or before (date).")] = None,
    sort: Annotated[str, typer.Option("--sort", help="Column to sort by.")] = "created_at",
    asc: Annotated[bool, typer.Option("--asc", help="Ascending (default: newest first).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 50,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """List customers as My Customers / the Public Sea show them."""
    from leadtui.store.fields import DEFAULT_COLUMNS
    from leadtui.store.records import CustomerQuery

    scopes = [name for name, given in (("mine", mine), ("dept", dept), ("sea", sea is not None),
                                       ("blacklist", blacklist), ("all", all_)) if given]
    if len(scopes) > 1:
        fail(t("Choose one of --mine, --dept, --sea, --blacklist, --all"), 2, json_)
    if limit < 1:
        fail(t("--limit must be at least 1"), 2, json_)
    bounds = {"created_since": date_bound(created_since, False, "--created-since"),
              "created_until": date_bound(created_until, True, "--created-until"),
              "assigned_since": date_bound(assigned_since, False, "--assigned-since"),
              "assigned_until": date_bound(assigned_until, True, "--assigned-until")}
    with guarded(json_):
        store = open_store(db, as_)
        sea_id = store.show_pool(sea, "sea").id if sea not in (None, "", "*") else None
        q = CustomerQuery(scope=scopes[0] if scopes else "mine", sea_id=sea_id, text=query,
                          tags=tuple(tag or ()), tags_match=tags_match, stages=tuple(stage or ()),
                          sources=tuple(source or ()), sort=sort, descending=not asc, **bounds)
        rows = store.list_customers(q, 0, limit)
        if json_:
            print_json([{"id": r.id, **r.values, "matched_field": r.matched_field} for r in rows])
            return
        total = store.count_customers(q)
        shown = DEFAULT_COLUMNS["sea" if q.scope == "sea" else "mine"]
        columns = ["id", *shown, *([sort] if sort not in shown else [])] + (["matched"] if query else [])
        print_table([i18n.label(c) if c != "matched" else t("Matched") for c in columns],
                    [[r.id if c == "id" else i18n.label(r.matched_field or "") if c == "matched"
                      else _customer_cell(c, r.get(c)) for c in columns] for r in rows],
                    keep=tuple(i for i, c in enumerate(columns) if c in ("id", "mobile", "created_at", "assigned_at",
                                                                         "last_followup_at", sort)),
                    drop=tuple(columns.index(c) for c in ("tags", "source", "kind") if c in columns and c != sort))
        err.print(t("{shown} of {total} customers", shown=len(rows), total=total))


def _detail_json(detail: Any) -> dict[str, Any]:
    return {"id": detail.row.id, **plain(detail.row.values),
            "contacts": plain(detail.contacts), "deals": plain(detail.deals),
            "followups": plain(detail.followups),
            "leads": [{"id": lead_id, "order_no": order_no} for lead_id, order_no in detail.leads],
            "history": plain(detail.history), "protect_days_left": detail.protect_days_left}


@customers_app.command("show")
def customers_show(customer_id: int, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """One customer: every field, its contacts, deals, follow-ups, leads and history."""
    with guarded(json_):
        detail = open_store(db, as_).customer_detail(customer_id)
        if json_:
            print_json(_detail_json(detail))
            return
        print_table([t("Field"), t("Value")],
                    [["id", customer_id]] + [[i18n.label(k), _customer_cell(k, v)]
                                             for k, v in detail.row.values.items() if v not in (None, "", False)])
        sections: list[tuple[str, list[str], list[list[Any]]]] = [
            (t("Contacts"), [i18n.label("contact"), i18n.label("mobile"), i18n.label("email"),
                             i18n.label("job_title")],
             [[c.name, c.mobile, c.email, c.job_title] for c in detail.contacts]),
            (t("Deals"), [t("Deal"), t("Amount"), t("Stage")], [[d.name, d.amount, d.stage] for d in detail.deals]),
            (t("Follow-ups"), [t("When"), t("Who"), t("Kind"), t("Text")],
             [[f.at, f.author, i18n.label(f.kind), f.text] for f in detail.followups]),
            (t("Converted leads"), ["id", i18n.label("order_no")], [list(lead) for lead in detail.leads]),
            (t("History"), [t("When"), t("Who"), t("Action"), t("After")],
             [[e.at, e.actor, t(e.action), json.dumps(e.after, ensure_ascii=False)] for e in detail.history]),
        ]
        for title, columns, rows in sections:
            if rows:
                out.print()
                out.print(Text(title, style="bold"))
                print_table(columns, rows)


# How a duplicate matched (store/records.py SimilarCustomer.matched_by), in words.
MATCHED_BY = {"name": "name", "mobile": "mobile number", "email": "email address", "similar name": "similar name"}


def _matches(check: Any) -> list[dict[str, Any]]:
    found = ([check.exact] if check.exact is not None else []) + list(check.similar)
    return [{"id": s.id, "name": s.name, "score": s.score, "matched_by": s.matched_by} for s in found]


@customers_app.command("add")
def customers_add(
    name: Annotated[str, typer.Option("--name", help="The customer's name.")],
    mobile: Annotated[str, typer.Option("--mobile", help="Mobile number.")] = "",
    email: Annotated[str, typer.Option("--email", help="Email address.")] = "",
    company: Annotated[str, typer.Option("--company", help="Company.")] = "",
    kind: Annotated[str | None, typer.Option("--kind", help="enterprise or individual (default: enterprise "
                                                            "when a company is given).")] = None,
    phone: Annotated[str, typer.Option("--phone", help="Phone.")] = "",
    source: Annotated[str, typer.Option("--source", help="Source.")] = "",
    tags: Annotated[str, typer.Option("--tags", help="Tags, comma-separated.")] = "",
    force: Annotated[bool, typer.Option("--force", help="Add even when similar names exist "
                                                        "(an exact duplicate is always refused).")] = False,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add a customer you own, checking duplicates: the same name, mobile or email refuses;
    similar names are listed and refused unless --force."""
    from leadtui.store.errors import Refused

    with guarded(json_):
        store = open_store(db, as_)
        try:
            customer_id, check = store.add_customer(name, mobile=mobile, email=email, company=company, kind=kind,
                                                    phone=phone, source=source, tags=tags, force=force)
        except Refused as exc:
            check = getattr(exc, "check", None)
            if check is None:
                raise
            message = str(exc)
            if check.exact is None:
                message = t("{refusal}; add anyway with --force", refusal=message)
            if json_:
                print(json.dumps({"error": message, "exact": plain(check.exact),
                                  "similar": plain(list(check.similar))}, ensure_ascii=False, indent=1))
            else:
                for match in _matches(check):
                    by = t(MATCHED_BY.get(match["matched_by"], match["matched_by"]))
                    err.print(Text(safe.one_line(f"  #{match['id']} {match['name']} ({by}, {match['score']:.0f})")))
            fail(message, exc.exit_code)
        if json_:
            print_json({"id": customer_id, "name": name.strip(), "similar": plain(list(check.similar))})
            return
        out.print(Text(t("Added customer #{id} {name}.", id=customer_id, name=safe.one_line(name.strip()))))
        if check.similar:
            err.print(Text(t("Similar customers: {similar}", similar=", ".join(
                f"#{s.id} {safe.one_line(s.name)}" for s in check.similar))))


@customers_app.command("owner")
def customers_owner(
    ids: CustomerIdsArg,
    to: Annotated[list[str] | None, typer.Option("--to", help="New owner login (repeatable: round-robin).")] = None,
    to_dept: Annotated[str | None, typer.Option("--to-dept", help="Share among a department's users.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change the owner: several owners (or a department) share the customers round-robin, evenly,
    skipping anyone at their customer holding cap."""
    if not to and not to_dept:
        fail(t("Give --to LOGIN (repeatable) or --to-dept DEPT"), 2, json_)
    with guarded(json_):
        print_batch(open_store(db, as_).change_owner(ids, to or (), to_dept), json_)


@customers_app.command("recycle")
def customers_recycle(
    ids: CustomerIdsArg,
    sea: Annotated[str | None, typer.Option("--sea", help="The public sea (needed when a customer has none).")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Back to the public sea: the owner is cleared (and kept as the previous owner)."""
    with guarded(json_):
        print_batch(open_store(db, as_).recycle_customers(ids, sea), json_)


@customers_app.command("claim")
def customers_claim(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Claim customers from a public sea (its cap, daily limit and cooldown; your customer cap)."""
    with guarded(json_):
        print_batch(open_store(db, as_).claim_customers(ids), json_)


@customers_app.command("assign")
def customers_assign(
    ids: CustomerIdsArg,
    to: Annotated[list[str], typer.Option("--to", help="Target login (repeatable: round-robin).")],
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Assign public-sea customers to users (the sea's admins, admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).assign_customers(ids, to), json_)


@customers_app.command("tag")
def customers_tag(
    ids: CustomerIdsArg,
    add: Annotated[list[str] | None, typer.Option("--add", help="Add this tag (repeatable).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Set the tags to these (repeatable; "
                                                                 "--set '' clears them).")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add tags to, or set the tags of, customers."""
    with guarded(json_):
        print_batch(open_store(db, as_).tag_customers(ids, add=add or (), set_to=set_), json_)


@customers_app.command("lock")
def customers_lock(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Lock customers: they never fall into the public sea by rule (managers, admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).lock_customers(ids, True), json_)


@customers_app.command("unlock")
def customers_unlock(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Unlock customers (managers, admins)."""
    with guarded(json_):
        print_batch(open_store(db, as_).lock_customers(ids, False), json_)


@customers_app.command("blacklist")
def customers_blacklist(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Blacklist customers: hidden from the working lists, their open leads tagged."""
    with guarded(json_):
        print_batch(open_store(db, as_).blacklist_customers(ids), json_)


@customers_app.command("merge")
def customers_merge(
    main_id: Annotated[int, typer.Argument(help="The customer to keep.")],
    other_ids: Annotated[list[int], typer.Argument(help="The duplicates merged into it (then in the trash).")],
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Merge duplicates into one: each field keeps its first non-empty value; contacts, deals,
    follow-ups and converted leads move over."""
    with guarded(json_):
        kept = open_store(db, as_).merge_customers(main_id, other_ids)
        if json_:
            print_json({"main_id": kept, "merged": list(dict.fromkeys(other_ids))})
        else:
            out.print(t("Merged {others} into customer #{id}.", id=kept,
                        others=", ".join(f"#{i}" for i in dict.fromkeys(other_ids))))


@customers_app.command("delete")
def customers_delete(ids: CustomerIdsArg, yes: Annotated[bool, typer.Option("--yes", help="Confirm.")] = False,
                     db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Move customers to the trash (managers for their department, admins)."""
    if not yes:
        fail(t("Deleting moves {n} customer(s) to the trash: add --yes to confirm", n=len(ids)), 2, json_)
    with guarded(json_):
        print_batch(open_store(db, as_).delete_customers(ids), json_)


followup_command(customers_app, "followup", "customer",
                 "Add a follow-up to a customer you own (or your team's).",
                 lambda store: store.add_customer_followup)
