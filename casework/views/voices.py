"""The child's voice on the pages: recording what a child said on its own page (direct work, an
observation), a child's voices with the scale over time, one voice's page (its words, its three
houses, its corrections), correcting one, and the scale chart. What children say at a visit or
a review is asked on those forms (views/visits.py, views/reviews.py), and saved with them
(services.voices.record_heard_at).
Mirrors views/api/voices.py."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.voice_pages import VoiceCorrectionForm, VoiceForm
from ..models import CORRECTED_FIELDS, VOICE_HOWS
from ..services import charts, clock, scope
from ..services import voices as voices_service
from ..services.corrections import corrections_of
from ..services.errors import ValidationFailed
from ..services.voice_heard import heard_lately
from .helpers import (
    case_worker_required,
    chart_response,
    current_actor,
    flash_done,
    form_failed,
    or_refuse,
    parse_version,
    refused_on_closed,
    save_form,
    save_once,
    saved_before,
)

bp = Blueprint("voices", __name__)


# --- What children say at a visit or a review ---------------------------------------------------


def heard(entries) -> list[tuple]:
    """``[(child, what they said)]`` of the entries (forms.voice_pages.voice_entries) that say something."""
    return [(child, entry.voice_data()) for child, entry in entries if entry.given]


def entries_failed(entries, error: ValidationFailed, date_field=None) -> bool:
    """Show a refusal of ``record_heard_at`` beside the entry's fields (a refused date beside
    ``date_field``, the visit's or the review's); whether it named one."""
    placed = False
    for child, entry in entries:
        for field in entry:
            if field.name in error.fields:
                field.errors = list(field.errors) + list(error.fields[field.name])
                placed = True
        dated = error.fields.get(f"voice-{child.id}-date")
        if dated and date_field is not None and not date_field.errors:
            date_field.errors = list(date_field.errors) + list(dated)
            placed = True
    return placed


# --- A child's voices, and recording one ----------------------------------------------------------


def _child_or_abort(child_id):
    return or_refuse(scope.get_child, db.session, current_actor(), child_id)


@bp.get("/children/<int:child_id>/voice")
@case_worker_required
def child(child_id):
    found = _child_or_abort(child_id)
    voices = voices_service.voices_of_child(db.session, found)
    today = clock.local_date(clock.current_time())
    latest = voices[0] if voices else None
    return render_template(
        "voices/child.html", child=found, family=found.family, voices=voices, hows=VOICE_HOWS,
        heard_lately=heard_lately(found, latest, today),
        chart_alt=charts.voice_chart_summary(found.first_name, voices[::-1]),
    )


def _render_new(form, found, status=200):
    return render_template("voices/new.html", form=form, child=found, family=found.family), status


@bp.route("/children/<int:child_id>/voice/new", methods=["GET", "POST"])
@case_worker_required
def new(child_id):
    actor = current_actor()
    found = _child_or_abort(child_id)
    family = found.family
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = VoiceForm()
    form.name_child(found.first_name)
    if request.method == "GET":
        form.date.data = clock.local_date(now)
        return _render_new(form, found)
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render_new(form, found, 422)
    begin_write()
    try:
        voice = voices_service.record_voice(db.session, found, form.page_data(), actor, now)
        save_once(form, "voice", voice, url_for("voices.show", voice_id=voice.id))
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_new(form, found, 422)
    db.session.commit()
    flash_done(f"What {found.first_name} said on {clock.day_text(voice.date)} is recorded.")
    return redirect(url_for("families.show", family_id=family.id, _anchor="voices"))


@bp.get("/children/<int:child_id>/voice/chart.svg")
@case_worker_required
def chart(child_id):
    found = _child_or_abort(child_id)
    voices = voices_service.voices_of_child(db.session, found)
    return chart_response(charts.voice_chart_svg(voices[::-1]))


# --- One voice: its page, and correcting it -----------------------------------------------------


def _voice_or_abort(voice_id):
    return or_refuse(voices_service.get_voice, db.session, current_actor(), voice_id)


def correction_lines(correction) -> list[tuple[str, str]]:
    """What a voice said before a correction, field by field, in words."""
    lines = []
    for name, value in correction.old_values.items():
        if name == "how":
            text = VOICE_HOWS.get(value, str(value))
        elif name == "shared_with_parents":
            text = "Yes" if value else "No"
        elif name == "date":
            text = clock.day_text(value) if value else "Not recorded"
        else:
            text = "Not recorded" if value in (None, "") else str(value)
        lines.append((CORRECTED_FIELDS.get(name, name.replace("_", " ").capitalize()), text))
    return lines


def _corrections(voice):
    return corrections_of(db.session, "voice", [voice.id])[voice.id]


@bp.get("/voice/<int:voice_id>")
@case_worker_required
def show(voice_id):
    voice = _voice_or_abort(voice_id)
    return render_template("voices/show.html", voice=voice, child=voice.child, family=voice.family,
                           hows=VOICE_HOWS, corrections=_corrections(voice), correction_lines=correction_lines)


def _render_correct(form, voice, status=200):
    return (render_template("voices/correct.html", form=form, voice=voice, child=voice.child, family=voice.family,
                            corrections=_corrections(voice), correction_lines=correction_lines), status)


@bp.route("/voice/<int:voice_id>/correct", methods=["GET", "POST"])
@case_worker_required
def correct(voice_id):
    voice = _voice_or_abort(voice_id)
    family = voice.family
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    if request.method == "GET":
        form = VoiceCorrectionForm(data={**voices_service.voice_values(voice), "version": str(voice.version)})
    else:
        form = VoiceCorrectionForm()
    form.name_child(voice.child.first_name, keep_how=voice.how)
    if request.method == "GET":
        return _render_correct(form, voice)
    if not form.validate():
        return _render_correct(form, voice, 422)
    changes = {**form.page_data(), "version": parse_version(form.version.data)}
    status = save_form(form, voice, lambda: voices_service.correct_voice(
        db.session, current_actor(), voice, changes, form.correction_note.data, clock.current_time()))
    if status:
        return _render_correct(form, voice, status)
    flash_done(f"What {voice.child.first_name} said on {clock.day_text(voice.date)} has been corrected.")
    return redirect(url_for("voices.show", voice_id=voice.id))
