"""The command line: parses, calls the store, prints (tables or --json).

Every command that changes data goes through the same `Store` methods as the
console; a refusal prints the store's message and exits non-zero.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
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
from typer.core import TyperGroup

from leadtui import clock, config, i18n, safe
from leadtui.i18n import t


class Root(TyperGroup):
    """The root group. `--db`, `--as`, `--lang` and `--now` are the root's options, and
    are taken wherever they stand on the line (`leadtui leads list --now …` as well as
    `leadtui --now … leads list`): they are lifted in front of the command before click
    parses it. A command's own `--db` / `--as`, where it has one, wins (open_store)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable_metavars(self)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))


# What a value is called in `--help` where the option's own name does not say it.
METAVARS = {"--since": "DATE", "--until": "DATE", "--to": "LOGIN", "--user": "LOGIN", "--admin": "LOGIN",
            "--member": "LOGIN", "--member-dept": "DEPT", "--out": "FILE", "--rejects": "FILE",
            "--queries-file": "FILE", "--file": "FILE", "--lead": "LEAD_ID", "--as": "LOGIN", "--db": "URL"}


def readable_metavars(command: Any) -> None:  # a click command (typer's own click)
    """`--since DATE`, `IDS…`, `LOGIN` in every command's help, instead of typer's
    `<str>` and `<list[int]>`: an option's value is named after the option, an
    argument after itself (`…` when it takes several)."""
    for param in command.params:
        if param.metavar is not None or getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        if param.param_type_name == "option":
            longest = max(param.opts, key=len)
            param.metavar = METAVARS.get(longest, longest.lstrip("-").upper().replace("-", "_"))
        else:
            param.metavar = (param.name or "value").upper()
    for param in command.params:
        if param.param_type_name == "argument":
            param.display_type_rich = lambda ctx: None  # the name says it; no "<int>" beside it
    for sub in getattr(command, "commands", {}).values():
        readable_metavars(sub)


GLOBAL_OPTIONS = ("--lang", "--now")  # --db and --as are also every command's own


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with the root-only options (and their values) moved to the front; what
    follows `--` is left alone."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if rest and name in GLOBAL_OPTIONS:  # before any command word it is already in place
            if "=" in arg or i + 1 >= len(args):
                front.append(arg)
                i += 1
            else:
                front += args[i:i + 2]
                i += 2
            continue
        rest.append(arg)
        i += 1
    return front + rest


app = typer.Typer(help="leadtui — a keyboard-driven console for sales leads, pools and customers.",
                  cls=Root, no_args_is_help=False, add_completion=True, rich_markup_mode=None)


def command_group(name: str, help: str) -> typer.Typer:  # noqa: A002 - typer's word
    """A group of commands (`leadtui NAME ...`), registered on the root app."""
    group = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOpt = Annotated[str | None, typer.Option("--db", metavar="URL", help="Database URL or SQLite file path (env LEADTUI_DB).")]
AsOpt = Annotated[str | None, typer.Option("--as", metavar="LOGIN", help="Act as another user (admins only).")]
LangOpt = Annotated[str | None, typer.Option("--lang", metavar="en|zh", help="Interface language: en or zh.")]
NowOpt = Annotated[str | None, typer.Option("--now", metavar="TIME", help="Run as if it were this ISO time (tests, replays).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdsArg = Annotated[list[int] | None, typer.Argument(metavar="IDS…", help="Lead ids.")]
NeededIdsArg = Annotated[list[int], typer.Argument(metavar="IDS…", help="Lead ids.")]
LeadIdArg = Annotated[int, typer.Argument(metavar="LEAD_ID", help="A lead's id (`leadtui leads list` shows them).")]
DateOpt = str | None  # --since / --until: a date (2026-11-22) or an ISO time


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


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    print(json.dumps(plain(value), ensure_ascii=False, indent=1))


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
    cells = [[Text(safe.one_line(plain(v)) if v is not None else "") for v in row] for row in rows]
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


def date_bound(text: str | None, end: bool, option: str) -> datetime | None:
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

    return LeadQuery(screen=screen, text=query, period=period, since=date_bound(since, False, "--since"),
                     until=date_bound(until, True, "--until"), sources=tuple(sources or ()),
                     statuses=tuple(statuses or ()), sort=sort, descending=not asc, pool_id=pool_id)


def print_batch(result: Any, as_json: bool) -> None:
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




@contextmanager
def progress(description: str, enabled: bool = True) -> Iterator[Callable[..., None] | None]:
    """A progress bar on stderr for long work (rich.progress), as a callback
    `(done, total[, description])`; None when there is nowhere to show it (--json,
    stderr not a terminal). The bar is gone when the work is done."""
    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int, description: str | None = None) -> None:
            bar.update(task, completed=done, total=total or None,
                       **({"description": description} if description else {}))

        yield update


KindOpt = Annotated[str, typer.Option("--kind", help="note, call, reply, email or visit.")]
TextOpt = Annotated[str, typer.Option("--text", help="What was said or done.")]
DurationOpt = Annotated[int | None, typer.Option("--duration", metavar="SECONDS", help="Call duration in seconds.")]
OutcomeOpt = Annotated[str, typer.Option("--outcome", help="Call outcome.")]
RecordIdArg = Annotated[int, typer.Argument(metavar="ID")]


def followup_command(group: typer.Typer, name: str, entity: str, help: str,  # noqa: A002 - typer's word
                     add: Callable[[Any], Callable[..., Any]]) -> None:
    """`leadtui followup LEAD_ID` and `leadtui customers followup CUSTOMER_ID`: one
    command for either record; `add` picks the store's method for it."""

    @group.command(name, help=help)
    def followup(record_id: RecordIdArg, kind: KindOpt, text: TextOpt = "", duration: DurationOpt = None,
                 outcome: OutcomeOpt = "", db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
        with guarded(json_):
            record = add(open_store(db, as_))(record_id, kind, text, duration, outcome)
            if json_:
                print_json(record)
            elif entity == "lead":
                out.print(t("Added a {kind} follow-up to lead #{id}.", kind=i18n.label(kind), id=record_id))
            else:
                out.print(t("Added a {kind} follow-up to customer #{id}.", kind=i18n.label(kind), id=record_id))
