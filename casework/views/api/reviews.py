"""Reviews of the family plan: holding one (a closing decision closes the family, or waits for
the manager's approval) and when the next one falls due."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import ReviewInputForm
from ...services.editing import ensure_open
from ...services.review_schedule import next_review_due
from ...services.reviews import hold_review, reviews_in_full
from . import bp, schemas
from .core import api_now, case_user, check_form, created, read_body
from .families import family_in_scope

REVIEW_FIELDS = ("held_on", "decision", "reason", "attendees", "notes")


@bp.get("/families/<int:family_id>/reviews")
def list_reviews(family_id: int):
    family = family_in_scope(family_id)
    next_due = next_review_due(db.session, family, api_now())
    return jsonify(schemas.review_list(reviews_in_full(db.session, family), next_due))


@bp.post("/families/<int:family_id>/reviews")
def create_review(family_id: int):
    user = case_user()
    body = read_body(ReviewInputForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(ReviewInputForm, body))
    data = {name: getattr(form, name).data for name in REVIEW_FIELDS}
    data["views_not_gathered"] = form.not_gathered()
    begin_write()
    review = hold_review(db.session, user, family, data, api_now())
    db.session.commit()
    return created(schemas.review(review))
