"""reservations per revision: a changed order reserves its materials again

``stock_reservations`` was unique per order and item, so the next revision of a changed order found the
released row of the previous one and took it for a repeat: nothing was reserved. The key is now order,
revision and item. Existing rows become revision 0; rows an order reserved before its first change are
exactly that, and a later revision of an order in flight reserves afresh when it gets there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint('uq_stock_reservations_order_item', type_='unique')
        batch_op.create_unique_constraint('uq_stock_reservations_order_revision_item',
                                          ['order_id', 'revision', 'item'])


def downgrade() -> None:
    # One row per order and item again: keep each order's newest revision, drop the older (closed) rows.
    op.execute(
        "DELETE FROM stock_reservations WHERE EXISTS (SELECT 1 FROM stock_reservations AS newer"
        " WHERE newer.order_id = stock_reservations.order_id AND newer.item = stock_reservations.item"
        " AND newer.revision > stock_reservations.revision)"
    )
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stock_reservations_order_revision_item', type_='unique')
        batch_op.drop_column('revision')
        batch_op.create_unique_constraint('uq_stock_reservations_order_item', ['order_id', 'item'])
