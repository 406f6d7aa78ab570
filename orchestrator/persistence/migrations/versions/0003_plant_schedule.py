"""plant schedule: work orders and line status

The plant scheduler's work orders (planned and actual windows per operation and attempt) and each
line's live status row (written by the line monitor; fault window by the scheduler).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:38:39.918873
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('line_status',
    sa.Column('line', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('state', sa.Integer(), nullable=True),
    sa.Column('state_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('unit_mode', sa.Integer(), nullable=True),
    sa.Column('mach_speed', sa.Float(), nullable=True),
    sa.Column('cur_mach_speed', sa.Float(), nullable=True),
    sa.Column('job_order_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('planned_quantity', sa.Integer(), nullable=True),
    sa.Column('produced_quantity', sa.Integer(), nullable=True),
    sa.Column('defective_quantity', sa.Integer(), nullable=True),
    sa.Column('stop_reason', sa.Integer(), nullable=True),
    sa.Column('stop_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('connection', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fault_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fault_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fault_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('line')
    )
    op.create_table('work_orders',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('op_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('op_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('work_master', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('line', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('pinned_line', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('produced', sa.Integer(), nullable=False),
    sa.Column('defective', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('setup_minutes', sa.Float(), nullable=False),
    sa.Column('run_minutes_per_unit', sa.Float(), nullable=False),
    sa.Column('predecessors', sa.JSON(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('release_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stop_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('mes_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('mes_line', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('notified_line', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('notified_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'op_id', 'attempt', name='uq_work_orders_order_op_attempt')
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_line_planned_start', ['line', 'planned_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_state'))
        batch_op.drop_index(batch_op.f('ix_work_orders_order_id'))
        batch_op.drop_index('ix_work_orders_line_planned_start')

    op.drop_table('work_orders')
    op.drop_table('line_status')
