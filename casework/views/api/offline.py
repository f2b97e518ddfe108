"""Visits a device kept offline that the server could not record when they were sent: the
device hands each over to the "Could not be recorded" list, where it is kept, never discarded."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.offline import UnrecordedVisitForm
from ...services import offline
from . import bp
from .core import api_now, case_user, check_form, created, read_body
from .spec.offline import UnrecordedVisit, UnrecordedVisitList


def unrecorded_payload(item) -> dict:
    return UnrecordedVisit(
        id=item.id, family_id=item.family_id, family_reference=item.family_reference, payload=item.payload,
        status=item.status, reason=item.reason, what_to_do=offline.what_to_do(item), recorded_by=item.user,
        device_recorded_at=item.device_recorded_at, received_at=item.received_at, resolved_at=item.resolved_at,
    ).dump()


@bp.get("/unrecorded-visits")
def list_unrecorded_visits():
    items = offline.unrecorded_visits(db.session, case_user())
    return jsonify(UnrecordedVisitList(items=[unrecorded_payload(item) for item in items]).dump())


@bp.post("/unrecorded-visits")
def keep_unrecorded_visit():
    """201 with the visit kept; sent again with the same device_key, 200 with the one kept."""
    user = case_user()
    form = check_form(from_json(UnrecordedVisitForm, read_body(UnrecordedVisitForm)))
    begin_write()
    item, new = offline.keep_unrecorded(db.session, user, form.data, api_now())
    db.session.commit()
    if not new:
        return jsonify(unrecorded_payload(item))
    return created(unrecorded_payload(item), url_for("offline.unrecorded_item", unrecorded_id=item.id))
