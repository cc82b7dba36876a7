"""Rules: auto-assign rules, recycle warnings, leads waiting for a rule.

- table assign_rules (a pool's auto-assign rules);
- leads.warned_for, leads.awaiting_rule, customers.warned_for;
- indexes ix_leads_protect (status, protect_until) and ix_customers_protect_until.

Each step is skipped when its object exists already: a database made by create_all
between the rules landing and versioning (unversioned, so stamped at 0001) has some
or all of them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "assign_rules" not in tables:
        op.create_table(
            "assign_rules",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("pool_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("conditions", sa.Text(), nullable=False),
            sa.Column("targets", sa.Text(), nullable=False),
            sa.Column("next_target", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_assign_rules_pool_id", "assign_rules", ["pool_id"], unique=False)

    lead_columns = {c["name"] for c in inspector.get_columns("leads")}
    customer_columns = {c["name"] for c in inspector.get_columns("customers")}
    lead_indexes = {i["name"] for i in inspector.get_indexes("leads")}
    customer_indexes = {i["name"] for i in inspector.get_indexes("customers")}

    # Adding a column is a plain ALTER TABLE on SQLite too (batch mode copies nothing).
    with op.batch_alter_table("leads") as batch:
        if "warned_for" not in lead_columns:
            batch.add_column(sa.Column("warned_for", sa.DateTime(), nullable=True))
        if "awaiting_rule" not in lead_columns:
            # NOT NULL needs a default for the rows already there; it stays as the
            # column's server default (the models set the value on every insert anyway).
            batch.add_column(sa.Column("awaiting_rule", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    if "ix_leads_protect" not in lead_indexes:
        op.create_index("ix_leads_protect", "leads", ["status", "protect_until"], unique=False)

    with op.batch_alter_table("customers") as batch:
        if "warned_for" not in customer_columns:
            batch.add_column(sa.Column("warned_for", sa.DateTime(), nullable=True))
    if "ix_customers_protect_until" not in customer_indexes:
        op.create_index("ix_customers_protect_until", "customers", ["protect_until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_protect_until", table_name="customers")
    op.drop_index("ix_leads_protect", table_name="leads")
    # Dropping a column makes SQLite copy the table (batch mode); leadtui.store.db.migrate
    # turns foreign keys off around it so the copy does not cascade.
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("warned_for")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("awaiting_rule")
        batch.drop_column("warned_for")
    op.drop_index("ix_assign_rules_pool_id", table_name="assign_rules")
    op.drop_table("assign_rules")
