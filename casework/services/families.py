"""The family record: its details and their edits, its phase history recorded, and reading
families (the lists, their summaries, the record page, a child known across the service)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..models import Child, Family, FamilyConcern, PhaseMove, User, Visit
from . import family_filters
from .allocation import allocate
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .family_filters import FamilyFilters
from .flags import resolve_cleared
from .review_schedule import is_overdue, review_due
from .scope import family_scope, require_case_role

EDITABLE_FIELDS = (
    "household_name",
    "postcode",
    "referral_date",
    "referral_source",
    "external_reference",
    "opened_on",
    "consent_recorded_on",
    "concerns",
)


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
    for name in ("household_name", "referral_source", "external_reference"):
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


def record_move(session, actor, family, to_phase, on_date, note, now, reason=None) -> PhaseMove:
    """Record a phase move, every one (phases.py moves a family, closures.py closes and reopens
    it); it clears an overrun flag at once."""
    move = PhaseMove(
        family=family, from_phase=family.phase, to_phase=to_phase, date=on_date, note=note, reason=reason, by=actor
    )
    session.add(move)
    family.phase = to_phase
    family.phase_since = on_date
    session.flush()
    resolve_cleared(session, family, now, move)
    return move


@dataclass
class FamilySummary:
    """One row of My families / team families."""

    family: Family
    weeks_in_service: int
    last_visit_on: dt.date | None
    last_visit_all_seen: bool | None
    next_review_due: dt.date | None
    review_overdue: bool = False


def weeks_in_service(opened_on: dt.date, closed_on: dt.date | None, today: dt.date) -> int:
    """Whole weeks from the day the family opened to the day it closed (today while open)."""
    return max(0, ((closed_on or today) - opened_on).days // 7)


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


def last_visit(today: dt.date, column=Visit.date):
    """``column`` of the family's last visit on or before ``today`` (its date, unless another
    column is named), correlated to ``Family``: read through the index on visits (family_id, date)."""
    return (
        select(column).where(Visit.family_id == Family.id, Visit.date <= today)
        .order_by(Visit.date.desc(), Visit.id.desc()).limit(1)
        .correlate(Family).scalar_subquery()
    )


def summarise(session: Session, families: list[Family], now: dt.datetime) -> list[FamilySummary]:
    """Last visit, weeks in service and next review for a page of families: one query, each
    family's last visit and last review read through the indexes on (family_id, date) and
    (family_id, held_on)."""
    today = local_date(now)
    ids = [f.id for f in families]
    found = {}
    if ids:
        for family_id, *values in session.execute(select(Family.id, *summary_columns(today)).where(Family.id.in_(ids))):
            found[family_id] = dict(zip(SUMMARY_KEYS, values, strict=True))
    return [summary_of(f, today, **found.get(f.id, {})) for f in families]


# What ``summary_columns`` are called (the family page reads them with the family's own row).
SUMMARY_KEYS = ("last_visit_on", "last_visit_all_seen", "next_review_due")


def summary_columns(today: dt.date) -> list:
    """The columns of a family's summary read from the database, correlated to ``Family``."""
    return [column.label(key) for key, column in zip(
        SUMMARY_KEYS, (last_visit(today), last_visit(today, Visit.all_children_seen), review_due(today)), strict=True)]


def summary_of(family: Family, today: dt.date, last_visit_on: dt.date | None = None,
               last_visit_all_seen: bool | None = None, next_review_due: dt.date | None = None) -> FamilySummary:
    return FamilySummary(
        family=family,
        weeks_in_service=weeks_in_service(family.opened_on, family.closed_on, today),
        last_visit_on=last_visit_on,
        last_visit_all_seen=last_visit_all_seen,
        next_review_due=next_review_due,
        review_overdue=is_overdue(next_review_due, today),
    )


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
