"""`leadtui init` and `leadtui demo`: make a database, or a demo one, and open it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.text import Text

from leadtui import config, safe
from leadtui.cli._common import (
    DbOpt,
    G,
    JsonOpt,
    app,
    err,
    fail,
    guarded,
    open_db,
    operator_login,
    out,
    print_json,
    progress,
)
from leadtui.i18n import t


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

            with progress(t("Building")) as update:
                build_demo(database, login, login, leads, progress=update)
            err.print(t("Done in {s:.0f} s.", s=(datetime.now() - started).total_seconds()))
        if no_tui:
            out.print(t("Demo database: {url}", url=database.url))
            return
        from leadtui.app import LeadApp
        from leadtui.store.service import Store

        store = Store(database, operator_login(), G.as_login)
    LeadApp(store).run()
