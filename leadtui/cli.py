"""The command line: parses, calls the store, prints (tables or --json).

Every command that changes data goes through the same `Store` methods as the
console; a refusal prints the store's message and exits non-zero.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from leadtui import clock, config, i18n, safe
from leadtui.display import cell
from leadtui.i18n import t

app = typer.Typer(help="leadtui — a keyboard-driven console for sales leads, pools and customers.",
                  no_args_is_help=False, add_completion=False, rich_markup_mode=None)
users_app = typer.Typer(help="Users and departments.", no_args_is_help=True)
leads_app = typer.Typer(help="Lead lists and details.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(leads_app, name="leads")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file path (env LEADTUI_DB).")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Act as another user (admins only).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Interface language: en or zh.")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Run as if it were this ISO time (tests, replays).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


class _Globals:
    db: str | None = None
    as_login: str | None = None
    lang: str | None = None


G = _Globals()


def fail(message: str, code: int = 1, as_json: bool = False) -> NoReturn:
    if as_json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    err.print(Text(safe.multi_line(f"leadtui: {message}"), style="red"))
    raise typer.Exit(code)


def _setup(lang: str | None, now: str | None) -> None:
    i18n.set_language(config.language(lang or G.lang))
    if now:
        try:
            clock.freeze(clock.parse(now))
        except ValueError:
            fail(t("--now wants an ISO time such as 2026-11-22T09:30, not {value}", value=now), 2)


@contextmanager
def guarded(as_json: bool = False) -> Iterator[None]:
    """Turn store refusals and bad input into a message and an exit status."""
    from sqlalchemy.exc import OperationalError

    from leadtui.store.errors import StoreError

    try:
        yield
    except StoreError as exc:
        fail(str(exc), exc.exit_code, as_json)
    except OperationalError as exc:
        fail(t("Database error: {error}", error=str(exc.orig)), 4, as_json)


def open_db(db: str | None, default: str | None = None):  # noqa: ANN201
    from leadtui.store.db import Database

    return Database(config.db_url(db or G.db, default))


def open_store(db: str | None, as_login: str | None = None, create: bool = False):  # noqa: ANN201
    from sqlalchemy import inspect

    from leadtui.store.service import Store

    database = open_db(db)
    if not inspect(database.engine).has_table("users"):
        if create:
            database.create_schema()
        else:
            fail(t("The database {db} has no leadtui schema yet: run `leadtui init` (or `leadtui demo`)",
                   db=database.describe()), 2)
    return Store(database, config.os_login(), config.as_login(as_login or G.as_login))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    print(json.dumps(_plain(value), ensure_ascii=False, indent=1))


def print_table(columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="ellipsis", no_wrap=True)
    for row in rows:
        # Text, never markup; control characters made visible.
        table.add_row(*(Text(safe.one_line(_plain(v)) if v is not None else "") for v in row))
    out.print(table)


# ----------------------------------------------------------------------------- console


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context, db: DbOpt = None, as_: AsOpt = None, lang: LangOpt = None, now: NowOpt = None,
) -> None:
    """Open the console (with no command), or run a command."""
    G.db, G.as_login, G.lang = db, as_, lang
    _setup(lang, now)
    if ctx.invoked_subcommand is None:
        run_console(db)


def run_console(db: str | None) -> None:
    from leadtui.app import LeadApp

    with guarded():
        store = open_store(db)
    LeadApp(store).run()


# ----------------------------------------------------------------------------- setup


@app.command()
def init(db: DbOpt = None, name: Annotated[str | None, typer.Option(help="Your display name.")] = None,
         json_: JsonOpt = False) -> None:
    """Create the schema and make the OS login that runs this the first admin."""
    from leadtui.store import users

    with guarded(json_):
        database = open_db(db)
        database.create_schema()
        login = config.os_login()
        made = users.bootstrap_admin(database, login, name or login)
        result = {"db": database.describe(), "admin": made.login if made else None}
        if json_:
            print_json(result)
        elif made:
            out.print(t("Created the schema in {db}; {login} is its first admin.", db=database.describe(),
                        login=login))
        else:
            out.print(t("The schema in {db} is ready; it already had users, so no admin was made.",
                        db=database.describe()))


@app.command()
def demo(
    leads: Annotated[int, typer.Option("--leads", help="How many demo leads.")] = 5000,
    db: DbOpt = None,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Only build the database.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild even when a demo database exists.")] = False,
) -> None:
    """Create (or reuse) a demo database and open the console on it."""
    from sqlalchemy import inspect, select

    from leadtui.store.demo import build_demo
    from leadtui.store.models import Counter, User

    if leads < 1:
        fail(t("--leads must be at least 1"), 2)
    database = open_db(db, config.demo_db_url())
    with guarded():
        existing = None
        if inspect(database.engine).has_table("users"):
            with database.read() as session:
                existing = session.scalar(select(Counter.value).where(Counter.name == "demo.leads"))
                has_users = session.scalar(select(User.id).limit(1)) is not None
            if existing is None and has_users:
                fail(t("{db} holds real data, not a demo: give --db another file", db=database.describe()), 2)
        if existing is not None and (fresh or existing != leads):
            if not database.is_sqlite:
                fail(t("Rebuilding a demo only works on SQLite; drop the database yourself"), 2)
            path = database.engine.url.database
            database.dispose()
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(f"{path}{suffix}")
                except FileNotFoundError:
                    pass
            database = open_db(db, config.demo_db_url())
            existing = None
        if existing is None:
            database.create_schema()
            login = config.os_login()
            err.print(t("Building a demo database of {n} leads in {db}…", n=f"{leads:,}", db=database.describe()))
            started = datetime.now()

            def progress(done: int, total: int) -> None:
                err.print(f"\r  {done:,}/{total:,}", end="")

            build_demo(database, login, login, leads, progress=progress)
            err.print(t("\rDone in {s:.0f} s.          ", s=(datetime.now() - started).total_seconds()))
        if no_tui:
            out.print(t("Demo database: {url}", url=database.url))
            return
        from leadtui.app import LeadApp
        from leadtui.store.service import Store

        store = Store(database, config.os_login(), config.as_login(G.as_login))
    LeadApp(store).run()


# ----------------------------------------------------------------------------- users


@users_app.command("add")
def users_add(
    login: str,
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[str, typer.Option("--role", help="admin, manager or sales.")] = "sales",
    dept: Annotated[str | None, typer.Option("--dept", help="Department (created when new).")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add a user (admins only)."""
    with guarded(json_):
        user = open_store(db, as_).add_user(login, name, role, dept)
        if json_:
            print_json(user)
        else:
            out.print(t("Added {login} ({role}).", login=user.login, role=user.role))


@users_app.command("list")
def users_list(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """List the users."""
    with guarded(json_):
        users = open_store(db, as_).list_users()
        if json_:
            print_json(users)
        else:
            print_table([t("Login"), t("Name"), t("Role"), t("Department")],
                        [[u.login, u.name, u.role, u.department or ""] for u in users])


# ----------------------------------------------------------------------------- leads


def _date_bound(text: str | None, end: bool, option: str) -> datetime | None:
    if not text:
        return None
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime.combine(day, time.max.replace(microsecond=0)) if end else datetime.combine(day, time.min)
        return clock.parse(text)
    except ValueError:
        fail(t("{option} wants a date such as 2026-11-22, not {value}", option=option, value=text), 2)


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
    from leadtui.store.records import LeadQuery

    if limit < 1:
        fail(t("--limit must be at least 1"), 2, json_)
    q = LeadQuery(screen=screen, text=query, period=period, since=_date_bound(since, False, "--since"),
                  until=_date_bound(until, True, "--until"), sources=tuple(source or ()),
                  statuses=tuple(status or ()), sort=sort, descending=not asc)
    with guarded(json_):
        store = open_store(db, as_)
        rows = store.list_leads(q, 0, limit)
        if json_:
            print_json([{"id": r.id, **r.values, "matched_field": r.matched_field} for r in rows])
            return
        total = store.count_leads(q)
        columns = ["order_no", "contact", "mobile", "company", "source", "status", "owner", "submitted_at"]
        if query:
            columns.append("matched")
        print_table([i18n.label(c) if c != "matched" else t("Matched") for c in columns],
                    [[cell(c, r.get(c)) if c != "matched" else i18n.label(r.matched_field or "") for c in columns]
                     for r in rows])
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
                    [[i18n.label(k), cell(k, v)] for k, v in detail.row.values.items() if v not in (None, "")])
        if detail.followups:
            out.print()
            print_table([t("When"), t("Who"), t("Kind"), t("Text")],
                        [[f.at, f.author, i18n.label(f.kind), f.text] for f in detail.followups])


@app.command()
def followup(
    lead_id: int,
    kind: Annotated[str, typer.Option("--kind", help="note, call, reply, email or visit.")],
    text: Annotated[str, typer.Option("--text", help="What was said or done.")] = "",
    duration: Annotated[int | None, typer.Option("--duration", help="Call duration in seconds.")] = None,
    outcome: Annotated[str, typer.Option("--outcome", help="Call outcome.")] = "",
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Process / reply: add a follow-up to a lead."""
    with guarded(json_):
        record = open_store(db, as_).add_followup(lead_id, kind, text, duration, outcome)
        if json_:
            print_json(record)
        else:
            out.print(t("Added a {kind} follow-up to lead #{id}.", kind=i18n.label(kind), id=lead_id))


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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
