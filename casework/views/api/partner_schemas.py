"""The JSON shapes of the Team Around the Family: partners, consents, meetings and actions, the
sharing log, and a family as a partner sees it. Like ``schemas``, these never query."""
from __future__ import annotations

import datetime as dt

from ...models import Consent, Family, Goal, Meeting, MeetingAction, Partner, SharingLogEntry
from ...services.consent import consent_status
from ...services.handoff import Handoff
from ...services.partners import Access
from . import schemas
from .schemas import date, instant, person


def partner(value: Partner) -> dict:
    return {"id": value.id, "family_id": value.family_id, "agency": value.agency, "kind": value.kind,
            "contact_name": value.contact_name, "email": value.email, "phone": value.phone, "lead": value.lead}


def consent(value: Consent, now: dt.datetime) -> dict:
    return {
        "id": value.id,
        "family_id": value.family_id,
        "given_by": value.given_by,
        "relationship": value.relationship_to_family,
        "given_on": date(value.given_on),
        "partner_ids": [p.id for p in value.partners],
        "scope": list(value.scope),
        "expires_on": date(value.expires_on),
        "child_view": value.child_view,
        "withdrawn_on": date(value.withdrawn_on),
        "withdrawal_note": value.withdrawal_note,
        "status": consent_status(value, now).value,
        "version": value.version,
    }


def owner(value: MeetingAction) -> dict | None:
    if value.owner_partner is not None:
        return {"partner_id": value.owner_partner.id, "user_id": None, "name": value.owner_partner.contact_name,
                "agency": value.owner_partner.agency}
    if value.owner_user is not None:
        return {"partner_id": None, "user_id": value.owner_user.id, "name": value.owner_user.name, "agency": None}
    return None


def action(value: MeetingAction, *, contacts: bool = True) -> dict:
    """An action; without ``contacts`` (for a partner) another partner owning it is named by
    agency only."""
    who = owner(value)
    if who is not None and not contacts and who["partner_id"] is not None:
        who = {**who, "name": None}
    return {"id": value.id, "meeting_id": value.meeting_id, "family_id": value.family_id, "owner": who,
            "owner_partner_id": value.owner_partner_id, "owner_user_id": value.owner_user_id,
            "action": value.action, "due_on": date(value.due_on), "status": value.status, "note": value.note,
            "done_on": date(value.done_on), "version": value.version}


def meeting(value: Meeting, *, contacts: bool = True) -> dict:
    return {
        "id": value.id,
        "family_id": value.family_id,
        "held_on": date(value.held_on),
        "attendee_partner_ids": [p.id for p in value.attendees],
        "attendees": [{"id": p.id, "agency": p.agency, "kind": p.kind} for p in value.attendees],
        "family_attended": value.family_attended,
        "notes": value.notes,
        "actions": [action(a, contacts=contacts) for a in value.actions],
        "version": value.version,
    }


def sharing_entry(value: SharingLogEntry) -> dict:
    return {"at": instant(value.at), "partner_id": value.partner_id, "user": person(value.user),
            "what": value.what, "consent_id": value.consent_id}


def shared_goal(value: Goal) -> dict:
    latest = value.latest_rating
    return {"id": value.id, "title": value.title, "area": value.area,
            "latest_rating": latest.rating if latest else None, "next_step": value.next_step}


def shared_family(value: Family, access: Access, goals: list[Goal] | None = None,
                  meetings: list[Meeting] | None = None) -> dict:
    """A family as a partner sees it: only what the family's consent covers."""
    shared = {
        "id": value.id,
        "reference": value.reference,
        "household_name": value.household_name,
        "children": [{"id": c.id, "first_name": c.first_name} for c in value.children],
        "worker": {"name": value.worker.name} if value.worker else None,
        "shared": sorted(access.scope),
    }
    if goals is not None:
        shared["goals"] = [shared_goal(g) for g in goals]
    if meetings is not None:
        shared["meetings"] = [meeting(m, contacts=False) for m in meetings]
    return shared


def handoff(value: Handoff, now: dt.datetime) -> dict:
    """The step-up package. ``voices`` is empty until the child's voice is recorded."""
    family = value.family
    assessment = value.latest_assessment
    return {
        "family": {"id": family.id, "reference": family.reference, "household_name": family.household_name,
                   "postcode": family.postcode, "phase": family.phase, "opened_on": date(family.opened_on),
                   "closed_on": date(family.closed_on), "closure_reason": family.closure_reason,
                   "referral_source": family.referral_source, "external_reference": family.external_reference,
                   "worker": person(family.worker), "carers": [schemas.carer(c) for c in family.carers]},
        "children": [schemas.child(c) for c in family.children],
        "concerns": family.concerns,
        "chronology": [schemas.chronology_entry(e) for e in value.chronology],
        "goals": [schemas.goal(g) for g in value.goals],
        "latest_assessment": None if assessment is None else {
            "id": assessment.id, "framework": assessment.framework, "stage": assessment.stage,
            "date": date(assessment.date), "child_id": assessment.child_id,
            "scores": {s.domain: s.score for s in assessment.scores}},
        "voices": [],
        "open_flags": [schemas.flag(f) for f in value.open_flags],
        "partners": [partner(p) for p in value.partners],
        "consents": [consent(c, now) for c in value.consents],
    }
