"""One-time links with which a person chooses their own password: for an account an
administrator added, and after an administrator's reset. Nobody else ever sets a password
that works (the operator's ``create-user`` aside).

A link is ``/setup/<secret>``; only the secret's SHA-256 hash is stored. It works once, for
``LINK_HOURS`` hours; issuing a new link for a person retires their earlier ones."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import SetupLink, User, UserStatus
from . import audit
from .accounts import set_password
from .errors import NotFound, ValidationFailed

LINK_HOURS = 24
MISMATCH = "The two passwords are not the same: type the same password twice."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, user: User, now: dt.datetime) -> str:
    """A new link's secret for ``user`` (shown or sent once, never stored); their earlier
    links stop working."""
    retire(session, user, now)
    secret = secrets.token_urlsafe(32)
    session.add(SetupLink(user_id=user.id, token_hash=_digest(secret), created_at=now,
                          expires_at=now + dt.timedelta(hours=LINK_HOURS)))
    session.flush()
    return secret


def url(secret: str) -> str:
    """The link as the person opens it (the address this request came to)."""
    return url_for("auth.setup", token=secret, _external=True)


def retire(session: Session, user: User, now: dt.datetime) -> None:
    """Every unused link of ``user`` stops working (a new one, or the account deactivated)."""
    session.execute(update(SetupLink).where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None))
                    .values(used_at=now))


def live_link(session: Session, secret: str, now: dt.datetime) -> SetupLink:
    """The unused, unexpired link with this secret; NotFound otherwise (used, expired, retired
    and unknown links answer alike)."""
    link = session.scalar(select(SetupLink).where(SetupLink.token_hash == _digest(secret or "")))
    if link is None or link.used_at is not None or link.expires_at <= now or link.user.status == UserStatus.DEACTIVATED:
        raise NotFound("This link has been used or has expired. Ask your administrator for a new one.")
    return link


def choose_password(session: Session, secret: str, password: str, confirmation: str, now: dt.datetime) -> User:
    """The person behind the link chooses their password (the service's rules: length and
    zxcvbn). The link is then used up, and any session or token the account still had ends.
    The caller rolls back on a refusal, which leaves the link as it was."""
    link = live_link(session, secret, now)
    user = link.user
    if (password or "") != (confirmation or ""):
        raise ValidationFailed(MISMATCH, {"password_confirm": [MISMATCH]})
    set_password(session, user, password, field="password")
    # Conditional, so two requests racing with one link cannot both set a password.
    used = session.execute(update(SetupLink).where(SetupLink.id == link.id, SetupLink.used_at.is_(None))
                           .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise NotFound("This link has been used or has expired. Ask your administrator for a new one.")
    audit.record(session, "password_chosen", user_id=user.id, record_type="users", record_id=user.id,
                 detail={"by_link": link.id})
    return user
