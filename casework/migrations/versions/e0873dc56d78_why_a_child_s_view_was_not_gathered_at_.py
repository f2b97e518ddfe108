"""Why a child's view was not gathered at a review, per child (it was appended to the review's
notes, one paragraph per child: those paragraphs move here)

Revision ID: e0873dc56d78
Revises: 2634446f8b1d
Create Date: 2026-12-07 21:17:49.739581

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e0873dc56d78'
down_revision = '2634446f8b1d'
branch_labels = None
depends_on = None

MARK = "'s view was not gathered: "


def upgrade():
    op.create_table('review_views_not_gathered',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_review_views_not_gathered_child_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_views_not_gathered_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_views_not_gathered')),
    sa.UniqueConstraint('review_id', 'child_id', name=op.f('uq_review_views_not_gathered_review_id'))
    )
    with op.batch_alter_table('review_views_not_gathered', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_views_not_gathered_child_id'), ['child_id'], unique=False)
    _move_out_of_notes(op.get_bind())


def _move_out_of_notes(bind):
    """The paragraphs at the end of a review's notes that say why a child (named by a first name
    only one child of the family has) was not heard become that child's row; anything else stays."""
    children: dict[int, dict[str, list[int]]] = {}
    for child_id, family_id, first_name in bind.execute(sa.text("SELECT id, family_id, first_name FROM children")):
        children.setdefault(family_id, {}).setdefault(first_name, []).append(child_id)
    reviews = bind.execute(sa.text("SELECT id, family_id, notes FROM reviews WHERE notes LIKE :mark"),
                           {"mark": f"%{MARK}%"}).all()
    for review_id, family_id, notes in reviews:
        parts, moved = notes.split("\n\n"), {}
        while parts and MARK in parts[-1]:
            name, reason = parts[-1].split(MARK, 1)
            ids = children.get(family_id, {}).get(name, [])
            if len(ids) != 1 or ids[0] in moved:
                break
            moved[ids[0]] = reason.strip()
            parts.pop()
        if not moved:
            continue
        for child_id, reason in reversed(moved.items()):
            bind.execute(sa.text("INSERT INTO review_views_not_gathered (review_id, child_id, reason) "
                                 "VALUES (:review_id, :child_id, :reason)"),
                         {"review_id": review_id, "child_id": child_id, "reason": reason})
        bind.execute(sa.text("UPDATE reviews SET notes = :notes WHERE id = :id"),
                     {"notes": "\n\n".join(parts), "id": review_id})


def downgrade():
    with op.batch_alter_table('review_views_not_gathered', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_views_not_gathered_child_id'))

    op.drop_table('review_views_not_gathered')
