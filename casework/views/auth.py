"""Signing in and out, and changing one's own password."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms.accounts import ChangePasswordForm, LoginForm
from ..services import accounts, clock, signin
from ..services.errors import ValidationFailed
from .helpers import form_failed, safe_next

bp = Blueprint("auth", __name__)


def _begin_session(user) -> None:
    """A new session id at every sign-in: nothing from before it carries over."""
    session.clear()
    session["sid"] = signin.start_session(db.session, user, request.remote_addr, clock.current_time())
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = signin.sign_in(db.session, form.email.data, form.password.data, request.remote_addr, clock.current_time())
        except signin.TooManyAttempts as error:
            db.session.commit()  # the refusal is audited
            form.form_errors.append(error.message)
            status = 429
        except ValidationFailed as error:
            db.session.commit()  # the failed attempt counts towards the limit
            form_failed(form, error)
            form.form_errors.append(error.message)
        else:
            _begin_session(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    signin.end_session(db.session, session.get("sid"), clock.current_time())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if accounts.authenticate(db.session, current_user.email, form.current_password.data) is None:
            form.current_password.errors = ["Your current password is not right."]
        else:
            try:
                accounts.set_password(db.session, current_user, form.new_password.data)
            except ValidationFailed as error:
                form_failed(form, error)
            else:
                # Every session has ended, this one too: start a fresh one here.
                _begin_session(current_user._get_current_object())
                db.session.commit()
                flash("Your password has been changed. You have been signed out everywhere else.", "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200
