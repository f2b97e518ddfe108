"""Reviews of the family plan and when the next one falls due. (Holding a review through the
API comes with the reviews issue.)"""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Review
from ...services.reviews import next_review_due
from . import bp, schemas
from .families import family_in_scope


@bp.get("/families/<int:family_id>/reviews")
def list_reviews(family_id: int):
    family = family_in_scope(family_id)
    reviews = db.session.scalars(
        select(Review)
        .where(Review.family_id == family.id)
        .options(selectinload(Review.recorded_by))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ).all()
    return jsonify(
        items=[schemas.review(r) for r in reviews],
        next_due=schemas.date(next_review_due(db.session, family)),
    )
