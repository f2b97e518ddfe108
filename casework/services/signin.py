"""Signing in: throttling kept in the database (so it holds across web workers and hosts),
server-side sessions that sign-out, a password change or deactivation end at once, the
password step of a two-step sign-in kept on the server and used once, and the same throttle
on the current password that changing a password asks for."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from ..models import LoginAttempt, PendingSignIn, User, UserSession, UserStatus
from . import audit, totp
from .accounts import check_password, end_sessions, find_user
from .errors import ServiceError, ValidationFailed
from .notifications import notify

WRONG_CREDENTIALS = "The e-mail address or password is not right."
WRONG_CURRENT = "Your current password is not right."
NOT_ACTIVE = {
    UserStatus.PENDING: "Your account is waiting for a manager of your team to confirm it. You can sign in once they "
               "have; ask them if it is taking long.",
    UserStatus.DEACTIVATED: "This account is deactivated. Ask an administrator if you need it again.",
}
# The password step of a two-step sign-in lasts this long, waiting for the code.
PENDING_MINUTES = 5


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, until: dt.datetime, now: dt.datetime, what: str = "Too many attempts to sign in."):
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        super().__init__(f"{what} Try again in {minutes} minutes, or ask an administrator.")
        self.until = until


class PasswordChangeLocked(TooManyAttempts):
    """The wrong current password that locked the account: every session and token has ended."""


class AccountNotActive(ServiceError):
    """The password was right, but the account is pending or deactivated (403)."""

    status = 403


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


def _failed(session: Session, email: str, ip: str, now: dt.datetime) -> dt.datetime | None:
    """Count a failed attempt (a wrong password or a wrong second-factor code) towards the
    limits, and tell the account's owner when it has just locked their account. The time the
    lock ends, when it has."""
    session.add(LoginAttempt(at=now, email=email, ip=ip, succeeded=False))
    session.flush()
    owner = find_user(session, email)
    limit = current_app.config["CASEWORK_SIGNIN_ACCOUNT_LIMIT"]
    window = dt.timedelta(minutes=current_app.config["CASEWORK_SIGNIN_WINDOW_MINUTES"])
    failures = _recent_failures(session, LoginAttempt.email, email, limit, now - 2 * window)
    until = _locked_until(failures, limit, window, now)
    if owner is not None and until:
        notify(session, owner.id, "sign_in_locked", None,
               f"Your casework account was locked for {window.seconds // 60} minutes after {limit} wrong passwords "
               "or codes. If this was not you, tell your administrator.",
               f"sign_in_locked:{owner.id}:{failures[0].isoformat()}", now)
    return until


def sign_in(session: Session, email: str, password: str, ip: str, now: dt.datetime) -> User:
    """The user with these credentials, or ValidationFailed; TooManyAttempts (429) while the
    account or the address is locked; AccountNotActive (403) for the right password of a
    pending or deactivated account. Every attempt is recorded and audited.

    A user with a second factor is not signed in yet: the caller asks for the code and calls
    ``second_factor``; the audit says ``sign_in_password`` until then."""
    email = (email or "").strip().lower()
    check_throttle(session, email, ip, now)
    user = check_password(session, email, password)
    if user is None:
        audit.record(session, "sign_in_failed", ip=ip)
        _failed(session, email, ip, now)
        raise ValidationFailed(WRONG_CREDENTIALS, {"password": [WRONG_CREDENTIALS]})
    if not user.active:
        # Said only to someone who knows the password: the account's state is no secret to them.
        audit.record(session, "sign_in_refused", user_id=user.id, ip=ip, detail={"status": user.status})
        raise AccountNotActive(NOT_ACTIVE[user.status])
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


def check_current_password(session: Session, user: User, password: str, ip: str, now: dt.datetime) -> None:
    """The current password, asked for before changing it. Throttled with sign-in's counter: a
    wrong one counts towards the account's lock (ValidationFailed on ``current_password``).
    The failure that locks the account (the fifth in 15 minutes) also ends every session and
    token of the user, since whoever is guessing holds one of them: PasswordChangeLocked (429).
    While the account is locked already, TooManyAttempts (429) and nothing ends."""
    email = user.email.strip().lower()
    check_throttle(session, email, ip, now)
    if check_password(session, email, password) is user:
        return
    audit.record(session, "password_change_failed", user_id=user.id, ip=ip)
    until = _failed(session, email, ip, now)
    if until:
        end_sessions(session, user)
        audit.record(session, "password_change_locked", user_id=user.id, ip=ip)
        raise PasswordChangeLocked(until, now, "Too many wrong passwords: you have been signed out everywhere.")
    raise ValidationFailed(WRONG_CURRENT, {"current_password": [WRONG_CURRENT]})


# --- the password step of a two-step sign-in, waiting for the code ---------------------------


def start_two_step(session: Session, user: User, next_path: str, now: dt.datetime) -> str:
    """The password was right: a token for this browser alone (its cookie), naming a row that
    the code step uses up. Rows left by abandoned sign-ins are cleared as new ones start."""
    session.execute(delete(PendingSignIn).where(PendingSignIn.created_at < now - dt.timedelta(minutes=PENDING_MINUTES)))
    token = secrets.token_urlsafe(32)
    session.add(PendingSignIn(id=_digest(token), user_id=user.id, created_at=now, next_path=next_path[:2000]))
    session.flush()
    return token


def two_step_waiting(session: Session, token, now: dt.datetime) -> PendingSignIn | None:
    """The password step this token stands for, if it is still waiting for its code: not used,
    not older than a few minutes, for an active user with a second factor. Only reads: a step
    that is no longer waiting is used up by ``forget_two_step``."""
    if not isinstance(token, str) or not token:
        return None
    pending = session.get(PendingSignIn, _digest(token))
    if pending is None:
        return None
    user = pending.user
    if not 0 <= (now - pending.created_at).total_seconds() <= PENDING_MINUTES * 60 or not user.active \
            or not user.totp_secret:
        return None
    return pending


def forget_two_step(session: Session, token: str) -> None:
    """The password step this token stands for is used up (expired, or its user can no longer
    use it)."""
    if isinstance(token, str):
        finish_two_step(session, _digest(token))


def finish_two_step(session: Session, pending_id: str) -> bool:
    """Use the password step up (after the right code, or a lock). False when another request
    used it first."""
    return session.execute(delete(PendingSignIn).where(PendingSignIn.id == pending_id)
                           .execution_options(synchronize_session=False)).rowcount == 1


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_id(token: str | None) -> str | None:
    """The stored id of the session whose cookie holds ``token``."""
    return _digest(token) if token else None


def start_session(session: Session, user: User, ip: str, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, last_seen_at=now, ip=ip))
    session.flush()
    return token


def current_session(session: Session, token: str | None, now: dt.datetime) -> UserSession | None:
    """The live session for ``token``, touched; None once ended, idle too long or too old."""
    if not token:
        return None
    # With its user (whom every signed-in page needs): one statement.
    record = session.get(UserSession, _digest(token), options=[joinedload(UserSession.user)])
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
