"""What a manager brings to one-to-one supervision with a family worker: the worker's open
families with the time each has spent in each phase against what the practice expects, their
stalled goals, overdue reviews and children not seen. A fixed number of queries whatever the
size of the caseload; every figure is read from the dates recorded, and ``now`` is given."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    OPEN_PHASES,
    PHASE_LABELS,
    Child,
    Family,
    Flag,
    FlagStatus,
    Goal,
    PhaseMove,
    Role,
    User,
    Visit,
    Voice,
)
from .child_seen import child_seen_days, last_seen_by_child, not_seen
from .clock import local_date
from .errors import Forbidden, NotFound
from .families import last_visit, weeks_in_service
from .flag_rules import overran
from .review_schedule import is_overdue, review_due
from .voice_heard import VoiceSettings, last_heard_by_child, not_heard


@dataclass
class PhaseSpan:
    """A stretch of time a family spent in one phase (the last one runs to today)."""

    phase: str
    start: dt.date
    end: dt.date
    current: bool = False

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def days(self) -> int:
        return max(0, (self.end - self.start).days)

    @property
    def weeks(self) -> int:
        return self.days // 7


@dataclass
class FamilyTimeline:
    id: int
    reference: str
    household_name: str
    phase: str
    phase_since: dt.date
    opened_on: dt.date
    weeks_in_service: int
    next_review_due: dt.date
    review_overdue: bool
    last_visit_on: dt.date | None
    # Longer in the current phase than the practice expects (the phase_overrun flag's rule).
    over_expected: bool
    spans: list[PhaseSpan] = field(default_factory=list)
    # phase -> expected weeks (the practice's 4 / 14 / 4), for the marks on the timeline
    expected_weeks: dict[str, int] = field(default_factory=dict)

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def weeks_in_phase(self) -> int:
        return self.spans[-1].weeks if self.spans else 0


    def weeks_by_phase(self) -> list[tuple[str, int, int | None]]:
        """(phase label, weeks spent in it in all, weeks expected) for each phase it has been in."""
        days: dict[str, int] = {}
        for span in self.spans:
            days[span.phase] = days.get(span.phase, 0) + span.days
        return [(PHASE_LABELS[phase], total // 7, self.expected_weeks.get(phase)) for phase, total in days.items()]


@dataclass
class StalledGoal:
    family_id: int
    reference: str
    goal_id: int | None
    title: str | None
    severity: str
    message: str
    raised_on: dt.date
    acknowledged: bool


@dataclass
class ChildNotSeen:
    family_id: int
    reference: str
    first_name: str
    last_seen_on: dt.date | None
    days_since: int


@dataclass
class ChildNotHeard:
    family_id: int
    reference: str
    first_name: str
    last_heard_on: dt.date | None
    days_since: int


@dataclass
class Supervision:
    worker: User
    today: dt.date
    families: list[FamilyTimeline]
    stalled_goals: list[StalledGoal]
    children_not_seen: list[ChildNotSeen]
    child_seen_days: int
    expected_weeks: dict[str, int]
    # Children whose voice was not recorded lately, as the child_voice_missing rule says.
    children_not_heard: list[ChildNotHeard] = field(default_factory=list)
    voice_days: int = 0

    @property
    def overdue_reviews(self) -> list[FamilyTimeline]:
        return sorted((f for f in self.families if f.review_overdue), key=lambda f: f.next_review_due)

    @property
    def scale_weeks(self) -> int:
        """How many weeks the timelines span: the practice's 22 weeks, or the longest case."""
        expected = sum(self.expected_weeks.get(phase, 0) for phase in OPEN_PHASES)
        longest = max((f.weeks_in_service + 1 for f in self.families), default=0)
        return max(expected + 4, longest)


def supervised_worker(session: Session, manager: User, user_id: int) -> User:
    """A family worker of the manager's team (or someone still holding one of its open
    families); 404 for anyone else, 403 for a caller who is not a manager."""
    if not manager.is_manager:
        raise Forbidden("Only managers see supervision views.")
    holds_team_family = (
        select(Family.id)
        .where(Family.worker_id == User.id, Family.team_id == manager.team_id, Family.phase.in_(OPEN_PHASES))
        .exists()
    )
    worker = session.scalar(
        select(User).where(
            User.id == user_id,
            ((User.team_id == manager.team_id) & (User.role == Role.WORKER)) | holds_team_family,
        )
    )
    if worker is None or manager.team_id is None:
        raise NotFound("Worker not found.")
    return worker


def _spans(family, moves: list[PhaseMove], today: dt.date) -> list[PhaseSpan]:
    """The phases a family has been through, from its recorded phase moves."""
    spans: list[PhaseSpan] = []
    phase = moves[0].from_phase if moves else family.phase
    start = family.opened_on
    for move in moves:
        if move.date < start:  # never before the previous move: keep the line readable
            move_date = start
        else:
            move_date = move.date
        spans.append(PhaseSpan(phase, start, move_date))
        phase, start = move.to_phase, move_date
    spans.append(PhaseSpan(phase, start, max(start, today), current=True))
    # A move dated the same day as the one before it leaves an empty stretch: drop it.
    return [span for span in spans if span.days > 0 or span.current]


def supervision(session: Session, manager: User, user_id: int, now: dt.datetime) -> Supervision:
    """Everything for the supervision view of one worker, in six queries."""
    worker = supervised_worker(session, manager, user_id)
    today = local_date(now)
    config = current_app.config
    expected = dict(config["CASEWORK_PHASE_WEEKS"])

    # Per family, through the indexes on (family_id, held_on) and (family_id, date): the
    # worker's families, not the whole service's.
    rows = session.execute(
        select(
            Family.id, Family.reference, Family.household_name, Family.phase, Family.phase_since,
            Family.opened_on, review_due(today), last_visit(today),
        )
        .where(Family.team_id == manager.team_id, Family.worker_id == worker.id, Family.phase.in_(OPEN_PHASES))
        .order_by(Family.opened_on, Family.id)
    ).all()
    families: dict[int, FamilyTimeline] = {}
    for family_id, reference, household, phase, phase_since, opened_on, due, visited_on in rows:
        families[family_id] = FamilyTimeline(
            id=family_id, reference=reference, household_name=household, phase=phase, phase_since=phase_since,
            opened_on=opened_on, weeks_in_service=weeks_in_service(opened_on, None, today), next_review_due=due,
            review_overdue=is_overdue(due, today), last_visit_on=visited_on, expected_weeks=expected,
            over_expected=overran(phase, phase_since, today),
        )
    ids = list(families)

    moves = defaultdict(list)
    stalled: list[StalledGoal] = []
    children_not_seen: list[ChildNotSeen] = []
    children_not_heard: list[ChildNotHeard] = []
    if ids:
        for move in session.scalars(
            select(PhaseMove).where(PhaseMove.family_id.in_(ids)).order_by(PhaseMove.date, PhaseMove.id)
        ):
            moves[move.family_id].append(move)

        flags = session.scalars(
            select(Flag)
            .where(Flag.family_id.in_(ids), Flag.rule == "goal_stalled", Flag.status != FlagStatus.RESOLVED)
            .order_by(Flag.raised_at, Flag.id)
        ).all()
        goal_ids = {flag.subject_id for flag in flags} - {None}
        titles = (dict(session.execute(select(Goal.id, Goal.title).where(Goal.id.in_(goal_ids))).all())
                  if goal_ids else {})
        for flag in sorted(flags, key=lambda f: -f.severity_rank):
            stalled.append(StalledGoal(
                family_id=flag.family_id, reference=families[flag.family_id].reference, goal_id=flag.subject_id,
                title=titles.get(flag.subject_id), severity=flag.severity, message=flag.message,
                raised_on=flag.raised_on, acknowledged=flag.status == FlagStatus.ACKNOWLEDGED,
            ))

        # Children not seen, as the flag rule and the caseload's count say, and children not
        # heard lately, as the child_voice_missing rule says: one query for both.
        last_seen = last_seen_by_child(today, Visit.family_id.in_(ids))
        last_heard = last_heard_by_child(today, Voice.family_id.in_(ids))
        unseen = not_seen(today, last_seen.c.date)
        unheard = not_heard(today, last_heard.c.date)
        for family_id, first_name, seen_on, is_unseen, heard_on, is_unheard in session.execute(
            select(Child.family_id, Child.first_name, last_seen.c.date, unseen, last_heard.c.date, unheard)
            .join(Family)
            .outerjoin(last_seen, last_seen.c.child_id == Child.id)
            .outerjoin(last_heard, last_heard.c.child_id == Child.id)
            .where(Child.family_id.in_(ids), unseen | unheard)
            .order_by(Child.family_id, Child.date_of_birth, Child.id)
        ):
            family = families[family_id]
            if is_unseen:
                children_not_seen.append(ChildNotSeen(
                    family_id=family_id, reference=family.reference, first_name=first_name, last_seen_on=seen_on,
                    days_since=(today - (seen_on or family.opened_on)).days,
                ))
            if is_unheard:
                children_not_heard.append(ChildNotHeard(
                    family_id=family_id, reference=family.reference, first_name=first_name, last_heard_on=heard_on,
                    days_since=(today - (heard_on or family.opened_on)).days,
                ))
        children_not_seen.sort(key=lambda child: -child.days_since)
        children_not_heard.sort(key=lambda child: -child.days_since)

    for family_id, family in families.items():
        family.spans = _spans(family, moves[family_id], today)
    return Supervision(
        worker=worker, today=today, families=list(families.values()), stalled_goals=stalled,
        children_not_seen=children_not_seen, child_seen_days=child_seen_days(), expected_weeks=expected,
        children_not_heard=children_not_heard, voice_days=VoiceSettings.from_config().days,
    )

