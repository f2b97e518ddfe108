"""Who holds a family: a manager's allocation within the team, and transfers between teams
(offered by the sending manager, accepted or declined by the receiving one)."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms.fields import REASON_LIMIT
from ...services import allocation as allocation_service
from ...services import transfers as transfer_service
from ...services.editing import check_version, ensure_open
from ...services.errors import Forbidden, ValidationFailed
from . import bp, schemas
from .core import (
    VALUE,
    api_now,
    body_id,
    body_text,
    case_user,
    created,
    manager_user,
    read_body,
    read_version,
)
from .families import family_in_scope, family_payload

WORKER_MESSAGE = "Choose a family worker."
TEAM_MESSAGE = "Choose another team."


def _managed_family(family_id: int, message: str):
    """The family in the caller's scope (404 outside it), which only a manager may act on."""
    family = family_in_scope(family_id)
    if not case_user().is_manager:
        raise Forbidden(message)
    return family


@bp.post("/families/<int:family_id>/allocation")
def allocate(family_id: int):
    family = _managed_family(family_id, "Only a manager can allocate a family.")
    body = read_body({"worker_id": VALUE, "reason": VALUE, "version": VALUE})
    check_version(family, read_version(body))
    ensure_open(family)
    if "worker_id" not in body:
        raise ValidationFailed(WORKER_MESSAGE, {"worker_id": [WORKER_MESSAGE]})
    worker_id = body_id(body, "worker_id", WORKER_MESSAGE, required=False)
    reason = body_text(body, "reason", limit=REASON_LIMIT)
    begin_write()
    allocation_service.reallocate(db.session, case_user(), family, worker_id, reason, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/families/<int:family_id>/transfer")
def request_transfer(family_id: int):
    family = _managed_family(family_id, "Only a manager can transfer a family.")
    body = read_body({"to_team_id": VALUE, "reason": VALUE, "version": VALUE})
    check_version(family, read_version(body))
    ensure_open(family)
    try:
        to_team_id = body_id(body, "to_team_id", TEAM_MESSAGE) or 0
    except ValidationFailed:
        to_team_id = 0  # the service names every problem at once: no such team, no reason
    begin_write()
    transfer = transfer_service.request_transfer(
        db.session, case_user(), family, to_team_id, body_text(body, "reason", limit=REASON_LIMIT), api_now()
    )
    db.session.commit()
    return created(schemas.transfer(transfer), url_for("api.list_transfers"))


@bp.get("/transfers")
def list_transfers():
    user = manager_user("Only managers see transfers offered to their team.")
    transfers = transfer_service.incoming_transfers(db.session, user)
    return jsonify(items=[schemas.transfer(t) for t in transfers])


def _incoming(transfer_id: int):
    user = manager_user("Only a manager can accept or decline a transfer.")
    return user, transfer_service.incoming_transfer(db.session, user, transfer_id)


@bp.post("/transfers/<int:transfer_id>/accept")
def accept_transfer(transfer_id: int):
    user, transfer = _incoming(transfer_id)
    body = read_body({"worker_id": VALUE}, optional=True)
    worker_id = body_id(body, "worker_id", WORKER_MESSAGE, required=False)
    begin_write()
    family = transfer_service.accept_transfer(db.session, user, transfer, worker_id, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/transfers/<int:transfer_id>/decline")
def decline_transfer(transfer_id: int):
    user, transfer = _incoming(transfer_id)
    body = read_body({"comment": VALUE}, optional=True)
    comment = body_text(body, "comment", limit=REASON_LIMIT)
    begin_write()
    transfer_service.decline_transfer(db.session, user, transfer, comment, api_now())
    db.session.commit()
    return jsonify(schemas.transfer(transfer))
