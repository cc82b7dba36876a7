"""The search index: tables search_postings and search_terms, filled from the leads.

The index (leadtui/store/search/index.py) is built from the leads' search_text in
the same transaction, so an upgraded database searches at once. A million leads
take about half a minute.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "search_postings" not in tables:
        op.create_table(
            "search_postings",
            sa.Column("gram", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("seg", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.Column("ids", sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint("gram", "seg"),
            sqlite_with_rowid=False,
        )
    if "search_terms" not in tables:
        op.create_table(
            "search_terms",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("term", sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("term"),
        )
    # Imported here: the index code reads the leads through the models, which match
    # the schema from this revision on.
    from leadtui.store.search import index as search_index

    search_index.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("search_terms")
    op.drop_table("search_postings")
