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
from rich.cells import cell_len
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
pools_app = typer.Typer(help="Lead pools and their settings.", no_args_is_help=True)
trash_app = typer.Typer(help="Deleted leads: list, restore, purge (admins).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(leads_app, name="leads")
app.add_typer(pools_app, name="pools")
app.add_typer(trash_app, name="trash")

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
    now: datetime | None = None  # --now, honoured once the operator is known to be an admin
    # `leadtui shell LOGIN` (the locked-down mode): the login bound to the SSH key, and
    # the service's database, which the command line it runs cannot change.
    login: str | None = None
    shell_db: str | None = None
    opened = "?"  # the database last opened, for messages about it
    busy_s = 30.0


G = _Globals()


def fail(message: str, code: int = 1, as_json: bool = False) -> NoReturn:
    if as_json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    err.print(Text(safe.multi_line(f"leadtui: {message}"), style="red"))
    raise typer.Exit(code)


def _setup(lang: str | None, now: str | None) -> None:
    i18n.set_language(config.language(lang or G.lang))
    G.now = None
    if now:
        try:
            G.now = clock.parse(now)
        except ValueError:
            fail(t("--now wants an ISO time such as 2026-11-22T09:30, not {value}", value=now), 2)


def _honour_now(store: Any) -> None:
    """`--now` moves the clock every rule reads (daily limits, cooldowns, recycling):
    an admin's tool for tests and replays, refused to anyone else before any of their
    command runs."""
    if G.now is None:
        return
    if not store.operator.is_admin:
        fail(t("Only an admin may run leadtui with --now; {login} is {role}", login=store.operator.login,
               role=i18n.label(store.operator.role)), 2)
    clock.freeze(G.now)


def refuse_server_path(path: str, option: str) -> None:
    """Under `leadtui shell` the process is the service account: a file path would read
    or write the service's files (the database's folder, its authorized_keys), which
    the operator has no right to. Standard input and output (`-`) are theirs."""
    if G.login is not None and path != "-":
        fail(t("Over SSH, {option} takes - (standard input or output), not a file on the server: "
               "{path}", option=option, path=path), 2)


def operator_login() -> str:
    """The operator: the SSH key's login under `leadtui shell`, else the real uid's account."""
    return G.login or config.os_login()


@contextmanager
def guarded(as_json: bool = False) -> Iterator[None]:
    """Turn store refusals, bad input and database faults into a message and an exit
    status (never a traceback)."""
    from sqlalchemy.exc import DBAPIError

    from leadtui.store.db import faults
    from leadtui.store.errors import StoreError

    try:
        yield
    except StoreError as exc:
        fail(str(exc), exc.exit_code, as_json)
    except DBAPIError as exc:  # a fault met outside the store's sessions (opening, schema checks)
        fault = faults.fault_for(exc, G.opened, G.busy_s)
        fail(str(fault) if fault else t("Database error: {error}", error=str(exc.orig)), 4, as_json)


def refuse_missing_file(url: str) -> None:
    """A SQLite URL naming a file that is not there is refused before anything is
    opened: connecting would create the file (and its folder), so a mistyped --db
    would leave an empty database behind. Only `init` and `demo` create databases."""
    from sqlalchemy.exc import ArgumentError

    from leadtui.store.db import file as dbfile

    try:
        path = dbfile.sqlite_path(url)
    except ArgumentError:  # a bad URL is the engine's to report
        return
    if path is not None and not os.path.exists(path):
        fail(t("There is no database file {path}: check --db (or LEADTUI_DB); `leadtui init --db {path}` "
               "makes a new one", path=path), 2)


def open_db(db: str | None, default: str | None = None, create: bool = False,  # noqa: ANN201
            group: str | None = None):
    from leadtui.store.db.engine import Database

    url = G.shell_db or config.db_url(db or G.db, default)
    if not create:
        refuse_missing_file(url)
    else:
        from leadtui.store.db import file as dbfile

        with guarded():
            path = dbfile.sqlite_path(url)
            if path is not None:
                dbfile.check_new_home(path)
    database = Database(url, group=group)
    G.opened, G.busy_s = database.describe(), database.busy_timeout_ms / 1000
    return database


def open_store(db: str | None, as_login: str | None = None, create: bool = False):  # noqa: ANN201
    from leadtui.store.db.schema import check_schema, where
    from leadtui.store.service import Store

    database = open_db(db, create=create)
    # One query of alembic_version; an outdated schema is refused with the command to run.
    if check_schema(database.engine, where(database.engine.url)).empty:
        if create:
            database.create_schema()
        else:
            fail(t("The database {db} has no leadtui schema yet: run `leadtui init` (or `leadtui demo`)",
                   db=database.describe()), 2)
    store = Store(database, operator_login(), as_login or G.as_login)
    _honour_now(store)
    return store


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


SHORT_COLUMN = 12  # a column whose widest cell fits in this many cells is never shrunk
_MIN_SHRUNK = 6  # a shrunk column keeps at least this much ("上海星…")


def _shares(natural: list[int], room: int) -> list[int]:
    """Share `room` cells among columns wanting `natural` widths: whoever wants less
    than an even share gets it all, the rest split what is left evenly."""
    given = list(natural)
    if sum(natural) <= room:
        return given
    order = sorted(range(len(natural)), key=natural.__getitem__)
    left = room
    for k, i in enumerate(order):
        share = max(left // (len(order) - k), 0)
        given[i] = max(min(natural[i], share), min(natural[i], _MIN_SHRUNK))
        left -= given[i]
    return given


def print_table(columns: list[str], rows: list[list[Any]], keep: tuple[int, ...] = (),
                wrap: tuple[int, ...] = (), drop: tuple[int, ...] = (), readable: int = 12) -> None:
    """A table that fits the terminal without losing what a command is used with.

    Columns in `keep` (ids, order numbers, times, codes) and every short column keep
    their whole width; the long text columns share what is left, cut with "…", or,
    for those in `wrap` (a detail's values, an audit event's before / after), folded
    onto more lines so nothing is lost. While that would leave a long column fewer
    than `readable` cells, the columns in `drop` are left out, in that order
    (`--json` has every field).
    """
    # Text, never markup; control characters made visible.
    cells = [[Text(safe.one_line(_plain(v)) if v is not None else "") for v in row] for row in rows]
    natural = [max([cell_len(header)] + [row[i].cell_len for row in cells if i < len(row)])
               for i, header in enumerate(columns)]
    fixed = [i in keep or natural[i] <= SHORT_COLUMN for i in range(len(columns))]
    shown = list(range(len(columns)))

    def least(indexes: list[int]) -> int:
        return 2 * (len(indexes) - 1) + sum(natural[i] if fixed[i] else min(natural[i], readable)
                                            for i in indexes)

    width = _width()
    for i in drop:
        if least(shown) <= width:
            break
        shown.remove(i)
    flexible = [i for i in shown if not fixed[i]]
    room = width - 2 * (len(shown) - 1) - sum(natural[i] for i in shown if fixed[i])
    given = dict(zip(flexible, _shares([natural[i] for i in flexible], room)))
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for i in shown:
        column = columns[i]
        if fixed[i]:
            table.add_column(column, no_wrap=True, min_width=natural[i])
        elif i in wrap:
            table.add_column(column, overflow="fold", max_width=given[i])
        else:
            table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=given[i])
    for row in cells:
        table.add_row(*(row[i] for i in shown))
    out.print(table)


def _width() -> int:
    """The terminal's width now: COLUMNS first, as rich reads it, but at each table
    (rich fixes a COLUMNS it finds when the console is made, for good)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        out.width = int(columns)
    return out.width


# ----------------------------------------------------------------------------- console


# Commands that make, check or serve a database rather than act as a user in it: the
# clock they would move is nobody's (and `shell` sets its own rules).
WITHOUT_NOW = frozenset({"init", "demo", "db", "bench", "ssh", "shell"})


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context, db: DbOpt = None, as_: AsOpt = None, lang: LangOpt = None, now: NowOpt = None,
) -> None:
    """Open the console (with no command), or run a command."""
    G.db, G.as_login, G.lang = db, as_, lang
    _setup(lang, now)
    if G.now is not None and ctx.invoked_subcommand in WITHOUT_NOW:
        fail(t("--now is for commands that act as a leadtui user, not `{command}`",
               command=ctx.invoked_subcommand), 2)
    if ctx.invoked_subcommand is None:
        run_console(db)


def run_console(db: str | None) -> None:
    from leadtui.app import LeadApp

    with guarded():
        store = open_store(db)
    # Over SSH (`leadtui shell`) the files the export and import dialogs would touch
    # are the service account's, not the operator's.
    LeadApp(store, server_files=G.login is None).run()


# ----------------------------------------------------------------------------- setup


@app.command()
def init(db: DbOpt = None, name: Annotated[str | None, typer.Option(help="Your display name.")] = None,
         group: Annotated[str | None, typer.Option(
             "--group", metavar="GROUP",
             help="Share the SQLite file with this OS group (mode 0660); else only you may open it (0600).")] = None,
         json_: JsonOpt = False) -> None:
    """Create the schema and make the OS login that runs this the first admin."""
    from leadtui.store.db import file as dbfile
    from leadtui.store.users import accounts as users

    with guarded(json_):
        database = open_db(db, create=True, group=group)
        database.create_schema()
        folders = dbfile.share(database.path, group) if group and database.path else []
        login = config.os_login()
        made = users.bootstrap_admin(database, login, name or login)
        result = {"db": database.describe(), "admin": made.login if made else None,
                  "exposed": database.exposure(), "group": group}
        if json_:
            print_json(result)
            return
        if made:
            out.print(t("Created the schema in {db}; {login} is its first admin.", db=database.describe(),
                        login=login))
        else:
            out.print(t("The schema in {db} is ready; it already had users, so no admin was made.",
                        db=database.describe()))
        for folder in folders:
            err.print(Text(t("Give the folder {folder} to group {group} with the setgid bit (chgrp {group} "
                             "{folder}; chmod g+rwxs {folder}), so that the -wal and -shm files SQLite makes "
                             "there are the group's too", folder=folder, group=group)))
        warn_exposure(database)


def warn_exposure(database: Any) -> None:
    from leadtui.store.db import file as dbfile

    exposed = database.exposure()
    if exposed:
        err.print(Text(safe.multi_line(dbfile.warning(exposed)), style="yellow"))


@app.command()
def demo(
    leads: Annotated[int, typer.Option("--leads", help="How many demo leads.")] = 5000,
    db: DbOpt = None,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Only build the database.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild even when a demo database exists.")] = False,
) -> None:
    """Create (or reuse) a demo database and open the console on it."""
    from leadtui.demo.generate import build_demo, demo_leads, discard_demo

    if leads < 1:
        fail(t("--leads must be at least 1"), 2)
    database = open_db(db, config.demo_db_url(), create=True)
    with guarded():
        existing = demo_leads(database)
        if existing is not None and (fresh or existing != leads):
            database = discard_demo(database)
            existing = None
        if existing is not None:
            from leadtui.store.db.schema import schema_state

            if not schema_state(database.engine).up_to_date:  # an older leadtui's demo: upgrade it
                from leadtui.store.db import migrate

                report = migrate.upgrade(database)
                err.print(t("Upgraded the demo database {db} to schema revision {rev}.", db=database.describe(),
                            rev=report.after))
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

        store = Store(database, operator_login(), G.as_login)
    LeadApp(store).run()


# ----------------------------------------------------------------------------- users


SshKeyOpt = Annotated[list[str] | None, typer.Option(
    "--ssh-key", metavar="KEY|FILE",
    help="An SSH public key (\"ssh-ed25519 AAAA… comment\") or a .pub / authorized_keys file of them, for "
         "the locked-down mode (`leadtui ssh authorized-keys`); repeatable.")]


def ssh_keys_given(values: list[str] | None) -> list[str]:
    """Each --ssh-key as key lines: a file's non-blank, non-comment lines, or the key
    itself. A file is read only from the operator's own account, never through
    `leadtui shell` (the service account's files are not theirs)."""
    lines: list[str] = []
    for value in values or []:
        path = os.path.expanduser(value)
        if G.login is not None or value.lstrip().startswith(("ssh-", "ecdsa-", "sk-")):
            lines.append(value)  # over SSH not even looked up: whether a server file exists is not theirs to learn
        elif os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    lines += [line for line in fh.read().splitlines() if line.strip() and not line.startswith("#")]
            except (OSError, UnicodeDecodeError) as exc:
                fail(t("Cannot read the key file {path}: {error}", path=value, error=str(exc)), 2)
        else:
            lines.append(value)
    return lines


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(metavar="LOGIN")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[str, typer.Option("--role", help="admin, manager or sales.")] = "sales",
    dept: Annotated[str | None, typer.Option("--dept", help="Department (created when new).")] = None,
    ssh_key: SshKeyOpt = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add a user (admins only)."""
    keys = ssh_keys_given(ssh_key)
    with guarded(json_):
        user = open_store(db, as_).add_user(login, name, role, dept, keys)
        if json_:
            print_json(user)
        else:
            out.print(t("Added {login} ({role}).", login=user.login, role=user.role))


@users_app.command("set")
def users_set(
    login: Annotated[str, typer.Argument(metavar="LOGIN")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="admin, manager or sales.")] = None,
    dept: Annotated[str | None, typer.Option("--dept", help="Department (\"\" for none).")] = None,
    customer_cap: Annotated[str | None, typer.Option(
        "--customer-cap", help="Most customers the user may own; \"none\" for no cap.")] = None,
    ssh_key: SshKeyOpt = None,
    remove_ssh_key: Annotated[list[str] | None, typer.Option(
        "--remove-ssh-key", metavar="KEY|FINGERPRINT",
        help="Unbind an SSH key, given as the key or its SHA256:… fingerprint (`leadtui users list`); "
             "repeatable.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change a user's name, role, department, customer holding cap or SSH keys (admins only)."""
    from leadtui.store.users.accounts import UNCHANGED

    cap: object = UNCHANGED
    if customer_cap is not None:
        if customer_cap.strip().lower() in ("none", ""):
            cap = None
        elif customer_cap.strip().isdigit():
            cap = int(customer_cap.strip())
        else:
            fail(t("--customer-cap wants a whole number or \"none\", not {value}", value=customer_cap), 2)
    with guarded(json_):
        user = open_store(db, as_).set_user(login, role=role, dept=dept, customer_cap=cap, name=name,
                                            add_keys=ssh_keys_given(ssh_key), remove_keys=remove_ssh_key or [])
        if json_:
            print_json(user)
        else:
            out.print(t("Changed {login}.", login=user.login))


@users_app.command("list")
def users_list(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """List the users."""
    with guarded(json_):
        users = open_store(db, as_).list_users()
        if json_:
            print_json(users)
        else:
            print_table([t("Login"), t("Name"), t("Role"), t("Department"), t("Customer cap"), t("SSH keys")],
                        [[u.login, u.name, i18n.label(u.role), u.department or "",
                          "" if u.customer_cap is None else u.customer_cap, len(u.ssh_keys) or ""]
                         for u in users], keep=(0, 2, 4, 5))


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


def lead_query(screen: str = "all", query: str = "", since: str | None = None, until: str | None = None,
               period: str | None = None, sources: list[str] | None = None, statuses: list[str] | None = None,
               sort: str = "submitted_at", asc: bool = False, pool_id: int | None = None):  # noqa: ANN201
    """The LeadQuery of `leads list` and `export` (the dates as --since / --until)."""
    from leadtui.store.records import LeadQuery

    return LeadQuery(screen=screen, text=query, period=period, since=_date_bound(since, False, "--since"),
                     until=_date_bound(until, True, "--until"), sources=tuple(sources or ()),
                     statuses=tuple(statuses or ()), sort=sort, descending=not asc, pool_id=pool_id)


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


# ----------------------------------------------------------------------------- pools

OptInt = int | None


def _pool_settings(holding_cap: OptInt, cap_counts_own: bool | None, daily_claim_limit: OptInt,
                   protect_days: OptInt, max_protect_days: OptInt, cooldown_days: OptInt,
                   notify_before_days: OptInt, return_to: str | None, reasons: list[str] | None,
                   hide_assigned: bool | None, hide_converted: bool | None, members_see_detail: bool | None,
                   recycle_own_created: bool | None) -> dict[str, Any]:
    return {"holding_cap": holding_cap, "cap_counts_own_created": cap_counts_own,
            "daily_claim_limit": daily_claim_limit, "protect_days": protect_days,
            "max_protect_days": max_protect_days, "cooldown_days": cooldown_days,
            "notify_before_days": notify_before_days, "return_to": return_to,
            "return_reasons": reasons, "hide_assigned": hide_assigned, "hide_converted": hide_converted,
            "members_see_detail": members_see_detail, "recycle_own_created": recycle_own_created}


def _print_pool(pool: Any) -> None:
    rows = [[t("Field"), t("Value")]]
    for key, value in vars(pool).items():
        if key in ("i_am_admin", "i_am_member"):
            continue
        if isinstance(value, tuple):
            value = ", ".join(value)
        rows.append([key, "" if value is None else value])
    print_table(rows[0], rows[1:], keep=(0,), wrap=(1,))


AdminOpt = Annotated[list[str] | None, typer.Option("--admin", help="Pool admin login (repeatable).")]
MemberOpt = Annotated[list[str] | None, typer.Option("--member", help="Member login (repeatable).")]
MemberDeptOpt = Annotated[list[str] | None, typer.Option("--member-dept", help="Member department (repeatable).")]
CapOpt = Annotated[int | None, typer.Option("--holding-cap", help="Most leads one member may hold.")]
CapOwnOpt = Annotated[bool | None, typer.Option("--cap-counts-own/--cap-ignores-own",
                                                help="Count leads members created themselves.")]
DailyOpt = Annotated[int | None, typer.Option("--daily-claim-limit", help="Most claims per member per day.")]
ProtectOpt = Annotated[int | None, typer.Option("--protect-days", help="Days an owner keeps a lead.")]
MaxProtectOpt = Annotated[int | None, typer.Option("--max-protect-days", help="Follow-ups extend up to this.")]
CooldownOpt = Annotated[int | None, typer.Option("--cooldown-days", help="Days before a previous owner may claim again.")]
NotifyOpt = Annotated[int | None, typer.Option("--notify-before-days", help="Warn the owner this early.")]
ReturnToOpt = Annotated[str | None, typer.Option("--return-to", help="origin, choose, or a pool name.")]
ReasonOpt = Annotated[list[str] | None, typer.Option("--reason", help="A return reason (repeatable).")]
HideAssignedOpt = Annotated[bool | None, typer.Option("--hide-assigned/--show-assigned",
                                                      help="Members do not see assigned leads.")]
HideConvertedOpt = Annotated[bool | None, typer.Option("--hide-converted/--show-converted",
                                                       help="Members do not see converted leads.")]
SeeDetailOpt = Annotated[bool | None, typer.Option("--members-see-detail/--members-no-detail",
                                                   help="Members may open pooled leads' detail.")]
RecycleOwnOpt = Annotated[bool | None, typer.Option("--recycle-own-created/--keep-own-created",
                                                    help="Leads members created follow the recycle rules.")]


@pools_app.command("add")
def pools_add(
    name: str, admin: AdminOpt = None, member: MemberOpt = None, member_dept: MemberDeptOpt = None,
    holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
    protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
    notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
    hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
    members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
    default: Annotated[bool, typer.Option("--default", help="Intake's default pool.")] = False,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Create a pool (admins)."""
    settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                              cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                              hide_converted, members_see_detail, recycle_own_created)
    with guarded(json_):
        pool = open_store(db, as_).add_pool(name, admins=admin or (), members=member or (),
                                            member_depts=member_dept or (), default=default, **settings)
        print_json(pool) if json_ else _print_pool(pool)


@pools_app.command("set")
def pools_set(
    name: str, admin: AdminOpt = None, member: MemberOpt = None, member_dept: MemberDeptOpt = None,
    holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
    protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
    notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
    hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
    members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
    rename: Annotated[str | None, typer.Option("--rename", help="A new name.")] = None,
    default: Annotated[bool, typer.Option("--default", help="Make it intake's default pool.")] = False,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change a pool's settings (admins). Lists given (--admin, --member, --reason…) replace the old ones."""
    settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                              cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                              hide_converted, members_see_detail, recycle_own_created)
    with guarded(json_):
        pool = open_store(db, as_).set_pool(name, rename=rename, admins=admin, members=member,
                                            member_depts=member_dept, default=default, **settings)
        print_json(pool) if json_ else _print_pool(pool)


@pools_app.command("list")
def pools_list(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """The pools you may see."""
    with guarded(json_):
        pools = open_store(db, as_).list_pools()
        if json_:
            print_json(pools)
            return
        print_table([t("Pool"), t("Cap"), t("Daily"), t("Protect"), t("Cooldown"), t("Admins"), t("Members")],
                    [[p.name + (" *" if p.is_default else ""), p.holding_cap, p.daily_claim_limit, p.protect_days,
                      p.cooldown_days, ", ".join(p.admins), ", ".join(p.member_users + p.member_departments)]
                     for p in pools], keep=(0, 1, 2, 3, 4), wrap=(5, 6))


@pools_app.command("show")
def pools_show(name: str, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """One pool's settings and members."""
    with guarded(json_):
        pool = open_store(db, as_).show_pool(name)
        print_json(pool) if json_ else _print_pool(pool)


# ----------------------------------------------------------------------------- pool actions


IdsArg = Annotated[list[int] | None, typer.Argument(help="Lead ids.")]


def _print_batch(result: Any, as_json: bool) -> None:
    """`done` ids and `refused` [{id, reason}]; exit 1 when nothing was done."""
    if as_json:
        print_json({"action": result.action, "done": list(result.done),
                    "refused": [{"id": r.id, "reason": r.reason} for r in result.refused],
                    "batch_id": result.batch_id, "summary": result.summary})
    else:
        out.print(Text(safe.one_line(result.summary)))
        for refusal in result.refused[:20]:
            err.print(Text(safe.one_line(f"  #{refusal.id}: {refusal.reason}")))
        if len(result.refused) > 20:
            err.print(t("  … and {n} more", n=len(result.refused) - 20))
    if result.refused and not result.done:
        raise typer.Exit(1)


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
        _print_batch(store.assign_leads(lead_ids, to or (), to_pool, seen_pooled=pooled), json_)


@app.command()
def claim(ids: Annotated[list[int], typer.Argument(help="Lead ids.")], db: DbOpt = None, as_: AsOpt = None,
          json_: JsonOpt = False) -> None:
    """Claim pooled leads (under the cap, the daily limit and the cooldown)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).claim_leads(ids), json_)


@app.command()
def reclaim(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
            reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")] = "",
            db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Take assigned leads back into their pool (pool admins, admins)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).reclaim_leads(ids, reason), json_)


@app.command("return")
def return_(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
            reason: Annotated[str, typer.Option("--reason", help="One of the pool's reasons, or other: text.")],
            to_pool: Annotated[str | None, typer.Option("--to-pool", help="When the pool lets you choose.")] = None,
            db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Give your leads back to the pool, with a reason."""
    with guarded(json_):
        _print_batch(open_store(db, as_).return_leads(ids, reason, to_pool), json_)


@app.command()
def delete(ids: Annotated[list[int], typer.Argument(help="Lead ids.")],
           yes: Annotated[bool, typer.Option("--yes", help="Confirm.")] = False,
           db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Move leads to the trash (pool admins, admins)."""
    if not yes:
        fail(t("Deleting moves {n} lead(s) to the trash: add --yes to confirm", n=len(ids)), 2, json_)
    with guarded(json_):
        _print_batch(open_store(db, as_).delete_leads(ids), json_)


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
        _print_batch(open_store(db, as_).restore_leads(ids), json_)


@trash_app.command("purge")
def trash_purge(ids: Annotated[list[int], typer.Argument(help="Lead ids.")], db: DbOpt = None,
                as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Delete leads in the trash for good (admins)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).purge_leads(ids), json_)


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
    at = _plain(event.at)
    return t("{at} (really {wall})", at=at, wall=_plain(event.wall_at)) if event.wall_at else at


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


# ----------------------------------------------------------------------------- customers and public seas (SPEC 4)

customers_app = typer.Typer(help="Customers: My Customers, the department, the public seas, the blacklist.",
                            no_args_is_help=True)
seas_app = typer.Typer(help="Public seas of customers and their settings (the same settings as pools).",
                       no_args_is_help=True)
app.add_typer(customers_app, name="customers")
app.add_typer(seas_app, name="seas")

CustomerIdsArg = Annotated[list[int], typer.Argument(help="Customer ids.")]


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
    bounds = {"created_since": _date_bound(created_since, False, "--created-since"),
              "created_until": _date_bound(created_until, True, "--created-until"),
              "assigned_since": _date_bound(assigned_since, False, "--assigned-since"),
              "assigned_until": _date_bound(assigned_until, True, "--assigned-until")}
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
    return {"id": detail.row.id, **_plain(detail.row.values),
            "contacts": _plain(detail.contacts), "deals": _plain(detail.deals),
            "followups": _plain(detail.followups),
            "leads": [{"id": lead_id, "order_no": order_no} for lead_id, order_no in detail.leads],
            "history": _plain(detail.history), "protect_days_left": detail.protect_days_left}


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
                print(json.dumps({"error": message, "exact": _plain(check.exact),
                                  "similar": _plain(list(check.similar))}, ensure_ascii=False, indent=1))
            else:
                for match in _matches(check):
                    by = t(MATCHED_BY.get(match["matched_by"], match["matched_by"]))
                    err.print(Text(safe.one_line(f"  #{match['id']} {match['name']} ({by}, {match['score']:.0f})")))
            fail(message, exc.exit_code)
        if json_:
            print_json({"id": customer_id, "name": name.strip(), "similar": _plain(list(check.similar))})
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
        _print_batch(open_store(db, as_).change_owner(ids, to or (), to_dept), json_)


@customers_app.command("recycle")
def customers_recycle(
    ids: CustomerIdsArg,
    sea: Annotated[str | None, typer.Option("--sea", help="The public sea (needed when a customer has none).")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Back to the public sea: the owner is cleared (and kept as the previous owner)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).recycle_customers(ids, sea), json_)


@customers_app.command("claim")
def customers_claim(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Claim customers from a public sea (its cap, daily limit and cooldown; your customer cap)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).claim_customers(ids), json_)


@customers_app.command("assign")
def customers_assign(
    ids: CustomerIdsArg,
    to: Annotated[list[str], typer.Option("--to", help="Target login (repeatable: round-robin).")],
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Assign public-sea customers to users (the sea's admins, admins)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).assign_customers(ids, to), json_)


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
        _print_batch(open_store(db, as_).tag_customers(ids, add=add or (), set_to=set_), json_)


@customers_app.command("lock")
def customers_lock(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Lock customers: they never fall into the public sea by rule (managers, admins)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).lock_customers(ids, True), json_)


@customers_app.command("unlock")
def customers_unlock(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Unlock customers (managers, admins)."""
    with guarded(json_):
        _print_batch(open_store(db, as_).lock_customers(ids, False), json_)


@customers_app.command("blacklist")
def customers_blacklist(ids: CustomerIdsArg, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Blacklist customers: hidden from the working lists, their open leads tagged."""
    with guarded(json_):
        _print_batch(open_store(db, as_).blacklist_customers(ids), json_)


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
        _print_batch(open_store(db, as_).delete_customers(ids), json_)


@customers_app.command("followup")
def customers_followup(
    customer_id: int,
    kind: Annotated[str, typer.Option("--kind", help="note, call, reply, email or visit.")],
    text: Annotated[str, typer.Option("--text", help="What was said or done.")] = "",
    duration: Annotated[int | None, typer.Option("--duration", help="Call duration in seconds.")] = None,
    outcome: Annotated[str, typer.Option("--outcome", help="Call outcome.")] = "",
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add a follow-up to a customer you own (or your team's)."""
    with guarded(json_):
        record = open_store(db, as_).add_customer_followup(customer_id, kind, text, duration, outcome)
        if json_:
            print_json(record)
        else:
            out.print(t("Added a {kind} follow-up to customer #{id}.", kind=i18n.label(kind), id=customer_id))


@seas_app.command("add")
def seas_add(
    name: str, admin: AdminOpt = None, member: MemberOpt = None, member_dept: MemberDeptOpt = None,
    holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
    protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
    notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
    hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
    members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Create a public sea (admins): the same settings as a pool."""
    settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                              cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                              hide_converted, members_see_detail, recycle_own_created)
    with guarded(json_):
        sea = open_store(db, as_).add_pool(name, kind="sea", admins=admin or (), members=member or (),
                                           member_depts=member_dept or (), **settings)
        print_json(sea) if json_ else _print_pool(sea)


@seas_app.command("set")
def seas_set(
    name: str, admin: AdminOpt = None, member: MemberOpt = None, member_dept: MemberDeptOpt = None,
    holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
    protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
    notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
    hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
    members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
    rename: Annotated[str | None, typer.Option("--rename", help="A new name.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change a public sea's settings (admins). Lists given (--admin, --member…) replace the old ones."""
    settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                              cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                              hide_converted, members_see_detail, recycle_own_created)
    with guarded(json_):
        sea = open_store(db, as_).set_pool(name, kind="sea", rename=rename, admins=admin, members=member,
                                           member_depts=member_dept, **settings)
        print_json(sea) if json_ else _print_pool(sea)


@seas_app.command("list")
def seas_list(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """The public seas you may see."""
    with guarded(json_):
        seas = open_store(db, as_).list_pools("sea")
        if json_:
            print_json(seas)
            return
        print_table([t("Public sea"), t("Cap"), t("Daily"), t("Protect"), t("Cooldown"), t("Admins"), t("Members")],
                    [[p.name, p.holding_cap, p.daily_claim_limit, p.protect_days, p.cooldown_days,
                      ", ".join(p.admins), ", ".join(p.member_users + p.member_departments)] for p in seas],
                    keep=(0, 1, 2, 3, 4), wrap=(5, 6))


@seas_app.command("show")
def seas_show(name: str, db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """One public sea's settings and members."""
    with guarded(json_):
        sea = open_store(db, as_).show_pool(name, "sea")
        print_json(sea) if json_ else _print_pool(sea)


# ----------------------------------------------------------------------------- bench
# A developer's measuring tool: its output is plain English, not translated.

bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("search")
def bench_search(
    leads: Annotated[int, typer.Option("--leads", help="How many leads the database holds.")] = 100_000,
    db: Annotated[str | None, typer.Option("--db", help="The database (default: bench-N.db in your data "
                                                          "directory, built once and reused).")] = None,
    naive: Annotated[bool, typer.Option("--naive/--no-naive", help="Also run the naive LIKE.")] = True,
    json_: JsonOpt = False,
) -> None:
    """Search at N leads: the mixed query set, leadtui's engine beside the naive LIKE."""
    from leadtui.bench import search as bench

    if leads < 100:
        fail(t("--leads must be at least {n}", n=100), 2, json_)
    url = config.db_url(db) if db else None
    with guarded(json_):
        report = bench.run_search_bench(leads, url, naive, progress=None if json_ else _progress_line)
    if json_:
        print_json(bench.as_json(report))
        return
    err.print("")
    print_table(bench.COLUMNS, bench.table_rows(report), keep=(0,))


@bench_app.command("console")
def bench_console(
    leads: Annotated[int, typer.Option("--leads", help="How many leads the database holds.")] = 100_000,
    db: Annotated[str | None, typer.Option("--db", help="The database (default: bench-N.db in your data "
                                                          "directory, built once and reused).")] = None,
    query: Annotated[str, typer.Option("--query", help="What the search step types.")] = "张伟",
    json_: JsonOpt = False,
) -> None:
    """The console at N leads, through the Pilot: launch, page down, jump to end, a search."""
    from leadtui.bench import console as bench

    if leads < 100:
        fail(t("--leads must be at least {n}", n=100), 2, json_)
    if not query.strip():
        fail(t("--query must not be blank"), 2, json_)
    url = config.db_url(db) if db else None
    with guarded(json_):
        report = bench.run_console_bench(leads, url, query, progress=None if json_ else _progress_line)
    if json_:
        print_json(bench.as_json(report))
        return
    print_table(bench.COLUMNS, bench.table_rows(report), keep=(0,))


def _progress_line(done: int, total: int) -> None:
    err.print(f"  {done:,}/{total:,}", end="\r")


@bench_app.command("batch")
def bench_batch(
    leads: Annotated[int, typer.Option("--leads", help="How many leads per batch.")] = 10_000,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite file in a "
                                                         "temporary directory; LEADTUI_DB is not used).")] = None,
    naive: Annotated[bool, typer.Option("--naive/--no-naive", help="Also time the naive per-lead loop.")] = True,
    json_: JsonOpt = False,
) -> None:
    """Time assign, reclaim and claim of N leads (one transaction each, with audit
    events) against a naive one-ORM-save-per-lead loop, on a database of its own."""
    from leadtui.bench import batch as bench

    if leads < 1:
        fail("--leads must be at least 1", 2, json_)
    url = config.db_url(db) if db else None
    with guarded(json_):
        report = bench.run_batch_bench(leads, url, naive=naive,
                                       progress=None if json_ else (lambda msg: err.print(Text(msg))))
    if json_:
        print_json(bench.as_json(report))
        return
    print_table(bench.TABLE_COLUMNS, bench.table_rows(report))
    for action, summary in report.summaries.items():
        err.print(Text(f"  {action}: {summary}"))


@bench_app.command("concurrency")
def bench_concurrency(
    workers: Annotated[int, typer.Option("--workers", help="How many processes act at once.")] = 16,
    seconds: Annotated[float, typer.Option("--seconds", help="How long they act.")] = 30.0,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite file in a "
                                                         "temporary directory; LEADTUI_DB is not used).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Many processes claim, return, assign, reclaim, follow up and convert on the same
    pools at once; prints operations per second and latencies, then checks the audit
    trail against the tables (exit status 1 when a check fails)."""
    from leadtui.bench import concurrency as bench

    if workers < 1 or seconds <= 0:
        fail("--workers must be at least 1 and --seconds more than 0", 2, json_)
    url = config.db_url(db) if db else None
    with guarded(json_):
        report = bench.run_concurrency_bench(workers, seconds, url,
                                             progress=None if json_ else (lambda msg: err.print(Text(msg))))
    if json_:
        print_json(bench.as_json(report))
    else:
        print_table(bench.TABLE_COLUMNS, bench.table_rows(report))
        out.print(Text(f"{report.calls:,} store calls in {report.elapsed:.1f} s by {report.workers} processes: "
                       f"{report.ops_per_s:,.0f} operations per second"))
        for check in report.checks:
            out.print(Text(f"  {'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}",
                           style="" if check.ok else "bold red"))
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# The rules commands live in their own module; importing it registers them.
from leadtui import (
    cli_db,  # noqa: E402,F401
    cli_export,  # noqa: E402,F401
    cli_import,  # noqa: E402,F401
    cli_rules,  # noqa: E402,F401
    cli_search,  # noqa: E402,F401
    cli_ssh,  # noqa: E402,F401
)
