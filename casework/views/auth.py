"""Signing in (with the second factor's step for those who have one) and out, choosing a
password with a setup link, changing one's own password, setting up and turning off the
second factor, and keeping a session alive."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..database import begin_write
from ..extensions import db
from ..forms.accounts import ChangePasswordForm, LoginForm, SetupPasswordForm
from ..forms.second_factor import CodeForm, DisableSecondFactorForm
from ..services import accounts, clock, setup_links, signin, totp
from ..services.errors import NotFound, ValidationFailed
from .helpers import current_actor, form_failed, safe_next

bp = Blueprint("auth", __name__)

# The browser's half of a sign-in waiting for its code: a random token naming a row on the
# server (services/signin.py), never the user's id, so a copied cookie cannot be replayed.
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
        except signin.AccountNotActive as error:
            db.session.commit()  # the refusal is audited
            form.form_errors.append(error.message)
            status = 403
        except ValidationFailed as error:
            db.session.commit()  # the failed attempt counts towards the limit
            form_failed(form, error)
            form.form_errors.append(error.message)
        else:
            target = safe_next(request.args.get("next"))
            if user.totp_secret:
                # Not signed in yet: only the fact that the password was right, for a few
                # minutes, kept on the server and used once by the code step.
                session.clear()
                session[PENDING_KEY] = signin.start_two_step(db.session, user, target or "", clock.current_time())
                db.session.commit()
                return redirect(url_for("auth.login_code"))
            _begin_session(user)
            db.session.commit()
            if totp.enrolment_required(user):
                return redirect(url_for("auth.two_factor"))
            return redirect(target or url_for("main.home"))
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in: the code from the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    token = session.get(PENDING_KEY)
    pending = signin.two_step_waiting(db.session, token, clock.current_time())
    if pending is None:
        if token:  # an expired step is used up: a short write of its own
            begin_write()
            signin.forget_two_step(db.session, token)
            db.session.commit()
        session.pop(PENDING_KEY, None)
        flash("Your sign-in was not finished in time. Sign in again.", "info")
        return redirect(url_for("auth.login"))
    # Read before the write begins: once it has, another request may have used the step up.
    user, pending_id, target = pending.user, pending.id, pending.next_path
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        begin_write()
        try:
            signin.second_factor(db.session, user, form.code.data, request.remote_addr, clock.current_time())
        except signin.TooManyAttempts as error:
            signin.finish_two_step(db.session, pending_id)  # locked: the password step must be passed again
            db.session.commit()  # the refusal is audited
            session.pop(PENDING_KEY, None)
            form.form_errors.append(error.message)
            status = 429
        except ValidationFailed as error:
            db.session.commit()  # the failed code counts towards the account's limit
            form_failed(form, error)
            status = 422
        else:
            if not signin.finish_two_step(db.session, pending_id):  # another request used it first
                db.session.rollback()
                session.pop(PENDING_KEY, None)
                return redirect(url_for("auth.login"))
            _begin_session(user)
            db.session.commit()
            return redirect(safe_next(target) or url_for("main.home"))
    elif form.errors:
        status = 422
    return render_template("auth/login_code.html", form=form), status


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token):
    """Choose one's password with a one-time link (a new account, or after a reset). A used,
    expired or unknown link answers 404."""
    now = clock.current_time()
    try:
        link = setup_links.live_link(db.session, token, now)
    except NotFound:
        abort(404)
    person = link.user
    form = SetupPasswordForm()
    if form.validate_on_submit():
        begin_write()  # the link is read again under the write lock: used once
        try:
            setup_links.choose_password(db.session, token, form.password.data, form.password_confirm.data, now)
        except NotFound:
            db.session.rollback()
            abort(404)
        except ValidationFailed as error:
            db.session.rollback()
            form_failed(form, error)
        else:
            db.session.commit()
            if person.pending:
                flash("Your password is set. You can sign in once a manager of your team has confirmed your "
                      "account.", "success")
            else:
                flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"), 303)
    return render_template("auth/setup.html", form=form, person=person), 422 if form.errors else 200


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
        user = current_actor()
        begin_write()
        try:
            # Throttled like sign-in: the fifth wrong current password in 15 minutes locks
            # the change and signs the user out everywhere (this browser too).
            signin.check_current_password(db.session, user, form.current_password.data, request.remote_addr,
                                          clock.current_time())
            accounts.set_password(db.session, user, form.new_password.data)
        except signin.PasswordChangeLocked as error:
            db.session.commit()  # the lock, and the sessions it ended
            logout_user()
            session.clear()
            return render_template("auth/locked.html", message=error.message), 429
        except signin.TooManyAttempts as error:
            db.session.commit()  # the refusal is audited
            form.form_errors.append(error.message)
            return render_template("auth/change_password.html", form=form), 429
        except ValidationFailed as error:
            db.session.commit()  # a wrong current password counts towards the lock (nothing else was written)
            form_failed(form, error)
        else:
            # Every session has ended, this one too: start a fresh one here.
            _begin_session(user)
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
        # Every other session and token of the user ends; this one continues.
        totp.enrol(db.session, current_user._get_current_object(), secret if isinstance(secret, str) else "",
                   form.code.data, clock.current_time(), keep_session=signin.session_id(session.get("sid")))
    except ValidationFailed as error:
        db.session.commit()  # the failed confirmation is audited
        form_failed(form, error)
        return _render_two_factor(code_form=form, status=422)
    db.session.commit()
    session.pop(ENROL_SECRET_KEY, None)
    flash("Two-step sign-in is on. From now on you will be asked for a code from your authenticator app "
          "after your password. You have been signed out everywhere else.", "success")
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
        totp.disable(db.session, user, form.password.data, form.code.data, clock.current_time(),
                     keep_session=signin.session_id(session.get("sid")))
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
