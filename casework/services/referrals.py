"""Opening a referral: a new family in engagement with its readable reference, its children
and carers, and any earlier case of the same family linked."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import Carer, Child, Family, FamilyConcern, Phase, ReferenceCounter, User
from .allocation import allocatable_worker, record_allocation
from .clock import local_date
from .errors import ValidationFailed
from .families import normalise_postcode
from .scope import require_case_role


def next_reference(session: Session, prefix: str, year: int) -> str:
    """The next readable reference for ``year``, e.g. FP-2026-0042. The counter row is created
    if missing without racing (ON CONFLICT DO NOTHING) and incremented in one UPDATE, which
    holds the row (PostgreSQL) or database (SQLite) lock until the referral commits: two
    referrals opened at once never share a number."""
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    session.execute(insert(ReferenceCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
    ).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


NO_EARLIER_CASE = ("No earlier case of this family has that id: the earlier case must hold one of these "
                   "children (the same first name and date of birth).")


def holds_one_of(session: Session, family_id: int, children: list) -> bool:
    """Whether the family ``family_id`` holds a child with the same first name (any case) and
    date of birth as one of ``children`` (a re-referral of a family already known)."""
    wanted = {(child.first_name.strip().casefold(), child.date_of_birth) for child in children}
    held = session.execute(select(Child.first_name, Child.date_of_birth).where(Child.family_id == family_id))
    return any((first_name.strip().casefold(), born) in wanted for first_name, born in held)


@dataclass
class ReferralPerson:
    first_name: str
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    school: str | None = None
    relationship: str | None = None


def open_referral(session: Session, actor: User, data: dict, now: dt.datetime, prefix: str) -> Family:
    """Open a referral as a new family in engagement. ``data`` holds validated form fields:
    household_name, postcode, referral_date, opened_on?, referral_source?, concerns,
    consent_recorded_on?, worker_id?, previous_family_id?, children, carers."""
    require_case_role(actor)
    today = local_date(now)
    opened_on = data.get("opened_on") or today
    problems: dict[str, list[str]] = {}
    if data["referral_date"] > today:
        problems["referral_date"] = ["The referral date cannot be in the future."]
    if opened_on > today:
        problems["opened_on"] = ["The date opened cannot be in the future."]
    elif opened_on < data["referral_date"]:
        problems["opened_on"] = ["The date opened cannot be before the referral date."]
    consent = data.get("consent_recorded_on")
    if consent and consent > today:
        problems["consent_recorded_on"] = ["Consent cannot be recorded in the future."]
    for index, child in enumerate(data["children"]):
        if child.date_of_birth and child.date_of_birth > today:
            problems[f"children-{index}-date_of_birth"] = [
                "A child's date of birth cannot be in the future."
            ]
    previous_id = data.get("previous_family_id")
    # Linking to an earlier case is allowed across teams, to a case that knows one of these
    # children; any other id gets the answer an unknown one gets, so none is confirmed to exist.
    if previous_id is not None and not holds_one_of(session, previous_id, data["children"]):
        problems["previous_family_id"] = [NO_EARLIER_CASE]
    if problems:
        # One problem in its own words, as the forms' summaries put it; several: a summary.
        message = next(iter(problems.values()))[0] if len(problems) == 1 else "Check the referral details."
        raise ValidationFailed(message, problems)
    worker = allocatable_worker(session, actor, data.get("worker_id"))

    family = Family(
        reference=next_reference(session, prefix, opened_on.year),
        team_id=actor.team_id,
        worker=worker,
        opened_by_id=actor.id,
        household_name=data["household_name"].strip(),
        postcode=normalise_postcode(data["postcode"]),
        referral_date=data["referral_date"],
        referral_source=data.get("referral_source") or None,
        opened_on=opened_on,
        consent_recorded_on=consent,
        phase=Phase.ENGAGEMENT,
        phase_since=opened_on,
        previous_family_id=previous_id,
        concern_rows=[FamilyConcern(code=code) for code in sorted(set(data["concerns"]))],
        children=[
            Child(
                first_name=c.first_name.strip(),
                last_name=(c.last_name or "").strip() or None,
                date_of_birth=c.date_of_birth,
                school=c.school or None,
            )
            for c in data["children"]
        ],
        carers=[
            Carer(
                first_name=c.first_name.strip(),
                last_name=(c.last_name or "").strip() or None,
                relationship_to_children=c.relationship or "",
            )
            for c in data.get("carers", [])
        ],
    )
    session.add(family)
    session.flush()
    if worker is not None:
        record_allocation(session, actor, family, None, worker, "Referral opened.", now)
    return family
