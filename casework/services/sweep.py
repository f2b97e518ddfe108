"""The daily sweep: review reminders, overdue escalation, every flag rule, notifications and
e-mail digests. Idempotent: run twice at the same ``now`` it adds nothing the second time."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    FLAG_RULES,
    OPEN_PHASES,
    SEVERITIES,
    AuditEvent,
    Family,
    Flag,
    FlagStatus,
    Goal,
    GoalRating,
    GoalStatus,
    Notification,
    Review,
    Role,
    User,
)
from ..models.base import utcnow
from .assessments import assessments_due
from .audit import _actor as audit_actor
from .audit import _plain
from .bulk import insert_new_rows, write_rows
from .clock import local_date
from .flag_rules import Finding, d, evaluate, restart_days
from .mail import send_digests
from .schedule import review_interval


@dataclass
class SweepSummary:
    date: str
    families: int = 0
    flags_raised: int = 0
    flags_escalated: int = 0
    flags_resolved: int = 0
    notifications: int = 0
    emails: int = 0

    def line(self) -> str:
        return (
            f"Sweep for {self.date}: {self.families} open families; {self.flags_raised} flags raised, "
            f"{self.flags_escalated} escalated, {self.flags_resolved} resolved; "
            f"{self.notifications} notifications; {self.emails} e-mails."
        )

    def as_dict(self) -> dict:
        return asdict(self)


class Notifier:
    """Creates notifications once per key, whatever happens to earlier runs: rows are inserted
    in bulk and a key already present is skipped by the database (ON CONFLICT DO NOTHING)."""

    def __init__(self, session: Session, now: dt.datetime, today: dt.date):
        self.session, self.now, self.today = session, now, today
        self.pending: dict[str, dict] = {}

    def add(self, user_id: int | None, kind: str, family_id: int | None, message: str, key: str) -> None:
        if user_id is not None and key not in self.pending:
            self.pending[key] = {
                "user_id": user_id, "kind": kind, "family_id": family_id, "message": message,
                "key": key, "created_at": self.now.astimezone(dt.UTC), "created_on": self.today,
            }

    def save(self) -> int:
        return len(insert_new_rows(self.session.connection(), Notification.__table__, list(self.pending.values()),
                                   ("key",)))


def _people(session: Session, family_ids) -> tuple[dict[int, tuple], dict[int, list[int]]]:
    """``{family_id: (reference, worker_id, team_id)}`` and ``{team_id: [manager ids]}``."""
    columns = (Family.id, Family.reference, Family.worker_id, Family.team_id)
    # The open families in one query (the sweep is about them), then any others named.
    families = {
        row.id: (row.reference, row.worker_id, row.team_id)
        for row in session.execute(select(*columns).where(Family.phase.in_(OPEN_PHASES)))
    }
    ids = [family_id for family_id in family_ids if family_id not in families]
    for start in range(0, len(ids), 5000):
        for row in session.execute(select(*columns).where(Family.id.in_(ids[start:start + 5000]))):
            families[row.id] = (row.reference, row.worker_id, row.team_id)
    managers: dict[int, list[int]] = {}
    for user_id, team_id in session.execute(
        select(User.id, User.team_id).where(User.role == Role.MANAGER, User.active.is_(True))
    ):
        managers.setdefault(team_id, []).append(user_id)
    return families, managers


def _cleared_note(session: Session, flag: Flag, today: dt.date) -> str:
    """Why a flag's condition no longer holds, in words a manager can check."""
    family = flag.family
    if family.phase not in OPEN_PHASES:
        return f"Family closed on {d(family.closed_on)}." if family.closed_on else "Family closed."
    if flag.rule == "goal_stalled":
        goal = session.get(Goal, int(flag.subject_key.split(":")[1]))
        if goal is None or goal.status != GoalStatus.ACTIVE:
            return f"Goal {goal.status if goal else 'removed'}."
        latest = session.execute(
            select(GoalRating.rating, GoalRating.date).where(GoalRating.goal_id == goal.id, GoalRating.date <= today)
            .order_by(GoalRating.date.desc(), GoalRating.id.desc()).limit(1)
        ).first()
        return f"Goal rated {latest.rating} on {d(latest.date)}." if latest else "Goal changed."
    if flag.rule == "review_overdue":
        held = session.scalar(select(func.max(Review.held_on)).where(Review.family_id == family.id))
        return f"Review held on {d(held)}." if held else "Review schedule changed."
    if flag.rule == "phase_overrun":
        return f"Moved to {family.phase_label.lower()} on {d(family.phase_since)}."
    if flag.rule == "child_not_seen":
        return "Child seen at a visit."
    if flag.rule == "no_access":
        return "A visit has since gone ahead."
    return "Condition cleared."


def run_daily(session: Session, now: dt.datetime) -> SweepSummary:
    """The whole daily job: the sweep, then the e-mail digests. Commits its work."""
    summary = run_sweep(session, now)
    session.commit()
    summary.emails = send_digests(session, now)
    session.commit()
    return summary


def run_sweep(session: Session, now: dt.datetime) -> SweepSummary:
    today = local_date(now)
    summary = SweepSummary(date=today.isoformat())
    findings = {(f.family_id, f.rule, f.subject_key): f for f in evaluate(session, today, restart_days(session))}
    # The open flags as plain rows: only the few that change are loaded as objects (below),
    # so that the ORM's bookkeeping costs what changes, not the size of the service.
    open_flags = {
        (row.family_id, row.rule, row.subject_key): row
        for row in session.execute(
            select(Flag.id, Flag.family_id, Flag.rule, Flag.subject_key, Flag.severity, Flag.message, Flag.escalated)
            .where(Flag.status != FlagStatus.RESOLVED)
        )
    }
    reminders = _review_reminders(session, today)
    assessments = assessments_due(session, today)
    families, managers = _people(
        session,
        {key[0] for key in findings} | {family_id for family_id, *_ in reminders} | {a[0] for a in assessments},
    )
    summary.families = session.scalar(select(func.count(Family.id)).where(Family.phase.in_(OPEN_PHASES)))
    notifier = Notifier(session, now, today)

    def tell(finding: Finding, flag_id: int, kind: str, to_managers: bool) -> None:
        reference, worker_id, team_id = families[finding.family_id]
        label = FLAG_RULES[finding.rule].lower()
        message = f"{reference}: {label} flag ({finding.severity})."
        notifier.add(worker_id, kind, finding.family_id, message, f"{kind}:{flag_id}:{worker_id}")
        if to_managers:
            for manager_id in managers.get(team_id, []):
                notifier.add(manager_id, kind, finding.family_id, message, f"{kind}:{flag_id}:{manager_id}")

    raised, changes, escalations = [], {}, []
    for key, finding in findings.items():
        row = open_flags.get(key)
        if row is None:
            raised.append(finding)
            continue
        change = {}
        if row.message != finding.message or SEVERITIES.index(finding.severity) > SEVERITIES.index(row.severity):
            change["message"] = finding.message
            change["severity"] = max(row.severity, finding.severity, key=SEVERITIES.index)
        if finding.escalate and not row.escalated:
            change["escalated"] = True
            escalations.append((finding, row.id))
        if change:
            changes[row.id] = change
    resolving = [row.id for key, row in open_flags.items() if key not in findings]

    # The flags that change, as objects: each update keeps the optimistic-locking version and
    # the audit trail's record of what changed, as any edit does.
    loaded = _load_flags(session, list(changes) + resolving)
    for flag_id, change in changes.items():
        flag = loaded[flag_id]
        for name, value in change.items():
            setattr(flag, name, value)
    for finding, flag_id in escalations:
        summary.flags_escalated += 1
        tell(finding, flag_id, "flag_escalated", to_managers=True)

    created = _insert_flags(session, raised, now, today)
    for finding in raised:
        flag_id = created.get((finding.family_id, finding.rule, finding.subject_key))
        if flag_id is not None:  # None: another sweep raised it meanwhile
            tell(finding, flag_id, "flag_raised", to_managers=finding.escalate)
    summary.flags_raised = len(created)

    for flag_id in resolving:
        flag = loaded[flag_id]
        # The note first: its queries would otherwise flush half a resolution on its own.
        flag.resolution = _cleared_note(session, flag, today)
        flag.status = FlagStatus.RESOLVED
        flag.resolved_at = now
        flag.resolved_on = today
        summary.flags_resolved += 1

    for family_id, due, overdue in reminders:
        reference, worker_id, team_id = families[family_id]
        recipient = worker_id or next(iter(managers.get(team_id, [])), None)
        if overdue:
            notifier.add(recipient, "review_overdue", family_id,
                         f"The review for {reference} was due on {d(due)} and has not been held.",
                         f"review_overdue:{family_id}:{due.isoformat()}")
        else:
            notifier.add(recipient, "review_due", family_id,
                         f"A review for {reference} is due on {d(due)}.",
                         f"review_due:{family_id}:{due.isoformat()}")
    for family_id, framework, due, stage in assessments:
        reference, worker_id, team_id = families[family_id]
        recipient = worker_id or next(iter(managers.get(team_id, [])), None)
        notifier.add(recipient, "assessment_due", family_id,
                     f"{'An initial' if stage == 'initial' else 'A review'} assessment for {reference} "
                     f"is due on {d(due)}.",
                     f"assessment_due:{family_id}:{framework}:{due.isoformat()}")
    summary.notifications = notifier.save()
    session.flush()
    return summary


def _load_flags(session: Session, ids: list[int]) -> dict[int, Flag]:
    found = {}
    for start in range(0, len(ids), 5000):
        for flag in session.scalars(select(Flag).where(Flag.id.in_(ids[start:start + 5000]))):
            found[flag.id] = flag
    return found


def _insert_flags(session: Session, findings: list[Finding], now: dt.datetime, today: dt.date) -> dict[tuple, int]:
    """Insert a flag for each finding in a few statements, each with the audit row any new row
    gets (the columns set; the message is personal, so only the fact that it was written);
    answers ``{(family_id, rule, subject_key): flag id}`` for those inserted. A flag already
    open on the same subject (another sweep's, committed meanwhile) is skipped by the database,
    on the unique index of open flags."""
    if not findings:
        return {}
    rows = [
        {
            "family_id": f.family_id, "rule": f.rule, "subject_key": f.subject_key, "severity": f.severity,
            "message": f.message, "raised_at": now, "raised_on": today, "status": FlagStatus.OPEN,
            "escalated": f.escalate, "version": 1,
        }
        for f in findings
    ]
    # Tens of thousands of rows on a service's first sweep: in bulk (COPY on PostgreSQL).
    inserted = insert_new_rows(
        session.connection(), Flag.__table__, rows, ("family_id", "rule", "subject_key"),
        where="status != 'resolved'", returning=("id", "family_id", "rule", "subject_key"),
    )
    by_key = {(r["family_id"], r["rule"], r["subject_key"]): r for r in rows}
    actor_id, ip = audit_actor()
    at, raised_at, raised_on = utcnow(), _plain(now), _plain(today)
    created, audit_rows = {}, []
    for flag_id, family_id, rule, subject_key in sorted(inserted):
        created[(family_id, rule, subject_key)] = flag_id
        row = by_key[(family_id, rule, subject_key)]
        audit_rows.append({
            "at": at, "user_id": actor_id, "ip": ip, "action": "create", "record_type": "flags",
            "record_id": flag_id, "family_id": family_id,
            "detail": {
                "changed": {
                    "family_id": [None, family_id], "rule": [None, rule], "subject_key": [None, subject_key],
                    "severity": [None, row["severity"]], "raised_at": [None, raised_at],
                    "raised_on": [None, raised_on], "status": [None, FlagStatus.OPEN],
                    "escalated": [None, row["escalated"]],
                },
                "personal_fields_changed": ["message"],
            },
        })
    write_rows(session.connection(), AuditEvent.__table__, audit_rows)
    return created


def _review_reminders(session: Session, today: dt.date) -> list[tuple[int, dt.date, bool]]:
    """``(family_id, due, overdue)`` for reviews due within the reminder window or overdue."""
    ahead = dt.timedelta(days=current_app.config["CASEWORK_REVIEW_REMINDER_DAYS"])
    last_held = (
        select(Review.family_id, func.max(Review.held_on).label("held_on"))
        .where(Review.held_on <= today)
        .group_by(Review.family_id)
        .subquery()
    )
    rows = session.execute(
        select(Family.id, Family.opened_on, last_held.c.held_on)
        .outerjoin(last_held, last_held.c.family_id == Family.id)
        .where(Family.phase.in_(OPEN_PHASES), Family.opened_on <= today)
    )
    interval = review_interval()
    found = []
    for family_id, opened_on, held_on in rows:
        due = (held_on or opened_on) + interval
        if due < today:
            found.append((family_id, due, True))
        elif due - today <= ahead:
            found.append((family_id, due, False))
    return found
