"""What the family page shows, gathered in three statements whatever the size of the record
(issue 18): the record (the family, its earlier case, people, phase history, closure, the
Team Around the Family, the next planned visit), its history (visits, corrections, reviews,
flags, the plan, assessments, the children's voices), and the people named in them. Each
section's order and rules are those of its own service; only the loading is shared."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Date, Integer, Select, bindparam, select, union
from sqlalchemy.orm import Session, aliased

from ..models import (
    Assessment,
    AssessmentScore,
    Carer,
    Child,
    ClosureProposal,
    Consent,
    Correction,
    Family,
    FamilyConcern,
    Flag,
    Goal,
    GoalRating,
    HandoffReference,
    Meeting,
    MeetingAction,
    Partner,
    PhaseMove,
    PlannedStatus,
    PlannedVisit,
    ProposalStatus,
    Review,
    SharingLogEntry,
    User,
    Visit,
    VisitChild,
    VisitGoal,
    Voice,
)
from ..models.partners import consent_partners, meeting_attendees
from . import assessments, consent, diary, families, flags, goals, voices
from .clock import local_date
from .page_loading import Part, PartsQuery, detached, model_columns
from .review_schedule import review_interval

SHARING_LOG_SHOWN = 20
# The statements are built once (see PartsQuery), with the family and the day bound later.
FAMILY_ID = bindparam("family_id", type_=Integer)
TODAY = bindparam("today", type_=Date)


@dataclass
class FamilyPage:
    family: Family
    summary: families.FamilySummary
    pending_closure: ClosureProposal | None
    goals: list[Goal]
    flags: list[Flag]
    visits: list[Visit]
    visit_corrections: dict[int, list[Correction]]
    reviews: list[Review]
    assessment: assessments.FamilyChange | None
    children_voices: list[voices.ChildVoices]
    taf: dict
    next_planned_visit: PlannedVisit | None


def _of_family(model, *extra) -> Select:
    return model_columns(model, *extra).where(model.family_id == FAMILY_ID)


def _record_parts() -> dict[str, Part]:
    earlier = aliased(Family)
    consent_ids = select(Consent.id).where(Consent.family_id == FAMILY_ID)
    meeting_ids = select(Meeting.id).where(Meeting.family_id == FAMILY_ID)
    return {
        "family": Part(model_columns(Family, *families.summary_columns(TODAY)).where(Family.id == FAMILY_ID)),
        "earlier": Part(model_columns(earlier).where(
            earlier.id == select(Family.previous_family_id).where(Family.id == FAMILY_ID).scalar_subquery())),
        "children": Part(_of_family(Child), (Child.date_of_birth, Child.id)),
        "carers": Part(_of_family(Carer), (Carer.id,)),
        "concerns": Part(_of_family(FamilyConcern), (FamilyConcern.id,)),
        "phase_moves": Part(_of_family(PhaseMove), (PhaseMove.id,)),
        "pending_closure": Part(_of_family(ClosureProposal).where(
            ClosureProposal.status == ProposalStatus.PENDING), (ClosureProposal.id,)),
        "handoff": Part(_of_family(HandoffReference),
                        (HandoffReference.recorded_at.desc(), HandoffReference.id.desc()), limit=1),
        "planned": Part(_of_family(PlannedVisit).where(
            PlannedVisit.date >= TODAY, PlannedVisit.status == PlannedStatus.PLANNED),
            diary.PLANNED_ORDER, limit=1),
        "partners": Part(_of_family(Partner), (Partner.id,)),
        # Another family's partners that this family's consents, meetings or actions name: the
        # forms refuse them, the database does not (tests/test_family_page.py).
        "partners_elsewhere": Part(model_columns(Partner).where(Partner.family_id != FAMILY_ID, Partner.id.in_(union(
            select(consent_partners.c.partner_id).where(consent_partners.c.consent_id.in_(consent_ids)),
            select(meeting_attendees.c.partner_id).where(meeting_attendees.c.meeting_id.in_(meeting_ids)),
            select(MeetingAction.owner_partner_id).where(MeetingAction.meeting_id.in_(meeting_ids))))), (Partner.id,)),
        "consents": Part(_of_family(Consent), (Consent.given_on.desc(), Consent.id.desc())),
        "consent_partners": Part(select(consent_partners.c.consent_id, consent_partners.c.partner_id)
                                 .where(consent_partners.c.consent_id.in_(consent_ids))),
        "meetings": Part(_of_family(Meeting), (Meeting.held_on.desc(), Meeting.id.desc())),
        "attendees": Part(select(meeting_attendees.c.meeting_id, meeting_attendees.c.partner_id)
                          .where(meeting_attendees.c.meeting_id.in_(meeting_ids))),
        "actions": Part(model_columns(MeetingAction).where(MeetingAction.meeting_id.in_(meeting_ids)),
                        (MeetingAction.id,)),
        "sharing_log": Part(_of_family(SharingLogEntry),
                            (SharingLogEntry.at.desc(), SharingLogEntry.id.desc()), limit=SHARING_LOG_SHOWN),
    }


def _history_parts() -> dict[str, Part]:
    visit_ids = select(Visit.id).where(Visit.family_id == FAMILY_ID)
    review_ids = select(Review.id).where(Review.family_id == FAMILY_ID)
    goal_ids = select(Goal.id).where(Goal.family_id == FAMILY_ID)
    assessment_ids = select(Assessment.id).where(Assessment.family_id == FAMILY_ID, Assessment.child_id.is_(None))
    return {
        "visits": Part(_of_family(Visit), (Visit.date.desc(), Visit.id.desc())),
        "children_seen": Part(model_columns(VisitChild).where(VisitChild.visit_id.in_(visit_ids)),
                              (VisitChild.child_id,)),
        "goals_discussed": Part(model_columns(VisitGoal).where(VisitGoal.visit_id.in_(visit_ids)),
                                (VisitGoal.goal_id,)),
        "corrections": Part(model_columns(Correction).where(Correction.record_type == "visit",
                                                            Correction.record_id.in_(visit_ids)),
                            (Correction.made_at, Correction.id)),
        "reviews": Part(_of_family(Review), (Review.held_on.desc(), Review.id.desc())),
        # By the family first: its index (review_id has none).
        "proposals": Part(_of_family(ClosureProposal).where(ClosureProposal.review_id.in_(review_ids)),
                          (ClosureProposal.id,)),
        "flags": Part(_of_family(Flag), (Flag.raised_on, Flag.id)),
        "goals": Part(_of_family(Goal), (Goal.start_date, Goal.id)),
        "ratings": Part(model_columns(GoalRating).where(GoalRating.goal_id.in_(goal_ids)),
                        (GoalRating.date, GoalRating.id)),
        "assessments": Part(_of_family(Assessment).where(Assessment.child_id.is_(None)),
                            (Assessment.date, Assessment.id)),
        "scores": Part(model_columns(AssessmentScore).where(AssessmentScore.assessment_id.in_(assessment_ids)),
                       (AssessmentScore.id,)),
        "voices": Part(_of_family(Voice), (Voice.date, Voice.id)),
    }


@cache
def _queries(review_interval_days: int) -> tuple[PartsQuery, PartsQuery]:
    """The page's two statements (the review interval is part of the record's)."""
    return PartsQuery(_record_parts()), PartsQuery(_history_parts())


def _each(model, rows: list[dict], **related) -> list:
    return [detached(model, row, **related) for row in rows]


def _grouped(rows: list[dict], key: str) -> dict[int, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def gather(session: Session, family_id: int, reader_id: int, now: dt.datetime) -> FamilyPage:
    """Everything the family page shows of the family ``family_id`` (already found in the
    scope of the reader, ``reader_id``, who is read again with the people the page names)."""
    today = local_date(now)
    record_query, history_query = _queries(review_interval().days)
    record = record_query.load(session, family_id=family_id, today=today)
    history = history_query.load(session, family_id=family_id)
    user_ids = _people_named(record, history) | {reader_id}
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}

    family_row = dict(record["family"][0])
    summary_values = {key: family_row.pop(key) for key in families.SUMMARY_KEYS}
    earlier = _each(Family, record["earlier"])
    children = _each(Child, record["children"])
    family = detached(
        Family, family_row,
        worker=users.get(family_row["worker_id"]),
        previous_family=earlier[0] if earlier else None,
        children=children,
        carers=_each(Carer, record["carers"]),
        concern_rows=_each(FamilyConcern, record["concerns"]),
        phase_moves=[detached(PhaseMove, row, by=users.get(row["by_id"])) for row in record["phase_moves"]],
    )
    summary = families.summary_of(family, today, **summary_values)
    pending = [detached(ClosureProposal, row, by=users.get(row["by_id"])) for row in record["pending_closure"]]

    goal_list = _goals(history)
    goals_by_id = {goal.id: goal for goal in goal_list}
    assessments_found = _assessments(history)
    return FamilyPage(
        family=family,
        summary=summary,
        pending_closure=pending[0] if pending and not family.is_closed else None,
        goals=goals.plan_order(goal_list),
        flags=flags.flag_order([detached(Flag, row, acknowledged_by=users.get(row["acknowledged_by_id"]),
                                         resolved_by=users.get(row["resolved_by_id"])) for row in history["flags"]]),
        visits=_visits(history, users, goals_by_id),
        visit_corrections=_visit_corrections(history, users),
        reviews=_reviews(history, users),
        assessment=assessments.family_change(assessments_found),
        children_voices=voices.voices_by_child(
            children, [detached(Voice, row, child=_child_of(children, row["child_id"]),
                                recorded_by=users.get(row["recorded_by_id"])) for row in history["voices"]], today),
        taf=_team_around(record, users, now),
        next_planned_visit=next(iter(_each(PlannedVisit, record["planned"])), None),
    )


def _people_named(record: dict, history: dict) -> set[int]:
    """Who recorded, moved, acknowledged... anything the page names."""
    named = {
        "family": ("worker_id",), "phase_moves": ("by_id",), "pending_closure": ("by_id",),
        "handoff": ("recorded_by_id",), "actions": ("owner_user_id",), "sharing_log": ("user_id",),
        "visits": ("recorded_by_id",), "corrections": ("by_id",), "reviews": ("recorded_by_id",),
        "flags": ("acknowledged_by_id", "resolved_by_id"), "voices": ("recorded_by_id",),
    }
    ids = set()
    for part, keys in named.items():
        for row in record.get(part) or history.get(part) or ():
            ids.update(row[key] for key in keys if row[key] is not None)
    return ids


def _child_of(children: list[Child], child_id: int) -> Child | None:
    return next((child for child in children if child.id == child_id), None)


def _goals(history: dict) -> list[Goal]:
    ratings = _grouped(history["ratings"], "goal_id")
    return [detached(Goal, row, ratings=_each(GoalRating, ratings[row["id"]])) for row in history["goals"]]


def _visits(history: dict, users: dict, goals_by_id: dict) -> list[Visit]:
    seen = _grouped(history["children_seen"], "visit_id")
    discussed = _grouped(history["goals_discussed"], "visit_id")
    return [
        detached(Visit, row, recorded_by=users.get(row["recorded_by_id"]),
                 children_seen=_each(VisitChild, seen[row["id"]]),
                 # Not another family's goal (the form refuses one): its title is theirs.
                 goals_discussed=[goals_by_id[link["goal_id"]] for link in discussed[row["id"]]
                                  if link["goal_id"] in goals_by_id])
        for row in history["visits"]
    ]


def _visit_corrections(history: dict, users: dict) -> dict[int, list[Correction]]:
    found: dict[int, list[Correction]] = {row["id"]: [] for row in history["visits"]}
    for row in history["corrections"]:
        found[row["record_id"]].append(detached(Correction, row, by=users.get(row["by_id"])))
    return found


def _reviews(history: dict, users: dict) -> list[Review]:
    proposals = _grouped(history["proposals"], "review_id")
    return [
        detached(Review, row, recorded_by=users.get(row["recorded_by_id"]),
                 closure_proposal=next(iter(_each(ClosureProposal, proposals[row["id"]])), None))
        for row in history["reviews"]
    ]


def _assessments(history: dict) -> list[Assessment]:
    scores = _grouped(history["scores"], "assessment_id")
    return [detached(Assessment, row, scores=_each(AssessmentScore, scores[row["id"]]))
            for row in history["assessments"]]


def _team_around(record: dict, users: dict, now: dt.datetime) -> dict:
    partners = _each(Partner, record["partners"])
    partner_by_id = {partner.id: partner for partner in partners + _each(Partner, record["partners_elsewhere"])}
    named = _grouped(record["consent_partners"], "consent_id")
    attending = _grouped(record["attendees"], "meeting_id")
    actions = _grouped(record["actions"], "meeting_id")
    consents = [
        detached(Consent, row, partners=sorted((partner_by_id[link["partner_id"]] for link in named[row["id"]]),
                                               key=lambda partner: partner.id))
        for row in record["consents"]
    ]
    meetings = [
        detached(Meeting, row,
                 attendees=sorted((partner_by_id[link["partner_id"]] for link in attending[row["id"]]),
                                  key=lambda partner: partner.id),
                 actions=[detached(MeetingAction, action, owner_partner=partner_by_id.get(action["owner_partner_id"]),
                                   owner_user=users.get(action["owner_user_id"])) for action in actions[row["id"]]])
        for row in record["meetings"]
    ]
    handoff = [detached(HandoffReference, row, recorded_by=users.get(row["recorded_by_id"]))
               for row in record["handoff"]]
    return {
        "partners": partners,
        "consents": [(c, consent.consent_status(c, now)) for c in consents],
        "meetings": meetings,
        "sharing_log": [detached(SharingLogEntry, row, user=users.get(row["user_id"]))
                        for row in record["sharing_log"]],
        "handoff_reference": handoff[0] if handoff else None,
    }

