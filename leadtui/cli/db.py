"""`leadtui db upgrade` and `leadtui db status`: the schema's version (alembic).

An operator's task, not a leadtui user's: whoever can write the database (the SQLite
file, or the PostgreSQL role in the URL) may upgrade it, and no leadtui login is
asked for, since an older schema may not even open through the store.
"""

from __future__ import annotations

from rich.text import Text

from leadtui import safe
from leadtui.cli._common import DbOpt, JsonOpt, command_group, guarded, open_db, out, print_json
from leadtui.i18n import t

db_app = command_group("db", "The database schema: status and upgrade. For whoever runs the database (anyone who can "
         "write the file or the PostgreSQL role); no leadtui login is needed.")


def _status_words(state) -> str:  # noqa: ANN001
    if state.empty:
        return t("empty: run `leadtui init`")
    if state.too_new:
        return t("newer than this leadtui: upgrade leadtui")
    if state.up_to_date:
        return t("up to date")
    if state.current is None:
        return t("made by an older leadtui: run `leadtui db upgrade`")
    return t("needs an upgrade: run `leadtui db upgrade`")


@db_app.command("status")
def db_status(db: DbOpt = None, json_: JsonOpt = False) -> None:
    """Say the database's schema revision, this leadtui's newest, and whether an upgrade is needed."""
    from leadtui.store.db.schema import schema_state, where

    with guarded(json_):
        database = open_db(db)
        try:
            state = schema_state(database.engine)
            exposed = database.exposure()
        finally:
            database.dispose()
    if json_:
        print_json({"db": where(database.engine.url), "current": state.current, "head": state.head,
                    "versioned": state.current is not None, "empty": state.empty,
                    "up_to_date": state.up_to_date, "needs_upgrade": state.needs_upgrade,
                    "too_new": state.too_new, "status": _status_words(state), "readable_by_others": exposed})
        return
    out.print(Text(t("Database: {db}", db=where(database.engine.url))), soft_wrap=True)
    out.print(Text(t("Schema revision: {current}", current=state.current or t("none"))), soft_wrap=True)
    out.print(Text(t("This leadtui's newest: {head}", head=state.head)), soft_wrap=True)
    out.print(Text(t("Status: {status}", status=_status_words(state))), soft_wrap=True)
    if exposed:
        from leadtui.store.db import file as dbfile

        out.print(Text(safe.multi_line(dbfile.warning(exposed)), style="yellow"), soft_wrap=True)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, json_: JsonOpt = False) -> None:
    """Bring the database's schema up to date, keeping every row, in one transaction.

    A database made by a leadtui from before the schema was versioned is recognised by
    its tables and stamped at the first revision first. Back the database up before
    (copy the file, or pg_dump). Needs no leadtui login: anyone who can write the
    database may run it.
    """
    from leadtui.store.db import migrate
    from leadtui.store.db.schema import where

    with guarded(json_):
        database = open_db(db)
        try:
            report = migrate.upgrade(database)
        finally:
            database.dispose()
    name = where(database.engine.url)
    if json_:
        print_json({"db": name, "before": report.before, "after": report.after, "stamped": report.stamped,
                    "applied": [{"revision": r, "description": d} for r, d in report.applied]})
        return
    if report.stamped:
        out.print(Text(t("{db} had no schema version: recognised as revision {rev}", db=name, rev=report.stamped)),
                  soft_wrap=True)
    for revision, description in report.applied:
        out.print(Text(t("Applied {rev}: {description}", rev=revision, description=description)), soft_wrap=True)
    if report.applied:
        out.print(Text(t("{db} is now at revision {rev}.", db=name, rev=report.after)), soft_wrap=True)
    else:
        out.print(Text(t("{db} is already at revision {rev}: nothing to do.", db=name, rev=report.after)),
                  soft_wrap=True)


@db_app.command("reindex")
def db_reindex(db: DbOpt = None, json_: JsonOpt = False) -> None:
    """Build the search index afresh from the leads, in one transaction (searches go on meanwhile).

    The index only ever lists more leads than hold a word (an edit adds the new words
    and leaves the old), so it never needs this to be right; after many edits it makes
    searches read less. A million leads take about half a minute."""
    import time

    from leadtui.store.db.schema import check_schema, where
    from leadtui.store.search import index as search_index

    with guarded(json_):
        database = open_db(db)
        try:
            check_schema(database.engine, where(database.engine.url))
            started = time.perf_counter()
            with database.write() as session:
                rows = search_index.rebuild(session)
            seconds = time.perf_counter() - started
        finally:
            database.dispose()
    if json_:
        print_json({"db": where(database.engine.url), "postings_rows": rows, "seconds": round(seconds, 2)})
        return
    out.print(Text(t("Rebuilt the search index of {db}: {rows} rows in {s} s", db=where(database.engine.url),
                     rows=f"{rows:,}", s=f"{seconds:.1f}")), soft_wrap=True)
