"""Administrators manage users and teams (and never see case records: an account they add for
a worker or a manager waits for a manager's confirmation, and they never choose anyone's
password; see services/provisioning.py), and record who is trained in the assessment
frameworks that are restricted to trained staff."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from ..database import begin_write
from ..extensions import db
from ..forms.accounts import ConfirmForm, TeamForm, UserForm
from ..forms.fields import BaseForm, LocalDateField, id_number
from ..models import Family, FrameworkTraining, Role, Team, User
from ..services import accounts, clock, provisioning, totp
from ..services.assessments import load_frameworks
from ..services.errors import ServiceError, ValidationFailed
from .helpers import current_actor, form_failed, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_required = role_required(Role.ADMIN)


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


class TrainingForm(BaseForm):
    person = SelectField("Person", [InputRequired("Choose the person.")], coerce=int)
    framework = SelectField("Framework", [InputRequired("Choose the framework.")])
    trained_on = LocalDateField("Trained on", [InputRequired("Enter the date they were trained.")])


class RemoveTrainingForm(BaseForm):
    person = HiddenField()
    framework = HiddenField()


def _restricted_frameworks() -> dict:
    return {code: f for code, f in load_frameworks().items() if f.restricted_to_trained}


def _training_form() -> TrainingForm:
    """The form to record training: active people, and the frameworks restricted to trained staff."""
    form = TrainingForm()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    form.person.choices = [(person.id, f"{person.name} ({person.email})") for person in people]
    form.framework.choices = [(code, f.name) for code, f in sorted(_restricted_frameworks().items())]
    return form


@bp.get("/users")
@admin_required
def users():
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.pending.desc(), User.name)).all()
    teams = db.session.execute(
        select(Team, func.count(Family.id))
        .outerjoin(Family, (Family.team_id == Team.id) & Family.closed_on.is_(None))
        .group_by(Team.id)
        .order_by(Team.name)
    ).all()
    admin = current_actor()
    confirmable = {person.id for person in people
                   if person.pending and provisioning.may_confirm(db.session, admin, person)}
    return render_template("admin/users.html", people=people, teams=teams, confirmable=confirmable,
                           confirm_form=ConfirmForm(), **_training_context())


def _training_context() -> dict:
    restricted = _restricted_frameworks()
    trained = db.session.execute(
        select(FrameworkTraining, User).join(User, User.id == FrameworkTraining.user_id)
        .order_by(User.name, FrameworkTraining.framework)
    ).all()
    return {"restricted_frameworks": restricted, "trained": trained,
            "training_form": _training_form()}


@bp.post("/training")
@admin_required
def record_training():
    form = _training_form()
    if not form.validate_on_submit():
        flash("Choose a person and a framework restricted to trained staff, and enter a real date.", "info")
        return redirect(url_for("admin.users"))
    user = _user_or_404(form.person.data)
    begin_write()
    record = db.session.get(FrameworkTraining, (user.id, form.framework.data))
    if record is None:
        db.session.add(FrameworkTraining(user_id=user.id, framework=form.framework.data,
                                         trained_on=form.trained_on.data))
    else:
        record.trained_on = form.trained_on.data
    db.session.commit()
    name = _restricted_frameworks()[form.framework.data].name
    flash(f"{user.name} is recorded as trained in {name} on {form.trained_on.data.isoformat()}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/training/remove")
@admin_required
def remove_training():
    form = RemoveTrainingForm()
    if not form.validate_on_submit() or not (form.person.data or "").isdigit():
        flash("Choose a training record to remove.", "info")
        return redirect(url_for("admin.users"))
    begin_write()
    record = db.session.get(FrameworkTraining, (id_number(form.person.data), form.framework.data or ""))
    if record is None:
        abort(404)
    user = _user_or_404(record.user_id)
    db.session.delete(record)
    db.session.commit()
    flash(f"{user.name} is no longer recorded as trained in {form.framework.data}.", "success")
    return redirect(url_for("admin.users"))


def _user_form() -> UserForm:
    form = UserForm()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    form.team_id.choices = [("", "No team (administrators)")] + [(team.id, team.name) for team in teams]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Add an account. No password: the page shows, once, the link with which the person
    chooses theirs. A worker or a manager waits for a manager of the team to confirm it."""
    form = _user_form()
    if form.validate_on_submit():
        begin_write()
        try:
            user, setup_url = provisioning.create_account(
                db.session, current_actor(), form.email.data, form.name.data, form.role.data, form.team_id.data,
                form.agency.data, clock.current_time())
        except ValidationFailed as error:
            db.session.rollback()
            form_failed(form, error)
        else:
            db.session.commit()
            # Shown in this answer only (never in a redirect's flash, which the cookie would carry).
            return render_template("admin/setup_link.html", person=user, setup_url=setup_url, added=True)
    return render_template("admin/user_form.html", form=form), 422 if form.errors else 200


@bp.route("/teams/new", methods=["GET", "POST"])
@admin_required
def new_team():
    """Adding a team is a step of its own, so a typo in a team's name never adds one."""
    form = TeamForm()
    if form.validate_on_submit():
        begin_write()
        try:
            team = accounts.create_team(db.session, form.name.data)
        except ValidationFailed as error:
            db.session.rollback()
            form_failed(form, error)
        else:
            db.session.commit()
            flash(f"Team {team.name} added. You can now add its people.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/team_form.html", form=form), 422 if form.errors else 200


def _done_or_refused(action, success: str):
    """Run a provisioning step on the users page: commit and say so, or say why not."""
    begin_write()
    try:
        action()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id):
    user = _user_or_404(user_id)
    return _done_or_refused(lambda: provisioning.deactivate(db.session, current_actor(), user, clock.current_time()),
                            f"{user.name} is deactivated and has been signed out everywhere.")


@bp.post("/users/<int:user_id>/activate")
@admin_required
def activate(user_id):
    user = _user_or_404(user_id)

    def reactivate():
        provisioning.reactivate(db.session, current_actor(), user, clock.current_time())

    done = ("can sign in again." if user.is_admin
            else "is waiting for a manager of their team to confirm the account before they can sign in again.")
    return _done_or_refused(reactivate, f"{user.name} {done}")


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_required
def reset_two_factor(user_id):
    """Remove a user's second factor (a lost or replaced phone): they sign in with their
    password and can set it up again. Audited; their sessions end."""
    user = _user_or_404(user_id)
    if not user.totp_secret:
        flash(f"{user.name} does not use two-step sign-in.", "info")
        return redirect(url_for("admin.users"))
    begin_write()
    totp.reset(db.session, current_user._get_current_object(), user)
    db.session.commit()
    flash(f"{user.name}'s two-step sign-in is reset and their sessions have ended. They sign in with their "
          "password and can set it up again.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id):
    """Reset a password: never to one the administrator knows. The person is signed out
    everywhere and chooses a new password with a one-time link."""
    user = _user_or_404(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        begin_write()
        try:
            reset = provisioning.reset_password(db.session, current_actor(), user, clock.current_time())
        except ServiceError as error:
            db.session.rollback()
            form_failed(form, error)
        else:
            db.session.commit()
            return render_template("admin/setup_link.html", person=user, setup_url=reset.setup_url,
                                   emailed=reset.emailed)
    return render_template("admin/reset_password.html", form=form, person=user), 422 if form.errors else 200
