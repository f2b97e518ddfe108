"""One-time submission keys. A form that creates a record carries a key made when the form was
drawn; the JSON API takes one in the ``Idempotency-Key`` header. The first submission with a
key creates its record and keeps what it created (the record and its page, or the API's answer)
for 24 hours; a second submission with the same key from the same user creates nothing and is
told what the first created. The key is kept in the same transaction as the record, and the
table's unique (user, key) settles two submissions racing each other.

The API's answers are kept sealed (``seal_answer``): some carry a secret (a calendar feed's URL,
an account's ``setup_url``) and most carry personal details, and a repeat must answer with the
very same secret, not mint another. Sealed with a key derived from the app's ``SECRET_KEY`` and
bound to the user and key, a kept answer tells someone reading the database nothing."""
from __future__ import annotations

import base64
import datetime as dt

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Submission, User

KEPT_FOR = dt.timedelta(hours=24)
KEY_LIMIT = 255


class AlreadySubmitted(Exception):
    """A second submission with a key already used: whatever it created is rolled back, and
    the answer is what the first submission created."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _answer_key(secret_key: str, user_id: int, key: str) -> Fernet:
    info = b"casework: an idempotent answer\0" + str(user_id).encode() + b"\0" + key.encode()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_answer(secret_key: str, user_id: int, key: str, body: str) -> str:
    """The answer to keep for a repeat of ``user_id``'s request with ``key``, sealed."""
    return _answer_key(secret_key, user_id, key).encrypt(body.encode()).decode()


def open_answer(secret_key: str, user_id: int, key: str, sealed: str) -> str | None:
    """The kept answer, or None when it cannot be opened (the app's key changed since)."""
    try:
        return _answer_key(secret_key, user_id, key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def purge_stale(session: Session, now: dt.datetime) -> int:
    """Forget keys older than 24 hours, anyone's: one DELETE on the index of created_at."""
    return session.execute(delete(Submission).where(Submission.created_at < now - KEPT_FOR)).rowcount or 0


def find(session: Session, user: User, key: str | None, now: dt.datetime) -> Submission | None:
    """The user's earlier submission with this key, if it is less than 24 hours old."""
    if not key:
        return None
    return session.scalar(
        select(Submission).where(Submission.user_id == user.id, Submission.key == key,
                                 Submission.created_at >= now - KEPT_FOR)
    )


def remember(session: Session, user: User, key: str, now: dt.datetime, **what) -> Submission:
    """Keep what this submission created (``record_type``, ``record_id``, ``location``; or
    ``request_hash``), in the transaction that created it. AlreadySubmitted when another
    submission with the key got there first (the caller's transaction must then be rolled back)."""
    purge_stale(session, now)
    submission = Submission(user_id=user.id, key=key, created_at=now, **what)
    try:
        with session.begin_nested():
            session.add(submission)
    except IntegrityError:
        raise AlreadySubmitted(key) from None
    return submission
