"""adapter journal: the latest raw messages per adapter

Each adapter's recent messages (MES and supplier HTTP exchanges, sampled OPC UA values, received
webhooks) for the integrator page; the writer keeps only the newest rows per adapter endpoint.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:35:55.347693
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('adapter_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adapter_messages', schema=None) as batch_op:
        batch_op.create_index('ix_adapter_messages_kind_endpoint_id', ['kind', 'endpoint', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('adapter_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_adapter_messages_kind_endpoint_id')

    op.drop_table('adapter_messages')
