"""Moving a family between phases (closing included, which may wait for a manager's
approval); the service decides and explains a refused move."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..extensions import db
from ..forms.case import PhaseMoveForm
from ..models import CLOSURE_REASONS, OPEN_PHASES, PHASE_LABELS, PHASE_ORDER, Phase
from ..services import clock
from ..services import phases as phases_service
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_closed,
    flash_done,
    parse_version,
    refused_on_closed,
    save_form,
)

bp = Blueprint("phases", __name__)


def _phase_choice(family, phase):
    label = PHASE_LABELS[phase]
    if phase in OPEN_PHASES and PHASE_ORDER.index(phase) < PHASE_ORDER.index(family.phase):
        return (phase, f"{label} (back a phase: say why in the note)")
    if phase == Phase.CLOSED:
        return (phase, "Closed (give the reason for closing)")
    return (phase, label)


def _render_phase(form, family, status=200):
    # The reason for closing is asked for only where closing is one of the moves offered.
    closing = any(value == Phase.CLOSED for value, _label in form.phase.choices)
    return render_template("families/phase.html", form=form, family=family, closing=closing), status


@bp.route("/families/<int:family_id>/phase", methods=["GET", "POST"])
@case_worker_required
def move(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = PhaseMoveForm()
    offered = [] if family.is_closed else phases_service.phases_offered(actor, family)
    form.phase.choices = [_phase_choice(family, phase) for phase in offered]
    # The service decides and explains a refused move; the form only draws sensible options.
    form.phase.validate_choice = False
    form.note.description = "Needed when moving back a phase."
    form.reason.label.text = "Reason for closing (only when closing)"
    if request.method == "GET":
        form.date.data = clock.local_date(now)
        form.version.data = str(family.version)
        return _render_phase(form, family)
    if not form.validate():
        return _render_phase(form, family, 422)
    status = save_form(form, family, lambda: phases_service.move_phase(
        db.session, actor, family, form.phase.data, form.date.data, now,
        note=form.note.data, reason=form.reason.data or None, version=parse_version(form.version.data),
    ))
    if status:
        return _render_phase(form, family, status)
    if family.phase == Phase.CLOSED:
        flash_closed(family, f"{family.reference} is closed: {CLOSURE_REASONS[family.closure_reason].lower()}.")
    elif form.phase.data == Phase.CLOSED:
        # A worker's closing waits for their manager's approval (a closure proposal).
        flash_done(f"Closure of {family.reference} proposed: your manager will approve or return it.")
    else:
        flash_done(f"{family.reference} moved to {PHASE_LABELS[family.phase].lower()}.")
    return redirect(url_for("families.show", family_id=family.id))
