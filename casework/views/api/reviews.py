"""Reviews of the family plan: holding one (a closing decision closes the family, or waits for
the manager's approval) and when the next one falls due."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import ReviewForm
from ...models import Review
from ...services.families import ensure_open
from ...services.reviews import hold_review, next_review_due
from . import bp, schemas
from .core import api_now, case_user, check_form, created, read_body
from .families import family_in_scope

REVIEW_FIELDS = ("held_on", "decision", "reason", "attendees", "notes")


@bp.get("/families/<int:family_id>/reviews")
def list_reviews(family_id: int):
    family = family_in_scope(family_id)
    reviews = db.session.scalars(
        select(Review)
        .where(Review.family_id == family.id)
        .options(selectinload(Review.recorded_by), selectinload(Review.closure_proposal))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ).all()
    return jsonify(schemas.review_list(reviews, next_review_due(db.session, family)))


@bp.post("/families/<int:family_id>/reviews")
def create_review(family_id: int):
    user = case_user()
    body = read_body(ReviewForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(ReviewForm, body))
    data = {name: getattr(form, name).data for name in REVIEW_FIELDS}
    begin_write()
    review = hold_review(db.session, user, family, data, api_now())
    db.session.commit()
    return created(schemas.review(review))
