"""The visit diary: the visits a worker plans, rearranges or cancels; a planned visit is done
once a visit is recorded for that family on that day. A worker's week shows their planned
visits day by day with the reviews falling due (services/review_schedule.py says when); the
sweep reminds them of a planned visit still not recorded two days on."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, joinedload

from ..models import OPEN_PHASES, Family, PlannedStatus, PlannedVisit, User, Visit
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .review_schedule import review_due
from .scope import family_scope

# The sweep reminds a planned visit's worker from this many days after its day, looking back
# this far (a reminder older than that would help no one).
UNRECORDED_AFTER_DAYS = 2
UNRECORDED_WINDOW_DAYS = 28

DONE_MESSAGE = "This visit was already recorded: a recorded visit cannot be rearranged or cancelled."
CANCELLED_MESSAGE = "This visit was cancelled: plan a new visit instead of rearranging it."
CHANGES = ("date", "time", "status", "cancelled_by")


# Planned visits by day, those without a time first (the day's own), then by time.
PLANNED_ORDER = (PlannedVisit.date, PlannedVisit.time.is_not(None), PlannedVisit.time, PlannedVisit.id)


def _ordered(query):
    return query.order_by(*PLANNED_ORDER)


def _fulfil_from_record(session: Session, planned: PlannedVisit) -> None:
    """A planned visit whose day already has a visit of the family recorded is done at once."""
    visit_id = session.scalar(
        select(Visit.id).where(Visit.family_id == planned.family_id, Visit.date == planned.date)
        .order_by(Visit.id.desc()).limit(1)
    )
    if visit_id is not None:
        planned.status, planned.visit_id = PlannedStatus.DONE, visit_id


def plan_visit(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> PlannedVisit:
    """Plan a visit to ``family`` for ``actor`` (who owns it). ``data``: date, time (or None),
    kind, note (or None)."""
    ensure_open(family)
    planned = PlannedVisit(family_id=family.id, worker_id=actor.id, date=data["date"], time=data.get("time"),
                           kind=data["kind"], note=(data.get("note") or "").strip() or None,
                           status=PlannedStatus.PLANNED, created_at=now, updated_at=now)
    session.add(planned)
    session.flush()
    _fulfil_from_record(session, planned)
    session.flush()
    return planned


def change_planned_visit(session: Session, planned: PlannedVisit, changes: dict, now: dt.datetime,
                         version: int | None = None) -> PlannedVisit:
    """Rearrange (``date``, ``time``: None clears it) or cancel (``status`` cancelled, and
    ``cancelled_by`` family or worker: naming who cancelled is cancelling; the worker when
    left out) a planned visit. A visit already recorded cannot change, nor a cancelled one be
    rearranged (422). Nothing sent changes nothing."""
    check_version(planned, version)
    ensure_open(planned.family)
    changes = {name: value for name, value in changes.items() if name in CHANGES}
    for name in ("date", "status", "cancelled_by"):  # null or empty: left as it is
        if changes.get(name) in (None, ""):
            changes.pop(name, None)
    if not changes:
        return planned
    if planned.status == PlannedStatus.DONE:
        raise ValidationFailed(DONE_MESSAGE, {name: [DONE_MESSAGE] for name in changes})
    moved = {name for name in ("date", "time") if name in changes}
    if planned.status == PlannedStatus.CANCELLED and moved:
        raise ValidationFailed(CANCELLED_MESSAGE, {name: [CANCELLED_MESSAGE] for name in sorted(moved)})
    if "date" in changes:
        planned.date = changes["date"]
    if "time" in changes:
        planned.time = changes["time"]
    if changes.get("status") == PlannedStatus.CANCELLED or "cancelled_by" in changes:
        planned.status = PlannedStatus.CANCELLED
        planned.cancelled_by = changes.get("cancelled_by") or planned.cancelled_by or "worker"
    elif moved:
        _fulfil_from_record(session, planned)
    planned.updated_at = now
    session.flush()
    return planned


def fulfil_planned_visit(session: Session, visit: Visit, now: dt.datetime) -> PlannedVisit | None:
    """A visit recorded for a family on the day of one of its planned visits makes that
    planned visit done (the day's own first, then the earliest time), linked to the visit."""
    planned = session.scalars(_ordered(
        select(PlannedVisit).where(PlannedVisit.family_id == visit.family_id, PlannedVisit.date == visit.date,
                                   PlannedVisit.status == PlannedStatus.PLANNED)
    ).limit(1)).first()
    if planned is not None:
        planned.status, planned.visit_id, planned.updated_at = PlannedStatus.DONE, visit.id, now
        session.flush()
    return planned


def follow_visit_date(session: Session, visit: Visit, now: dt.datetime) -> None:
    """A visit's date was corrected: a planned visit it made done on another day is done by
    another visit of that day or planned again, and the visit makes one of its new day's done,
    by the rules that apply when a visit is recorded or a visit planned."""
    linked = list(session.scalars(select(PlannedVisit).where(PlannedVisit.visit_id == visit.id)))
    for planned in linked:
        if planned.date != visit.date:
            planned.status, planned.visit_id, planned.updated_at = PlannedStatus.PLANNED, None, now
            session.flush()
            _fulfil_from_record(session, planned)
    if all(planned.date != visit.date for planned in linked):
        fulfil_planned_visit(session, visit, now)
    session.flush()


def cancel_still_to_come(session: Session, family: Family, now: dt.datetime) -> None:
    """The family closed: its visits still planned from today on are cancelled (by no one: the
    work ended), so they leave the worker's week and calendar feed."""
    for planned in session.scalars(select(PlannedVisit).where(
            PlannedVisit.family_id == family.id, PlannedVisit.status == PlannedStatus.PLANNED,
            PlannedVisit.date >= local_date(now))):
        planned.status, planned.updated_at = PlannedStatus.CANCELLED, now


# --- reading the diary -------------------------------------------------------------------------


def family_planned_visits(session: Session, family: Family) -> list[PlannedVisit]:
    """Every planned visit of the family, by day and time."""
    return list(session.scalars(_ordered(select(PlannedVisit).where(PlannedVisit.family_id == family.id))))


def planned_between(session: Session, user: User, start: dt.date, end: dt.date) -> list[PlannedVisit]:
    """``user``'s own planned visits from ``start`` to ``end`` (every status), to families
    still in their scope, with the family loaded."""
    return list(session.scalars(_ordered(
        select(PlannedVisit).join(Family, Family.id == PlannedVisit.family_id)
        .where(PlannedVisit.worker_id == user.id, PlannedVisit.date >= start, PlannedVisit.date <= end,
               family_scope(user))
        .options(joinedload(PlannedVisit.family))
    )))


def reviews_due_between(session: Session, user: User, start: dt.date, end: dt.date,
                        now: dt.datetime) -> list[Row]:
    """The open families in ``user``'s scope whose next review (as of ``now``) falls due from
    ``start`` to ``end``: rows of (id, reference, household_name, due), soonest first."""
    due = review_due(local_date(now))
    return list(session.execute(
        select(Family.id, Family.reference, Family.household_name, due.label("due"))
        .where(family_scope(user), Family.phase.in_(OPEN_PHASES), due >= start, due <= end)
        .order_by(due, Family.reference)
    ))


@dataclass
class DiaryDay:
    date: dt.date
    visits: list[PlannedVisit] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)


@dataclass
class Week:
    monday: dt.date
    days: list[DiaryDay]
    overdue_reviews: list[Row]  # due before today: shown on the current week

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def week(session: Session, user: User, monday: dt.date, now: dt.datetime) -> Week:
    """``user``'s week from ``monday``: each day's planned visits and reviews falling due."""
    today = local_date(now)
    days = [DiaryDay(monday + dt.timedelta(days=n)) for n in range(7)]
    by_date = {day.date: day for day in days}
    for planned in planned_between(session, user, monday, days[-1].date):
        by_date[planned.date].visits.append(planned)
    for row in reviews_due_between(session, user, monday, days[-1].date, now):
        by_date[row.due].reviews.append(row)
    overdue = []
    if monday <= today <= days[-1].date:
        overdue = reviews_due_between(session, user, dt.date.min, today - dt.timedelta(days=1), now)
    return Week(monday=monday, days=days, overdue_reviews=overdue)


# --- the sweep, and data protection ------------------------------------------------------------


def unrecorded_visits(session: Session, today: dt.date) -> list[Row]:
    """Visits of open families still planned from the second day after their day (within the
    window): rows of (id, worker_id, family_id, reference, date)."""
    latest = today - dt.timedelta(days=UNRECORDED_AFTER_DAYS)
    earliest = today - dt.timedelta(days=UNRECORDED_WINDOW_DAYS)
    return list(session.execute(
        select(PlannedVisit.id, PlannedVisit.worker_id, PlannedVisit.family_id, Family.reference, PlannedVisit.date)
        .join(Family, Family.id == PlannedVisit.family_id)
        .where(PlannedVisit.status == PlannedStatus.PLANNED, PlannedVisit.date >= earliest,
               PlannedVisit.date <= latest, Family.phase.in_(OPEN_PHASES))
        .order_by(PlannedVisit.date, PlannedVisit.id)
    ))


def anonymise(session: Session, family: Family) -> None:
    """A planned visit's note is the family's personal data: removed with the rest."""
    for planned in session.scalars(select(PlannedVisit).where(PlannedVisit.family_id == family.id)):
        planned.note = None
