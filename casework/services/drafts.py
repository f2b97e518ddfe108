"""Drafts: what someone has typed into a long form (a visit write-up, a review, a goal) and not
yet saved, kept on the server so that it survives the idle time-out, a closed laptop or a
lost connection. Never in the browser's storage: a shared office computer would keep it.

A draft belongs to one user and one form (``form_key``, e.g. ``visit:new:family:12``); only
that user ever reads it back, and only while the family is in their scope. Drafts are
bookkeeping, not the record: they are not audited (the audit would otherwise keep unsaved
notes for ever) and are deleted once older than twice the longest a session can last."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Draft, Family, User
from . import scope
from .errors import NotFound, ValidationFailed

# The forms whose drafts are kept, and the fields kept of each (anything else sent is ignored).
FORM_FIELDS = {
    "visit": ("date", "kind", "outcome", "duration_minutes", "children_seen", "seen_alone",
              "goals_discussed", "notes"),
    "review": ("held_on", "decision", "reason", "attendees", "notes"),
    "goal": ("title", "area", "baseline", "target", "start_date", "target_date", "next_step"),
}
# And what each child said, asked beside a visit or a review (forms/voice_pages.py).
CHILD_FIELDS = {"visit": re.compile(r"voice-[1-9][0-9]{0,17}-(words|scale)"),
                "review": re.compile(r"voice-[1-9][0-9]{0,17}-(words|scale|not_gathered)")}
_KEY = re.compile(r"(visit|review|goal):new:family:([1-9][0-9]{0,17})")
MAX_CHARACTERS = 100_000  # every value of a draft together; a visit's notes allow 20,000
MAX_VALUES = 200
TOO_BIG = "The draft is too long to keep."
CLOSED = "The family is closed; its record is read-only."


def form_key(kind: str, family_id: int) -> str:
    if kind not in FORM_FIELDS:
        raise ValueError(kind)
    return f"{kind}:new:family:{family_id}"


def parse_key(key: str) -> tuple[str, int]:
    """``(kind, family_id)`` of a form key; NotFound for anything else."""
    match = _KEY.fullmatch(key or "")
    if match is None:
        raise NotFound("No such form.")
    return match.group(1), int(match.group(2))


def _family(session: Session, user: User, key: str) -> tuple[str, Family]:
    kind, family_id = parse_key(key)
    return kind, scope.get_family(session, user, family_id)  # 404 outside scope, 403 for an admin


def stale_before(now: dt.datetime) -> dt.datetime:
    """Drafts saved before this are deleted: twice the longest a session can last, so a draft
    outlives the session it was typed in and the next one."""
    return now - 2 * dt.timedelta(hours=current_app.config["CASEWORK_SESSION_ABSOLUTE_HOURS"])


def purge_stale(session: Session, now: dt.datetime) -> int:
    """Delete every draft, anyone's, older than ``stale_before``; how many were deleted. One
    DELETE over a small table (a draft per person and form at most)."""
    return session.execute(delete(Draft).where(Draft.saved_at < stale_before(now))).rowcount or 0


def clean_data(kind: str, sent) -> dict[str, list[str]]:
    """The values of the form's own fields, each as a list of strings (a group of checkboxes
    sends several). ``sent``: a MultiDict (a posted form) or a mapping of strings or lists."""
    wanted = list(FORM_FIELDS[kind])
    if kind in CHILD_FIELDS and isinstance(sent, Mapping):
        wanted += [name for name in sent if isinstance(name, str) and CHILD_FIELDS[kind].fullmatch(name)]
    data: dict[str, list[str]] = {}
    for name in wanted:
        if hasattr(sent, "getlist"):
            values = sent.getlist(name)
        elif isinstance(sent, Mapping) and name in sent:
            value = sent[name]
            values = value if isinstance(value, list) else [value]
        else:
            values = []
        values = [v for v in values if isinstance(v, str)]
        if values:
            data[name] = values
    if sum(len(v) for values in data.values() for v in values) > MAX_CHARACTERS or \
            sum(len(values) for values in data.values()) > MAX_VALUES:
        raise ValidationFailed(TOO_BIG)
    return data


def save(session: Session, user: User, key: str, sent, now: dt.datetime) -> Draft:
    """Keep what ``user`` has typed so far into the form ``key``, replacing their previous
    draft of it. NotFound when the family is outside the user's scope."""
    kind, family = _family(session, user, key)
    if family.is_closed:
        raise ValidationFailed(CLOSED)
    data = clean_data(kind, sent)
    purge_stale(session, now)
    draft = session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.form_key == key))
    if draft is None:
        try:
            with session.begin_nested():
                draft = Draft(user_id=user.id, form_key=key, family_id=family.id, data=data, saved_at=now)
                session.add(draft)
        except IntegrityError:  # the same person's other tab saved first: replace theirs
            draft = session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.form_key == key))
    draft.data = data
    draft.family_id = family.id
    draft.saved_at = now
    session.flush()
    return draft


def load(session: Session, user: User, key: str, now: dt.datetime) -> Draft | None:
    """``user``'s own draft of the form ``key``, if they have one that is not stale and the
    family is still in their scope and open. NotFound when it is outside their scope."""
    _kind, family = _family(session, user, key)
    purge_stale(session, now)
    if family.is_closed:
        return None
    return session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.form_key == key))


def discard(session: Session, user: User, key: str) -> bool:
    """Delete ``user``'s draft of the form ``key`` (once saved for real, or on request).
    True when there was one. NotFound outside the user's scope."""
    _family(session, user, key)
    return drop(session, user, key)


def drop(session: Session, user: User, key: str) -> bool:
    """``discard`` for a caller that has checked the family is in ``user``'s scope."""
    return bool(session.execute(
        delete(Draft).where(Draft.user_id == user.id, Draft.form_key == key)
    ).rowcount)

