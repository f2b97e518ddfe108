"""Signing in and out, and changing one's own password."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms.accounts import ChangePasswordForm, LoginForm
from ..services import accounts
from ..services.errors import ValidationFailed
from .helpers import form_failed, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("The e-mail address or password is not right.")
            form.password.errors = ["Check your e-mail address and password."]
            return render_template("auth/login.html", form=form), 200
        # A fresh session at sign-in: nothing from before it carries over.
        session.clear()
        login_user(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
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
                db.session.commit()
                # Every other session has ended; keep this one signed in.
                login_user(current_user)
                flash("Your password has been changed. You have been signed out everywhere else.", "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
