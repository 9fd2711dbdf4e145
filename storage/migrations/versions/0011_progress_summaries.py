"""Quarterly progress summaries (indicators only, no text the couple wrote).

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'progress_summaries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('couple_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=8), nullable=False),
        sa.Column('period_start', sa.DateTime(), nullable=False),
        sa.Column('period_end', sa.DateTime(), nullable=False),
        sa.Column('indicators', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('couple_id', 'quarter', name='uq_progress_quarter'),
    )
    op.create_index(
        op.f('ix_progress_summaries_couple_id'), 'progress_summaries', ['couple_id']
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_progress_summaries_couple_id'), table_name='progress_summaries')
    op.drop_table('progress_summaries')
