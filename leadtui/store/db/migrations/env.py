"""Alembic's environment for leadtui: online only, batch mode for SQLite.

leadtui.store.db.migrate hands over an open connection (config.attributes["connection"])
inside its own transaction, so the stamp and every migration of one upgrade commit
together or not at all. Without one (a developer's `revision --autogenerate`), the
URL in the config is used.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from leadtui.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    # The migrations look at the database (what exists already), so SQL scripts cannot be made.
    raise SystemExit("leadtui migrations run online only: use `leadtui db upgrade`")

_connection = config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    _engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with _engine.connect() as _conn:
        _run(_conn)
        _conn.commit()
