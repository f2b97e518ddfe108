"""Indexes for the outcomes report's groups and medians

Each is led by what the report groups by (an outcome area, an assessment domain, a median's
value), then the period and the team: with statistics (``init-db`` refreshes them) the
report reads a period's rows from the index alone, in order, instead of walking the closing
date's index and visiting every row of the table.

Revision ID: cf3dfc95d3ed
Revises: 51413dc35a8c
Create Date: 2026-12-08 00:47:18.103096

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'cf3dfc95d3ed'
down_revision = '51413dc35a8c'
branch_labels = None
depends_on = None

WEEKS = ("weeks_in_service", "weeks_in_engagement", "weeks_in_making_changes", "weeks_in_moving_on")
SCALES = ("first_scale", "latest_scale")


def upgrade():
    op.create_index("ix_family_outcome_areas_report", "family_outcome_areas",
                    ["area", "closed_on", "team_id", "goals", "improved", "children"])
    op.create_index("ix_family_outcome_domains_report", "family_outcome_domains",
                    ["framework", "domain", "closed_on", "team_id", "family_better", "children",
                     "children_compared", "children_better"])
    for scale in SCALES:
        op.create_index(f"ix_family_outcome_scales_{scale}", "family_outcome_scales", [scale, "closed_on", "team_id"])
    for weeks in WEEKS:
        op.create_index(f"ix_family_outcomes_{weeks}", "family_outcomes", [weeks, "closed_on", "team_id"])


def downgrade():
    for weeks in WEEKS:
        op.drop_index(f"ix_family_outcomes_{weeks}", table_name="family_outcomes")
    for scale in SCALES:
        op.drop_index(f"ix_family_outcome_scales_{scale}", table_name="family_outcome_scales")
    op.drop_index("ix_family_outcome_domains_report", table_name="family_outcome_domains")
    op.drop_index("ix_family_outcome_areas_report", table_name="family_outcome_areas")
