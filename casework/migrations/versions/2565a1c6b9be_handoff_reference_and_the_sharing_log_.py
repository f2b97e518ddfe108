"""The receiving service's reference on a step-up handoff, and the sharing log by reader
(a partner's list reads of the day)

Revision ID: 2565a1c6b9be
Revises: 608b2e4dd8be
Create Date: 2026-12-07 17:45:03.206442

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2565a1c6b9be'
down_revision = '608b2e4dd8be'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handoff_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_handoff_references_family_id_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_handoff_references_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_references'))
    )
    with op.batch_alter_table('handoff_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_references_family_id'), ['family_id'], unique=False)

    with op.batch_alter_table('sharing_log', schema=None) as batch_op:
        batch_op.create_index('ix_sharing_log_user_at', ['user_id', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('sharing_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sharing_log_user_at')

    with op.batch_alter_table('handoff_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_references_family_id'))

    op.drop_table('handoff_references')
