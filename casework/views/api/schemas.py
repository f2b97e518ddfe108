"""The JSON shape of every record the API answers with: one function per shape, used by every
endpoint. Dates are ``YYYY-MM-DD``; instants are ISO 8601 with the service's local offset.

These functions never query: the endpoints load what they need first (with eager loading on
lists) and pass it in."""
from __future__ import annotations

import datetime as dt

from ...models import (
    ApiToken,
    Carer,
    Child,
    ClosureProposal,
    Correction,
    Family,
    Flag,
    Goal,
    GoalRating,
    Notification,
    Review,
    Team,
    Transfer,
    User,
    Visit,
)
from ...services.clock import service_zone
from ...services.families import ChildMatch, FamilySummary


def date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(service_zone()).isoformat(timespec="seconds")


def person(user: User | None) -> dict | None:
    """Another member of staff, as far as a case record names them."""
    return None if user is None else {"id": user.id, "name": user.name}


def team(value: Team | None) -> dict | None:
    return None if value is None else {"id": value.id, "name": value.name}


def me(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "team": team(user.team),
    }


def account(user: User) -> dict:
    """A user as an administrator manages them (GET/POST /api/v1/users)."""
    return {**me(user), "agency": user.agency, "status": user.status, "totp_enabled": bool(user.totp_secret)}


def token(secret: str, record: ApiToken) -> dict:
    return {"token": secret, "expires_at": instant(record.expires_at)}


def child(value: Child) -> dict:
    return {
        "id": value.id,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "date_of_birth": date(value.date_of_birth),
        "school": value.school,
    }


def carer(value: Carer) -> dict:
    return {
        "id": value.id,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "relationship": value.relationship_to_children,
    }


def rating(value: GoalRating) -> dict:
    return {
        "id": value.id,
        "goal_id": value.goal_id,
        "date": date(value.date),
        "rating": value.rating,
        "note": value.note,
        "version": value.version,
    }


def goal(value: Goal) -> dict:
    latest = value.latest_rating
    return {
        "id": value.id,
        "family_id": value.family_id,
        "title": value.title,
        "area": value.area,
        "baseline": value.baseline,
        "target": value.target,
        "start_date": date(value.start_date),
        "target_date": date(value.target_date),
        "status": value.status,
        "status_changed_on": date(value.status_changed_on),
        "next_step": value.next_step,
        "latest_rating": latest.rating if latest else None,
        "latest_rating_on": date(latest.date) if latest else None,
        "ratings": [rating(r) for r in value.ratings],
        "version": value.version,
    }


def pending_closure(proposal: ClosureProposal | None) -> dict | None:
    """A worker's closing waiting for the manager's approval (``by`` loaded), or None."""
    if proposal is None:
        return None
    return {
        "proposed_on": date(proposal.proposed_on),
        "reason": proposal.reason,
        "by": person(proposal.by),
        "note": proposal.note,
        "review_id": proposal.review_id,
    }


def flag(value: Flag) -> dict:
    return {
        "id": value.id,
        "family_id": value.family_id,
        "rule": value.rule,
        "severity": value.severity,
        "message": value.message,
        "raised_at": instant(value.raised_at),
        "raised_on": date(value.raised_on),
        "status": value.status,
        "acknowledged_at": instant(value.acknowledged_at),
        "resolved_at": instant(value.resolved_at),
        "resolution": value.resolution,
    }


def family(
    value: Family,
    goals: list[Goal],
    next_review_due: dt.date | None,
    proposal: ClosureProposal | None = None,
    open_flags: list[Flag] = (),
) -> dict:
    """The whole family record: ``goals`` (with their ratings loaded), the next review date,
    the pending closure (with its proposer loaded) and the open flags are passed in, so this
    never queries on its own."""
    return {
        "id": value.id,
        "reference": value.reference,
        "household_name": value.household_name,
        "postcode": value.postcode,
        "concerns": value.concerns,
        "consent_recorded_on": date(value.consent_recorded_on),
        "phase": value.phase,
        "phase_since": date(value.phase_since),
        "opened_on": date(value.opened_on),
        "closed_on": date(value.closed_on),
        "closure_reason": value.closure_reason,
        "pending_closure": pending_closure(proposal),
        "previous_family_id": value.previous_family_id,
        "referral_date": date(value.referral_date),
        "referral_source": value.referral_source,
        "external_reference": value.external_reference,
        "worker": person(value.worker),
        "team": team(value.team),
        "children": [child(c) for c in value.children],
        "carers": [carer(c) for c in value.carers],
        "goals": [goal(g) for g in goals],
        "next_review_due": date(next_review_due),
        "open_flags": [flag(f) for f in open_flags],
        "version": value.version,
    }


def family_summary(summary: FamilySummary, open_flags: list[Flag] = ()) -> dict:
    """One row of a family list: enough to pick a family, not the whole record."""
    value = summary.family
    return {
        "id": value.id,
        "reference": value.reference,
        "household_name": value.household_name,
        "postcode": value.postcode,
        "concerns": value.concerns,
        "phase": value.phase,
        "phase_since": date(value.phase_since),
        "opened_on": date(value.opened_on),
        "closed_on": date(value.closed_on),
        "worker": person(value.worker),
        "team": team(value.team),
        "weeks_in_service": summary.weeks_in_service,
        "last_visit_on": date(summary.last_visit_on),
        "last_visit_all_seen": summary.last_visit_all_seen,
        "next_review_due": date(summary.next_review_due),
        "open_flags": [flag(f) for f in open_flags],
        "version": value.version,
    }


def correction(value: Correction) -> dict:
    """What a record said before it was corrected, with who, when and why (``by`` loaded)."""
    return {
        "made_at": instant(value.made_at),
        "by": person(value.by),
        "note": value.note,
        "old": dict(value.old_values),
    }


def visit(value: Visit, corrections: list[Correction] = ()) -> dict:
    return {
        "id": value.id,
        "family_id": value.family_id,
        "date": date(value.date),
        "kind": value.kind,
        "outcome": value.outcome,
        "duration_minutes": value.duration_minutes,
        "children_seen": value.children_seen_ids,
        "seen_alone": value.seen_alone_ids,
        "all_children_seen": value.all_children_seen,
        "goals_discussed": [g.id for g in value.goals_discussed],
        "notes": value.notes,
        "recorded_by": person(value.recorded_by),
        "recorded_at": instant(value.created_at),
        "corrections": [correction(c) for c in corrections],
        "version": value.version,
    }


def review(value: Review) -> dict:
    return {
        "id": value.id,
        "family_id": value.family_id,
        "held_on": date(value.held_on),
        "decision": value.decision,
        "reason": value.reason,
        "attendees": value.attendees,
        "notes": value.notes,
        "recorded_by": person(value.recorded_by),
        "pending_approval": value.pending_approval,
        "version": value.version,
    }


def chronology_entry(entry) -> dict:
    """``by``: who recorded it, or None for the system's own entries (flags)."""
    return {"date": date(entry.date), "kind": entry.kind, "summary": entry.summary, "ref_id": entry.ref_id,
            "by": person(entry.by)}


def child_match(match: ChildMatch) -> dict:
    """A known child's case, by reference only: no names, no details."""
    return {
        "family_id": match.family_id,
        "reference": match.reference,
        "phase": match.phase,
        "closed_on": date(match.closed_on),
    }


def notification(value: Notification) -> dict:
    return {
        "id": value.id,
        "kind": value.kind,
        "family_id": value.family_id,
        "message": value.message,
        "created_at": instant(value.created_at),
        "read": value.read_at is not None,
        "read_at": instant(value.read_at),
    }


def transfer(value: Transfer) -> dict:
    """A family offered to another team (family, teams and requester loaded)."""
    return {
        "id": value.id,
        "family_id": value.family_id,
        "reference": value.family.reference,
        "from_team": team(value.from_team),
        "to_team": team(value.to_team),
        "reason": value.reason,
        "status": value.status,
        "requested_at": instant(value.requested_at),
        "requested_by": person(value.requested_by),
        "decided_at": instant(value.decided_at),
        "comment": value.comment,
    }
