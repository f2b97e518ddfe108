"""Visits recorded offline and the visits that could not be recorded

Revision ID: 2634446f8b1d
Revises: 1569a1f9978c
Create Date: 2026-12-07 17:32:53.362318

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2634446f8b1d'
down_revision = '1569a1f9978c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unrecorded_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=255), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('family_reference', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('device_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_unrecorded_visits_family_id_families'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_unrecorded_visits_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unrecorded_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unrecorded_visits')),
    sa.UniqueConstraint('user_id', 'device_key', name=op.f('uq_unrecorded_visits_user_id'))
    )
    with op.batch_alter_table('unrecorded_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unrecorded_visits_family_id'), ['family_id'], unique=False)
        batch_op.create_index('ix_unrecorded_visits_user_resolved', ['user_id', 'resolved_at'], unique=False)

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_offline', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('device_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    # Visits recorded before: received when they were written.
    op.execute("UPDATE visits SET received_at = created_at")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sa.DateTime(timezone=True), nullable=False)



def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('received_at')
        batch_op.drop_column('device_recorded_at')
        batch_op.drop_column('recorded_offline')

    with op.batch_alter_table('unrecorded_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_unrecorded_visits_user_resolved')
        batch_op.drop_index(batch_op.f('ix_unrecorded_visits_family_id'))

    op.drop_table('unrecorded_visits')
