"""Accounts: teams, users, passwords, sign-in and API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..models import CASE_ROLES, ApiToken, Role, Team, User, UserSession
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


def team_key(name: str) -> str:
    """A team's name as compared for duplicates: without accents, case or repeated spaces, so
    "Östra Team", "ostra  team" and "OSTRA TEAM" are one team. (In Python: SQLite's lower()
    folds only ASCII letters, so "Ärzte" would otherwise slip past the check.)"""
    letters = unicodedata.normalize("NFKD", name or "")
    letters = "".join(c for c in letters if not unicodedata.combining(c))
    return " ".join(letters.casefold().split())


def find_team(session: Session, name: str) -> Team | None:
    """The team of that name, in any case and with or without accents."""
    key = team_key(name)
    return next((team for team in session.scalars(select(Team).order_by(Team.id)) if team_key(team.name) == key),
                None)


def create_team(session: Session, name: str) -> Team:
    """A new team; a name like an existing team's (in any case, with or without accents) is
    refused, so a typo never makes a second team silently."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("Enter a team name.", {"name": ["Enter a team name."]})
    if len(name) > 120:
        raise ValidationFailed("A team name is at most 120 characters.",
                               {"name": ["A team name is at most 120 characters."]})
    if existing := find_team(session, name):
        message = f"There is already a team called {existing.name}."
        raise ValidationFailed(message, {"name": [message]})
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def get_or_create_team(session: Session, name: str) -> Team:
    """The operator's command line names a team; it is created if new."""
    return find_team(session, name) or create_team(session, name)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def person_problems(session: Session, email: str, name: str, role: str, has_team: bool,
                    team_field: str = "team") -> dict[str, list[str]]:
    """What is wrong with a new account's e-mail, name, role and team (by field)."""
    problems: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        problems["email"] = ["Enter an e-mail address such as name@example.org."]
    elif find_user(session, email):
        problems["email"] = ["A user with this e-mail address already exists."]
    if not (name or "").strip():
        problems["name"] = ["Enter the person's name."]
    elif len(name.strip()) > 120:
        problems["name"] = ["A name is at most 120 characters."]
    roles = [r.value for r in Role]
    if role not in roles:
        problems["role"] = [f"Choose {', '.join(roles[:-1])} or {roles[-1]}."]
    elif role in CASE_ROLES and not has_team:
        problems[team_field] = ["Workers and managers belong to a team."]
    elif role == Role.PARTNER and has_team:
        problems[team_field] = ["A partner of another agency belongs to no team."]
    return problems


def create_user(
    session: Session, email: str, name: str, role: str, team_name: str | None, password: str,
    agency: str | None = None,
) -> User:
    """The server operator's account (``flask create-user``): active at once, with a password."""
    problems = person_problems(session, email, name, role, bool((team_name or "").strip()))
    agency = " ".join((agency or "").split()) or None
    if role == Role.PARTNER and not agency:
        problems["agency"] = ["Name the partner's agency (--agency)."]
    if bad := password_problems(password, [email, name]):
        problems["password"] = bad
    if problems:
        raise ValidationFailed("Check the user's details.", problems)
    team = get_or_create_team(session, team_name) if (team_name or "").strip() else None
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        team=team,
        agency=agency,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def unusable_password() -> str:
    """A hash nobody knows the password of: an account without a password of its own yet, or
    whose password an administrator reset."""
    return hash_password(secrets.token_urlsafe(32))


def check_password(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, whatever the account's status; or None."""
    global _DUMMY_HASH
    user = find_user(session, email or "")
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = check_password(session, email, password)
    return user if user is not None and user.active else None


def end_sessions(session: Session, user: User, *, keep_session: str | None = None,
                 keep_token: int | None = None) -> None:
    """Sign the user out everywhere: every browser session and every API token, but for the
    session (its id) or the token (its id) the user is acting in, when one is named."""
    now = dt.datetime.now(dt.UTC)  # a bookkeeping stamp, not a rule's date
    sessions = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_session is not None:
        sessions = sessions.where(UserSession.id != keep_session)
    session.execute(sessions.values(ended_at=now))
    tokens = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_token is not None:
        tokens = tokens.where(ApiToken.id != keep_token)
    session.execute(tokens.values(revoked_at=now))


def set_password(session: Session, user: User, new_password: str, *, keep_session: str | None = None,
                 keep_token: int | None = None, field: str = "new_password") -> None:
    """A new password of the user's own choosing: every other session and token ends."""
    if bad := password_problems(new_password, [user.email, user.name]):
        raise ValidationFailed(bad[0], {field: bad})
    user.password_hash = hash_password(new_password)
    end_sessions(session, user, keep_session=keep_session, keep_token=keep_token)
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
