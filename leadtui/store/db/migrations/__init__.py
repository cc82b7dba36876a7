"""Alembic migration scripts of the leadtui schema (run through leadtui.store.db.migrate).

Configured from code (no alembic.ini): `leadtui.store.db.migrate.alembic_config()` points
alembic's `script_location` at this package, so it works from a wheel or an editable
install alike. `baseline.py` is the schema of revision 0001, frozen.

A developer adds a migration with, for example:
    python -m leadtui.store.db.migrations revision -m "what changed" --autogenerate --db PATH
(see __main__.py) and then sets HEAD and REVISIONS in leadtui/store/db/schema.py.
"""
