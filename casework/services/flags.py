"""Acting on flags: a worker acknowledges, a manager resolves with a note; a record saved
resolves at once the flags whose condition it cleared; and the flags as the family page, the
family lists and a manager's flag queue show them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..models import (
    PHASE_LABELS,
    SEVERITIES,
    Family,
    Flag,
    FlagStatus,
    GoalRating,
    GoalStatusChange,
    MeetingAction,
    Phase,
    PhaseMove,
    Review,
    User,
    Visit,
    VisitOutcome,
    Voice,
    subject_key,
)
from .clock import day_text, local_date
from .errors import Forbidden, ValidationFailed
from .flag_rules import evaluate, restarts_of
from .scope import family_scope, record_in_scope, require_case_role


def get_flag(session: Session, actor: User, flag_id: int) -> Flag:
    return record_in_scope(session, actor, Flag, flag_id, "Flag")


def list_flags(session: Session, actor: User, status: str | None = None, family_id: int | None = None) -> list[Flag]:
    """Flags ``actor`` may see, most severe and oldest first. ``open`` includes acknowledged."""
    require_case_role(actor)
    query = select(Flag).join(Family).where(family_scope(actor))
    if status == "open":
        query = query.where(Flag.status != FlagStatus.RESOLVED)
    elif status == "resolved":
        query = query.where(Flag.status == FlagStatus.RESOLVED)
    if family_id is not None:
        query = query.where(Flag.family_id == family_id)
    flags = session.scalars(query.order_by(Flag.raised_at, Flag.id)).all()
    return sorted(flags, key=lambda f: (f.status == FlagStatus.RESOLVED, -f.severity_rank))


def check_writable(flag: Flag) -> None:
    """A closed family's record is read-only, its flags too (422); the sweep resolves them."""
    if flag.family.is_closed:
        message = f"{flag.family.reference} is closed: its record, flags included, is read-only."
        raise ValidationFailed(message, {"status": [message]})


def acknowledge(session: Session, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    check_writable(flag)
    if flag.status == FlagStatus.RESOLVED:
        raise ValidationFailed("This flag is already resolved.", {"status": ["This flag is already resolved."]})
    if flag.status == FlagStatus.OPEN:
        flag.status = FlagStatus.ACKNOWLEDGED
        flag.acknowledged_at = now
        flag.acknowledged_by_id = actor.id
        session.flush()
    return flag


def resolve(session: Session, actor: User, flag: Flag, note: str | None, now: dt.datetime) -> Flag:
    """A manager closes a flag with a note. If its condition still holds, the sweep raises it
    again only after a full period counted from today."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can resolve a flag.")
    check_writable(flag)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say what was decided.", {"note": ["Say what was decided about this flag."]})
    if flag.status == FlagStatus.RESOLVED:
        raise ValidationFailed("This flag is already resolved.", {"status": ["This flag is already resolved."]})
    flag.status = FlagStatus.RESOLVED
    flag.resolved_at = now
    flag.resolved_on = local_date(now)
    flag.resolved_by_id = actor.id
    flag.resolution = note
    session.flush()
    return flag


def _cleared_by(record) -> tuple[tuple[str, ...], set[str], Callable | None]:
    """The rules a record may clear, the flags' subjects it is about, and the resolution naming
    it (for a flag)."""
    if isinstance(record, Review):
        return ("review_overdue",), {"review"}, lambda flag: f"Review held on {day_text(record.held_on)}."
    if isinstance(record, Visit):
        if record.outcome != VisitOutcome.COMPLETED:
            return (), set(), None
        names = {row.child_id: row.child.first_name for row in record.children_seen}

        def words(flag):
            if flag.rule == "child_not_seen":
                name = names[flag.subject_id]
                return f"{name} seen at the visit on {day_text(record.date)}."
            return f"Visit completed on {day_text(record.date)}."

        return ("child_not_seen", "no_access"), {"family"} | {subject_key("child", cid) for cid in names}, words
    if isinstance(record, Voice):
        return (("child_voice_missing",), {subject_key("child", record.child_id)},
                lambda flag: f"{record.child.first_name} heard on {day_text(record.date)}.")
    if isinstance(record, GoalRating):
        return (("goal_stalled",), {subject_key("goal", record.goal_id)},
                lambda flag: f"Goal rated {record.rating} out of 10 on {day_text(record.date)}.")
    if isinstance(record, GoalStatusChange):
        return (("goal_stalled",), {subject_key("goal", record.goal_id)},
                lambda flag: f"Goal {record.status} on {day_text(record.date)}.")
    if isinstance(record, MeetingAction):
        return (("action_overdue",), {subject_key("action", record.id)},
                lambda flag: f"Action marked done on {day_text(record.done_on)}.")
    if isinstance(record, PhaseMove):
        if record.to_phase == Phase.CLOSED:
            return ("phase_overrun",), {"family"}, lambda flag: f"Family closed on {day_text(record.date)}."
        return (("phase_overrun",), {"family"},
                lambda flag: f"Moved to {PHASE_LABELS[record.to_phase].lower()} on {day_text(record.date)}.")
    raise TypeError(f"no flag is cleared by a {type(record).__name__}")


def resolve_cleared(session: Session, family: Family, now: dt.datetime, by_record) -> list[Flag]:
    """Resolve, in the request that saved ``by_record`` (a review, visit, rating, goal status
    change, phase move or child's voice), the family's open flags whose condition it cleared, with a resolution
    naming it ("Review held on 7 Dec 2026."). The sweep's own rules decide, for this one family:
    a flag whose condition still holds stays open, and nothing is ever raised here. Like the
    sweep's, the resolution is the system's (no person), so it restarts no rule's clock."""
    rules, subjects, words = _cleared_by(by_record)
    if not rules:
        return []
    # The flags still open, and those whose day restarts a rule's clock: one query.
    flags = session.scalars(
        select(Flag).where(Flag.family_id == family.id, Flag.rule.in_(rules),
                           or_(Flag.status != FlagStatus.RESOLVED, Flag.restarts_clock))
    ).all()
    candidates = [flag for flag in flags if flag.status != FlagStatus.RESOLVED and flag.subject_key in subjects]
    if not candidates:
        return []
    today = local_date(now)
    held = {
        (finding.rule, finding.subject_key)
        for finding in evaluate(session, today, restarts_of(flags), family_ids=[family.id], families=[family],
                                rules={flag.rule for flag in candidates})  # only the rules with a flag to clear
    }
    cleared = [flag for flag in candidates if (flag.rule, flag.subject_key) not in held]
    for flag in cleared:
        flag.resolution = words(flag)
        flag.status = FlagStatus.RESOLVED
        flag.resolved_at = now
        flag.resolved_on = today
    session.flush()
    return cleared


# What the family page and the lists show, and the team's flag queue ------------------------------


def flag_order(flags: list[Flag]) -> list[Flag]:
    """A family's flags (by date raised) as its page lists them: open ones first, most severe
    and oldest first; then resolved ones, the latest resolved first."""
    still_open = sorted((f for f in flags if f.is_open), key=lambda f: -f.severity_rank)
    resolved = sorted((f for f in flags if not f.is_open),
                      key=lambda f: (f.resolved_on or f.raised_on, f.id), reverse=True)
    return still_open + resolved


def open_flags_of(session: Session, family_ids: list[int]) -> dict[int, list[Flag]]:
    """The open (and acknowledged) flags of these families, most severe and oldest first: one
    query for a whole page."""
    found: dict[int, list[Flag]] = {family_id: [] for family_id in family_ids}
    if not family_ids:
        return found
    flags = session.scalars(
        select(Flag)
        .where(Flag.family_id.in_(family_ids), Flag.status != FlagStatus.RESOLVED)
        .order_by(Flag.raised_at, Flag.id)
    ).all()
    for flag in sorted(flags, key=lambda f: -f.severity_rank):
        found[flag.family_id].append(flag)
    return found


def open_flag_counts(*where):
    """Per family, its open (and acknowledged) flags among those ``where`` says: a subquery
    ``(family_id, open_flags, highest)``, ``highest`` the rank of the most severe
    (``SEVERITIES[highest]``)."""
    return (
        select(Flag.family_id, func.count(Flag.id).label("open_flags"), func.max(Flag.severity_rank).label("highest"))
        .where(Flag.status != FlagStatus.RESOLVED, *where)
        .group_by(Flag.family_id)
        .subquery()
    )


@dataclass
class FlagSummary:
    open_flags: int
    highest_severity: str


def open_flag_summaries(session: Session, family_ids: list[int]) -> dict[int, FlagSummary]:
    """``{family_id: FlagSummary}`` for the families with open (or acknowledged) flags: one
    query, whatever the number of families."""
    if not family_ids:
        return {}
    counts = open_flag_counts(Flag.family_id.in_(family_ids))
    return {
        family_id: FlagSummary(count, SEVERITIES[highest])
        for family_id, count, highest in session.execute(select(counts))
    }


def flag_queue(
    session: Session,
    manager: User,
    *,
    severity: str | None = None,
    worker_id: int | None = None,
    unallocated: bool = False,
) -> list[Flag]:
    """The team's open flags (acknowledged ones included), most severe and oldest first, with
    each flag's family, worker and acknowledger loaded: three queries whatever the number."""
    if not manager.is_manager:
        raise Forbidden("Only managers see the team's flag queue.")
    flags = list_flags(session, manager, status="open")
    family_ids = {flag.family_id for flag in flags}
    families = {}
    if family_ids:
        families = {family.id: family for family in session.scalars(
            select(Family).where(Family.id.in_(family_ids)).options(joinedload(Family.worker))
        )}
    acknowledgers = {flag.acknowledged_by_id for flag in flags} - {None}
    people = {}
    if acknowledgers:
        people = {user.id: user for user in session.scalars(select(User).where(User.id.in_(acknowledgers)))}
    for flag in flags:
        # Loaded above: ``flag.family`` and ``flag.acknowledged_by`` then need no query each.
        set_committed_value(flag, "family", families[flag.family_id])
        set_committed_value(flag, "acknowledged_by", people.get(flag.acknowledged_by_id))
    if severity:
        flags = [flag for flag in flags if flag.severity == severity]
    if unallocated:
        flags = [flag for flag in flags if flag.family.worker_id is None]
    elif worker_id is not None:
        flags = [flag for flag in flags if flag.family.worker_id == worker_id]
    return flags


def flags_in_scope(session: Session, actor: User, flag_ids: list[int]) -> list[Flag]:
    """The flags among ``flag_ids`` that ``actor`` may see (one query); others are left out."""
    if not flag_ids:
        return []
    return list(session.scalars(
        select(Flag).join(Family).where(Flag.id.in_(flag_ids), family_scope(actor)).order_by(Flag.id)
    ))
