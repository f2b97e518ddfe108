"""Keep each closed family's outcome measures for the outcomes report

The tables start empty: ``init-db`` (casework/cli.py) writes the measures of the families
already closed (services/outcome_store.py ``rebuild_missing_outcomes``), from their records,
by the same code that writes them when a family closes.

Revision ID: 51413dc35a8c
Revises: e0873dc56d78
Create Date: 2026-12-07 22:23:49.543284

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '51413dc35a8c'
down_revision = 'e0873dc56d78'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_outcomes',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('closure_reason', sa.String(length=20), nullable=True),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('weeks_in_service', sa.Double(), nullable=False),
    sa.Column('weeks_in_engagement', sa.Double(), nullable=False),
    sa.Column('weeks_in_making_changes', sa.Double(), nullable=False),
    sa.Column('weeks_in_moving_on', sa.Double(), nullable=False),
    sa.Column('goals', sa.Integer(), nullable=False),
    sa.Column('goals_achieved', sa.Integer(), nullable=False),
    sa.Column('first_and_closing_assessment', sa.Boolean(), nullable=False),
    sa.Column('voice_children', sa.Integer(), nullable=False),
    sa.Column('heard', sa.Integer(), nullable=False),
    sa.Column('heard_twice', sa.Integer(), nullable=False),
    sa.Column('with_two_scales', sa.Integer(), nullable=False),
    sa.Column('scale_rose', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_family_outcomes_family_id_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_family_outcomes_team_id_teams')),
    sa.PrimaryKeyConstraint('family_id', name=op.f('pk_family_outcomes'))
    )
    with op.batch_alter_table('family_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_family_outcomes_closed_on', ['closed_on'], unique=False)
        batch_op.create_index('ix_family_outcomes_team_closed', ['team_id', 'closed_on'], unique=False)

    op.create_table('family_outcome_areas',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('goals', sa.Integer(), nullable=False),
    sa.Column('improved', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family_outcomes.family_id'], name=op.f('fk_family_outcome_areas_family_id_family_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_family_outcome_areas_team_id_teams')),
    sa.PrimaryKeyConstraint('family_id', 'area', name=op.f('pk_family_outcome_areas'))
    )
    with op.batch_alter_table('family_outcome_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_outcome_areas_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index('ix_family_outcome_areas_team_closed', ['team_id', 'closed_on'], unique=False)

    op.create_table('family_outcome_domains',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=60), nullable=False),
    sa.Column('domain', sa.String(length=60), nullable=False),
    sa.Column('family_better', sa.Boolean(), nullable=True),
    sa.Column('children_compared', sa.Integer(), nullable=False),
    sa.Column('children_better', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family_outcomes.family_id'], name=op.f('fk_family_outcome_domains_family_id_family_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_family_outcome_domains_team_id_teams')),
    sa.PrimaryKeyConstraint('family_id', 'framework', 'domain', name=op.f('pk_family_outcome_domains'))
    )
    with op.batch_alter_table('family_outcome_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_outcome_domains_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index('ix_family_outcome_domains_team_closed', ['team_id', 'closed_on'], unique=False)

    op.create_table('family_outcome_scales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('first_scale', sa.Integer(), nullable=False),
    sa.Column('latest_scale', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family_outcomes.family_id'], name=op.f('fk_family_outcome_scales_family_id_family_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_family_outcome_scales_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_outcome_scales'))
    )
    with op.batch_alter_table('family_outcome_scales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_outcome_scales_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_outcome_scales_family_id'), ['family_id'], unique=False)
        batch_op.create_index('ix_family_outcome_scales_team_closed', ['team_id', 'closed_on'], unique=False)



def downgrade():
    with op.batch_alter_table('family_outcome_scales', schema=None) as batch_op:
        batch_op.drop_index('ix_family_outcome_scales_team_closed')
        batch_op.drop_index(batch_op.f('ix_family_outcome_scales_family_id'))
        batch_op.drop_index(batch_op.f('ix_family_outcome_scales_closed_on'))

    op.drop_table('family_outcome_scales')
    with op.batch_alter_table('family_outcome_domains', schema=None) as batch_op:
        batch_op.drop_index('ix_family_outcome_domains_team_closed')
        batch_op.drop_index(batch_op.f('ix_family_outcome_domains_closed_on'))

    op.drop_table('family_outcome_domains')
    with op.batch_alter_table('family_outcome_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_family_outcome_areas_team_closed')
        batch_op.drop_index(batch_op.f('ix_family_outcome_areas_closed_on'))

    op.drop_table('family_outcome_areas')
    with op.batch_alter_table('family_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_family_outcomes_team_closed')
        batch_op.drop_index('ix_family_outcomes_closed_on')

    op.drop_table('family_outcomes')
