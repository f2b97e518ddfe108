"""Asking whether a child is already known to the service: the search across every team
(``families.known_child_matches``), audited and limited.

Any worker or manager may ask, by a child's first name and date of birth, which cases across
the service know that child: a possible re-referral, answered by reference only. So that nobody
can quietly go through the service asking about children, every search is audited (who, when,
how many matches: never the name or date of birth asked about), and a user who has searched
SEARCH_LIMIT times within SEARCH_WINDOW is refused (429) until the oldest of those searches
leaves the window. The count is read from the audit rows, in the database, so it holds across
web workers and hosts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEvent, User
from . import audit
from .errors import ServiceError
from .families import ChildMatch, known_child_matches

SEARCH_LIMIT = 30
SEARCH_WINDOW = dt.timedelta(minutes=15)
SEARCHED = "child_search"  # the audit action


class TooManySearches(ServiceError):
    status = 429

    def __init__(self, until: dt.datetime, now: dt.datetime):
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        super().__init__(
            f"You have searched for known children {SEARCH_LIMIT} times in {SEARCH_WINDOW.seconds // 60} minutes. "
            f"Try again in {minutes} minutes.")
        self.until = until


def check_limit(session: Session, actor: User, now: dt.datetime, searches: int = 1) -> None:
    """TooManySearches when ``searches`` more would take ``actor`` past SEARCH_LIMIT within
    SEARCH_WINDOW."""
    recent = session.scalars(
        select(AuditEvent.at)
        .where(AuditEvent.user_id == actor.id, AuditEvent.action == SEARCHED, AuditEvent.at > now - SEARCH_WINDOW)
        .order_by(AuditEvent.at)
    ).all()
    excess = len(recent) + searches - SEARCH_LIMIT
    if excess > 0:
        # Free again once that many of the oldest have left the window.
        until = recent[excess - 1] + SEARCH_WINDOW if excess <= len(recent) else now + SEARCH_WINDOW
        raise TooManySearches(until, now)


def search(session: Session, actor: User, children: list[tuple[str, dt.date]], now: dt.datetime,
           via: str) -> list[list[ChildMatch]]:
    """The cases that know each of ``children`` (first name, date of birth), in order: each is
    one search, counted and audited (``via``: "api" or "referral"). TooManySearches, and
    nothing searched, when they would take the caller past the limit."""
    check_limit(session, actor, now, len(children))
    found = []
    for first_name, date_of_birth in children:
        matches = known_child_matches(session, actor, first_name, date_of_birth)
        audit.record(session, SEARCHED, user_id=actor.id, detail={"matches": len(matches), "via": via}, at=now)
        found.append(matches)
    return found
