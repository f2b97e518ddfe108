"""Visits recorded on a device without a connection (static/js/offline.js keeps them in an
outbox on the device and sends each with its own key): the device's time of recording, and the
"Could not be recorded" list of those the server refused when they arrived. Nothing in that
list is ever discarded: a manager marks each dealt with."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Family, User
from ..models.unrecorded_visit import UnrecordedVisit
from .errors import Forbidden, NotFound, ValidationFailed
from .scope import may_see, require_case_role

# A device's clock may run a little fast; a visit kept on a device longer than this was not
# recorded offline but typed with a wrong clock (the outbox warns after 72 hours unsent).
DEVICE_CLOCK_SKEW = dt.timedelta(minutes=5)
OLDEST_DEVICE_TIME = dt.timedelta(days=31)
# Kept on the device but not sent for this long: the pages warn that they must be sent.
UNSENT_WARNING = dt.timedelta(hours=72)

WHAT_TO_DO = {
    404: "The family is no longer yours (it was reallocated or transferred). Ask your manager to record the visit "
         "on the family's new worker's behalf.",
    409: "The family's record changed while you were offline (it may have been closed). Ask your manager to reopen "
         "it or to record the visit another way.",
    422: "The visit was refused as it was: the reason is shown. Record it again from the family page if you still "
         "can, or ask your manager.",
}
OTHERWISE = "Ask your manager: they can see the visit as you typed it and decide how to record it."


def check_device_time(value: dt.datetime | None, now: dt.datetime) -> None:
    """When a visit was saved on the device: not in the future (beyond a clock's small skew),
    not older than a device keeps a visit."""
    if value is None:
        return
    if value > now + DEVICE_CLOCK_SKEW:
        message = "The time the visit was saved on the device is in the future: check the device's clock."
    elif value < now - OLDEST_DEVICE_TIME:
        message = "The time the visit was saved on the device is more than 31 days ago: check the device's clock."
    else:
        return
    raise ValidationFailed(message, {"device_recorded_at": [message]})


def what_to_do(item: UnrecordedVisit) -> str:
    return WHAT_TO_DO.get(item.status or 0, OTHERWISE)


def keep_unrecorded(session: Session, user: User, data: dict, now: dt.datetime) -> tuple[UnrecordedVisit, bool]:
    """Keep a visit the server would not record, as the device sent it. ``data``: device_key,
    family_id?, family_reference?, payload (the JSON sent), status?, reason?,
    device_recorded_at?. Sent again with the same device_key: the one already kept (and
    False)."""
    require_case_role(user)
    check_device_time(data.get("device_recorded_at"), now)
    earlier = session.scalar(select(UnrecordedVisit).where(UnrecordedVisit.user_id == user.id,
                                                           UnrecordedVisit.device_key == data["device_key"]))
    if earlier is not None:
        return earlier, False
    family_id = data.get("family_id")
    if family_id is not None and session.get(Family, family_id) is None:
        family_id = None  # the reference the device sent still says which family it was
    item = UnrecordedVisit(
        user_id=user.id, device_key=data["device_key"], family_id=family_id,
        family_reference=(data.get("family_reference") or "").strip(), payload=data["payload"],
        status=data.get("status"), reason=(data.get("reason") or "").strip(),
        device_recorded_at=data.get("device_recorded_at"), received_at=now,
    )
    session.add(item)
    session.flush()
    return item, True


def _scope(user: User):
    if user.is_worker:
        return UnrecordedVisit.user_id == user.id
    return UnrecordedVisit.user_id.in_(select(User.id).where(User.team_id == user.team_id))


def unrecorded_visits(session: Session, user: User, include_resolved: bool = False) -> list[UnrecordedVisit]:
    """A worker's own, a manager's team's: those not dealt with first, oldest first."""
    require_case_role(user)
    query = select(UnrecordedVisit).where(_scope(user)).options(joinedload(UnrecordedVisit.user))
    if not include_resolved:
        query = query.where(UnrecordedVisit.resolved_at.is_(None))
    return list(session.scalars(query.order_by(UnrecordedVisit.resolved_at.is_not(None),
                                               UnrecordedVisit.received_at, UnrecordedVisit.id).limit(500)))


def count_open(session: Session, user: User) -> int:
    return len(unrecorded_visits(session, user)) if user.works_cases else 0


def get_unrecorded(session: Session, user: User, item_id: int) -> UnrecordedVisit:
    require_case_role(user)
    item = session.scalar(select(UnrecordedVisit).where(UnrecordedVisit.id == item_id, _scope(user)))
    if item is None:
        raise NotFound("Visit not found.")
    return item


def family_link(session: Session, user: User, item: UnrecordedVisit) -> Family | None:
    """The family, when the caller may open its record."""
    family = session.get(Family, item.family_id) if item.family_id else None
    return family if family is not None and may_see(user, family) else None


def resolve(session: Session, manager: User, item: UnrecordedVisit, note: str, now: dt.datetime) -> None:
    """A manager marks a visit that could not be recorded as dealt with (it stays listed)."""
    if not manager.is_manager:
        raise Forbidden("Only a manager can mark a visit that could not be recorded as dealt with.")
    if item.resolved_at is not None:
        raise ValidationFailed("This visit was already marked as dealt with.")
    item.resolved_at = now
    item.resolved_by_id = manager.id
    item.resolution_note = (note or "").strip()


def anonymise(session: Session, family: Family) -> None:
    """A visit held as typed on a device is the family's personal data: what was typed goes with
    the rest when the family is anonymised (why it was held, and when, stay)."""
    for held in session.scalars(select(UnrecordedVisit).where(UnrecordedVisit.family_id == family.id)):
        held.payload = "{}"
        held.resolution_note = ""
