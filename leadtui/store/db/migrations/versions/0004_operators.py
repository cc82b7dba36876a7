"""Who really acted and when: audit_events.operator_id and wall_at; ssh_keys.

- audit_events.operator_id: the admin behind an `--as` (actor_id is the user acted for);
- audit_events.wall_at: the wall-clock time of a change made under `--now`;
- ssh_keys: the public keys of the locked-down mode (`leadtui ssh authorized-keys`).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN, so a million audit events are not copied: SQLite
    # takes the foreign key inline (a column whose default is NULL may have one), where
    # alembic's batch mode would rebuild the table to add it as a constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE audit_events ADD COLUMN operator_id INTEGER REFERENCES users (id)")
    else:
        op.add_column("audit_events", sa.Column("operator_id", sa.Integer(), nullable=True))
        op.create_foreign_key("audit_events_operator_id_fkey", "audit_events", "users", ["operator_id"], ["id"])
    op.add_column("audit_events", sa.Column("wall_at", sa.DateTime(), nullable=True))
    op.create_table(
        "ssh_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("comment", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("blob"),
    )
    op.create_index("ix_ssh_keys_user_id", "ssh_keys", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ssh_keys_user_id", table_name="ssh_keys")
    op.drop_table("ssh_keys")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("audit_events_operator_id_fkey", "audit_events", type_="foreignkey")
    # SQLite 3.35+ drops a plain column in place; the one with a foreign key needs the copy.
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("wall_at")
        batch.drop_column("operator_id")
