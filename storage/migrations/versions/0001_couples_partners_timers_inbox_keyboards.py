"""Couples, partners, durable timers, the update inbox and answered keyboards.

Revision ID: 0001
Revises: (none)
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('closed_keyboards',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'message_id')
    )
    op.create_table('couples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_chat_id', sa.BigInteger(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('formed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_chat_id')
    )
    op.create_table('inbox_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('inbox_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_updates_chat_id'), ['chat_id'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('fired_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index('ix_timers_status_due', ['status', 'due_at'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=False),
    sa.Column('first_name', sa.String(length=128), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('consented_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('couple_id', 'seat', name='uq_partner_seat'),
    sa.UniqueConstraint('couple_id', 'telegram_user_id', name='uq_partner_user')
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_telegram_user_id'), ['telegram_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_telegram_user_id'))

    op.drop_table('partners')
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_status_due')
        batch_op.drop_index(batch_op.f('ix_timers_chat_id'))

    op.drop_table('timers')
    with op.batch_alter_table('inbox_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_updates_chat_id'))

    op.drop_table('inbox_updates')
    op.drop_table('couples')
    op.drop_table('closed_keyboards')
