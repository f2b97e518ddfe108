"""Signing in: throttling kept in the database (so it holds across web workers and hosts),
and server-side sessions that sign-out, a password change or deactivation end at once."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import LoginAttempt, User, UserSession
from . import audit, totp
from .accounts import authenticate, find_user
from .errors import ServiceError, ValidationFailed
from .notifications import notify

WRONG_CREDENTIALS = "The e-mail address or password is not right."


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, until: dt.datetime, now: dt.datetime):
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        super().__init__(f"Too many attempts to sign in. Try again in {minutes} minutes, or ask an administrator.")
        self.until = until


def _locked_until(failures: list[dt.datetime], limit: int, window: dt.timedelta, now: dt.datetime):
    """Failures newest first. Locked when the last ``limit`` failures fell within ``window``,
    for ``window`` after the latest of them."""
    if len(failures) < limit or failures[0] - failures[limit - 1] > window:
        return None
    until = failures[0] + window
    return until if now < until else None


def _recent_failures(session, column, value, limit, since) -> list[dt.datetime]:
    return list(session.scalars(
        select(LoginAttempt.at)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ))


def check_throttle(session: Session, email: str, ip: str, now: dt.datetime) -> None:
    config = current_app.config
    window = dt.timedelta(minutes=config["CASEWORK_SIGNIN_WINDOW_MINUTES"])
    since = now - 2 * window
    email = email.strip().lower()
    for column, value, limit in (
        (LoginAttempt.email, email, config["CASEWORK_SIGNIN_ACCOUNT_LIMIT"]),
        (LoginAttempt.ip, ip, config["CASEWORK_SIGNIN_ADDRESS_LIMIT"]),
    ):
        until = _locked_until(_recent_failures(session, column, value, limit, since), limit, window, now)
        if until:
            audit.record(session, "sign_in_refused", detail={"email_known": find_user(session, email) is not None})
            raise TooManyAttempts(until, now)


def _failed(session: Session, email: str, ip: str, now: dt.datetime) -> None:
    """Count a failed attempt (a wrong password or a wrong second-factor code) towards the
    limits, and tell the account's owner when it has just locked their account."""
    session.add(LoginAttempt(at=now, email=email, ip=ip, succeeded=False))
    session.flush()
    owner = find_user(session, email)
    limit = current_app.config["CASEWORK_SIGNIN_ACCOUNT_LIMIT"]
    window = dt.timedelta(minutes=current_app.config["CASEWORK_SIGNIN_WINDOW_MINUTES"])
    failures = _recent_failures(session, LoginAttempt.email, email, limit, now - 2 * window)
    if owner is not None and _locked_until(failures, limit, window, now):
        notify(session, owner.id, "sign_in_locked", None,
               f"Your casework account was locked for {window.seconds // 60} minutes after {limit} failed sign-ins. "
               "If this was not you, tell your administrator.",
               f"sign_in_locked:{owner.id}:{failures[0].isoformat()}", now)


def sign_in(session: Session, email: str, password: str, ip: str, now: dt.datetime) -> User:
    """The user with these credentials, or ValidationFailed; TooManyAttempts (429) while the
    account or the address is locked. Every attempt is recorded and audited.

    A user with a second factor is not signed in yet: the caller asks for the code and calls
    ``second_factor``; the audit says ``sign_in_password`` until then."""
    email = (email or "").strip().lower()
    check_throttle(session, email, ip, now)
    user = authenticate(session, email, password)
    if user is None:
        audit.record(session, "sign_in_failed", ip=ip)
        _failed(session, email, ip, now)
        raise ValidationFailed(WRONG_CREDENTIALS, {"password": [WRONG_CREDENTIALS]})
    session.add(LoginAttempt(at=now, email=email, ip=ip, succeeded=True))
    audit.record(session, "sign_in_password" if user.totp_secret else "sign_in", user_id=user.id, ip=ip)
    return user


def second_factor(session: Session, user: User, code, ip: str, now: dt.datetime) -> User:
    """The second step of signing in: the code from the user's authenticator app. A wrong
    code counts towards the account's limit like a wrong password (TooManyAttempts while
    locked); a code used once is refused the second time."""
    email = user.email.strip().lower()
    check_throttle(session, email, ip, now)
    if not totp.normalise_code(code):
        raise ValidationFailed(totp.NO_CODE, {"code": [totp.NO_CODE]})
    if not user.active or not totp.use_code(session, user, code, now):
        audit.record(session, "totp_failed", user_id=user.id, ip=ip)
        _failed(session, email, ip, now)
        raise ValidationFailed(totp.WRONG_CODE, {"code": [totp.WRONG_CODE]})
    audit.record(session, "sign_in", user_id=user.id, ip=ip, detail={"second_factor": "totp"})
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, ip: str, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, last_seen_at=now, ip=ip))
    session.flush()
    return token


def current_session(session: Session, token: str | None, now: dt.datetime) -> UserSession | None:
    """The live session for ``token``, touched; None once ended, idle too long or too old."""
    if not token:
        return None
    record = session.get(UserSession, _digest(token))
    if record is None or record.ended_at is not None:
        return None
    config = current_app.config
    idle = dt.timedelta(minutes=config["CASEWORK_SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=config["CASEWORK_SESSION_ABSOLUTE_HOURS"])
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        record.ended_at = now
        return None
    if now - record.last_seen_at > dt.timedelta(minutes=1):  # no write on every request
        record.last_seen_at = now
    return record


def end_session(session: Session, token: str | None, now: dt.datetime) -> None:
    if token:
        session.execute(update(UserSession).where(UserSession.id == _digest(token)).values(ended_at=now))


def touch(session: Session, token: str | None, now: dt.datetime) -> None:
    """The session's idle time starts again now (the time-out warning's "Stay signed in")."""
    if token:
        session.execute(update(UserSession)
                        .where(UserSession.id == _digest(token), UserSession.ended_at.is_(None))
                        .values(last_seen_at=now))
