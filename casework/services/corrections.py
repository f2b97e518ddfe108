"""Correcting what was recorded. The record is changed, and what it said before is kept in a
correction with who, when and why, so the chronology stays true to what was known when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Correction, GoalRating, User, Visit, VisitChild
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared
from .visits import check_visit

VISIT_FIELDS = ("date", "kind", "outcome", "duration_minutes", "notes", "children_seen", "seen_alone",
                "goals_discussed")
RATING_FIELDS = ("date", "rating", "note")


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _visit_values(visit: Visit) -> dict:
    return {
        "date": visit.date,
        "kind": visit.kind,
        "outcome": visit.outcome,
        "duration_minutes": visit.duration_minutes,
        "notes": visit.notes,
        "children_seen": visit.children_seen_ids,
        "seen_alone": visit.seen_alone_ids,
        "goals_discussed": [goal.id for goal in visit.goals_discussed],
    }


def _require_note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the record is being corrected.",
                               {"correction_note": ["Say what was wrong and why it is being corrected."]})
    return note


def _keep(session, actor, family_id, record_type, record_id, note, old, now) -> Correction:
    correction = Correction(
        family_id=family_id,
        record_type=record_type,
        record_id=record_id,
        made_at=now,
        made_on=local_date(now),
        by_id=actor.id,
        note=note,
        old_values={name: _plain(value) for name, value in old.items()},
    )
    session.add(correction)
    return correction


def correct_visit(session: Session, actor: User, visit: Visit, changes: dict, note: str | None,
                  now: dt.datetime) -> Visit:
    """Apply ``changes`` (any of VISIT_FIELDS, already validated, plus ``version``)."""
    check_version(visit, changes.get("version"))
    ensure_open(visit.family)
    note = _require_note(note)
    before = _visit_values(visit)
    after = {**before, **{name: changes[name] for name in VISIT_FIELDS if name in changes}}
    seen, alone, goals, all_seen = check_visit(session, visit.family, after, now)
    changed = {name: before[name] for name in VISIT_FIELDS if _plain(after[name]) != _plain(before[name])}
    if not changed:
        raise ValidationFailed("Nothing was changed.",
                               {"correction_note": ["Change something before saving a correction."]})
    for name in ("date", "kind", "outcome", "duration_minutes"):
        setattr(visit, name, after[name])
    visit.notes = (after["notes"] or "").strip()
    visit.children_seen = [VisitChild(child_id=cid, seen_alone=cid in alone) for cid in seen]
    visit.goals_discussed = goals
    visit.all_children_seen = all_seen
    _keep(session, actor, visit.family_id, "visit", visit.id, note, changed, now)
    session.flush()
    resolve_cleared(session, visit.family, now, visit)
    return visit


def correct_rating(session: Session, actor: User, rating: GoalRating, changes: dict, note: str | None,
                   now: dt.datetime) -> GoalRating:
    check_version(rating, changes.get("version"))
    goal = rating.goal
    ensure_open(goal.family)
    note = _require_note(note)
    before = {name: getattr(rating, name) for name in RATING_FIELDS}
    after = {**before, **{name: changes[name] for name in RATING_FIELDS if name in changes}}
    if after["date"] > local_date(now):
        raise ValidationFailed("Check the rating.", {"date": ["A rating cannot be dated in the future."]})
    if after["date"] < goal.start_date:
        raise ValidationFailed("Check the rating.", {"date": ["A rating cannot be dated before the goal started."]})
    changed = {name: before[name] for name in RATING_FIELDS if after[name] != before[name]}
    if not changed:
        raise ValidationFailed("Nothing was changed.",
                               {"correction_note": ["Change something before saving a correction."]})
    for name in RATING_FIELDS:
        setattr(rating, name, after[name])
    _keep(session, actor, goal.family_id, "rating", rating.id, note, changed, now)
    session.flush()
    resolve_cleared(session, goal.family, now, rating)
    return rating


def corrections_of(session: Session, record_type: str, record_id: int) -> list[Correction]:
    return session.scalars(
        select(Correction)
        .where(Correction.record_type == record_type, Correction.record_id == record_id)
        .order_by(Correction.made_at, Correction.id)
    ).all()
