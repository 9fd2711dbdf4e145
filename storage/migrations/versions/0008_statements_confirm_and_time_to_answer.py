"""Statements: the speaker confirms the listener's reflection, and "I need time" sets a time
to answer.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reflection_confirmed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('clarification_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('second_reflection_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_column('answer_due_at')
        batch_op.drop_column('second_reflection_text')
        batch_op.drop_column('clarification_text')
        batch_op.drop_column('reflection_confirmed')
