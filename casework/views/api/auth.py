"""API tokens and the caller's own account."""
from flask import g, jsonify

from ...extensions import db
from ...forms import from_json
from ...forms.accounts import LoginForm
from ...services import accounts
from . import bp, schemas
from .core import VALUE, Unauthorised, api_now, api_user, check_form, created, read_body


@bp.post("/tokens")
def create_token():
    body = read_body({"email": VALUE, "password": VALUE})
    form = check_form(from_json(LoginForm, body))
    user = accounts.authenticate(db.session, form.email.data, form.password.data)
    if user is None:
        raise Unauthorised("The e-mail address or password is not right.")
    secret, record = accounts.issue_token(db.session, user, api_now())
    db.session.commit()
    return created(schemas.token(secret, record))


@bp.delete("/tokens/current")
def revoke_current_token():
    accounts.revoke_token(g.api_token, api_now())
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    return jsonify(schemas.me(api_user()))
