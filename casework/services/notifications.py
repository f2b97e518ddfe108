"""In-app notifications: a person's own list, and telling someone something once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Notification, User
from .clock import local_date
from .errors import NotFound


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
        select(User.id).where(User.team_id == team_id, User.role == "manager", User.active.is_(True))
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
