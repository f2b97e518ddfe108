"""The Team Around the Family as the API answers with it: partners, consents, meetings and
their actions, the sharing log, a family as a partner sees it, and the step-up handoff.
``views/api/partner_schemas.py`` builds these answers through these models."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from ....models import PARTNER_KINDS, SHARING_SCOPES, ActionStatus, ConsentStatus
from .records import (
    Carer,
    Child,
    ChronologyEntry,
    ClosureReason,
    Concern,
    Decision,
    Family,
    FamilyList,
    Flag,
    Goal,
    Person,
    Phase,
)
from .types import Answer, Count, Day, Id, Instant, Rating, Version
from .voices import Voice

Kind = Literal[tuple(PARTNER_KINDS)]
Scope = Literal[tuple(SHARING_SCOPES)]


class Partner(Answer):
    """Another agency working with the family."""

    id: Id
    family_id: Id
    agency: str
    kind: Kind
    contact_name: str
    email: str | None
    phone: str | None
    lead: bool = Field(description="The lead practitioner for this family (instead of the family worker).")


class Consent(Answer):
    """The family's consent to share what ``scope`` names with the partners it names."""

    id: Id
    family_id: Id
    given_by: str
    relationship: str = Field(description="Of whoever gave consent to the family.")
    given_on: Day
    partner_ids: list[Id]
    scope: list[Scope]
    expires_on: Day | None
    child_view: str | None = Field(description="The child's own view.")
    withdrawn_on: Day | None
    withdrawal_note: str | None
    status: Literal[tuple(s.value for s in ConsentStatus)]
    version: Version


class Owner(Answer):
    """Who an action is for: a partner (by partner_id) or a member of staff (by user_id)."""

    partner_id: Id | None
    user_id: Id | None
    name: str | None = Field(description="Null, for a partner reading, when another partner owns it.")
    agency: str | None


class Action(Answer):
    id: Id
    meeting_id: Id
    family_id: Id
    owner: Owner | None
    owner_partner_id: Id | None
    owner_user_id: Id | None
    action: str
    due_on: Day
    status: Literal[tuple(s.value for s in ActionStatus)]
    note: str | None
    done_on: Day | None
    version: Version


class Attendee(Answer):
    id: Id
    agency: str
    kind: Kind


class Meeting(Answer):
    """A Team Around the Family meeting and the actions agreed."""

    id: Id
    family_id: Id
    held_on: Day
    attendee_partner_ids: list[Id]
    attendees: list[Attendee]
    family_attended: bool
    notes: str
    actions: list[Action]
    version: Version


class SharingLogEntry(Answer):
    """What a partner read or was sent, and under which consent."""

    at: Instant
    partner_id: Id | None
    user: Person | None
    what: str
    consent_id: Id | None


class SharedChild(Answer):
    id: Id
    first_name: str


class SharedWorker(Answer):
    name: str


class SharedGoal(Answer):
    id: Id
    title: str
    area: str
    latest_rating: Rating | None
    next_step: str | None


class SharedReview(Answer):
    """A review held, as a partner sees it: when, and what was decided (no notes)."""

    held_on: Day
    decision: Decision


class SharedFamily(Answer):
    """A family as a partner sees it: only what the family's consent covers."""

    id: Id
    reference: str
    household_name: str
    children: list[SharedChild]
    worker: SharedWorker | None
    shared: list[Scope] = Field(description="What the consent covers.")
    goals: list[SharedGoal] | None = Field(None, description="Only when the consent covers the plan.")
    meetings: list[Meeting] | None = Field(None, description="Only when the consent covers meetings; another "
                                                             "partner owning an action is named by agency only.")
    reviews: list[SharedReview] | None = Field(None, description="Only when the consent covers reviews_summary: "
                                                                 "each review held, newest first.")

    def dump(self) -> dict:
        # What the consent does not cover is left out, not sent as null.
        found = super().dump()
        return {name: value for name, value in found.items()
                if value is not None or name not in ("goals", "meetings", "reviews")}


class SharedFamilyList(Answer):
    items: list[SharedFamily]
    total: Count


class HandoffFamily(Answer):
    id: Id
    reference: str
    household_name: str
    postcode: str
    phase: Phase
    opened_on: Day
    closed_on: Day | None
    closure_reason: ClosureReason | None
    referral_source: str | None
    external_reference: str | None
    worker: Person | None
    carers: list[Carer]


class HandoffAssessment(Answer):
    id: Id
    framework: str
    stage: str
    date: Day
    child_id: Id | None
    scores: dict[str, int] = Field(description="By domain.")


class HandoffReference(Answer):
    """The reference children's social care gave a family stepped up to them."""

    reference: str
    recorded_at: Instant
    recorded_by: Person | None


class Handoff(Answer):
    """The step-up package for children's social care."""

    family: HandoffFamily
    children: list[Child]
    concerns: list[Concern]
    chronology: list[ChronologyEntry]
    goals: list[Goal]
    latest_assessment: HandoffAssessment | None
    voices: list[Voice] = Field(description="What each child said, oldest first, with its corrections.")
    open_flags: list[Flag]
    partners: list[Partner]
    consents: list[Consent]
    receiving_reference: HandoffReference | None = Field(
        description="The receiving service's reference, the latest recorded; null until one is.")


class PartnerList(Answer):
    items: list[Partner]


class ConsentList(Answer):
    items: list[Consent] = Field(description="Newest first.")


class MeetingList(Answer):
    items: list[Meeting] = Field(description="Newest first.")


class SharingLog(Answer):
    items: list[SharingLogEntry] = Field(description="Newest first.")


class FamiliesAnswer(RootModel[FamilyList | SharedFamilyList]):
    """A partner who signs in reads the families shared with them, each as SharedFamily."""


class FamilyAnswer(RootModel[Family | SharedFamily]):
    """A partner who signs in reads a family shared with them as SharedFamily."""
