"""Check-in items held for a rewrite, the OK to show needs after a skip, revised agreements.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checkin_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('needs_shared', sa.Boolean(), nullable=True))
    with op.batch_alter_table('agreement_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revised_text', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agreement_reviews', schema=None) as batch_op:
        batch_op.drop_column('revised_text')
    with op.batch_alter_table('checkin_answers', schema=None) as batch_op:
        batch_op.drop_column('needs_shared')
        batch_op.drop_column('held')
