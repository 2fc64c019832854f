"""bots: users and memberships may have the role 'bot'

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("users", "memberships"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch.create_check_constraint("role", "role IN ('instructor', 'student', 'bot')")


def downgrade() -> None:
    for table in ("users", "memberships"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch.create_check_constraint("role", "role IN ('instructor', 'student')")
