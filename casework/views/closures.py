"""Closing and reopening, a manager's decisions: the team's closures waiting for approval,
approving or returning one, and reopening a closed family.

Managers only: a worker or an admin gets 403, and a family outside the manager's team 404
(reopening checks the family's scope first, so its own worker gets 403 and others 404)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.case import ReopenForm
from ..forms.manager import ReturnClosureForm
from ..models import CLOSURE_REASONS
from ..services import clock
from ..services import closures as closures_service
from ..services.errors import Conflict, Forbidden, ValidationFailed
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_closed,
    flash_done,
    manager_required,
    posted_next,
    refuse,
    save_form,
    save_or_show,
)

bp = Blueprint("closures", __name__)


# --- Closures waiting for approval ----------------------------------------------------------------


@bp.get("/team/closures")
@manager_required
def pending():
    proposals = closures_service.pending_closures(db.session, current_actor())
    forms = {}
    for proposal in proposals:
        form = ReturnClosureForm(prefix=f"return-{proposal.family_id}", formdata=None)
        form.comment.label.text = f"Comment for {proposal.by.name} about {proposal.family.reference}"
        forms[proposal.family_id] = form
    return render_template(
        "caseload/closures.html", proposals=proposals, forms=forms, closure_reasons=CLOSURE_REASONS
    )


@bp.post("/families/<int:family_id>/closure/approve")
@manager_required
def approve_closure(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    back = posted_next() or url_for("families.show", family_id=family.id)
    begin_write()
    try:
        move = closures_service.approve_closure(db.session, actor, family, clock.current_time())
        db.session.commit()
    except (Conflict, ValidationFailed) as error:
        db.session.rollback()
        flash(error.message if not family.is_closed else "The family is already closed.", "info")
        return redirect(back)
    reason = CLOSURE_REASONS.get(move.reason, move.reason or "").lower()
    flash_closed(family, f"Closure of {family.reference} approved: closed on {clock.day_text(move.date)} ({reason}).")
    return redirect(back)


@bp.post("/families/<int:family_id>/closure/return")
@manager_required
def return_closure(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    back = posted_next() or url_for("families.show", family_id=family.id)
    proposal = None if family.is_closed else closures_service.pending_closure(db.session, family)
    if proposal is None:
        flash("No closure of this family is waiting for approval.", "info")
        return redirect(back)
    form = ReturnClosureForm(prefix=f"return-{family.id}")
    return save_or_show(
        form, family, lambda: closures_service.return_closure(
            db.session, actor, family, form.comment.data, clock.current_time()),
        f"Closure of {family.reference} returned: {proposal.by.name} has been told.", back,
        "caseload/return_closure.html", family=family, proposal=proposal, closure_reasons=CLOSURE_REASONS)


# --- Reopening a closed family (a manager) --------------------------------------------------


def _manager_only():
    """After the scope check (404 outside it): a family worker may not do this (403)."""
    if not current_actor().is_manager:
        refuse(Forbidden("Only a manager can do this."))


@bp.post("/families/<int:family_id>/reopen")
@case_worker_required
def reopen(family_id):
    family = family_or_abort(family_id)
    _manager_only()
    form = ReopenForm()
    if not form.validate():
        return _render_reopen(form, family, 422)
    status = save_form(form, family, lambda: closures_service.reopen_family(
        db.session, current_actor(), family, form.note.data, clock.current_time()))
    if status:
        return _render_reopen(form, family, status)
    flash_done(f"{family.reference} is reopened, back in engagement.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_reopen(form, family, status):
    return render_template("families/reopen.html", form=form, family=family), status
