"""Confirming accounts an administrator added: a manager's page of the accounts waiting in
their team, and the confirmation itself (a manager of the account's team; for a team without
an active manager, an administrator other than the one who added it: services/provisioning.py)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.accounts import ConfirmForm
from ..models import Role, User
from ..services import clock, provisioning
from ..services.errors import Conflict, Forbidden
from .helpers import current_actor, role_required

bp = Blueprint("accounts", __name__)


@bp.get("/team/accounts")
@role_required(Role.MANAGER)
def waiting():
    people = provisioning.waiting_for(db.session, current_actor())
    return render_template("accounts/waiting.html", people=people, form=ConfirmForm())


@bp.post("/accounts/<int:user_id>/confirm")
@role_required(Role.MANAGER, Role.ADMIN)
def confirm(user_id):
    user = db.session.get(User, user_id) or abort(404)
    actor = current_actor()
    back = url_for("admin.users") if actor.is_admin else url_for("accounts.waiting")
    begin_write()
    try:
        provisioning.confirm(db.session, actor, user, clock.current_time())
    except Forbidden:
        db.session.rollback()
        abort(403)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(back)
    db.session.commit()
    flash(f"{user.name}'s account is confirmed: they can sign in once they have chosen their password.", "success")
    return redirect(back)
