"""The command line: parses, calls the store, prints (tables or --json).

The root app, the shared options and the printing live in `_common`; each command group
is a module of its own that registers its commands on import. None of them imports this
package back.
"""

from __future__ import annotations

import sys

from leadtui.cli._common import app

# Importing a group registers its commands; `leadtui --help` lists them in this order.
from leadtui.cli import setup, users, leads, pools, customers, rules, exchange, search  # noqa: E402,F401,I001  isort: skip
from leadtui.cli import audit, db, ssh, bench  # noqa: E402,F401,I001  isort: skip

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
