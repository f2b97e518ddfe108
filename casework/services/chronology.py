"""The chronology: every recorded event of a family's case in date order, the document a
social worker or a court asks for. Each entry says who recorded it (``by``), or nobody for the
system's own entries (a flag raised or cleared by the rules)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    ASSESSMENT_STAGES,
    CLOSURE_REASONS,
    CONCERNS,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
    Allocation,
    Assessment,
    Correction,
    Family,
    Flag,
    FlagStatus,
    Goal,
    GoalRating,
    GoalStatus,
    GoalStatusChange,
    Meeting,
    Phase,
    PhaseMove,
    Review,
    ReviewViewNotGathered,
    User,
    Visit,
    VisitOutcome,
    Voice,
)
from .assessments import load_frameworks
from .clock import day_text

# The order of kinds also orders entries of one day (newest first): the opening last of all.
KINDS = ("referral", "visit", "phase", "review", "goal", "rating", "assessment", "correction", "flag",
         "allocation", "meeting", "voice")
GOAL_CHANGES = {
    GoalStatus.ACHIEVED: "Goal achieved",
    GoalStatus.WITHDRAWN: "Goal withdrawn",
    GoalStatus.ACTIVE: "Goal active again",
}


@dataclass
class Entry:
    date: dt.date
    kind: str
    summary: str
    ref_id: int
    by: User | None = None


def _area(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _referral_summary(family: Family) -> str:
    text = f"Referral opened: referred on {day_text(family.referral_date)}"
    if family.referral_source:
        text += f" by {family.referral_source}"
    concerns = [CONCERNS.get(code, code).lower() for code in family.concerns]
    return text + (". Concerns: " + ", ".join(concerns) + "." if concerns else ".")


def _visit_summary(visit: Visit, children: dict[int, str]) -> str:
    text = f"{VISIT_KINDS[visit.kind]}, {VISIT_OUTCOMES[visit.outcome].lower()}"
    if visit.outcome == VisitOutcome.COMPLETED and children:
        not_seen = [name for cid, name in children.items() if cid not in visit.children_seen_ids]
        text += ": all children seen" if not not_seen else ": not seen: " + ", ".join(not_seen)
    return text


def _phase_summary(move: PhaseMove) -> str:
    if move.to_phase == Phase.CLOSED:
        text = f"Closed: {CLOSURE_REASONS.get(move.reason, move.reason or '').lower()}"
    elif move.from_phase == Phase.CLOSED:
        text = "Reopened, back to engagement"
    else:
        text = f"Moved from {PHASE_LABELS[move.from_phase].lower()} to {PHASE_LABELS[move.to_phase].lower()}"
    return f"{text}. {move.note}" if move.note else text


def _review_summary(review: Review) -> str:
    text = f"Review held: {REVIEW_DECISIONS[review.decision].lower()}"
    if review.decision == "close" and review.reason:
        text += f" ({CLOSURE_REASONS[review.reason].lower()})"
    not_gathered = [f"{view.child.first_name}'s view was not gathered: {view.reason}"
                    for view in review.views_not_gathered]
    return ". ".join([text, *not_gathered])


def _goal_entries(session: Session, family: Family) -> list[Entry]:
    goals = session.scalars(
        select(Goal).where(Goal.family_id == family.id)
        .options(joinedload(Goal.agreed_by), selectinload(Goal.status_changes).joinedload(GoalStatusChange.by))
    )
    entries = []
    for goal in goals:
        entries.append(Entry(
            goal.start_date, "goal",
            f"Goal agreed: {goal.title} ({_area(goal.area).lower()}): from {goal.baseline} to {goal.target} "
            f"out of 10 by {day_text(goal.target_date)}",
            goal.id, goal.agreed_by,
        ))
        for change in goal.status_changes:
            text = f"{GOAL_CHANGES.get(change.status, change.status)}: {goal.title}"
            entries.append(Entry(change.date, "goal", f"{text}. Reason: {change.reason}" if change.reason else text,
                                 goal.id, change.by))
    return entries


def _assessment_entries(session: Session, family: Family) -> list[Entry]:
    frameworks = load_frameworks()
    entries = []
    for assessment in session.scalars(
        select(Assessment).where(Assessment.family_id == family.id)
        .options(joinedload(Assessment.recorded_by), joinedload(Assessment.child))
    ):
        framework = frameworks.get(assessment.framework)
        name = framework.name if framework else assessment.framework
        stage = ASSESSMENT_STAGES.get(assessment.stage, assessment.stage).lower()
        about = f" of {assessment.child.first_name}" if assessment.child else " of the family"
        entries.append(Entry(assessment.date, "assessment", f"{name}: {stage} assessment{about}", assessment.id,
                             assessment.recorded_by))
    return entries


def _meeting_entries(session: Session, family: Family) -> list[Entry]:
    """Team Around the Family meetings, and each action the day it was done."""
    entries = []
    for meeting in session.scalars(
        select(Meeting).where(Meeting.family_id == family.id)
        .options(joinedload(Meeting.recorded_by), selectinload(Meeting.attendees), selectinload(Meeting.actions))
    ):
        who = ", ".join([p.agency for p in meeting.attendees] + (["the family"] if meeting.family_attended else []))
        text = f"Team Around the Family meeting ({who or 'attendance not recorded'}): "
        entries.append(Entry(meeting.held_on, "meeting", f"{text}{len(meeting.actions)} action(s) agreed",
                             meeting.id, meeting.recorded_by))
        entries += [Entry(a.done_on, "meeting", f"Action done: {a.action}", meeting.id)
                    for a in meeting.actions if a.done_on is not None]
    return entries


# How a child was heard, as the chronology says it.
HEARD = {"visit": "at a visit", "review": "at a review", "direct_work": "in direct work", "observation": "observed",
         "other": "heard"}


def _voice_entries(session: Session, family: Family) -> list[Entry]:
    """Each child's voice: the child's first name and the scale, never the words (the
    chronology is read by people the child did not speak to)."""
    entries = []
    for voice in session.scalars(
        select(Voice).where(Voice.family_id == family.id)
        .options(joinedload(Voice.child), joinedload(Voice.recorded_by))
    ):
        text = f"{voice.child.first_name}'s voice recorded ({HEARD.get(voice.how, voice.how)})"
        if voice.scale is not None:
            text += f": {voice.scale} out of 10 on the scale"
        entries.append(Entry(voice.date, "voice", text, voice.id, voice.recorded_by))
    return entries


def chronology(session: Session, family: Family, kind: str | None = None) -> list[Entry]:
    """Newest first; ``kind`` limits it to one of KINDS. A fixed number of queries."""
    wanted = (kind,) if kind else KINDS
    entries: list[Entry] = []
    if "referral" in wanted:
        opener = session.get(User, family.opened_by_id) if family.opened_by_id else None
        entries.append(Entry(family.opened_on, "referral", _referral_summary(family), family.id, opener))
    if "visit" in wanted:
        children = {child.id: child.first_name for child in family.children}
        visits = session.scalars(
            select(Visit).where(Visit.family_id == family.id)
            .options(selectinload(Visit.children_seen), joinedload(Visit.recorded_by))
        )
        entries += [Entry(v.date, "visit", _visit_summary(v, children), v.id, v.recorded_by) for v in visits]
    if "phase" in wanted:
        moves = session.scalars(
            select(PhaseMove).where(PhaseMove.family_id == family.id).options(joinedload(PhaseMove.by))
        )
        entries += [Entry(m.date, "phase", _phase_summary(m), m.id, m.by) for m in moves]
    if "review" in wanted:
        reviews = session.scalars(
            select(Review).where(Review.family_id == family.id)
            .options(joinedload(Review.recorded_by),
                     selectinload(Review.views_not_gathered).joinedload(ReviewViewNotGathered.child))
        )
        entries += [Entry(r.held_on, "review", _review_summary(r), r.id, r.recorded_by) for r in reviews]
    if "goal" in wanted:
        entries += _goal_entries(session, family)
    if "rating" in wanted:
        ratings = session.execute(
            select(GoalRating, Goal.title).join(Goal).where(Goal.family_id == family.id)
            .options(joinedload(GoalRating.recorded_by))
        )
        entries += [
            Entry(r.date, "rating", f"Progress rated {r.rating} out of 10: {title}", r.id, r.recorded_by)
            for r, title in ratings
        ]
    if "assessment" in wanted:
        entries += _assessment_entries(session, family)
    if "correction" in wanted:
        corrections = session.scalars(
            select(Correction).where(Correction.family_id == family.id).options(joinedload(Correction.by))
        )
        entries += [
            Entry(
                c.made_on,
                "correction",
                f"{c.record_type.capitalize()} corrected ({', '.join(sorted(c.old_values))}): {c.note}",
                c.id,
                c.by,
            )
            for c in corrections
        ]
    if "flag" in wanted:
        # Raised by the rules (nobody); resolved by a manager, or by the rules when cleared.
        for flag in session.scalars(
            select(Flag).where(Flag.family_id == family.id).options(joinedload(Flag.resolved_by))
        ):
            entries.append(Entry(flag.raised_on, "flag", f"Flag raised ({flag.severity}): {flag.message}", flag.id))
            if flag.status == FlagStatus.RESOLVED and flag.resolved_on is not None:
                text = f"Flag resolved: {flag.rule_label.lower()}"
                entries.append(Entry(flag.resolved_on, "flag",
                                     f"{text}. {flag.resolution}" if flag.resolution else text, flag.id,
                                     flag.resolved_by))
    if "allocation" in wanted:
        allocations = session.scalars(
            select(Allocation).where(Allocation.family_id == family.id)
            .options(selectinload(Allocation.to_worker), selectinload(Allocation.by))
        )
        for allocation in allocations:
            text = f"Allocated to {allocation.to_worker.name}" if allocation.to_worker else "Left unallocated"
            text += f" by {allocation.by.name}"
            entries.append(Entry(allocation.made_on, "allocation",
                                 f"{text}. {allocation.reason}" if allocation.reason else text, allocation.id,
                                 allocation.by))
    if "meeting" in wanted:
        entries += _meeting_entries(session, family)
    if "voice" in wanted:
        entries += _voice_entries(session, family)
    entries.sort(key=lambda e: (e.date, KINDS.index(e.kind), e.ref_id), reverse=True)
    return entries
