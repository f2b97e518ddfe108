"""The case records as the API answers with them: families, children, carers, goals, ratings,
visits, reviews, flags, notifications, transfers and the chronology. ``views/api/schemas.py``
builds every answer through these models."""
from __future__ import annotations

from typing import Any, Literal

from flask import current_app
from pydantic import Field

from ....models import (
    CLOSURE_REASONS,
    CONCERNS,
    FLAG_RULES,
    GOAL_STATUSES,
    PHASE_ORDER,
    REVIEW_DECISIONS,
    SCALE_MAX,
    SCALE_MIN,
    SEVERITIES,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ....models.flag import FLAG_STATUSES
from ....services.chronology import KINDS
from .types import Answer, Count, Day, Id, Instant, Rating, Version

Phase = Literal[tuple(PHASE_ORDER)]
ClosureReason = Literal[tuple(CLOSURE_REASONS)]
Decision = Literal[tuple(REVIEW_DECISIONS)]
Concern = Literal[tuple(CONCERNS)]


def _goal_areas(schema: dict) -> None:
    # The service's own outcome areas (configurable), read when the document is made.
    schema["enum"] = list(current_app.config["CASEWORK_GOAL_AREAS"])


class Person(Answer):
    """Another member of staff, as far as a case record names them."""

    id: Id
    name: str


class Team(Answer):
    id: Id
    name: str


class LatestVoice(Answer):
    """When the child was last heard, and where they put things on the 0-10 scale then."""

    date: Day
    scale: int | None = Field(ge=SCALE_MIN, le=SCALE_MAX)


class Child(Answer):
    id: Id
    first_name: str
    last_name: str | None
    date_of_birth: Day
    school: str | None
    latest_voice: LatestVoice | None = Field(None, description="The child's latest voice (null: never heard).")


class Carer(Answer):
    id: Id
    first_name: str
    last_name: str | None
    relationship: str


class GoalRating(Answer):
    id: Id
    goal_id: Id
    date: Day
    rating: Rating
    note: str
    version: Version


class Correction(Answer):
    """What a record said before it was corrected, with who, when and why."""

    made_at: Instant
    by: Person
    note: str = Field(description="Why the record was corrected.")
    old: dict[str, Any] = Field(description='The values before the correction, by field, e.g. '
                                            '{"date": "2026-03-05", "children_seen": [4, 5]}.')


class RatingCreated(GoalRating):
    goal: Goal


class CorrectedRating(GoalRating):
    corrections: list[Correction] = Field(description="Oldest first.")


class Goal(Answer):
    id: Id
    family_id: Id
    title: str
    area: str = Field(json_schema_extra=_goal_areas)
    baseline: Rating
    target: Rating
    start_date: Day
    target_date: Day
    status: Literal[tuple(GOAL_STATUSES)]
    status_changed_on: Day | None
    next_step: str | None = Field(description="The next step agreed with the family (shown on their printed plan).")
    latest_rating: Rating | None = Field(description="The latest rating by date.")
    latest_rating_on: Day | None
    ratings: list[GoalRating] = Field(description="Oldest first.")
    version: Version


class PendingClosure(Answer):
    """A worker's closing waiting for the manager's approval."""

    proposed_on: Day = Field(description="The date of the review or move that proposed it; the family's closed_on "
                                         "once approved.")
    reason: ClosureReason
    by: Person
    note: str | None
    review_id: Id | None


class Flag(Answer):
    id: Id
    family_id: Id
    rule: Literal[tuple(FLAG_RULES)]
    severity: Literal[tuple(SEVERITIES)]
    message: str = Field(description="Why, in plain words.")
    raised_at: Instant
    raised_on: Day
    status: Literal[tuple(FLAG_STATUSES)]
    acknowledged_at: Instant | None
    resolved_at: Instant | None
    resolution: str | None


class Family(Answer):
    id: Id
    reference: str = Field(examples=["FP-2026-0042"])
    household_name: str
    postcode: str
    concerns: list[Concern]
    consent_recorded_on: Day | None
    phase: Phase
    phase_since: Day
    opened_on: Day
    closed_on: Day | None
    closure_reason: ClosureReason | None
    pending_closure: PendingClosure | None
    previous_family_id: Id | None
    referral_date: Day
    referral_source: str | None
    external_reference: str | None
    worker: Person | None
    team: Team
    children: list[Child]
    carers: list[Carer]
    goals: list[Goal]
    next_review_due: Day | None
    open_flags: list[Flag] = Field(description="Open and acknowledged flags, most severe first.")
    version: Version


class PendingFamily(Family):
    """A worker's closing waiting for the manager's approval: the family, still open."""

    pending_approval: Literal[True]


class FamilySummary(Answer):
    """One row of a family list: enough to pick a family, not the whole record."""

    id: Id
    reference: str
    household_name: str
    postcode: str
    concerns: list[Concern]
    phase: Phase
    phase_since: Day
    opened_on: Day
    closed_on: Day | None
    worker: Person | None
    team: Team
    weeks_in_service: Count
    last_visit_on: Day | None
    last_visit_all_seen: bool | None
    next_review_due: Day | None
    open_flags: list[Flag]
    version: Version


class FamilyList(Answer):
    items: list[FamilySummary]
    total: Count


class Visit(Answer):
    id: Id
    family_id: Id
    date: Day
    kind: Literal[tuple(VISIT_KINDS)]
    outcome: Literal[tuple(VISIT_OUTCOMES)]
    duration_minutes: int | None
    children_seen: list[Id]
    seen_alone: list[Id]
    all_children_seen: bool
    goals_discussed: list[Id]
    notes: str
    recorded_by: Person
    recorded_at: Instant
    recorded_offline: bool = Field(description="Saved on a device without a connection and sent later.")
    device_recorded_at: Instant | None = Field(description="When it was saved on the device (offline visits).")
    received_at: Instant = Field(description="When the server received it.")
    corrections: list[Correction] = Field(description="Oldest first.")
    version: Version


class ViewNotGathered(Answer):
    child_id: Id
    reason: str = Field(description="Why the child's view was not gathered at the review.")


class Review(Answer):
    id: Id
    family_id: Id
    held_on: Day
    decision: Decision
    reason: ClosureReason | None
    attendees: str
    notes: str
    recorded_by: Person
    pending_approval: bool = Field(description="A closing decision waiting for the manager's approval; the review "
                                               "counts as held for the schedule meanwhile.")
    views_not_gathered: list[ViewNotGathered] = Field(description="Each child whose view was not gathered at the "
                                                                   "review, and why.")
    version: Version


class ChronologyEntry(Answer):
    date: Day
    kind: Literal[tuple(KINDS)]
    summary: str
    ref_id: Id = Field(description="The id of the record: the family (referral), visit, phase move, review, goal, "
                                   "rating, assessment, correction, flag or allocation.")
    by: Person | None = Field(description="Who recorded it; null for the system's own entries (a flag raised or "
                                          "cleared by the rules).")


class ChildMatch(Answer):
    """A known child's case, by reference only: no names, no details."""

    family_id: Id
    reference: str
    phase: Phase
    closed_on: Day | None


class Notification(Answer):
    id: Id
    kind: str = Field(examples=["review_due"], description=(
        "review_due, review_overdue, flag_raised, flag_escalated, allocated, family_reallocated (to the previous "
        "worker), closure_proposed, closure_approved, closure_returned, transfer_offered, transfer_accepted, "
        "transfer_declined, ..."))
    family_id: Id | None
    message: str = Field(description="Names a family by reference only.")
    detail: str | None = Field(description="More than the message, for the app only (never e-mailed): say, the "
                                           "children not heard since the last review, by first name.")
    created_at: Instant
    read: bool
    read_at: Instant | None


class Transfer(Answer):
    """A family offered to another team."""

    id: Id
    family_id: Id
    reference: str
    from_team: Team
    to_team: Team
    reason: str
    status: Literal["pending", "accepted", "declined"]
    requested_at: Instant
    requested_by: Person
    decided_at: Instant | None
    comment: str | None


class GoalList(Answer):
    items: list[Goal]


class VisitList(Answer):
    items: list[Visit]


class ReviewList(Answer):
    items: list[Review] = Field(description="Newest first.")
    next_due: Day | None


class FlagList(Answer):
    items: list[Flag] = Field(description="Open before resolved, most severe and oldest first.")


class Chronology(Answer):
    items: list[ChronologyEntry] = Field(description="Newest first.")


class ChildMatchList(Answer):
    items: list[ChildMatch]


class NotificationList(Answer):
    items: list[Notification] = Field(description="Newest first.")
    unread_count: Count


class TransferList(Answer):
    items: list[Transfer] = Field(description="Pending transfers, oldest first.")


RatingCreated.model_rebuild()
