"""Who holds a family: a manager allocates it within the team, offers it to another team, and
accepts or declines the families other teams offer to theirs.

Managers only (a worker or an admin gets 403); another team's family or a transfer offered
to another team is 404."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.manager import AcceptTransferForm, AllocateForm, DeclineTransferForm, TransferForm
from ..services import allocation as allocation_service
from ..services import clock
from ..services import transfers as transfers_service
from ..services.errors import ValidationFailed
from .helpers import (
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    manager_required,
    or_refuse,
    parse_version,
    refused_on_closed,
    save_form,
)

bp = Blueprint("transfers", __name__)


# --- Allocation and transfer ----------------------------------------------------------------------


def _render_allocate(form, family, status=200):
    return render_template("caseload/allocate.html", form=form, family=family), status


@bp.route("/families/<int:family_id>/allocate", methods=["GET", "POST"])
@manager_required
def allocate(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if family.is_closed:
        return refused_on_closed(family)
    form = AllocateForm()
    workers = allocation_service.allocatable_workers(db.session, actor)
    form.worker_id.choices = [("", "Unallocated")] + [(worker.id, worker.name) for worker in workers]
    if request.method == "GET":
        form.worker_id.data = family.worker_id
        form.version.data = str(family.version)
        return _render_allocate(form, family)
    if not form.validate():
        return _render_allocate(form, family, 422)
    status = save_form(form, family, lambda: allocation_service.reallocate(
        db.session, actor, family, form.worker_id.data, form.reason.data, clock.current_time(),
        version=parse_version(form.version.data)))
    if status:
        return _render_allocate(form, family, status)
    if family.worker is None:
        flash_done(f"{family.reference} is unallocated.")
    else:
        flash_done(f"{family.reference} is allocated to {family.worker.name}, who has been told.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_transfer(form, family, pending, status=200):
    return render_template("caseload/transfer.html", form=form, family=family, pending=pending), status


@bp.route("/families/<int:family_id>/transfer", methods=["GET", "POST"])
@manager_required
def offer(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if family.is_closed:
        return refused_on_closed(family)
    pending = transfers_service.pending_transfer(db.session, family)
    form = TransferForm()
    form.to_team_id.choices = [("", "Choose a team")] + [
        (team.id, team.name) for team in transfers_service.transfer_teams(db.session, actor)
    ]
    if request.method == "GET":
        form.version.data = str(family.version)
        return _render_transfer(form, family, pending)
    if not form.validate():
        return _render_transfer(form, family, pending, 422)
    status = save_form(form, family, lambda: transfers_service.request_transfer(
        db.session, actor, family, form.to_team_id.data, form.reason.data, clock.current_time(),
        version=parse_version(form.version.data)))
    if status:
        return _render_transfer(form, family, pending, status)
    offered = transfers_service.pending_transfer(db.session, family)
    team_name = offered.to_team.name if offered and offered.to_team else "the team"
    flash_done(f"{family.reference} is offered to {team_name}. It stays with your team until their manager accepts it.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_transfers(status=200, bound=None):
    """The transfers offered to the team, each with its accept and decline forms; ``bound``
    replaces one of them with the form just posted (kept input and its errors)."""
    actor = current_actor()
    transfers = transfers_service.incoming_transfers(db.session, actor)
    workers = allocation_service.allocatable_workers(db.session, actor)
    choices = [("", "Leave unallocated for now")] + [(worker.id, worker.name) for worker in workers]
    forms = {}
    for offered in transfers:
        accept = AcceptTransferForm(prefix=f"accept-{offered.id}", formdata=None)
        decline = DeclineTransferForm(prefix=f"decline-{offered.id}", formdata=None)
        forms[offered.id] = {"accept": accept, "decline": decline}
    if bound is not None:
        transfer_id, kind, form = bound
        if transfer_id in forms:
            forms[transfer_id][kind] = form
    for offered in transfers:
        pair = forms[offered.id]
        pair["accept"].worker_id.choices = choices
        pair["accept"].worker_id.label.text = f"Allocate {offered.family.reference} to"
        pair["decline"].comment.label.text = f"Why are you declining {offered.family.reference}?"
    errors = bound[2] if bound is not None else None
    return render_template("caseload/transfers.html", transfers=transfers, forms=forms, errors=errors), status


@bp.get("/team/transfers")
@manager_required
def incoming():
    return _render_transfers()


def _incoming(transfer_id):
    return or_refuse(transfers_service.incoming_transfer, db.session, current_actor(), transfer_id)


def _decide(transfer_id: int, kind: str, form, act):
    """Accepting or declining a transfer: the posted form checked and ``act()`` run in one
    write. Answers ``(what act answered, None)``, or ``(None, the transfers page)`` with the
    form's errors (422) when the form or the service refused."""
    if form.validate():
        begin_write()
        try:
            done = act()
            db.session.commit()
            return done, None
        except ValidationFailed as error:
            db.session.rollback()
            form_failed(form, error)
    return None, _render_transfers(422, (transfer_id, kind, form))


@bp.post("/team/transfers/<int:transfer_id>/accept")
@manager_required
def accept(transfer_id):
    actor = current_actor()
    offered = _incoming(transfer_id)
    form = AcceptTransferForm(prefix=f"accept-{transfer_id}")
    form.worker_id.choices = [("", "Leave unallocated for now")]
    family, refused = _decide(transfer_id, "accept", form, lambda: transfers_service.accept_transfer(
        db.session, actor, offered, form.worker_id.data, clock.current_time()))
    if refused:
        return refused
    holder = f", allocated to {family.worker.name}" if family.worker else ", unallocated for now"
    flash_done(f"{family.reference} has joined your team{holder}.")
    return redirect(url_for("families.show", family_id=family.id))


@bp.post("/team/transfers/<int:transfer_id>/decline")
@manager_required
def decline(transfer_id):
    actor = current_actor()
    offered = _incoming(transfer_id)
    reference = offered.family.reference
    form = DeclineTransferForm(prefix=f"decline-{transfer_id}")
    _done, refused = _decide(transfer_id, "decline", form, lambda: transfers_service.decline_transfer(
        db.session, actor, offered, form.comment.data, clock.current_time()))
    if refused:
        return refused
    flash_done(f"Transfer of {reference} declined: the sending manager has been told.")
    return redirect(url_for("transfers.incoming"))
