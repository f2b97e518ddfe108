"""The daily sweep: review reminders, overdue escalation, every flag rule and the
notifications they send. Idempotent: run twice at the same ``now`` it adds nothing the second
time. (The daily job around it, with the e-mail digests, is ``scheduler.run_daily``.)"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..models import (
    FLAG_RULES,
    OPEN_PHASES,
    SEVERITY_RANK,
    Family,
    Flag,
    FlagStatus,
    Goal,
    GoalRating,
    GoalStatus,
    Notification,
    Role,
    User,
)
from . import audit, diary, partners
from .assessments import assessments_due
from .bulk import insert_new_rows
from .clock import day_text, local_date
from .flag_rules import Finding, evaluate, restart_days
from .review_schedule import last_review_held, review_due
from .voice_heard import not_heard_since


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
        self.created_at = now.astimezone(dt.UTC)
        self.pending: dict[str, dict] = {}

    def add(self, user_id: int | None, kind: str, family_id: int | None, message: str, key: str,
            detail: str | None = None) -> None:
        if user_id is not None and key not in self.pending:
            self.pending[key] = {
                "user_id": user_id, "kind": kind, "family_id": family_id, "message": message, "detail": detail,
                "key": key, "created_at": self.created_at, "created_on": self.today,
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
        return f"Family closed on {day_text(family.closed_on, year=False)}." if family.closed_on else "Family closed."
    if flag.rule == "goal_stalled":
        goal = session.get(Goal, flag.subject_id)
        if goal is None or goal.status != GoalStatus.ACTIVE:
            return f"Goal {goal.status if goal else 'removed'}."
        latest = session.execute(
            select(GoalRating.rating, GoalRating.date).where(GoalRating.goal_id == goal.id, GoalRating.date <= today)
            .order_by(GoalRating.date.desc(), GoalRating.id.desc()).limit(1)
        ).first()
        return f"Goal rated {latest.rating} on {day_text(latest.date, year=False)}." if latest else "Goal changed."
    if flag.rule == "review_overdue":
        held = session.scalar(select(last_review_held(today)).where(Family.id == family.id))
        return f"Review held on {day_text(held, year=False)}." if held else "Review schedule changed."
    if flag.rule == "phase_overrun":
        return f"Moved to {family.phase_label.lower()} on {day_text(family.phase_since, year=False)}."
    if flag.rule == "child_not_seen":
        return "Child seen at a visit."
    if flag.rule == "no_access":
        return "A visit has since gone ahead."
    if flag.rule == "child_voice_missing":
        return "Child heard: their voice recorded."
    return "Condition cleared."


def run_sweep(session: Session, now: dt.datetime) -> SweepSummary:
    if session.get_bind().dialect.name == "postgresql":
        # Its queries each read the whole service once: PostgreSQL's JIT judged them costly
        # enough to compile, and compiling took longer than running them (1.5 s of a 1.8 s one).
        session.execute(text("SET LOCAL jit = off"))
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
        if row.message != finding.message or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[row.severity]:
            change["message"] = finding.message
            change["severity"] = max(row.severity, finding.severity, key=SEVERITY_RANK.get)
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

    unheard = not_heard_since(session, {family_id: held for family_id, _due, overdue, held in reminders
                                        if not overdue}, today)
    for family_id, due, overdue, held in reminders:
        reference, worker_id, team_id = families[family_id]
        recipient = worker_id or next(iter(managers.get(team_id, [])), None)
        if overdue:
            notifier.add(recipient, "review_overdue", family_id,
                         f"The review for {reference} was due on {day_text(due, year=False)} and has not been held.",
                         f"review_overdue:{family_id}:{due.isoformat()}")
        else:
            notifier.add(recipient, "review_due", family_id,
                         f"A review for {reference} is due on {day_text(due, year=False)}.",
                         f"review_due:{family_id}:{due.isoformat()}", _not_heard_detail(unheard.get(family_id), held))
    for family_id, framework, due, stage in assessments:
        reference, worker_id, team_id = families[family_id]
        recipient = worker_id or next(iter(managers.get(team_id, [])), None)
        notifier.add(recipient, "assessment_due", family_id,
                     f"{'An initial' if stage == 'initial' else 'A review'} assessment for {reference} "
                     f"is due on {day_text(due, year=False)}.",
                     f"assessment_due:{family_id}:{framework}:{due.isoformat()}")
    for user_id, family_id, reference, due, action_id in partners.action_reminders(session, today, now):
        notifier.add(user_id, "action_due", family_id, f"An action for {reference} is due on {day_text(due)}.",
                     f"action_due:{action_id}")
    for planned in diary.unrecorded_visits(session, today):
        notifier.add(planned.worker_id, "visit_unrecorded", planned.family_id,
                     f"The visit to {planned.reference} planned for {day_text(planned.date)} has not been recorded.",
                     f"visit_unrecorded:{planned.id}:{planned.date.isoformat()}")
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
    created = {}
    for flag_id, family_id, rule, subject_key in sorted(inserted):
        created[(family_id, rule, subject_key)] = flag_id
    audit.inserted(session, Flag.__tablename__, {flag_id: by_key[key] for key, flag_id in created.items()})
    return created


def _review_reminders(session: Session, today: dt.date) -> list[tuple[int, dt.date, bool, dt.date | None]]:
    """``(family_id, due, overdue, last review held)`` for reviews due within the reminder
    window or overdue."""
    ahead = dt.timedelta(days=current_app.config["CASEWORK_REVIEW_REMINDER_DAYS"])
    due_on = review_due(today)
    rows = session.execute(
        select(Family.id, due_on, last_review_held(today)).where(
            Family.phase.in_(OPEN_PHASES), Family.opened_on <= today, due_on <= today + ahead)
    )
    return [(family_id, due, due < today, held) for family_id, due, held in rows]


def _not_heard_detail(names: list[str] | None, held: dt.date | None) -> str | None:
    """The review reminder's word on the children to hear before the review (first names)."""
    if not names:
        return None
    since = f"since the last review on {day_text(held, year=False)}" if held else "since the family opened"
    return f"Not heard {since}: {', '.join(names)}."
