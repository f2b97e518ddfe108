"""Offline use of a managed work device (static/js/offline.js and the service worker,
static/js/sw.js): the page that turns it on and off, what the device needs to keep the visit
forms of the worker's open families, and the "Could not be recorded" list of visits the server
refused when the device sent them. The API's side is views/api/offline.py."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, redirect, render_template, send_from_directory, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from ..database import begin_write
from ..extensions import db
from ..forms.json_body import ENTRIES, api_fields, json_kind
from ..forms.offline import ResolveUnrecordedForm
from ..models import Family
from ..models.family import OPEN_PHASES
from ..services import clock, offline, scope
from ..services.errors import ValidationFailed
from .helpers import case_worker_required, current_actor, flash_done, form_failed, manager_required, or_refuse

bp = Blueprint("offline", __name__)

# The most visit forms a device keeps (a worker holds 10 to 15 families; a manager's team more).
MOST_FORMS = 60


def field_kinds(form) -> dict:
    """The JSON kind of each field a form's page posts, for the outbox to send it to the API as
    the API reads it (forms/json_body.py): every field, those other helpers add included."""
    kinds = {}
    for field in api_fields(form):
        kind = json_kind(field)
        if kind == ENTRIES:
            entry = field.unbound_field.args[0](formdata=None)
            kinds[field.name] = {"entries": {sub.name: json_kind(sub) for sub in entry}}
        else:
            kinds[field.name] = kind
    return kinds


@bp.app_template_global()
def offline_field_kinds(form) -> str:
    return json.dumps(field_kinds(form), separators=(",", ":"))


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers every page. It keeps
    nothing until offline use is turned on for the device."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/account/offline")
@case_worker_required
def device():
    actor = current_actor()
    return render_template("offline/device.html", families=_open_families(actor),
                           unrecorded=offline.count_open(db.session, actor),
                           warning_hours=int(offline.UNSENT_WARNING.total_seconds() // 3600))


def _open_families(actor) -> list[Family]:
    return list(db.session.scalars(
        select(Family).where(scope.family_scope(actor), Family.phase.in_(OPEN_PHASES))
        .order_by(Family.reference).limit(MOST_FORMS)
    ))


@bp.get("/account/offline/state")
@case_worker_required
def state():
    """What the device's script needs, asked for each time it has a connection (never kept):
    who is signed in, this session's CSRF token for sending the outbox, and the pages to keep."""
    actor = current_actor()
    pages = [url_for("offline.device")] + [url_for("visits.new", family_id=family.id)
                                            for family in _open_families(actor)]
    return jsonify(user_id=actor.id, csrf_token=generate_csrf(), pages=pages,
                   unrecorded=offline.count_open(db.session, actor))


# --- Could not be recorded ----------------------------------------------------------------


@bp.get("/visits/unrecorded")
@case_worker_required
def unrecorded():
    actor = current_actor()
    items = offline.unrecorded_visits(db.session, actor, include_resolved=True)
    return render_template("offline/unrecorded.html", items=items, what_to_do=offline.what_to_do)


def _render_item(item, form, status=200):
    actor = current_actor()
    try:
        sent = json.loads(item.payload)
    except ValueError:
        sent = None
    return render_template("offline/unrecorded_item.html", item=item, form=form, sent=sent,
                           what_to_do=offline.what_to_do(item),
                           family=offline.family_link(db.session, actor, item)), status


@bp.get("/visits/unrecorded/<int:unrecorded_id>")
@case_worker_required
def unrecorded_item(unrecorded_id):
    item = or_refuse(offline.get_unrecorded, db.session, current_actor(), unrecorded_id)
    return _render_item(item, ResolveUnrecordedForm())


@bp.post("/visits/unrecorded/<int:unrecorded_id>/resolve")
@manager_required
def resolve(unrecorded_id):
    """A manager marks it dealt with (a worker 403; another team's 404)."""
    actor = current_actor()
    item = or_refuse(offline.get_unrecorded, db.session, actor, unrecorded_id)
    form = ResolveUnrecordedForm()
    if not form.validate():
        return _render_item(item, form, 422)
    begin_write()
    item = offline.get_unrecorded(db.session, actor, unrecorded_id)
    try:
        offline.resolve(db.session, actor, item, form.note.data, clock.current_time())
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_item(item, form, 422)
    db.session.commit()
    flash_done("The visit is marked as dealt with. It stays in the list.")
    return redirect(url_for("offline.unrecorded_item", unrecorded_id=item.id))
