"""Visits to a family, and which children were seen; correcting a visit keeps what it said."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import VisitCorrectionForm
from ...forms.offline import ApiVisitForm
from ...models import Visit
from ...services import scope
from ...services import visits as visits_service
from ...services.corrections import correct_visit, corrections_of
from ...services.editing import ensure_open
from . import bp, schemas
from .core import api_now, case_user, check_form, created, read_body, read_correction
from .families import family_in_scope


@bp.get("/families/<int:family_id>/visits")
def list_visits(family_id: int):
    visits = visits_service.visit_history(db.session, family_in_scope(family_id))
    corrections = corrections_of(db.session, "visit", [v.id for v in visits])
    return jsonify(schemas.visit_list(visits, corrections))


def visit_payload(visit: Visit) -> dict:
    return schemas.visit(visit, corrections_of(db.session, "visit", [visit.id])[visit.id])


@bp.post("/families/<int:family_id>/visits")
def create_visit(family_id: int):
    user = case_user()
    body = read_body(ApiVisitForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(ApiVisitForm, body).set_family(family))
    device_time = form.device_recorded_at.data
    # Sent from a device's outbox (static/js/offline.js) with the time it was saved there.
    offline = form.recorded_offline.data if "recorded_offline" in body else device_time is not None
    begin_write(family)  # read again under the lock: still open? The rest is kept as read.
    visit = visits_service.log_visit(db.session, user, family, form.visit_data(), api_now(),
                                     device_recorded_at=device_time, recorded_offline=bool(offline))
    payload = schemas.visit(visit)  # as saved, from what is in hand: a new visit has no corrections
    db.session.commit()
    return created(payload, url_for("api.get_visit", visit_id=payload["id"]))


@bp.get("/visits/<int:visit_id>")
def get_visit(visit_id: int):
    visit = scope.get_visit(db.session, case_user(), visit_id)
    return jsonify(visit_payload(visit))


@bp.patch("/visits/<int:visit_id>")
def correct(visit_id: int):
    """Correct a visit: the merged visit is checked as a new one would be, and the values it
    replaces are kept with the note, who and when."""
    user = case_user()
    body = read_body(VisitCorrectionForm)
    visit = scope.get_visit(db.session, user, visit_id)
    form, changes = read_correction(VisitCorrectionForm, visit, visit.family, body,
                                    visits_service.visit_values(visit), visits_service.VISIT_FIELDS,
                                    prepare=lambda form: form.set_family(visit.family))
    begin_write()
    correct_visit(db.session, user, visit, changes, form.correction_note.data, api_now())
    db.session.commit()
    return jsonify(visit_payload(visit))
