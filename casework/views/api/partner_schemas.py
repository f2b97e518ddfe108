"""The JSON answers of the Team Around the Family, built through their models
(views/api/spec/partners.py): partners, consents, meetings and actions, the sharing log, a
family as a partner sees it, and the handoff. Like ``schemas``, these never query."""
from __future__ import annotations

import datetime as dt

from ...models import Consent, Family, Goal, HandoffReference, Meeting, MeetingAction, Partner, SharingLogEntry
from ...services.consent import consent_status
from ...services.handoff import Handoff
from ...services.partners import Access, SharedRecord
from . import schemas
from .spec import partners as tac
from .spec import records as rec


def _partner(value: Partner) -> tac.Partner:
    return tac.Partner.model_validate(value)


def partner(value: Partner) -> dict:
    return _partner(value).dump()


def partner_list(partners: list[Partner]) -> dict:
    return tac.PartnerList(items=[_partner(p) for p in partners]).dump()


def _consent(value: Consent, now: dt.datetime) -> tac.Consent:
    return tac.Consent(
        id=value.id, family_id=value.family_id, given_by=value.given_by, relationship=value.relationship_to_family,
        given_on=value.given_on, partner_ids=[p.id for p in value.partners], scope=list(value.scope),
        expires_on=value.expires_on, child_view=value.child_view, withdrawn_on=value.withdrawn_on,
        withdrawal_note=value.withdrawal_note, status=consent_status(value, now).value, version=value.version,
    )


def consent(value: Consent, now: dt.datetime) -> dict:
    return _consent(value, now).dump()


def consent_list(consents: list[Consent], now: dt.datetime) -> dict:
    return tac.ConsentList(items=[_consent(c, now) for c in consents]).dump()


def _owner(value: MeetingAction, *, contacts: bool) -> tac.Owner | None:
    """Who owns the action; without ``contacts`` (for a partner) another partner is named by
    agency only."""
    if value.owner_partner is not None:
        return tac.Owner(partner_id=value.owner_partner.id, user_id=None, agency=value.owner_partner.agency,
                         name=value.owner_partner.contact_name if contacts else None)
    if value.owner_user is not None:
        return tac.Owner(partner_id=None, user_id=value.owner_user.id, name=value.owner_user.name, agency=None)
    return None


def _action(value: MeetingAction, *, contacts: bool = True) -> tac.Action:
    return tac.Action(
        id=value.id, meeting_id=value.meeting_id, family_id=value.family_id, owner=_owner(value, contacts=contacts),
        owner_partner_id=value.owner_partner_id, owner_user_id=value.owner_user_id, action=value.action,
        due_on=value.due_on, status=value.status, note=value.note, done_on=value.done_on, version=value.version,
    )


def action(value: MeetingAction, *, contacts: bool = True) -> dict:
    return _action(value, contacts=contacts).dump()


def _meeting(value: Meeting, *, contacts: bool = True) -> tac.Meeting:
    return tac.Meeting(
        id=value.id, family_id=value.family_id, held_on=value.held_on,
        attendee_partner_ids=[p.id for p in value.attendees], attendees=value.attendees,
        family_attended=value.family_attended, notes=value.notes,
        actions=[_action(a, contacts=contacts) for a in value.actions], version=value.version,
    )


def meeting(value: Meeting) -> dict:
    return _meeting(value).dump()


def meeting_list(meetings: list[Meeting]) -> dict:
    return tac.MeetingList(items=[_meeting(m) for m in meetings]).dump()


def sharing_log(entries: list[SharingLogEntry]) -> dict:
    return tac.SharingLog(items=entries).dump()


def _shared_goal(value: Goal) -> tac.SharedGoal:
    latest = value.latest_rating
    return tac.SharedGoal(id=value.id, title=value.title, area=value.area,
                          latest_rating=latest.rating if latest else None, next_step=value.next_step)


def _shared_family(value: Family, access: Access, shared: SharedRecord | None = None) -> tac.SharedFamily:
    shared = shared or SharedRecord()
    return tac.SharedFamily(
        id=value.id, reference=value.reference, household_name=value.household_name, children=value.children,
        worker=value.worker, shared=sorted(access.scope),
        goals=None if shared.goals is None else [_shared_goal(g) for g in shared.goals],
        meetings=None if shared.meetings is None else [_meeting(m, contacts=False) for m in shared.meetings],
        reviews=None if shared.reviews is None else [tac.SharedReview.model_validate(r) for r in shared.reviews],
    )


def shared_family(value: Family, access: Access, shared: SharedRecord) -> dict:
    """A family as a partner sees it: only what the family's consent covers."""
    return _shared_family(value, access, shared).dump()


def shared_family_list(found: list[tuple[Family, Access]]) -> dict:
    items = [_shared_family(family, access) for family, access in found]
    return tac.SharedFamilyList(items=items, total=len(items)).dump()


def handoff(value: Handoff, now: dt.datetime) -> dict:
    """The step-up package, with every child's voice (oldest first) and each child's latest."""
    family = value.family
    latest = {voice.child_id: voice for voice in value.voices}  # oldest first: the last is the latest
    assessment = value.latest_assessment
    return tac.Handoff(
        family=tac.HandoffFamily(
            id=family.id, reference=family.reference, household_name=family.household_name,
            postcode=family.postcode, phase=family.phase, opened_on=family.opened_on, closed_on=family.closed_on,
            closure_reason=family.closure_reason, referral_source=family.referral_source,
            external_reference=family.external_reference, worker=family.worker,
            carers=[schemas.carer_model(c) for c in family.carers]),
        children=[schemas.child_model(c, latest.get(c.id)) for c in family.children],
        concerns=family.concerns,
        chronology=[rec.ChronologyEntry.model_validate(e) for e in value.chronology],
        goals=[schemas.goal_model(g) for g in value.goals],
        latest_assessment=None if assessment is None else tac.HandoffAssessment(
            id=assessment.id, framework=assessment.framework, stage=assessment.stage, date=assessment.date,
            child_id=assessment.child_id, scores={s.domain: s.score for s in assessment.scores}),
        voices=schemas.voice_list(value.voices, value.voice_corrections)["items"],
        open_flags=value.open_flags,
        partners=[_partner(p) for p in value.partners],
        consents=[_consent(c, now) for c in value.consents],
        receiving_reference=value.reference,
    ).dump()


def handoff_reference(value: HandoffReference) -> dict:
    return tac.HandoffReference.model_validate(value).dump()
