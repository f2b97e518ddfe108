"""Signing in (with the second factor's step for those who have one) and out, changing one's
own password, setting up and turning off the second factor, and keeping a session alive."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..database import begin_write
from ..extensions import db
from ..forms.accounts import ChangePasswordForm, LoginForm
from ..forms.second_factor import CodeForm, DisableSecondFactorForm
from ..models import User
from ..services import accounts, clock, signin, totp
from ..services.errors import ValidationFailed
from .helpers import form_failed, safe_next

bp = Blueprint("auth", __name__)

# A sign-in waiting for its code is kept (in the signed session cookie, never as signed in)
# for this long after the password was accepted.
PENDING_MINUTES = 5
PENDING_KEY = "pending_sign_in"
ENROL_SECRET_KEY = "totp_enrol_secret"


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
        begin_write()
        try:
            user = signin.sign_in(db.session, form.email.data, form.password.data, request.remote_addr,
                                  clock.current_time())
        except signin.TooManyAttempts as error:
            db.session.commit()  # the refusal is audited
            form.form_errors.append(error.message)
            status = 429
        except ValidationFailed as error:
            db.session.commit()  # the failed attempt counts towards the limit
            form_failed(form, error)
            form.form_errors.append(error.message)
        else:
            target = safe_next(request.args.get("next"))
            if user.totp_secret:
                # Not signed in yet: only the fact that the password was right, for a few minutes.
                session.clear()
                session[PENDING_KEY] = {"user_id": user.id, "at": clock.current_time().timestamp(),
                                        "next": target or ""}
                db.session.commit()
                return redirect(url_for("auth.login_code"))
            _begin_session(user)
            db.session.commit()
            if totp.enrolment_required(user):
                return redirect(url_for("auth.two_factor"))
            return redirect(target or url_for("main.home"))
    return render_template("auth/login.html", form=form), status


def _pending_user():
    """The user whose password was accepted in this browser in the last few minutes and who
    has yet to give their code; None (and the pending sign-in forgotten) otherwise."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    age = clock.current_time().timestamp() - started if isinstance(started, (int, float)) else None
    user = db.session.get(User, pending.get("user_id")) if isinstance(pending.get("user_id"), int) else None
    if age is None or not 0 <= age <= PENDING_MINUTES * 60 or user is None or not user.active or not user.totp_secret:
        session.pop(PENDING_KEY, None)
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in: the code from the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        flash("Your sign-in was not finished in time. Sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        begin_write()
        try:
            signin.second_factor(db.session, user, form.code.data, request.remote_addr, clock.current_time())
        except signin.TooManyAttempts as error:
            db.session.commit()  # the refusal is audited
            form.form_errors.append(error.message)
            status = 429
        except ValidationFailed as error:
            db.session.commit()  # the failed code counts towards the account's limit
            form_failed(form, error)
            status = 422
        else:
            target = session[PENDING_KEY].get("next") or ""
            _begin_session(user)
            db.session.commit()
            return redirect(safe_next(target) or url_for("main.home"))
    elif form.errors:
        status = 422
    return render_template("auth/login_code.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    begin_write()
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
        begin_write()
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


# --- The second factor: setting it up and turning it off ------------------------------------


def _render_two_factor(code_form=None, disable_form=None, status=200):
    user = current_user
    context = {"code_form": code_form or CodeForm(), "disable_form": disable_form or DisableSecondFactorForm(),
               # Administrators cannot turn it off while the service requires it of them.
               "required": user.is_admin and bool(current_app.config["CASEWORK_TOTP_REQUIRED_FOR_ADMINS"])}
    if not user.totp_secret:
        secret = session.get(ENROL_SECRET_KEY)
        if not isinstance(secret, str) or len(secret) != 32:
            secret = session[ENROL_SECRET_KEY] = totp.new_secret()
        uri = totp.provisioning_uri(user, secret)
        context.update(secret=totp.grouped(secret), uri=uri,
                       qr_code=totp.qr_code_svg(uri, "QR code for setting up casework in an authenticator app"))
    # ``form`` is the page's form with errors, for the title and the error summary.
    form = code_form if code_form is not None and code_form.errors else disable_form
    context["form"] = form if form is not None else context["code_form"]
    return render_template("auth/two_factor.html", **context), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up the second factor: scan the QR code (or type the key) into an authenticator app,
    then confirm with the code it shows."""
    if request.method == "GET" or current_user.totp_secret:
        return _render_two_factor()
    form = CodeForm()
    if not form.validate_on_submit():
        return _render_two_factor(code_form=form, status=422)
    secret = session.get(ENROL_SECRET_KEY)
    begin_write()
    try:
        totp.enrol(db.session, current_user._get_current_object(), secret if isinstance(secret, str) else "",
                   form.code.data, clock.current_time())
    except ValidationFailed as error:
        db.session.commit()  # the failed confirmation is audited
        form_failed(form, error)
        return _render_two_factor(code_form=form, status=422)
    db.session.commit()
    session.pop(ENROL_SECRET_KEY, None)
    flash("Two-step sign-in is on. From now on you will be asked for a code from your authenticator app "
          "after your password.", "success")
    return redirect(url_for("main.home"))


@bp.post("/account/two-factor/disable")
@login_required
def disable_two_factor():
    user = current_user._get_current_object()
    if not user.totp_secret:
        return redirect(url_for("auth.two_factor"))
    form = DisableSecondFactorForm()
    if user.is_admin and current_app.config["CASEWORK_TOTP_REQUIRED_FOR_ADMINS"]:
        form.form_errors.append("Administrators must use two-step sign-in on this service: it cannot be turned off.")
        return _render_two_factor(disable_form=form, status=403)
    if not form.validate_on_submit():
        return _render_two_factor(disable_form=form, status=422)
    begin_write()
    try:
        totp.disable(db.session, user, form.password.data, form.code.data, clock.current_time())
    except ValidationFailed as error:
        db.session.commit()  # the failed attempt is audited
        form_failed(form, error)
        return _render_two_factor(disable_form=form, status=422)
    db.session.commit()
    flash("Two-step sign-in is off. You will sign in with your password only.", "success")
    return redirect(url_for("auth.two_factor"))


# --- Keeping a session alive ----------------------------------------------------------------


@bp.post("/session/keep-alive")
@login_required
def keep_alive():
    """The "Stay signed in" button of the time-out warning: the session's idle time starts
    again. 204; a session that has already ended is sent to sign in like any other request."""
    begin_write()
    signin.touch(db.session, session.get("sid"), clock.current_time())
    db.session.commit()
    return "", 204
