"""Inventory and purchasing: stock, reservations, goods receipts, purchase orders, supplier history,
seen webhook signatures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:35:48
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tables in alphabetical order. The check constraint on ``stock`` is the database's own guard against
    # over-reservation (the repository's conditional UPDATE is the first).
    op.create_table('goods_receipts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('receipt_key', AutoString(length=200), nullable=False),
    sa.Column('order_id', AutoString(length=40), nullable=True),
    sa.Column('item', AutoString(length=80), nullable=False),
    sa.Column('unit', AutoString(length=10), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('for_order', sa.Float(), nullable=False),
    sa.Column('surplus', sa.Float(), nullable=False),
    sa.Column('supplier', AutoString(length=80), nullable=True),
    sa.Column('po_id', AutoString(length=100), nullable=True),
    sa.Column('asn_id', AutoString(length=100), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('receipt_key', name='uq_goods_receipts_receipt_key')
    )
    with op.batch_alter_table('goods_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goods_receipts_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_goods_receipts_po', ['supplier', 'po_id'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('po_id', AutoString(length=100), nullable=False),
    sa.Column('supplier', AutoString(length=80), nullable=False),
    sa.Column('order_id', AutoString(length=40), nullable=False),
    sa.Column('need_id', AutoString(length=200), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('item', AutoString(length=80), nullable=False),
    sa.Column('unit', AutoString(length=10), nullable=False),
    sa.Column('need_quantity', sa.Float(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit_price', sa.Float(), nullable=True),
    sa.Column('currency', AutoString(length=3), nullable=True),
    sa.Column('quote_id', AutoString(length=100), nullable=True),
    sa.Column('idempotency_key', AutoString(length=255), nullable=False),
    sa.Column('state', AutoString(length=20), nullable=False),
    sa.Column('reason', AutoString(), nullable=True),
    sa.Column('supplier_reference', AutoString(length=100), nullable=True),
    sa.Column('workflow_id', AutoString(length=200), nullable=False),
    sa.Column('need_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promised_delivery', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expected_delivery', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_quantity', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('po_id'),
    sa.UniqueConstraint('idempotency_key', name='uq_purchase_orders_idempotency_key')
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_orders_need', ['need_id', 'attempt'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_supplier'), ['supplier'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('stock',
    sa.Column('item', AutoString(length=80), nullable=False),
    sa.Column('unit', AutoString(length=10), nullable=False),
    sa.Column('on_hand', sa.Float(), nullable=False),
    sa.Column('reserved', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand + 0.000001', name='ck_stock_reserved_within_on_hand'),
    sa.PrimaryKeyConstraint('item')
    )
    op.create_table('stock_reservations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', AutoString(length=40), nullable=False),
    sa.Column('item', AutoString(length=80), nullable=False),
    sa.Column('unit', AutoString(length=10), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('from_stock', sa.Float(), nullable=False),
    sa.Column('from_receipts', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'item', name='uq_stock_reservations_order_item')
    )
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_reservations_item'), ['item'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_reservations_order_id'), ['order_id'], unique=False)

    op.create_table('supplier_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('supplier', AutoString(length=80), nullable=False),
    sa.Column('kind', AutoString(length=20), nullable=False),
    sa.Column('po_id', AutoString(length=100), nullable=True),
    sa.Column('item', AutoString(length=80), nullable=True),
    sa.Column('promised_delivery', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_delivery', sa.DateTime(timezone=True), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key', name='uq_supplier_history_dedupe_key')
    )
    with op.batch_alter_table('supplier_history', schema=None) as batch_op:
        batch_op.create_index('ix_supplier_history_supplier_at', ['supplier', 'at'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('signature', AutoString(length=64), nullable=False),
    sa.Column('endpoint', AutoString(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('signature')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_received_at'), ['received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_received_at'))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('supplier_history', schema=None) as batch_op:
        batch_op.drop_index('ix_supplier_history_supplier_at')

    op.drop_table('supplier_history')
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_reservations_order_id'))
        batch_op.drop_index(batch_op.f('ix_stock_reservations_item'))

    op.drop_table('stock_reservations')
    op.drop_table('stock')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_supplier'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_state'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_order_id'))
        batch_op.drop_index('ix_purchase_orders_need')

    op.drop_table('purchase_orders')
    with op.batch_alter_table('goods_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_goods_receipts_po')
        batch_op.drop_index(batch_op.f('ix_goods_receipts_order_id'))

    op.drop_table('goods_receipts')
