"""The child's voice: what each child said, their 0-10 scale and three houses, and whether
they agreed to share it with their parents; a notification's detail for the app only (the
children not heard before a review)

Revision ID: 1569a1f9978c
Revises: 98d7471fea54
Create Date: 2026-12-07 17:31:43.133512

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1569a1f9978c'
down_revision = '98d7471fea54'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('how', sa.String(length=20), nullable=False),
    sa.Column('words', sa.Text(), nullable=True),
    sa.Column('scale', sa.Integer(), nullable=True),
    sa.Column('worries', sa.Text(), nullable=True),
    sa.Column('good_things', sa.Text(), nullable=True),
    sa.Column('wishes', sa.Text(), nullable=True),
    sa.Column('shared_with_parents', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_voices_child_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_voices_family_id_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_voices_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_voices_review_id_reviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_voices_visit_id_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voices'))
    )
    with op.batch_alter_table('voices', schema=None) as batch_op:
        batch_op.create_index('ix_voices_child_date', ['child_id', 'date'], unique=False)
        batch_op.create_index('ix_voices_family_date', ['family_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_voices_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voices_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('detail')

    with op.batch_alter_table('voices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voices_visit_id'))
        batch_op.drop_index(batch_op.f('ix_voices_review_id'))
        batch_op.drop_index('ix_voices_family_date')
        batch_op.drop_index('ix_voices_child_date')

    op.drop_table('voices')
