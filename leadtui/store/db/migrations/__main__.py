"""`python -m leadtui.store.db.migrations revision -m MESSAGE [--autogenerate] --db URL`: a new
migration script in versions/ (for developers; operators run `leadtui db upgrade`)."""

from __future__ import annotations

import argparse

from alembic import command

from leadtui import config
from leadtui.store.db.migrate import alembic_config


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m leadtui.store.db.migrations")
    parser.add_argument("action", choices=["revision"])
    parser.add_argument("-m", "--message", required=True)
    parser.add_argument("--autogenerate", action="store_true")
    parser.add_argument("--db", help="a database at the current head, to compare the models with")
    args = parser.parse_args()
    cfg = alembic_config(config.db_url(args.db))
    command.revision(cfg, message=args.message, autogenerate=args.autogenerate)


if __name__ == "__main__":
    main()
