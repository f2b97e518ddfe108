"""Holding a review of the family plan: is it working; continue, step up, step down or close?"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.case import ReviewForm
from ..forms.voice_pages import ReviewVoiceEntry, voice_entries, with_voices
from ..models import CLOSURE_REASONS
from ..services import clock, drafts
from ..services import closures as closures_service
from ..services import reviews as reviews_service
from ..services.errors import Conflict, ValidationFailed
from ..services.review_schedule import is_overdue, next_review_due
from ..services.voices import latest_voices, link_to_review, record_heard_at
from . import voices as voice_pages
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_closed,
    flash_done,
    form_failed,
    refused_on_closed,
    save_once,
    saved_before,
)
from .visits import restore_draft

bp = Blueprint("reviews", __name__)

PROPOSED_MESSAGE = "Closure proposed: waiting for your manager's approval."


def _review_form(family) -> ReviewForm:
    # Each child's view is asked beside the review (forms/voice_pages.py) and saved with it.
    form = with_voices(ReviewForm, family.children, ReviewVoiceEntry)().for_page()
    form.attendees.description = "For example: Dana (mum), Wendy (family worker), Ms Khan (school)."
    return form


def _render(form, family, status=200, draft=None):
    now = clock.current_time()
    next_due = next_review_due(db.session, family, now)
    return (
        render_template(
            "reviews/new.html",
            form=form,
            family=family,
            next_due=next_due,
            overdue=is_overdue(next_due, clock.local_date(now)),
            draft=draft,
            draft_key=drafts.form_key("review", family.id),
            voices=voice_entries(form, family.children),
            latest_voices=latest_voices(db.session, [family.id]),
        ),
        status,
    )


def _views_not_gathered(entries) -> dict[int, str]:
    """Why each child's view was not gathered, by child, for those it was said of."""
    return {child.id: reason for child, entry in entries if (reason := (entry.not_gathered.data or "").strip())}


@bp.route("/families/<int:family_id>/reviews/new", methods=["GET", "POST"])
@case_worker_required
def new(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = _review_form(family)
    voice_entries(form, family.children)  # each child's entry names them, in its messages too
    if request.method == "GET":
        form.held_on.data = clock.local_date(now)
        return _render(form, family, draft=restore_draft(form, "review", family, now))
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render(form, family, 422)
    data = {
        "held_on": form.held_on.data,
        "decision": form.decision.data,
        "reason": form.reason.data or None,
        "attendees": form.attendees.data,
        "notes": form.notes.data,
        "views_not_gathered": _views_not_gathered(voice_entries(form, family.children)),
    }
    begin_write()
    try:
        # The children's views first: a review may close the family, whose record is then read-only.
        entries = voice_entries(form, family.children)
        voices = record_heard_at(db.session, actor, voice_pages.heard(entries), now,
                                 link={"date": form.held_on.data, "how": "review"})
        review = reviews_service.hold_review(db.session, actor, family, data, now)
        link_to_review(db.session, voices, review)
        save_once(form, "review", review, url_for("families.show", family_id=family.id, _anchor="reviews"))
        drafts.drop(db.session, actor, drafts.form_key("review", family.id))
        db.session.commit()
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        if not (isinstance(error, ValidationFailed) and voice_pages.entries_failed(entries, error, form.held_on)):
            form_failed(form, error)
        return _render(form, family, error.status)
    held = f"Review held on {clock.day_text(review.held_on)} recorded."
    if family.is_closed:
        flash_closed(family, f"{held} {family.reference} is closed: {CLOSURE_REASONS[family.closure_reason].lower()}.")
    elif closures_service.pending_closure(db.session, family) is not None and review.decision != "continue":
        flash_done(f"{held} {PROPOSED_MESSAGE}")
    else:
        due = next_review_due(db.session, family, now)
        flash_done(f"{held} The next review is due on {clock.day_text(due)}.")
    return redirect(url_for("families.show", family_id=family.id))
