"""Logging a visit to a family (above all, which children were seen), and correcting one
that was recorded wrongly while keeping what it said before."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..database import begin_write
from ..extensions import db
from ..forms.case import VisitCorrectionForm, VisitForm
from ..forms.voice_pages import voice_entries, with_voices
from ..models import CORRECTED_FIELDS, VISIT_KINDS, VISIT_OUTCOMES
from ..services import clock, drafts, scope
from ..services import goals as goals_service
from ..services import visits as visits_service
from ..services.corrections import correct_visit, corrections_of
from ..services.errors import ServiceError, ValidationFailed
from ..services.voices import latest_voices, record_heard_at
from . import voices as voice_pages
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    parse_version,
    refuse,
    refused_on_closed,
    save_form,
    save_once,
    saved_before,
)

bp = Blueprint("visits", __name__)

SEEN_HINT = "Tick every child you saw at this visit."
ALONE_HINT = "Tick the children you spoke with on their own, where their age allows."
def _describe(form):
    form.children_seen.description = SEEN_HINT
    form.seen_alone.description = ALONE_HINT
    return form


# --- Logging a visit ------------------------------------------------------------------------


def _render(form, family, status=200, draft=None):
    return render_template("visits/new.html", form=form, family=family, draft=draft,
                           draft_key=drafts.form_key("visit", family.id),
                           voices=voice_entries(form, family.children),
                           latest_voices=latest_voices(db.session, [family.id])), status


@bp.route("/families/<int:family_id>/visits/new", methods=["GET", "POST"])
@case_worker_required
def new(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    # What each child said is asked beside the visit (forms/voice_pages.py) and saved with it.
    form = with_voices(VisitForm, family.children)()
    goals = visits_service.goals_to_discuss(db.session, family)
    _describe(form.set_family(family, goals))
    voice_entries(form, family.children)  # each child's entry names them, in its messages too
    if request.method == "GET":
        form.date.data = clock.local_date(now)
        # The copy a device keeps for offline use (static/js/offline.js) never holds a draft.
        draft = None if request.headers.get("X-Casework-Offline-Copy") else restore_draft(form, "visit", family, now)
        return _render(form, family, draft=draft)
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render(form, family, 422)
    begin_write(family, *goals)  # read again under the lock: still open, still worked on? The rest is kept.
    try:
        visit = visits_service.log_visit(db.session, actor, family, form.visit_data(), now)
        record_heard_at(db.session, actor, voice_pages.heard(voice_entries(form, family.children)), now,
                        link={"date": visit.date, "how": "visit", "visit_id": visit.id},
                        seen=set(visit.children_seen_ids))
        save_once(form, "visit", visit, url_for("families.show", family_id=family.id, _anchor=f"visit-{visit.id}"))
        drafts.drop(db.session, actor, drafts.form_key("visit", family.id))
    except ValidationFailed as error:
        db.session.rollback()
        if not voice_pages.entries_failed(voice_entries(form, family.children), error):
            form_failed(form, error)
        return _render(form, family, 422)
    done = f"Visit on {clock.day_text(visit.date)} recorded."  # read before the commit expires the visit
    db.session.commit()
    flash_done(done)
    return redirect(url_for("families.show", family_id=family_id))


# --- Drafts: what was typed into a long form and not yet saved ------------------------------
#
# static/js/session.js posts the form here every half a minute while it changes, and before the
# idle time-out; the form page fills its fields from the draft when it is opened again (after
# signing back in, say). Without JavaScript nothing is autosaved and the pages work as before.

DRAFT_PAGES = {"visit": "visits.new", "review": "reviews.new", "goal": "goals.new"}


def restore_draft(form, kind, family, now):
    """Fill ``form`` from the signed-in user's draft of it, if they have one; the draft (for
    the notice "We kept your unsaved draft from 14:05"), or None."""
    key = drafts.form_key(kind, family.id)
    begin_write()  # stale drafts are purged
    draft = drafts.load(db.session, current_actor(), key, now)
    db.session.commit()
    if draft is not None:
        draft.saved_on_another_day = clock.local_date(draft.saved_at) != clock.local_date(now)
        form.process(formdata=MultiDict([(name, value) for name, values in draft.data.items() for value in values]))
    return draft


@bp.post("/drafts/<form_key>")
@case_worker_required
def save_draft(form_key):
    """Keep the posted form as the caller's draft of ``form_key``: 204. 404 for a form or
    family outside the caller's scope (nobody can write into anyone else's draft: a draft
    belongs to the caller alone), 422 when it cannot be kept."""
    begin_write()
    try:
        drafts.save(db.session, current_actor(), form_key, request.form, clock.current_time())
    except ValidationFailed as error:
        db.session.rollback()
        return error.message, 422, {"Content-Type": "text/plain; charset=utf-8"}
    except ServiceError as error:
        refuse(error)
    db.session.commit()
    return "", 204


@bp.post("/drafts/<form_key>/discard")
@case_worker_required
def discard_draft(form_key):
    """The "Discard draft" button: the form opens empty again."""
    try:
        kind, family_id = drafts.parse_key(form_key)
        begin_write()
        found = drafts.discard(db.session, current_actor(), form_key)
    except ServiceError as error:
        refuse(error)
    db.session.commit()
    flash("Your draft has been discarded." if found else "There was no draft to discard.", "info")
    return redirect(url_for(DRAFT_PAGES[kind], family_id=family_id))


# --- Correcting a visit ---------------------------------------------------------------------


def _render_correct(form, visit, status=200):
    family = visit.family
    plan = goals_service.family_plan(db.session, family)
    return (
        render_template("visits/correct.html", form=form, visit=visit, family=family,
                        corrections=corrections_of(db.session, "visit", [visit.id])[visit.id],
                        correction_lines=correction_lines,
                        goals_by_id={goal.id: goal for goal in plan}),
        status,
    )


def _visit_or_abort(visit_id):
    try:
        return scope.get_visit(db.session, current_actor(), visit_id)
    except ServiceError as error:
        refuse(error)


@bp.route("/visits/<int:visit_id>/correct", methods=["GET", "POST"])
@case_worker_required
def correct(visit_id):
    visit = _visit_or_abort(visit_id)
    family = visit.family
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    goals = visits_service.goals_to_discuss(db.session, family, visit)
    if request.method == "GET":
        form = VisitCorrectionForm(data={**visits_service.visit_values(visit), "version": str(visit.version)})
        _describe(form.set_family(family, goals))
        return _render_correct(form, visit)
    form = _describe(VisitCorrectionForm().set_family(family, goals))
    if not form.validate():
        return _render_correct(form, visit, 422)
    changes = {**form.visit_data(), "version": parse_version(form.version.data)}
    status = save_form(form, visit, lambda: correct_visit(
        db.session, current_actor(), visit, changes, form.correction_note.data, clock.current_time()))
    if status:
        return _render_correct(form, visit, status)
    flash_done(f"The visit on {clock.day_text(visit.date)} has been corrected.")
    return redirect(url_for("families.show", family_id=family.id))


# --- Corrections in words -------------------------------------------------------------------


def _day(value) -> str:
    try:
        return clock.day_text(value)
    except (TypeError, ValueError):
        return str(value)


def correction_lines(correction, children, goals_by_id) -> list[tuple[str, str]]:
    """What a visit said before a correction, field by field, in words: ``[(label, value)]``.
    ``children``: the family's children; ``goals_by_id``: its goals."""
    names = {child.id: child.first_name for child in children}
    lines = []
    for name, value in correction.old_values.items():
        if name == "date":
            text = _day(value)
        elif name == "kind":
            text = VISIT_KINDS.get(value, str(value))
        elif name == "outcome":
            text = VISIT_OUTCOMES.get(value, str(value))
        elif name == "duration_minutes":
            text = str(value) if value else "Not recorded"
        elif name in ("children_seen", "seen_alone"):
            text = ", ".join(names.get(cid, "a child no longer recorded") for cid in value or []) or "None"
        elif name == "goals_discussed":
            text = "; ".join(goals_by_id[gid].title if gid in goals_by_id else "a goal no longer recorded"
                             for gid in value or []) or "None"
        else:
            text = str(value) if value not in (None, "") else "Empty"
        lines.append((CORRECTED_FIELDS.get(name, name.replace("_", " ").capitalize()), text))
    return lines
