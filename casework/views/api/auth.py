"""API tokens and the caller's own account."""
from flask import g, jsonify, request

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.accounts import LoginForm
from ...services import accounts, signin, totp
from ...services.errors import Forbidden, ValidationFailed
from . import bp, schemas
from .core import VALUE, Unauthorised, api_now, api_user, body_text, check_form, created, read_body

TOTP_CODE_NEEDED = ("This account uses two-step sign-in: send the current 6-digit code from its "
                    "authenticator app in totp_code.")
ENROLMENT_NEEDED = ("Administrators must set up two-step sign-in before using casework: sign in on the "
                    "web and follow the steps, then ask for a token with totp_code.")


@bp.post("/tokens")
def create_token():
    body = read_body({"email": VALUE, "password": VALUE, "totp_code": VALUE})
    form = check_form(from_json(LoginForm, body))
    begin_write()
    try:
        # The same throttling and audit as the sign-in page: 429 while locked.
        user = signin.sign_in(db.session, form.email.data, form.password.data, request.remote_addr, api_now())
        if user.totp_secret:
            code = body_text(body, "totp_code")
            if not code:
                db.session.commit()  # the password step is audited; a missing code is no failure
                raise Unauthorised(TOTP_CODE_NEEDED, {"totp_code": [TOTP_CODE_NEEDED]})
            # A wrong or replayed code counts towards the account's limit, as on the sign-in page.
            signin.second_factor(db.session, user, code, request.remote_addr, api_now())
    except ValidationFailed as error:
        db.session.commit()  # the failed attempt counts towards the limit
        # A wrong password answers as it always has; a wrong code names the field.
        fields = {"totp_code": error.fields["code"]} if "code" in error.fields else None
        raise Unauthorised(error.message, fields) from None
    except signin.TooManyAttempts:
        db.session.commit()
        raise
    if totp.enrolment_required(user):
        db.session.commit()
        raise Forbidden(ENROLMENT_NEEDED)
    secret, record = accounts.issue_token(db.session, user, api_now())
    db.session.commit()
    return created(schemas.token(secret, record))


@bp.delete("/tokens/current")
def revoke_current_token():
    begin_write()
    accounts.revoke_token(g.api_token, api_now())
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    return jsonify(schemas.me(api_user()))
