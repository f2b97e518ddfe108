"""The visit diary: planned visits (done when a visit is recorded on the day, or cancelled),
and each person's calendar feed (only the hash of its secret)

Revision ID: 98d7471fea54
Revises: 2565a1c6b9be
Create Date: 2026-12-07 17:34:26.684572

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '98d7471fea54'
down_revision = '2565a1c6b9be'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )
    op.create_table('planned_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancelled_by', sa.String(length=10), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_planned_visits_family_id_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_planned_visits_visit_id_visits'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_planned_visits_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_visits'))
    )
    with op.batch_alter_table('planned_visits', schema=None) as batch_op:
        batch_op.create_index('ix_planned_visits_family_date', ['family_id', 'date'], unique=False)
        batch_op.create_index('ix_planned_visits_status_date', ['status', 'date'], unique=False)
        batch_op.create_index('ix_planned_visits_worker_date', ['worker_id', 'date'], unique=False)



def downgrade():
    with op.batch_alter_table('planned_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_planned_visits_worker_date')
        batch_op.drop_index('ix_planned_visits_status_date')
        batch_op.drop_index('ix_planned_visits_family_date')

    op.drop_table('planned_visits')
    op.drop_table('calendar_feeds')
