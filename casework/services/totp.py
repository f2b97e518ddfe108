"""The optional second factor: a time-based one-time code (TOTP, RFC 6238) from an
authenticator app.

A code is six digits for a 30-second step. One step either side of now is accepted (a phone's
clock drifts), and never a step at or before the last one accepted for the user
(``users.totp_last_step``), so a code seen over someone's shoulder cannot be used again. The
shared secret is never copied into the audit (``services/audit.py`` treats it as personal)."""
from __future__ import annotations

import datetime as dt
import hmac
import re

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ..models import User
from . import audit
from .accounts import authenticate, end_sessions
from .errors import ValidationFailed

STEP_SECONDS = 30
DRIFT_STEPS = 1
WRONG_CODE = "The code is not right. Enter the 6-digit code your authenticator app shows now."
NO_CODE = "Enter the 6-digit code from your authenticator app."


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (from the QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["CASEWORK_TOTP_ISSUER"])


def qr_code_svg(uri: str, title: str) -> Markup:
    """The address as a QR code, an inline SVG element (no script, no external file)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#0b0c0c", light="#ffffff", title=title)
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _step(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def normalise_code(code) -> str:
    """What was typed, without the spaces and dashes people put in the middle of it."""
    return re.sub(r"[\s-]", "", str(code or ""))


def matching_step(secret: str, code, now: dt.datetime, after_step: int | None = None) -> int | None:
    """The step (within one step of now) whose code is ``code``, later than ``after_step``;
    None when there is none."""
    code = normalise_code(code)
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = _step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate (constant time), whichever matches.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (after_step is None or step > after_step):
            found = step
    return found


def use_code(session: Session, user: User, code, now: dt.datetime) -> bool:
    """True when ``code`` is the user's current code and has not been used before; it is then
    used up. The update is conditional, so two requests racing with one code cannot both pass."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    result = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def enrol(session: Session, user: User, secret: str, code, now: dt.datetime,
          keep_session: str | None = None) -> None:
    """Turn the second factor on with ``secret``, once the user has shown a current code from
    it (so the app is set up right). Every other session and token of the user ends: one
    opened with the password alone must not outlive the stronger sign-in (``keep_session``,
    the id of the session doing this, continues)."""
    if not normalise_code(code):
        raise ValidationFailed(NO_CODE, {"code": [NO_CODE]})
    step = matching_step(secret, code, now) if secret else None
    if step is None:
        audit.record(session, "totp_enrol_failed", user_id=user.id, record_type="users", record_id=user.id)
        raise ValidationFailed(WRONG_CODE, {"code": [WRONG_CODE]})
    user.totp_secret = secret
    user.totp_last_step = step
    end_sessions(session, user, keep_session=keep_session)
    session.flush()
    audit.record(session, "totp_enrolled", user_id=user.id, record_type="users", record_id=user.id)


def disable(session: Session, user: User, password: str, code, now: dt.datetime,
            keep_session: str | None = None) -> None:
    """Turn the second factor off: the password and a current code, both. As any change to
    how the user signs in, it ends every other session and token (``keep_session`` continues)."""
    problems = {}
    if not normalise_code(code):
        problems["code"] = [NO_CODE]
    if authenticate(session, user.email, password or "") is None:
        problems["password"] = ["Your password is not right."]
    elif not problems and not use_code(session, user, code, now):  # a code is used up only with the password
        problems["code"] = [WRONG_CODE]
    if problems:
        audit.record(session, "totp_disable_failed", user_id=user.id, record_type="users", record_id=user.id,
                     detail={"fields": sorted(problems)})
        raise ValidationFailed("Check your password and the code.", problems)
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(session, user, keep_session=keep_session)
    session.flush()
    audit.record(session, "totp_disabled", user_id=user.id, record_type="users", record_id=user.id)


def reset(session: Session, admin: User, user: User) -> None:
    """An administrator removes a user's second factor (a lost phone). The user is signed out
    everywhere, as the phone may be in someone else's hands."""
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(session, user)
    session.flush()
    audit.record(session, "totp_reset", user_id=admin.id, record_type="users", record_id=user.id,
                 detail={"user_id": user.id})


def enrolment_required(user: User) -> bool:
    """An administrator without a second factor, when the service requires one for admins."""
    return bool(current_app.config.get("CASEWORK_TOTP_REQUIRED_FOR_ADMINS")) and user.is_admin and not user.totp_secret
