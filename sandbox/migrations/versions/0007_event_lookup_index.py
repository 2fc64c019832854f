"""events: index (class_id, kind, subject) for the checks' "the <kind> event on this document" joins

Without it SQLite answered such a join by scanning every event of the class once per document
(ix_events_class_at), which made the B2B task tracker grow with the class's event log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 07:50:00
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_class_kind_subject', ['class_id', 'kind', 'subject'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_class_kind_subject')
