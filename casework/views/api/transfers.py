"""Who holds a family: a manager's allocation within the team, and transfers between teams
(offered by the sending manager, accepted or declined by the receiving one)."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.manager import AcceptTransferForm, AllocationRequest, DeclineTransferForm, TransferForm
from ...services import allocation as allocation_service
from ...services import transfers as transfer_service
from ...services.editing import check_version, ensure_open
from ...services.errors import Forbidden
from . import bp, schemas
from .core import api_now, case_user, check_form, created, manager_user, read_body, read_version
from .families import family_in_scope, family_payload


def _managed_family(family_id: int, message: str):
    """The family in the caller's scope (404 outside it), which only a manager may act on."""
    family = family_in_scope(family_id)
    if not case_user().is_manager:
        raise Forbidden(message)
    return family


@bp.post("/families/<int:family_id>/allocation")
def allocate(family_id: int):
    family = _managed_family(family_id, "Only a manager can allocate a family.")
    body = read_body(AllocationRequest)
    check_version(family, read_version(body))
    ensure_open(family)
    form = check_form(from_json(AllocationRequest, body))
    begin_write()
    allocation_service.reallocate(db.session, case_user(), family, form.worker_id.data, form.reason.data, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/families/<int:family_id>/transfer")
def request_transfer(family_id: int):
    family = _managed_family(family_id, "Only a manager can transfer a family.")
    body = read_body(TransferForm)
    check_version(family, read_version(body))
    ensure_open(family)
    form = check_form(from_json(TransferForm, body))
    begin_write()
    transfer = transfer_service.request_transfer(
        db.session, case_user(), family, form.to_team_id.data or 0, form.reason.data, api_now()
    )
    db.session.commit()
    return created(schemas.transfer(transfer), url_for("api.list_transfers"))


@bp.get("/transfers")
def list_transfers():
    user = manager_user("Only managers see transfers offered to their team.")
    transfers = transfer_service.incoming_transfers(db.session, user)
    return jsonify(schemas.transfer_list(transfers))


def _incoming(transfer_id: int):
    user = manager_user("Only a manager can accept or decline a transfer.")
    return user, transfer_service.incoming_transfer(db.session, user, transfer_id)


@bp.post("/transfers/<int:transfer_id>/accept")
def accept_transfer(transfer_id: int):
    user, transfer = _incoming(transfer_id)
    form = check_form(from_json(AcceptTransferForm, read_body(AcceptTransferForm, optional=True)))
    begin_write()
    family = transfer_service.accept_transfer(db.session, user, transfer, form.worker_id.data, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/transfers/<int:transfer_id>/decline")
def decline_transfer(transfer_id: int):
    user, transfer = _incoming(transfer_id)
    form = check_form(from_json(DeclineTransferForm, read_body(DeclineTransferForm, optional=True)))
    begin_write()
    transfer_service.decline_transfer(db.session, user, transfer, form.comment.data, api_now())
    db.session.commit()
    return jsonify(schemas.transfer(transfer))
