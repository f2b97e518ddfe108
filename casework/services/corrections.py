"""Correcting what was recorded. The record is changed, and what it said before is kept in a
correction with who, when and why, so the chronology stays true to what was known when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Correction, GoalRating, User, Visit, VisitChild
from .clock import local_date
from .diary import follow_visit_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared
from .visits import VISIT_FIELDS, check_visit, visit_values

RATING_FIELDS = ("date", "rating", "note")
NOTE_MESSAGE = "Say what was wrong and why it is being corrected."


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rating_values(rating: GoalRating) -> dict:
    """The rating as recorded, field by field (RATING_FIELDS)."""
    return {name: getattr(rating, name) for name in RATING_FIELDS}


def require_note(note: str | None) -> str:
    """The reason for a correction, which every correction needs (422 naming
    ``correction_note`` without one)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the record is being corrected.",
                               {"correction_note": [NOTE_MESSAGE]})
    return note


def changed_values(before: dict, after: dict, fields) -> dict:
    """The values before of the ``fields`` a correction changes (422 when it changes none)."""
    changed = {name: before[name] for name in fields if _plain(after[name]) != _plain(before[name])}
    if not changed:
        raise ValidationFailed("Nothing was changed.",
                               {"correction_note": ["Change something before saving a correction."]})
    return changed


def keep_correction(session, actor, family, record_type: str, record, note: str, old: dict, now) -> Correction:
    """Keep what ``record`` (a visit, a rating, a child's voice of ``family``) said before it was
    corrected: ``old``, its changed fields' values before, with who, when and why; then resolve
    the flags the corrected record has cleared, as saving it anew would."""
    correction = Correction(
        family_id=family.id,
        record_type=record_type,
        record_id=record.id,
        made_at=now,
        made_on=local_date(now),
        by_id=actor.id,
        note=note,
        old_values={name: _plain(value) for name, value in old.items()},
    )
    session.add(correction)
    session.flush()
    resolve_cleared(session, family, now, record)
    return correction


def correct_visit(session: Session, actor: User, visit: Visit, changes: dict, note: str | None,
                  now: dt.datetime) -> Visit:
    """Apply ``changes`` (any of VISIT_FIELDS, already validated, plus ``version``)."""
    check_version(visit, changes.get("version"))
    ensure_open(visit.family)
    note = require_note(note)
    before = visit_values(visit)
    after, goals, all_seen = check_visit(
        session, visit.family, {**before, **{name: changes[name] for name in VISIT_FIELDS if name in changes}},
        now, visit)
    changed = changed_values(before, after, VISIT_FIELDS)
    for name in ("date", "kind", "outcome", "duration_minutes", "notes"):
        setattr(visit, name, after[name])
    visit.children_seen = [VisitChild(child_id=cid, seen_alone=cid in after["seen_alone"])
                           for cid in after["children_seen"]]
    visit.goals_discussed = goals
    visit.all_children_seen = all_seen
    if "date" in changed:
        follow_visit_date(session, visit, now)
    keep_correction(session, actor, visit.family, "visit", visit, note, changed, now)
    return visit


def correct_rating(session: Session, actor: User, rating: GoalRating, changes: dict, note: str | None,
                   now: dt.datetime) -> GoalRating:
    check_version(rating, changes.get("version"))
    goal = rating.goal
    ensure_open(goal.family)
    note = require_note(note)
    before = rating_values(rating)
    after = {**before, **{name: changes[name] for name in RATING_FIELDS if name in changes}}
    after["note"] = after["note"] or ""  # an emptied note is an empty one
    if after["date"] > local_date(now):
        raise ValidationFailed("Check the rating.", {"date": ["A rating cannot be dated in the future."]})
    if after["date"] < goal.start_date:
        raise ValidationFailed("Check the rating.", {"date": ["A rating cannot be dated before the goal started."]})
    changed = changed_values(before, after, RATING_FIELDS)
    for name in RATING_FIELDS:
        setattr(rating, name, after[name])
    keep_correction(session, actor, goal.family, "rating", rating, note, changed, now)
    return rating


def corrections_of(session: Session, record_type: str, record_ids: list[int]) -> dict[int, list[Correction]]:
    """``{record_id: [its corrections, oldest first]}`` for these records of one type (``visit``,
    ``rating``), with who made each: one query."""
    found: dict[int, list[Correction]] = {record_id: [] for record_id in record_ids}
    if record_ids:
        for correction in session.scalars(
            select(Correction)
            .where(Correction.record_type == record_type, Correction.record_id.in_(record_ids))
            .options(joinedload(Correction.by))
            .order_by(Correction.made_at, Correction.id)
        ):
            found[correction.record_id].append(correction)
    return found
