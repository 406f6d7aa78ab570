"""reservations issued: a reservation is closed when its stock is issued to the order's production

``stock_reservations.issued_at`` marks the goods issue: the quantity left ``on_hand`` and ``reserved``
together, and the row stays as the trail (as ``released_at`` does for a cancel).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.drop_column('issued_at')
