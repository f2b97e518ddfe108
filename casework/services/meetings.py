"""Team Around the Family meetings and the actions agreed at them: recording a meeting, and an
action's owner marking it done."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import ActionStatus, Family, Meeting, MeetingAction, Partner, User
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import Forbidden, NotFound, ValidationFailed
from .flags import resolve_cleared
from .scope import may_see


def _problem(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def family_meetings(session: Session, family_id: int) -> list[Meeting]:
    return list(session.scalars(
        select(Meeting).where(Meeting.family_id == family_id)
        # The actions' owners (one row each) joined to their actions: no statement of their own.
        .options(selectinload(Meeting.attendees),
                 selectinload(Meeting.actions).joinedload(MeetingAction.owner_partner),
                 selectinload(Meeting.actions).joinedload(MeetingAction.owner_user))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ))


def record_meeting(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Meeting:
    """``data``: held_on, attendee_partner_ids, family_attended, notes, and actions (dicts of
    action, due_on, owner_partner_id or owner_user_id), of their types (the form checked them)."""
    if data["held_on"] > local_date(now):
        raise _problem("held_on", "A meeting cannot be recorded before it is held.")
    partners = {p.id: p for p in session.scalars(select(Partner).where(Partner.family_id == family.id))}
    attendee_ids = list(dict.fromkeys(data.get("attendee_partner_ids") or []))
    if any(pid not in partners for pid in attendee_ids):
        raise _problem("attendee_partner_ids", "Name only this family's partners.")
    meeting = Meeting(family_id=family.id, held_on=data["held_on"], family_attended=bool(data.get("family_attended")),
                      notes=data.get("notes") or "", recorded_by_id=actor.id,
                      attendees=[partners[pid] for pid in attendee_ids])
    for index, item in enumerate(data.get("actions") or []):
        meeting.actions.append(MeetingAction(
            family_id=family.id, action=item["action"], due_on=item["due_on"],
            owner_partner_id=item.get("owner_partner_id"), owner_user_id=_owner_user(session, family, item, index,
                                                                                      partners, actor),
        ))
    session.add(meeting)
    session.flush()
    return meeting


def _owner_user(session: Session, family: Family, item: dict, index: int, partners: dict, actor: User) -> int | None:
    """An action's owner: one of the family's partners, or a member of staff who may see the
    family; the one recording the meeting when no owner is named."""
    field_name = f"actions-{index}-owner"
    partner_id, user_id = item.get("owner_partner_id"), item.get("owner_user_id")
    if partner_id is not None and user_id is not None:
        raise _problem(field_name, "Give an action one owner: a partner or a member of staff.")
    if partner_id is not None:
        if partner_id not in partners:
            raise _problem(field_name, "An action's owner must be one of this family's partners.")
        return None
    if user_id is None:
        return actor.id
    owner = session.get(User, user_id)
    if owner is None or not owner.works_cases or not may_see(owner, family):
        raise _problem(field_name, "An action's owner must be the family's worker or their manager.")
    return owner.id


def get_action(session: Session, action_id: int) -> MeetingAction:
    action = session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound("Action not found.")
    return action


def update_action(session: Session, action: MeetingAction, status: str, note: str | None, now: dt.datetime,
                  version: int | None = None) -> MeetingAction:
    """Mark an action done (with a note) or open again. Done resolves its overdue flag."""
    check_version(action, version)
    ensure_open(action.meeting.family)
    if status not in tuple(ActionStatus):
        raise _problem("status", "Choose open or done.")
    action.status = status
    action.done_on = local_date(now) if status == ActionStatus.DONE else None
    if note is not None:
        action.note = note or None
    session.flush()
    if status == ActionStatus.DONE:
        resolve_cleared(session, action.meeting.family, now, action)
    return action


def ensure_owner(action: MeetingAction, partner_ids: set[int]) -> None:
    """A partner may change only the actions their own partner record owns."""
    if action.owner_partner_id is None or action.owner_partner_id not in partner_ids:
        raise Forbidden("A partner may change only the actions they own.")
