"""simulations: planners' what-if runs, their progress and reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('simulations',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('plots', sa.JSON(), nullable=True),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_simulations_status', 'simulations', ['status'], unique=False)
    op.create_index('ix_simulations_requested_by_created_at', 'simulations', ['requested_by', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_simulations_requested_by_created_at', table_name='simulations')
    op.drop_index('ix_simulations_status', table_name='simulations')
    op.drop_table('simulations')
