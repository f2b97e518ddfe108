"""A person's calendar feed: their diary as an iCalendar file (RFC 5545) at a secret address
that a calendar program (Outlook) reads without signing in. Only the secret's SHA-256 hash is
stored; a new feed retires the earlier one, and a revoked feed answers nothing.

What the feed says is the least a calendar needs, as it leaves the service: one event per
planned visit (at its time, when it has one; cancelled ones are left out) and per review due
(all day), naming the family by reference only: no names, postcodes or notes. It covers
``WEEKS_BACK`` weeks back to ``DAYS_AHEAD`` days ahead."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import VISIT_KINDS, CalendarFeed, PlannedStatus, User
from . import diary
from .clock import local_date, service_zone

WEEKS_BACK = 8
DAYS_AHEAD = 183
VISIT_HOURS = 1  # how long a planned visit with a time is shown for
UID_DOMAIN = "casework"
PRODUCT = "-//casework//visit diary//EN"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _feed_of(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def has_feed(session: Session, user: User) -> bool:
    return _feed_of(session, user) is not None


def issue(session: Session, user: User, now: dt.datetime) -> str:
    """A new feed's secret for ``user`` (shown once, never stored); an earlier feed stops
    working."""
    revoke(session, user)
    secret = secrets.token_urlsafe(32)
    session.add(CalendarFeed(user_id=user.id, token_hash=_digest(secret), created_at=now))
    session.flush()
    return secret


def revoke(session: Session, user: User) -> bool:
    """``user``'s feed stops working (whether they had one)."""
    feed = _feed_of(session, user)
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    return True


def feed_owner(session: Session, secret: str | None) -> User | None:
    """Whose feed ``secret`` opens: None for an unknown or revoked one, or a person who may no
    longer see case records (deactivated, or no longer a worker or manager)."""
    if not secret or len(secret) > 200:
        return None
    user = session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                          .where(CalendarFeed.token_hash == _digest(secret)))
    return user if user is not None and user.active and user.works_cases else None


def _visit_event(planned, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"planned-visit-{planned.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    kind = VISIT_KINDS.get(planned.kind, planned.kind).lower()
    event.add("summary", f"Visit: {planned.family.reference} ({kind})")
    if planned.time is not None:
        start = dt.datetime.combine(planned.date, planned.time, tzinfo=service_zone())
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(hours=VISIT_HOURS))
    else:
        event.add("dtstart", planned.date)
        event.add("dtend", planned.date + dt.timedelta(days=1))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE" if planned.time is not None else "TRANSPARENT")
    return event


def _review_event(row, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"review-due-{row.id}-{row.due:%Y%m%d}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", f"Review due: {row.reference}")
    event.add("dtstart", row.due)
    event.add("dtend", row.due + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def calendar(session: Session, user: User, now: dt.datetime) -> bytes:
    """``user``'s feed as of ``now``: the iCalendar text."""
    today = local_date(now)
    start, end = today - dt.timedelta(weeks=WEEKS_BACK), today + dt.timedelta(days=DAYS_AHEAD)
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    found = Calendar()
    found.add("prodid", PRODUCT)
    found.add("version", "2.0")
    found.add("calscale", "GREGORIAN")
    found.add("x-wr-calname", "casework visits")
    found.add("x-wr-timezone", str(service_zone()))
    found.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    found.add("x-published-ttl", "PT1H")
    for planned in diary.planned_between(session, user, start, end):
        if planned.status != PlannedStatus.CANCELLED:
            found.add_component(_visit_event(planned, stamp))
    for row in diary.reviews_due_between(session, user, start, end, now):
        found.add_component(_review_event(row, stamp))
    found.add_missing_timezones(first_date=start, last_date=end + dt.timedelta(days=1))
    return found.to_ical()
