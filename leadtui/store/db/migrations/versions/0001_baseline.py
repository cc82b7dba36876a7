"""The schema before it was versioned (leadtui at commit 78e9783).

An unversioned database that has these tables is stamped at this revision by
`leadtui db upgrade` and then upgraded.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from leadtui.store.db.migrations.baseline import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), checkfirst=False)
