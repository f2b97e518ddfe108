"""The JSON shape of every record the API answers with: one function per shape, used by every
endpoint. Dates are ``YYYY-MM-DD``; instants are ISO 8601 with the service's local offset.

These functions never query: the endpoints load what they need first (with eager loading on
lists) and pass it in."""
from __future__ import annotations

import datetime as dt

from ...models import ApiToken, Child, Carer, Family, Goal, GoalRating, Review, Team, User, Visit
from ...services.clock import service_zone
from ...services.families import FamilySummary


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
        "latest_rating": latest.rating if latest else None,
        "latest_rating_on": date(latest.date) if latest else None,
        "ratings": [rating(r) for r in value.ratings],
        "version": value.version,
    }


def family(value: Family, goals: list[Goal], next_review_due: dt.date | None) -> dict:
    """The whole family record: ``goals`` (with their ratings loaded) and the next review
    date are passed in, so this never queries on its own."""
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
        "pending_closure": None,
        "previous_family_id": value.previous_family_id,
        "referral_date": date(value.referral_date),
        "referral_source": value.referral_source,
        "worker": person(value.worker),
        "team": team(value.team),
        "children": [child(c) for c in value.children],
        "carers": [carer(c) for c in value.carers],
        "goals": [goal(g) for g in goals],
        "next_review_due": date(next_review_due),
        "open_flags": [],
        "version": value.version,
    }


def family_summary(summary: FamilySummary) -> dict:
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
        "version": value.version,
    }


def visit(value: Visit) -> dict:
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
        "corrections": [],
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
        "version": value.version,
    }
