"""API tokens and the caller's own account."""
from flask import g, jsonify, request

from ...extensions import db
from ...forms import from_json
from ...forms.accounts import LoginForm
from ...services import accounts, signin
from ...services.errors import ValidationFailed
from . import bp, schemas
from .core import VALUE, Unauthorised, api_now, api_user, check_form, created, read_body


@bp.post("/tokens")
def create_token():
    body = read_body({"email": VALUE, "password": VALUE})
    form = check_form(from_json(LoginForm, body))
    try:
        # The same throttling and audit as the sign-in page: 429 while locked.
        user = signin.sign_in(db.session, form.email.data, form.password.data, request.remote_addr, api_now())
    except ValidationFailed as error:
        db.session.commit()  # the failed attempt counts towards the limit
        raise Unauthorised(error.message) from None
    except signin.TooManyAttempts:
        db.session.commit()
        raise
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
