"""API tokens and the caller's own account."""
from flask import g, jsonify, request

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.accounts import ChangePasswordForm, TokenForm
from ...services import accounts, signin, totp
from ...services.errors import Forbidden, ValidationFailed
from . import bp, schemas
from .core import Unauthorised, api_now, api_user, check_form, created, read_body

TOTP_CODE_NEEDED = ("This account uses two-step sign-in: send the current 6-digit code from its "
                    "authenticator app in totp_code.")
ENROLMENT_NEEDED = ("Administrators must set up two-step sign-in before using casework: sign in on the "
                    "web and follow the steps, then ask for a token with totp_code.")


@bp.post("/tokens")
def create_token():
    form = check_form(from_json(TokenForm, read_body(TokenForm)))
    begin_write()
    try:
        # The same throttling and audit as the sign-in page: 429 while locked.
        user = signin.sign_in(db.session, form.email.data, form.password.data, request.remote_addr, api_now())
        if user.totp_secret:
            code = form.totp_code.data
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
    except (signin.TooManyAttempts, signin.AccountNotActive):
        db.session.commit()  # the refusal is audited
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


@bp.post("/me/password")
def change_password():
    """The caller's own password (the current one, and a new one that keeps to the rules).
    The current password is throttled as at sign-in: the fifth wrong one in 15 minutes answers
    429 and ends every session and token of the caller, this one too."""
    user = api_user()
    form = check_form(from_json(ChangePasswordForm, read_body(ChangePasswordForm)))
    begin_write()  # a wrong current password is counted (and may end every session)
    try:
        signin.check_current_password(db.session, user, form.current_password.data, request.remote_addr, api_now())
    except (ValidationFailed, signin.TooManyAttempts):
        db.session.commit()  # the failure counts towards the lock (and a lock ends the sessions)
        raise
    accounts.set_password(db.session, user, form.new_password.data, keep_token=g.api_token.id)
    db.session.commit()
    return "", 204
