"""The day a closure was recorded (retention counts from it when later than closed_on)

Revision ID: df5b0684e920
Revises: a10454e21cfa
Create Date: 2026-12-07 09:00:00.000000

"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = 'df5b0684e920'
down_revision = 'a10454e21cfa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_recorded_on', sa.Date(), nullable=True))

    # A family closed before this column existed: its closure was recorded when the move that
    # closed it was made (the service's local day); without such a move (none is known to
    # exist), the day of this upgrade, so that no family is listed for retention review early.
    zone = ZoneInfo(current_app.config.get("CASEWORK_TIMEZONE", "Europe/London") if has_app_context()
                    else "Europe/London")
    families = sa.table('families', sa.column('id', sa.Integer), sa.column('phase', sa.String),
                        sa.column('closed_on', sa.Date), sa.column('closure_recorded_on', sa.Date))
    moves = sa.table('phase_moves', sa.column('family_id', sa.Integer), sa.column('to_phase', sa.String),
                     sa.column('made_at', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    closing_moves = dict(bind.execute(
        sa.select(moves.c.family_id, sa.func.max(moves.c.made_at)).where(moves.c.to_phase == 'closed')
        .group_by(moves.c.family_id)
    ).all())
    today = dt.datetime.now(dt.UTC).astimezone(zone).date()
    recorded = []
    for family_id, closed_on in bind.execute(
        sa.select(families.c.id, families.c.closed_on).where(families.c.phase == 'closed',
                                                             families.c.closed_on.is_not(None))
    ):
        made_at = closing_moves.get(family_id)
        if made_at is None:
            day = today
        else:
            day = (made_at if made_at.tzinfo else made_at.replace(tzinfo=dt.UTC)).astimezone(zone).date()
        recorded.append({'family': family_id, 'day': max(closed_on, day)})
    if recorded:
        bind.execute(families.update().where(families.c.id == sa.bindparam('family'))
                     .values(closure_recorded_on=sa.bindparam('day')), recorded)


def downgrade():
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.drop_column('closure_recorded_on')
