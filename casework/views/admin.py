"""Administrators manage users and teams (and never see case records)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..forms.accounts import ResetPasswordForm, TeamForm, UserForm
from ..models import Family, Team, User
from ..services import accounts
from ..services.errors import ValidationFailed
from .helpers import form_failed, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_required = role_required("admin")


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
@admin_required
def users():
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    teams = db.session.execute(
        select(Team, func.count(Family.id))
        .outerjoin(Family, (Family.team_id == Team.id) & Family.closed_on.is_(None))
        .group_by(Team.id)
        .order_by(Team.name)
    ).all()
    return render_template("admin/users.html", people=people, teams=teams, team_form=TeamForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db.session, form.email.data, form.name.data, form.role.data, form.team.data, form.password.data
            )
        except ValidationFailed as error:
            db.session.rollback()
            form_failed(form, error)
        else:
            db.session.commit()
            flash(f"{user.name} can now sign in as {user.role}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form), 422 if form.errors else 200


@bp.post("/teams")
@admin_required
def new_team():
    form = TeamForm()
    if form.validate_on_submit():
        if accounts.find_team(db.session, form.name.data):
            flash(f"There is already a team called {form.name.data}.", "info")
        else:
            accounts.get_or_create_team(db.session, form.name.data)
            db.session.commit()
            flash(f"Team {form.name.data} created.", "success")
    else:
        flash("Enter a team name.", "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "info")
        return redirect(url_for("admin.users"))
    accounts.set_active(db.session, user, False)
    db.session.commit()
    flash(f"{user.name} is deactivated and has been signed out everywhere.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/activate")
@admin_required
def activate(user_id):
    user = _user_or_404(user_id)
    accounts.set_active(db.session, user, True)
    db.session.commit()
    flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(db.session, user, form.new_password.data)
        except ValidationFailed as error:
            form_failed(form, error)
        else:
            db.session.commit()
            flash(f"{user.name}'s password is reset and their sessions have ended.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/reset_password.html", form=form, person=user), 422 if form.errors else 200
