"""Referrals, the family record, allocation and the three phases."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from .. import limits
from ..models import (
    CLOSURE_REASONS,
    OPEN_PHASES,
    PHASE_LABELS,
    PHASE_ORDER,
    Allocation,
    Carer,
    Child,
    ClosureProposal,
    Family,
    FamilyConcern,
    Flag,
    Goal,
    Phase,
    PhaseMove,
    ReferenceCounter,
    Review,
    Role,
    Team,
    Transfer,
    User,
    Visit,
)
from . import family_filters
from .clock import local_date
from .closing import check_closing_date
from .errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from .family_filters import FamilyFilters
from .flags import resolve_cleared
from .notifications import managers_of, notify
from .schedule import review_interval
from .scope import family_scope, require_case_role

EDITABLE_FIELDS = (
    "household_name",
    "postcode",
    "referral_date",
    "referral_source",
    "opened_on",
    "consent_recorded_on",
    "concerns",
)


def check_version(record, version: int | None) -> None:
    """Refuse an edit made against an older copy of the record."""
    if version is not None and version != record.version:
        raise StaleVersion()


def ensure_open(family: Family) -> None:
    if family.is_closed:
        raise ValidationFailed("The family is closed; its record is read-only.")


def normalise_postcode(postcode: str) -> str:
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_district(postcode: str) -> str:
    """The outward code (``LS6`` of ``LS6 2AB``): the finest area reports ever show. A value of
    at most four characters is already an outward code (an anonymised family keeps only its
    district, e.g. ``LS10``; a full postcode has at least five)."""
    compact = "".join(postcode.split()).upper()
    if len(compact) <= 4:
        return compact
    return normalise_postcode(postcode).split(" ")[0]


def allocatable_worker(session: Session, actor: User, worker_id: int | None) -> User | None:
    """The worker a family may be allocated to by ``actor``, or a 422 naming ``worker_id``."""
    if worker_id is None:
        if actor.is_worker:
            return actor
        return None
    if actor.is_worker and worker_id != actor.id:
        raise ValidationFailed(
            "A family worker can only hold families themselves; ask your manager to allocate.",
            {"worker_id": ["You can only allocate a family to yourself."]},
        )
    worker = session.get(User, worker_id)
    if (
        worker is None
        or worker.team_id != actor.team_id
        or worker.role != Role.WORKER.value
        or not worker.active
    ):
        raise ValidationFailed(
            "Choose an active family worker in your team.",
            {"worker_id": ["Choose an active family worker in your team."]},
        )
    return worker


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
        phase=Phase.ENGAGEMENT.value,
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
        _record_allocation(session, actor, family, None, worker, "Referral opened.", now)
    return family


def update_family(
    session: Session, actor: User, family: Family, changes: dict, now: dt.datetime
) -> Family:
    """Edit the family's own details (not its phase). ``changes`` may hold any of
    EDITABLE_FIELDS, ``worker_id`` and ``version``."""
    check_version(family, changes.get("version"))
    ensure_open(family)
    today = local_date(now)
    problems: dict[str, list[str]] = {}
    referral_date = changes.get("referral_date", family.referral_date)
    opened_on = changes.get("opened_on", family.opened_on)
    if referral_date > today:
        problems["referral_date"] = ["The referral date cannot be in the future."]
    if opened_on > today:
        problems["opened_on"] = ["The date opened cannot be in the future."]
    elif opened_on < referral_date:
        problems["opened_on"] = ["The date opened cannot be before the referral date."]
    elif "opened_on" in changes and opened_on != family.opened_on and family.phase_moves:
        problems["opened_on"] = ["The date opened cannot change once the family has moved phase."]
    consent = changes.get("consent_recorded_on", family.consent_recorded_on)
    if consent and consent > today:
        problems["consent_recorded_on"] = ["Consent cannot be recorded in the future."]
    if problems:
        raise ValidationFailed("Check the family's details.", problems)

    if "worker_id" in changes and changes["worker_id"] != family.worker_id:
        if actor.is_worker and changes["worker_id"] is None:
            raise ValidationFailed(
                "Only a manager can leave a family unallocated.",
                {"worker_id": ["Only a manager can leave a family unallocated."]},
            )
        allocate(session, actor, family, changes["worker_id"], changes.get("allocation_reason") or "", now)
    for name in ("household_name", "referral_source"):
        if name in changes:
            setattr(family, name, (changes[name] or "").strip() or None)
    if "household_name" in changes and not family.household_name:
        raise ValidationFailed("Check the family's details.", {"household_name": ["Enter the household name."]})
    if "postcode" in changes:
        family.postcode = normalise_postcode(changes["postcode"])
    family.referral_date = referral_date
    if opened_on != family.opened_on:
        family.opened_on = opened_on
        family.phase_since = opened_on
    family.consent_recorded_on = consent
    if "concerns" in changes:
        wanted = set(changes["concerns"])
        family.concern_rows = [row for row in family.concern_rows if row.code in wanted]
        have = {row.code for row in family.concern_rows}
        family.concern_rows.extend(FamilyConcern(code=c) for c in sorted(wanted - have))
        # Concerns live in their own table; touch the family row so its version still moves.
        flag_modified(family, "household_name")
    session.flush()
    return family


def move_phase(
    session: Session,
    actor: User,
    family: Family,
    to_phase: str,
    on_date: dt.date,
    now: dt.datetime,
    note: str | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> PhaseMove:
    """Move a family between phases by the contract's rules, or explain why not (422)."""
    check_version(family, version)
    ensure_open(family)
    today = local_date(now)
    note = (note or "").strip() or None
    if to_phase not in PHASE_ORDER:
        raise ValidationFailed("Choose a phase.", {"phase": ["Choose a phase."]})
    if to_phase == family.phase:
        raise ValidationFailed(
            f"The family is already in {PHASE_LABELS[to_phase].lower()}.",
            {"phase": [f"The family is already in {PHASE_LABELS[to_phase].lower()}."]},
        )
    if on_date > today:
        raise ValidationFailed(
            "A phase move cannot be dated in the future.",
            {"date": ["A phase move cannot be dated in the future."]},
        )
    if on_date < family.phase_since:
        message = (
            f"A phase move cannot be dated before {family.phase_since:%-d %B %Y}, "
            "when the current phase began."
        )
        raise ValidationFailed(message, {"date": [message]})

    current = PHASE_ORDER.index(family.phase)
    target = PHASE_ORDER.index(to_phase)
    if to_phase == Phase.CLOSED.value:
        if reason not in CLOSURE_REASONS:
            raise ValidationFailed(
                "Give the reason the family is closing.",
                {"reason": ["Choose the reason the family is closing."]},
            )
        if not actor.is_manager and family.phase != Phase.MOVING_ON.value:
            message = (
                "A family worker can close a family only from moving on; "
                "hold a review or ask your manager."
            )
            raise ValidationFailed(message, {"phase": [message]})
    elif target < current:
        if not note:
            message = "Say why the family is moving back a phase."
            raise ValidationFailed(message, {"note": [message]})
    else:
        missing = []
        if family.consent_recorded_on is None:
            missing.append("consent to work together has not been recorded")
        has_active_goal = session.scalar(
            select(func.count(Goal.id)).where(Goal.family_id == family.id, Goal.status == "active")
        )
        if not has_active_goal:
            missing.append("there is no active goal in the family plan")
        if missing:
            message = f"The family cannot move to {PHASE_LABELS[to_phase].lower()}: " + " and ".join(missing) + "."
            raise ValidationFailed(message, {"phase": [message]})

    if to_phase == Phase.CLOSED.value:
        return close_or_propose(session, actor, family, on_date, reason, now, note=note)
    return _record_move(session, actor, family, to_phase, on_date, note, now)


def _record_move(session, actor, family, to_phase, on_date, note, now, reason=None) -> PhaseMove:
    """Every phase move (closing and reopening included); it clears an overrun flag at once."""
    move = PhaseMove(
        family=family, from_phase=family.phase, to_phase=to_phase, date=on_date, note=note, reason=reason, by=actor
    )
    session.add(move)
    family.phase = to_phase
    family.phase_since = on_date
    session.flush()
    resolve_cleared(session, family, now, move)
    return move


def close_family(
    session: Session, actor: User, family: Family, on_date: dt.date, reason: str, now: dt.datetime,
    note: str | None = None, field: str | None = "date",
) -> PhaseMove:
    """Close the family on ``on_date`` for ``reason``: by a phase move, a review's decision or
    an approval. A refused date is named as ``field`` (None: the date was not typed here)."""
    ensure_open(family)
    if on_date < family.phase_since:
        message = f"The family cannot close before {family.phase_since:%-d %B %Y}, when its current phase began."
        raise ValidationFailed(message, {field: [message]} if field else {})
    check_closing_date(session, family.id, on_date, field)
    move = _record_move(session, actor, family, Phase.CLOSED.value, on_date, note, now, reason)
    family.closed_on = on_date
    family.closure_recorded_on = local_date(now)
    family.closure_reason = reason
    # A closure still waiting for approval is moot once the family is closed another way (a
    # manager's own move or review); left pending it would come back after a reopening.
    # (approve_closure marks its own proposal approved after this.)
    for waiting in session.scalars(
        select(ClosureProposal).where(ClosureProposal.family_id == family.id, ClosureProposal.status == "pending")
    ):
        waiting.status, waiting.decided_by_id, waiting.decided_at = "withdrawn", actor.id, now
    return move


def reopen_family(session: Session, actor: User, family: Family, note: str, now: dt.datetime) -> PhaseMove:
    """A manager reopens a closed family: back to engagement from today, with a note."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can reopen a family.")
    if not family.is_closed:
        raise ValidationFailed("The family is open.", {"phase": ["Only a closed family can be reopened."]})
    if family.anonymised_at is not None:
        raise Conflict("The family's record has been anonymised: open a new referral instead.")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the family is being reopened.",
                               {"note": ["Say why the family is being reopened."]})
    move = _record_move(session, actor, family, Phase.ENGAGEMENT.value, local_date(now), note, now)
    family.closed_on = None
    family.closure_recorded_on = None
    family.closure_reason = None
    return move


# Closure approval ------------------------------------------------------------------------------

def pending_closure(session: Session, family: Family) -> ClosureProposal | None:
    return session.scalar(
        select(ClosureProposal).where(ClosureProposal.family_id == family.id, ClosureProposal.status == "pending")
    )


def close_or_propose(
    session: Session,
    actor: User,
    family: Family,
    on_date: dt.date,
    reason: str,
    now: dt.datetime,
    note: str | None = None,
    review=None,
    field: str = "date",
) -> PhaseMove | ClosureProposal:
    """A manager closes at once. A worker's closing (from moving on, or at a review) waits for
    the manager's approval when approval is switched on, as it is by default. ``field`` names
    the closing date in a refusal (a review's is ``held_on``)."""
    ensure_open(family)
    if actor.is_manager or not current_app.config["CASEWORK_CLOSURE_APPROVAL"]:
        return close_family(session, actor, family, on_date, reason, now, note=note, field=field)
    if pending_closure(session, family) is not None:
        raise Conflict("A closure of this family is already waiting for approval.")
    if on_date < family.phase_since:
        message = f"The family cannot close before {family.phase_since:%-d %B %Y}, when its current phase began."
        raise ValidationFailed(message, {field: [message]})
    check_closing_date(session, family.id, on_date, field)
    proposal = ClosureProposal(
        family_id=family.id, review_id=review.id if review is not None else None, proposed_on=on_date,
        reason=reason, note=note, by_id=actor.id, made_at=now, status="pending",
    )
    session.add(proposal)
    session.flush()
    for manager_id in managers_of(session, family.team_id):
        notify(session, manager_id, "closure_proposed", family.id,
               f"Closure of {family.reference} proposed: please approve or return it.",
               f"closure_proposed:{proposal.id}:{manager_id}", now)
    return proposal


def approve_closure(session: Session, actor: User, family: Family, now: dt.datetime) -> PhaseMove:
    if not actor.is_manager:
        raise Forbidden("Only a manager can approve a closure.")
    proposal = pending_closure(session, family)
    if proposal is None:
        raise Conflict("No closure is waiting for approval.")
    proposer = session.get(User, proposal.by_id)
    move = close_family(session, proposer, family, proposal.proposed_on, proposal.reason, now, note=proposal.note,
                        field=None)
    proposal.status, proposal.decided_by_id, proposal.decided_at = "approved", actor.id, now
    notify(session, proposal.by_id, "closure_approved", family.id,
           f"Closure of {family.reference} approved.", f"closure_approved:{proposal.id}", now)
    session.flush()
    return move


def return_closure(session: Session, actor: User, family: Family, comment: str, now: dt.datetime) -> ClosureProposal:
    if not actor.is_manager:
        raise Forbidden("Only a manager can return a closure.")
    proposal = pending_closure(session, family)
    if proposal is None:
        raise Conflict("No closure is waiting for approval.")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("Say why the closure is returned.", {"comment": ["Say why the closure is returned."]})
    proposal.status, proposal.decided_by_id, proposal.decided_at, proposal.comment = "returned", actor.id, now, comment
    notify(session, proposal.by_id, "closure_returned", family.id,
           f"Closure of {family.reference} returned by your manager: see the family page.",
           f"closure_returned:{proposal.id}", now)
    session.flush()
    return proposal


# Allocation and transfer ----------------------------------------------------------------------

def _record_allocation(session, actor, family, from_worker, to_worker, reason, now) -> Allocation:
    allocation = Allocation(
        family_id=family.id, from_worker_id=from_worker.id if from_worker else None,
        to_worker_id=to_worker.id if to_worker else None, by_id=actor.id, reason=reason.strip(),
        made_at=now, made_on=local_date(now),
    )
    session.add(allocation)
    session.flush()
    if to_worker is not None and to_worker.id != actor.id:
        notify(session, to_worker.id, "allocated", family.id, f"{family.reference} has been allocated to you.",
               f"allocated:{allocation.id}", now)
    if from_worker is not None and from_worker != to_worker and from_worker.id != actor.id:
        notify(session, from_worker.id, "family_reallocated", family.id,
               f"{family.reference} is no longer allocated to you: it is now with another worker or team.",
               f"family_reallocated:{allocation.id}", now)
    return allocation


def allocate(session: Session, actor: User, family: Family, worker_id: int | None, reason: str,
             now: dt.datetime) -> Allocation:
    """(Re)allocate a family to a worker of its team, keeping who, when and why."""
    ensure_open(family)
    previous = family.worker
    family.worker = allocatable_worker(session, actor, worker_id)
    flag_modified(family, "worker_id")
    return _record_allocation(session, actor, family, previous, family.worker, reason, now)


def request_transfer(session: Session, actor: User, family: Family, to_team_id: int, reason: str,
                     now: dt.datetime) -> Transfer:
    """Offer a family to another team. Until that team's manager accepts, it stays here."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can transfer a family.")
    ensure_open(family)
    problems = {}
    if to_team_id == family.team_id or session.get(Team, to_team_id) is None:
        problems["to_team_id"] = ["Choose another team."]
    if not (reason or "").strip():
        problems["reason"] = ["Say why the family is moving to another team."]
    if problems:
        raise ValidationFailed("Check the transfer.", problems)
    if session.scalar(select(Transfer.id).where(Transfer.family_id == family.id, Transfer.status == "pending")):
        raise Conflict("A transfer of this family is already waiting.")
    transfer = Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=to_team_id,
                        requested_by_id=actor.id, requested_at=now, reason=reason.strip(), status="pending")
    session.add(transfer)
    session.flush()
    for manager_id in managers_of(session, to_team_id):
        notify(session, manager_id, "transfer_offered", family.id,
               f"{family.reference} is offered to your team: accept or decline it.",
               f"transfer_offered:{transfer.id}:{manager_id}", now)
    return transfer


def incoming_transfer(session: Session, actor: User, transfer_id: int) -> Transfer:
    """A pending transfer to the actor's team (404 for anyone else)."""
    transfer = session.scalar(select(Transfer).where(
        Transfer.id == transfer_id, Transfer.to_team_id == actor.team_id, Transfer.status == "pending"))
    if transfer is None or not actor.is_manager:
        raise NotFound("Transfer not found.")
    return transfer


def incoming_transfers(session: Session, actor: User) -> list[Transfer]:
    """Transfers waiting for ``actor``'s team to accept or decline them, oldest first (with the
    family and the teams loaded). Only a manager has any."""

    if not actor.is_manager or actor.team_id is None:
        return []
    return list(session.scalars(
        select(Transfer)
        .where(Transfer.to_team_id == actor.team_id, Transfer.status == "pending")
        .options(joinedload(Transfer.family), joinedload(Transfer.from_team), joinedload(Transfer.to_team),
                 joinedload(Transfer.requested_by))
        .order_by(Transfer.requested_at, Transfer.id)
    ))


def accept_transfer(session: Session, actor: User, transfer: Transfer, worker_id: int | None,
                    now: dt.datetime) -> Family:
    family = transfer.family
    ensure_open(family)
    worker = allocatable_worker(session, actor, worker_id)
    previous = family.worker
    family.team_id = transfer.to_team_id
    family.worker = worker
    transfer.status, transfer.decided_by_id, transfer.decided_at = "accepted", actor.id, now
    _record_allocation(session, actor, family, previous, worker, f"Transferred from {transfer.from_team.name}.", now)
    notify(session, transfer.requested_by_id, "transfer_accepted", family.id,
           f"{family.reference} was accepted by {transfer.to_team.name}.", f"transfer_accepted:{transfer.id}", now)
    return family


def decline_transfer(session: Session, actor: User, transfer: Transfer, comment: str, now: dt.datetime) -> Transfer:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("Say why the transfer is declined.", {"comment": ["Say why the transfer is declined."]})
    transfer.status, transfer.decided_by_id, transfer.decided_at, transfer.comment = "declined", actor.id, now, comment
    notify(session, transfer.requested_by_id, "transfer_declined", transfer.family_id,
           f"{transfer.family.reference} was declined by {transfer.to_team.name}.", f"transfer_declined:{transfer.id}",
           now)
    session.flush()
    return transfer


@dataclass
class FamilySummary:
    """One row of My families / team families."""

    family: Family
    weeks_in_service: int
    last_visit_on: dt.date | None
    last_visit_all_seen: bool | None
    next_review_due: dt.date | None


def list_families(
    session: Session,
    actor: User,
    now: dt.datetime,
    *,
    phase: str | None = None,
    worker_id: int | None = None,
    q: str | None = None,
    open_only: bool = False,
    page: int = 1,
    per_page: int = 50,
    filters: FamilyFilters | None = None,
) -> tuple[list[FamilySummary], int]:
    """The families ``actor`` may see, filtered, one page at a time, in a fixed number of
    queries whatever the caseload size. ``filters`` (the Team families page's: unallocated,
    open flags, overdue review...) replaces ``phase``, ``worker_id``, ``q`` and ``open_only``."""
    require_case_role(actor)
    if filters is None:
        filters = FamilyFilters(phase=phase, worker_id=worker_id, q=q, open_only=open_only)
    if filters.worker_id is not None and actor.is_worker and filters.worker_id != actor.id:
        raise ValidationFailed(
            "A family worker can only list their own families.",
            {"worker_id": ["You can only see your own families."]},
        )
    conditions = [family_scope(actor), *family_filters.conditions(filters, local_date(now))]
    total = session.scalar(select(func.count(Family.id)).where(*conditions))
    families = session.scalars(
        select(Family)
        .where(*conditions)
        .order_by(Family.household_name, Family.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return summarise(session, families, now), total


def summarise(session: Session, families: list[Family], now: dt.datetime) -> list[FamilySummary]:
    """Last visit, weeks in service and next review for a page of families: one query, each
    family's last visit and last review read through the indexes on (family_id, date) and
    (family_id, held_on)."""
    today = local_date(now)
    ids = [f.id for f in families]
    found = {}
    if ids:
        def last_visit(column):
            return (
                select(column).where(Visit.family_id == Family.id)
                .order_by(Visit.date.desc(), Visit.id.desc()).limit(1)
                .correlate(Family).scalar_subquery()
            )

        last_review = (select(func.max(Review.held_on)).where(Review.family_id == Family.id)
                       .correlate(Family).scalar_subquery())
        for family_id, visited_on, all_seen, held_on in session.execute(
            select(Family.id, last_visit(Visit.date), last_visit(Visit.all_children_seen), last_review)
            .where(Family.id.in_(ids))
        ):
            found[family_id] = (visited_on, all_seen, held_on)
    interval = review_interval()
    summaries = []
    for f in families:
        visited_on, all_seen, held_on = found.get(f.id, (None, None, None))
        summaries.append(FamilySummary(
            family=f,
            weeks_in_service=max(0, ((f.closed_on or today) - f.opened_on).days // 7),
            last_visit_on=visited_on,
            last_visit_all_seen=all_seen,
            # As schedule.next_review_dates: none once closed.
            next_review_due=None if f.is_closed else (held_on or f.opened_on) + interval,
        ))
    return summaries


def load_family_record(session: Session, family: Family) -> Family:
    """``family`` with what its page shows (worker, earlier case, children, carers, concerns and
    the phase history with who moved it) loaded up front: a fixed number of queries."""
    # The id from the identity map: after a commit ``family.id`` would reload the row first.
    identity = inspect(family).identity
    family_id = identity[0] if identity else family.id
    return session.scalars(
        select(Family)
        .where(Family.id == family_id)
        .options(
            joinedload(Family.worker),
            joinedload(Family.previous_family),
            selectinload(Family.children),
            selectinload(Family.carers),
            selectinload(Family.concern_rows),
            selectinload(Family.phase_moves).joinedload(PhaseMove.by),
        )
        .execution_options(populate_existing=True)
    ).one()


def team_workers(session: Session, actor: User) -> list[User]:
    """Every family worker of ``actor``'s team (active or not), by name."""
    if actor.team_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.team_id == actor.team_id, User.role == Role.WORKER.value)
            .order_by(User.name, User.id)
        )
    )


def allocatable_workers(session: Session, actor: User) -> list[User]:
    """The workers ``actor`` may allocate a family to: active workers of their team (a
    manager), or only themselves (a worker)."""
    if actor.is_worker:
        return [actor]
    return [user for user in team_workers(session, actor) if user.active]


def phases_offered(actor: User, family: Family) -> list[str]:
    """The phases worth offering in a move: every other open phase, and ``closed`` from
    moving on (a worker) or from any phase (a manager). ``move_phase`` still decides."""
    offered = [phase for phase in OPEN_PHASES if phase != family.phase]
    if actor.is_manager or family.phase == Phase.MOVING_ON.value:
        offered.append(Phase.CLOSED.value)
    return offered


@dataclass
class ChildMatch:
    family_id: int
    reference: str
    phase: str
    closed_on: dt.date | None


def known_child_matches(
    session: Session, actor: User, first_name: str, date_of_birth: dt.date, exclude_family_id: int | None = None
) -> list[ChildMatch]:
    """Families across the whole service with a child of this first name (any case) and date
    of birth: a possible re-referral. Only references are given, never names or details, so a
    worker may see that another team knows the family without seeing the record."""
    require_case_role(actor)
    query = (
        select(Family.id, Family.reference, Family.phase, Family.closed_on)
        .join(Child, Child.family_id == Family.id)
        .where(
            Child.date_of_birth == date_of_birth,
            func.lower(Child.first_name) == first_name.strip().lower(),
        )
        .distinct()
        .order_by(Family.id.desc())
    )
    if exclude_family_id is not None:
        query = query.where(Family.id != exclude_family_id)
    return [ChildMatch(*row) for row in session.execute(query)]


# The family record kept true: children and carers -----------------------------------------------

CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "school")
CARER_FIELDS = ("first_name", "last_name", "relationship")


def _text(value) -> str | None:
    return (value or "").strip() or None


def _check_child(values: dict, today: dt.date) -> None:
    problems: dict[str, list[str]] = {}
    if not values["first_name"]:
        problems["first_name"] = ["Enter the child's first name."]
    if values["date_of_birth"] is None:
        problems["date_of_birth"] = ["Enter the child's date of birth."]
    elif values["date_of_birth"] > today:
        problems["date_of_birth"] = ["A child's date of birth cannot be in the future."]
    if problems:
        raise ValidationFailed("Check the child's details.", problems)


def _check_carer(values: dict) -> None:
    problems: dict[str, list[str]] = {}
    if not values["first_name"]:
        problems["first_name"] = ["Enter the carer's first name."]
    if not values["relationship"]:
        problems["relationship"] = ["Say how the carer is related to the children."]
    if problems:
        raise ValidationFailed("Check the carer's details.", problems)


def _room_for(people: list, bound: int, what: str) -> None:
    """A family holds at most ``bound`` children (or carers): 422 for one more."""
    if len(people) >= bound:
        raise ValidationFailed(f"The family record already holds {bound} {what}, the most it can.")


def add_child(session: Session, family: Family, data: dict, now: dt.datetime) -> Child:
    """A child the family record did not have (a new baby, a child who came to live there).
    ``data``: first_name, last_name?, date_of_birth, school?."""
    ensure_open(family)
    _room_for(family.children, limits.MAX_CHILDREN, "children")
    values = {name: data.get(name) for name in CHILD_FIELDS}
    for name in ("first_name", "last_name", "school"):
        values[name] = _text(values[name])
    _check_child(values, local_date(now))
    child = Child(family=family, **values)
    session.add(child)
    session.flush()
    return child


def update_child(session: Session, child: Child, changes: dict, now: dt.datetime) -> Child:
    """Correct a child's details. ``changes``: any of CHILD_FIELDS, and ``version``."""
    check_version(child, changes.get("version"))
    ensure_open(child.family)
    values = {name: changes.get(name, getattr(child, name)) for name in CHILD_FIELDS}
    for name in ("first_name", "last_name", "school"):
        values[name] = _text(values[name])
    _check_child(values, local_date(now))
    for name, value in values.items():
        setattr(child, name, value)
    session.flush()
    return child


def add_carer(session: Session, family: Family, data: dict, now: dt.datetime) -> Carer:
    """A parent or carer the record did not have. ``data``: first_name, last_name?,
    relationship."""
    ensure_open(family)
    _room_for(family.carers, limits.MAX_CARERS, "parents and carers")
    values = {name: _text(data.get(name)) for name in CARER_FIELDS}
    _check_carer(values)
    carer = Carer(family=family, first_name=values["first_name"], last_name=values["last_name"],
                  relationship_to_children=values["relationship"])
    session.add(carer)
    session.flush()
    return carer


def update_carer(session: Session, carer: Carer, changes: dict, now: dt.datetime) -> Carer:
    """Correct a carer's details. ``changes``: any of CARER_FIELDS, and ``version``."""
    check_version(carer, changes.get("version"))
    ensure_open(carer.family)
    current = {"first_name": carer.first_name, "last_name": carer.last_name,
               "relationship": carer.relationship_to_children}
    values = {name: _text(changes.get(name, current[name])) for name in CARER_FIELDS}
    _check_carer(values)
    carer.first_name, carer.last_name = values["first_name"], values["last_name"]
    carer.relationship_to_children = values["relationship"]
    session.flush()
    return carer


def get_child(session: Session, actor: User, child_id: int) -> Child:
    """A child of a family ``actor`` may see (404 otherwise, 403 for an admin)."""
    require_case_role(actor)
    child = session.scalar(select(Child).join(Family).where(Child.id == child_id, family_scope(actor)))
    if child is None:
        raise NotFound("Child not found.")
    return child


def get_carer(session: Session, actor: User, carer_id: int) -> Carer:
    """A carer of a family ``actor`` may see (404 otherwise, 403 for an admin)."""
    require_case_role(actor)
    carer = session.scalar(select(Carer).join(Family).where(Carer.id == carer_id, family_scope(actor)))
    if carer is None:
        raise NotFound("Carer not found.")
    return carer


# What the family page shows beside the record ----------------------------------------------------

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def may_see(actor: User, family: Family) -> bool:
    """Whether ``family`` is in ``actor``'s scope (the rule of ``scope.family_scope``, for a
    family already loaded, such as an earlier case linked from another team)."""
    if actor.is_worker:
        return family.worker_id == actor.id
    if actor.is_manager:
        return actor.team_id is not None and family.team_id == actor.team_id
    return False


def reviews_held(session: Session, family: Family) -> list[Review]:
    """The family's reviews, newest first, with who recorded each and any closure proposal
    they made: one query."""
    return list(session.scalars(
        select(Review)
        .where(Review.family_id == family.id)
        .options(joinedload(Review.recorded_by), joinedload(Review.closure_proposal))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ))


def family_flags(session: Session, family: Family) -> list[Flag]:
    """Every flag of the family: open ones first, most severe and oldest first; then resolved
    ones, the latest resolved first. Who acknowledged and resolved each is loaded: one query."""
    flags = session.scalars(
        select(Flag)
        .where(Flag.family_id == family.id)
        .options(joinedload(Flag.acknowledged_by), joinedload(Flag.resolved_by))
        .order_by(Flag.raised_on, Flag.id)
    ).unique().all()
    still_open = sorted((f for f in flags if f.is_open), key=lambda f: SEVERITY_RANK.get(f.severity, 3))
    resolved = sorted((f for f in flags if not f.is_open),
                      key=lambda f: (f.resolved_on or f.raised_on, f.id), reverse=True)
    return still_open + resolved


@dataclass
class FlagSummary:
    open_flags: int
    highest_severity: str


def open_flag_summaries(session: Session, family_ids: list[int]) -> dict[int, FlagSummary]:
    """``{family_id: FlagSummary}`` for the families with open (or acknowledged) flags: one
    query, whatever the number of families."""
    if not family_ids:
        return {}
    rank = case({"high": 0, "medium": 1}, value=Flag.severity, else_=2)
    rows = session.execute(
        select(Flag.family_id, func.count(Flag.id), func.min(rank))
        .where(Flag.family_id.in_(family_ids), Flag.status != "resolved")
        .group_by(Flag.family_id)
    )
    names = {0: "high", 1: "medium", 2: "low"}
    return {family_id: FlagSummary(count, names[int(best)]) for family_id, count, best in rows}
