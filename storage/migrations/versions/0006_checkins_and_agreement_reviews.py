"""Check-ins (needs and appreciations, revealed together) and agreement reviews.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_schedule', sa.String(length=64), nullable=True))
    op.create_table(
        'agreement_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('asked_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.String(length=16), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        op.f('ix_agreement_reviews_agreement_id'), 'agreement_reviews', ['agreement_id']
    )
    op.create_table(
        'checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('couple_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['partners.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_checkins_couple_id'), 'checkins', ['couple_id'])
    op.create_table(
        'checkin_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('needs', sa.JSON(), nullable=True),
        sa.Column('appreciations', sa.JSON(), nullable=True),
        sa.Column('skipped', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('checkin_id', 'partner_id', name='uq_checkin_partner'),
    )
    op.create_index(op.f('ix_checkin_answers_checkin_id'), 'checkin_answers', ['checkin_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_checkin_answers_checkin_id'), table_name='checkin_answers')
    op.drop_table('checkin_answers')
    op.drop_index(op.f('ix_checkins_couple_id'), table_name='checkins')
    op.drop_table('checkins')
    op.drop_index(op.f('ix_agreement_reviews_agreement_id'), table_name='agreement_reviews')
    op.drop_table('agreement_reviews')
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_column('checkin_schedule')
