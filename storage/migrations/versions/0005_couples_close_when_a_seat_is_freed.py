"""Couples can be closed: a seat freed by /forget never inherits the old couple's history.

The closed couple's rows stay with the remaining partner; the group starts a new couple, so
a group has at most one open couple (a partial unique index) instead of one couple ever.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# SQLite reflects the old unique constraint without a name; batch mode names it by this.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
OPEN_ONLY = sa.text("closed_at IS NULL")


def _drop_one_couple_per_group() -> None:
    if op.get_bind().dialect.name != "sqlite":  # PostgreSQL's name for UNIQUE (group_chat_id)
        op.drop_constraint('couples_group_chat_id_key', 'couples', type_='unique')
        return
    # SQLite drops a constraint by rebuilding the table, and dropping the old table would
    # cascade to every partner, statement and pause while foreign keys are on. They can only
    # be switched off outside a transaction.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
        try:
            with op.batch_alter_table('couples', naming_convention=NAMING) as batch_op:
                batch_op.drop_constraint('uq_couples_group_chat_id', type_='unique')
        finally:
            op.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    _drop_one_couple_per_group()
    op.create_index(
        'uq_couples_open_group',
        'couples',
        ['group_chat_id'],
        unique=True,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )


def downgrade() -> None:
    # Closed couples would break the old one-couple-per-group rule: they go first.
    op.execute("DELETE FROM couples WHERE closed_at IS NOT NULL")
    op.drop_index('uq_couples_open_group', table_name='couples')
    if op.get_bind().dialect.name != "sqlite":
        op.create_unique_constraint('couples_group_chat_id_key', 'couples', ['group_chat_id'])
        op.drop_column('couples', 'closed_at')
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
        try:
            with op.batch_alter_table('couples', naming_convention=NAMING) as batch_op:
                batch_op.create_unique_constraint('uq_couples_group_chat_id', ['group_chat_id'])
                batch_op.drop_column('closed_at')
        finally:
            op.execute("PRAGMA foreign_keys=ON")
