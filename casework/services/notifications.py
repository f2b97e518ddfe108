"""In-app notifications: a person's own list, and telling someone something once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Family, Notification, Role, User
from .clock import local_date
from .errors import NotFound
from .scope import family_scope


def notify(session: Session, user_id: int | None, kind: str, family_id: int | None, message: str, key: str,
           now: dt.datetime) -> None:
    """Tell ``user_id`` once: a second notification with the same ``key`` is never created.
    Messages name families by reference only; they may be e-mailed."""
    if user_id is None or session.scalar(select(Notification.id).where(Notification.key == key)):
        return
    session.add(Notification(user_id=user_id, kind=kind, family_id=family_id, message=message, key=key,
                             created_at=now, created_on=local_date(now)))


def managers_of(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.team_id == team_id, User.role == Role.MANAGER, User.active.is_(True))
    ))


def notifications_for(session: Session, user: User, unread_only: bool = False, limit: int = 200) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_read(session: Session, user: User, notification_id: int, now: dt.datetime) -> Notification:
    note = session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if note is None:
        raise NotFound("Notification not found.")
    if note.read_at is None:
        note.read_at = now
        session.flush()
    return note


def household_names(session: Session, user: User, notes: list[Notification]) -> dict[int, str]:
    """``{family_id: household name}`` for the families these notifications name that ``user``
    may see now (their own): one query. Notifications themselves stay reference-only, as they
    may be e-mailed."""
    ids = {note.family_id for note in notes if note.family_id is not None}
    if not ids or not user.works_cases:
        return {}
    return dict(session.execute(
        select(Family.id, Family.household_name).where(Family.id.in_(ids), family_scope(user))
    ).all())


def told_about(session: Session, user: User, family_id: int) -> str | None:
    """The reference of a family ``user`` was once notified about (None if never): an old link
    to a family they may no longer see explains instead of answering 404."""
    return session.scalar(
        select(Family.reference).join(Notification, Notification.family_id == Family.id)
        .where(Notification.user_id == user.id, Family.id == family_id).limit(1)
    )
