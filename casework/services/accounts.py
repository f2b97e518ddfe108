"""Accounts: teams, users, passwords, sign-in and API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..models import ApiToken, Role, Team, User, UserSession
from .errors import ValidationFailed

# Compared against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = None


def password_problems(password: str, user_inputs=()) -> list[str]:
    """At least 12 characters, and not common or guessable (zxcvbn, offline)."""
    minimum = current_app.config["CASEWORK_PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        return [f"Use at least {minimum} characters."]
    # zxcvbn refuses more than 72 characters (a ValueError): a long passphrase is judged by its start.
    strength = zxcvbn(password[:72], user_inputs=[i for i in user_inputs if i])
    if strength["score"] < current_app.config["CASEWORK_PASSWORD_MIN_STRENGTH"]:
        why = strength["feedback"]["warning"] or "It would be easy to guess."
        return [f"Choose a password that is harder to guess. {why} A few unrelated words work well."]
    return []


def hash_password(password: str) -> str:
    method = current_app.config.get("CASEWORK_PASSWORD_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def find_team(session: Session, name: str) -> Team | None:
    """The team of that name, in any case. The exact name is matched too: SQLite's lower()
    folds only ASCII letters, so "Ärzte" would otherwise miss itself."""
    name = name.strip()
    return session.scalars(
        select(Team).where(or_(Team.name == name, func.lower(Team.name) == name.lower())).order_by(Team.id)
    ).first()


def get_or_create_team(session: Session, name: str) -> Team:
    team = find_team(session, name)
    if team is None:
        team = Team(name=name.strip())
        session.add(team)
        session.flush()
    return team


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session, email: str, name: str, role: str, team_name: str | None, password: str
) -> User:
    problems: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        problems["email"] = ["Enter an e-mail address such as name@example.org."]
    elif find_user(session, email):
        problems["email"] = ["A user with this e-mail address already exists."]
    if not (name or "").strip():
        problems["name"] = ["Enter the person's name."]
    if role not in {r.value for r in Role}:
        problems["role"] = ["Choose worker, manager or admin."]
    if role in (Role.WORKER.value, Role.MANAGER.value) and not (team_name or "").strip():
        problems["team"] = ["Workers and managers belong to a team."]
    if bad := password_problems(password, [email, name]):
        problems["password"] = bad
    if problems:
        raise ValidationFailed("Check the user's details.", problems)
    team = get_or_create_team(session, team_name) if (team_name or "").strip() else None
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        team=team,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    global _DUMMY_HASH
    user = find_user(session, email or "")
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: every browser session and every API token."""
    now = dt.datetime.now(dt.UTC)  # a bookkeeping stamp, not a rule's date
    session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=now)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def set_password(session: Session, user: User, new_password: str) -> None:
    if bad := password_problems(new_password, [user.email, user.name]):
        raise ValidationFailed(bad[0], {"new_password": bad})
    user.password_hash = hash_password(new_password)
    end_sessions(session, user)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, now: dt.datetime) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        user=user,
        token_hash=_token_digest(token),
        expires_at=now + dt.timedelta(hours=current_app.config["CASEWORK_API_TOKEN_HOURS"]),
    )
    session.add(record)
    session.flush()
    return token, record


def token_user(session: Session, token: str, now: dt.datetime) -> tuple[User, ApiToken] | None:
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    if record.expires_at <= now:
        return None
    return record.user, record


def revoke_token(record: ApiToken, now: dt.datetime) -> None:
    record.revoked_at = now
