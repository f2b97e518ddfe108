"""Acting on flags: a worker acknowledges, a manager resolves with a note."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Family, Flag, User
from .clock import local_date
from .errors import Forbidden, NotFound, ValidationFailed
from .scope import family_scope, require_case_role


def get_flag(session: Session, actor: User, flag_id: int) -> Flag:
    require_case_role(actor)
    flag = session.scalar(select(Flag).join(Family).where(Flag.id == flag_id, family_scope(actor)))
    if flag is None:
        raise NotFound("Flag not found.")
    return flag


def list_flags(session: Session, actor: User, status: str | None = None, family_id: int | None = None) -> list[Flag]:
    """Flags ``actor`` may see, most severe and oldest first. ``open`` includes acknowledged."""
    require_case_role(actor)
    query = select(Flag).join(Family).where(family_scope(actor))
    if status == "open":
        query = query.where(Flag.status != "resolved")
    elif status == "resolved":
        query = query.where(Flag.status == "resolved")
    if family_id is not None:
        query = query.where(Flag.family_id == family_id)
    flags = session.scalars(query.order_by(Flag.raised_at, Flag.id)).all()
    severity_rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(flags, key=lambda f: (f.status == "resolved", severity_rank[f.severity]))


def check_writable(flag: Flag) -> None:
    """A closed family's record is read-only, its flags too (422); the sweep resolves them."""
    if flag.family.is_closed:
        message = f"{flag.family.reference} is closed: its record, flags included, is read-only."
        raise ValidationFailed(message, {"status": [message]})


def acknowledge(session: Session, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    check_writable(flag)
    if flag.status == "resolved":
        raise ValidationFailed("This flag is already resolved.", {"status": ["This flag is already resolved."]})
    if flag.status == "open":
        flag.status = "acknowledged"
        flag.acknowledged_at = now
        flag.acknowledged_by_id = actor.id
        session.flush()
    return flag


def resolve(session: Session, actor: User, flag: Flag, note: str | None, now: dt.datetime) -> Flag:
    """A manager closes a flag with a note. If its condition still holds, the sweep raises it
    again only after a full period counted from today."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can resolve a flag.")
    check_writable(flag)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say what was decided.", {"note": ["Say what was decided about this flag."]})
    if flag.status == "resolved":
        raise ValidationFailed("This flag is already resolved.", {"status": ["This flag is already resolved."]})
    flag.status = "resolved"
    flag.resolved_at = now
    flag.resolved_on = local_date(now)
    flag.resolved_by_id = actor.id
    flag.resolution = note
    session.flush()
    return flag
