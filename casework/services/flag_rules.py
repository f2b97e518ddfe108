"""The escalation rules. Each reads only the dates the worker recorded and the ``today`` it is
given (never a clock, never when a row was inserted), and looks at the whole service in a few
set-based queries. Each answers ``Finding``s: what should be flagged today, and why. The rules
about each child (seen, heard) are in flag_rules_children.py; ``evaluate`` here runs them all.

The same rules decide, for one family, whether a record just saved has cleared a flag
(``evaluate(..., family_ids=[id])``, see ``flags.resolve_cleared``): scoped, every query only
reads that family's rows.

Windows follow the contract: "the last 28 days" are the dates d with today - 28 < d <= today.
A flag that someone resolved while its condition still held restarts its clock on the day it
was resolved: the rule then counts from that day, so it returns only if the condition holds
again a full period later.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from ..models import (
    OPEN_PHASES,
    PHASE_LABELS,
    Family,
    Flag,
    Goal,
    GoalRating,
    GoalStatus,
    MeetingAction,
    Severity,
    Visit,
    VisitOutcome,
    subject_key,
)
from .clock import day_text
from .flag_context import Context, Finding, load_context
from .flag_rules_children import child_not_seen, child_voice_missing
from .review_schedule import review_due


def review_overdue(session: Session, ctx: Context) -> list[Finding]:
    # Only reviews due at least the escalation period ago can be flagged (a restart only
    # counts from later).
    due_by = ctx.today - dt.timedelta(days=ctx.settings.review_escalate_days)
    due_on = review_due(ctx.today)
    findings = []
    for family_id, due in session.execute(
        select(Family.id, due_on).where(Family.phase.in_(OPEN_PHASES), ctx.within(Family.id), due_on <= due_by)
    ):
        if family_id not in ctx.families:
            continue
        counted_from = ctx.since(family_id, "review_overdue", "review", due)
        if (ctx.today - counted_from).days >= ctx.settings.review_escalate_days:
            days = (ctx.today - due).days
            findings.append(
                Finding(family_id, "review_overdue", "review", Severity.HIGH,
                        f"Review due on {day_text(due, year=False)} has not been held: {days} days overdue.",
                        escalate=True)
            )
    return findings


def goal_stalled(session: Session, ctx: Context) -> list[Finding]:
    s = ctx.settings
    window_start = ctx.today - dt.timedelta(days=s.stall_days)  # exclusive
    # An improvement is a rating above every one before it (and the baseline). There was one in
    # the window exactly when the best rating so far beats the best before the window: so one
    # row per goal decides which goals may be flagged, and only their ratings are read.
    best = (
        select(
            GoalRating.goal_id,
            func.max(GoalRating.rating).label("ever"),
            func.max(case((GoalRating.date <= window_start, GoalRating.rating))).label("before"),
        )
        .join(Goal)
        .join(Family)
        .where(Family.phase.in_(OPEN_PHASES), Goal.status == GoalStatus.ACTIVE, GoalRating.date <= ctx.today,
               ctx.within(Goal.family_id))
        .group_by(GoalRating.goal_id)
        .subquery()
    )
    improved = (best.c.ever > Goal.baseline) & (best.c.before.is_(None) | (best.c.ever > best.c.before))
    # Only goals stalled or past their target can be flagged (a restart only makes a goal
    # flagged less): the database leaves the rest out.
    goals = session.execute(
        select(Goal.id, Goal.family_id, Goal.title, Goal.baseline, Goal.start_date, Goal.target_date,
               best.c.ever, best.c.before)
        .join(Family)
        .outerjoin(best, best.c.goal_id == Goal.id)
        .where(Family.phase.in_(OPEN_PHASES), Goal.status == GoalStatus.ACTIVE, Goal.start_date <= ctx.today,
               ctx.within(Goal.family_id),
               ((Goal.start_date <= window_start) & ~func.coalesce(improved, False)) | (Goal.target_date < ctx.today))
    ).all()
    candidates = []
    for goal in goals:
        if goal.family_id not in ctx.families:
            continue
        best_ever, best_before = goal.ever, goal.before
        improved_in_window = best_ever is not None and best_ever > max(goal.baseline, best_before or goal.baseline)
        restarted = ctx.restarts.get((goal.family_id, "goal_stalled", subject_key("goal", goal.id)))
        stalled = max(goal.start_date, restarted or goal.start_date) <= window_start and not improved_in_window
        target_passed = goal.target_date < ctx.today and (restarted is None or restarted <= window_start)
        if stalled or target_passed:
            candidates.append((goal, stalled, target_passed))

    ratings = defaultdict(list)
    ids = [goal.id for goal, *_ in candidates]
    for start in range(0, len(ids), 1000):
        for goal_id, date, rating in session.execute(
            select(GoalRating.goal_id, GoalRating.date, GoalRating.rating)
            .where(GoalRating.goal_id.in_(ids[start:start + 1000]), GoalRating.date <= ctx.today)
            .order_by(GoalRating.goal_id, GoalRating.date, GoalRating.id)
        ):
            ratings[goal_id].append((date, rating))

    findings = []
    for goal, stalled, target_passed in candidates:
        key = subject_key("goal", goal.id)
        history = ratings[goal.id]
        # The best so far before each rating; an improvement beats everything before it.
        best_so_far, last_improvement = goal.baseline, None
        for date, rating in history:
            if rating > best_so_far:
                best_so_far, last_improvement = rating, date
        stalled_since = last_improvement or goal.start_date
        escalate = ((ctx.today - ctx.since(goal.family_id, "goal_stalled", key, stalled_since)).days
                    >= s.stall_escalate_days)
        if history:
            last_date, last_rating = history[-1]
            why = (f"No rating above {best_so_far} since {day_text(stalled_since, year=False)}; "
                   f"last rating {last_rating} on {day_text(last_date, year=False)}.")
        else:
            why = f"No rating since the goal started on {day_text(goal.start_date, year=False)}."
        if target_passed and not stalled:
            why = (f"Target date {day_text(goal.target_date, year=False)} has passed and the goal is not achieved. "
                   + why)
        findings.append(
            Finding(goal.family_id, "goal_stalled", key, Severity.HIGH if escalate else Severity.MEDIUM,
                    f"“{goal.title}”: {why}", escalate=escalate)
        )
    return findings


def overran(phase: str, since: dt.date, today: dt.date, phase_weeks: dict[str, int] | None = None) -> bool:
    """Whether a family in ``phase`` since ``since`` has been in it longer than the practice
    expects (``CASEWORK_PHASE_WEEKS``: 4, 14 and 4 weeks; ``phase_weeks`` when the caller
    has read it already, as the sweep has for every open family)."""
    weeks = (phase_weeks or current_app.config["CASEWORK_PHASE_WEEKS"])[phase]
    return today - since > dt.timedelta(weeks=weeks)


def phase_overrun(session: Session, ctx: Context) -> list[Finding]:
    findings = []
    s = ctx.settings
    for family in ctx.families.values():
        counted_from = ctx.since(family.id, "phase_overrun", "family", family.phase_since)
        if not overran(family.phase, counted_from, ctx.today, s.phase_weeks):
            continue
        weeks = (ctx.today - family.phase_since).days // 7
        expected = dt.timedelta(weeks=s.phase_weeks[family.phase])
        severity = Severity.MEDIUM if ctx.today - counted_from > expected * s.overrun_factor else Severity.LOW
        findings.append(
            Finding(family.id, "phase_overrun", "family", severity,
                    f"In {PHASE_LABELS[family.phase].lower()} since {day_text(family.phase_since, year=False)} "
                    f"({weeks} weeks; expected {s.phase_weeks[family.phase]}).")
        )
    return findings


def no_access(session: Session, ctx: Context) -> list[Finding]:
    # Either test needs two visits missed among the last five (a restart only drops visits):
    # which families have them is asked of each open family's last five visits alone (read
    # through the index on visits by family and date), and only those families' come back.
    missed_kinds = (VisitOutcome.NO_ACCESS, VisitOutcome.CANCELLED)
    last_five = (
        select(Visit.outcome)
        .where(Visit.family_id == Family.id, Visit.date <= ctx.today)
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(5)
        .correlate(Family)
        .subquery()
    )
    missed = select(func.count()).select_from(last_five).where(last_five.c.outcome.in_(missed_kinds))
    candidates = select(Family.id).where(Family.phase.in_(OPEN_PHASES), ctx.within(Family.id),
                                         missed.scalar_subquery() >= 2)
    numbered = (
        select(
            Visit.family_id,
            Visit.date,
            Visit.outcome,
            func.row_number()
            .over(partition_by=Visit.family_id, order_by=(Visit.date.desc(), Visit.id.desc()))
            .label("n"),
        )
        .where(Visit.family_id.in_(candidates), Visit.date <= ctx.today)
        .subquery()
    )
    recent = defaultdict(list)  # newest first
    for family_id, date, outcome in session.execute(
        select(numbered.c.family_id, numbered.c.date, numbered.c.outcome)
        .where(numbered.c.n <= 5)
        .order_by(numbered.c.family_id, numbered.c.n)
    ):
        recent[family_id].append((date, outcome))
    findings = []
    for family_id, visits in recent.items():
        if family_id not in ctx.families:
            continue
        restarted = ctx.restarts.get((family_id, "no_access", "family"))
        if restarted:
            visits = [v for v in visits if v[0] > restarted]
        last_two = [outcome for _, outcome in visits[:2]]
        missed = [v for v in visits if v[1] in missed_kinds]
        if last_two == [VisitOutcome.NO_ACCESS, VisitOutcome.NO_ACCESS]:
            why = (f"The last two visits ({day_text(visits[1][0], year=False)} and "
                   f"{day_text(visits[0][0], year=False)}) were no access.")
        elif len(missed) >= 3:
            why = (f"{len(missed)} of the last {len(visits)} visits were no access or cancelled "
                   f"(latest {day_text(missed[0][0], year=False)}).")
        else:
            continue
        findings.append(Finding(family_id, "no_access", "family", Severity.HIGH, why, escalate=True))
    return findings


def action_overdue(session: Session, ctx: Context) -> list[Finding]:
    """An open action of a Team Around the Family meeting past its due date: low, medium once
    14 days past it."""
    rows = session.execute(
        select(MeetingAction.id, MeetingAction.family_id, MeetingAction.due_on)
        .where(MeetingAction.status == "open", MeetingAction.due_on < ctx.today, ctx.within(MeetingAction.family_id))
    )
    findings = []
    for action_id, family_id, due_on in rows:
        if family_id not in ctx.families:
            continue
        key = subject_key("action", action_id)
        late = (ctx.today - ctx.since(family_id, "action_overdue", key, due_on)).days
        if late < 1:
            continue
        severity = Severity.MEDIUM if late >= 14 else Severity.LOW
        findings.append(Finding(family_id, "action_overdue", key, severity, "An action agreed at a Team Around the "
                                f"Family meeting was due on {day_text(due_on, year=False)}."))
    return findings


RULES = {
    "review_overdue": review_overdue,
    "goal_stalled": goal_stalled,
    "phase_overrun": phase_overrun,
    "no_access": no_access,
    "child_not_seen": child_not_seen,
    "action_overdue": action_overdue,
    "child_voice_missing": child_voice_missing,
}


def evaluate(session: Session, today: dt.date, restarts=None, family_ids=None, rules=None,
             families=None) -> list[Finding]:
    """Every finding of every rule (or of ``rules``) for ``today``: over the whole service, or
    only for ``family_ids`` (whose rows, ``families``, may be in hand)."""
    ctx = load_context(session, today, restarts, family_ids, families)
    if not ctx.families:
        return []
    return [finding for name, rule in RULES.items() if rules is None or name in rules for finding in rule(session, ctx)]


def restart_days(session: Session, family_ids=None) -> dict:
    """The day each subject's flag was last resolved by a person (its clock restarts then):
    over the whole service, or only for ``family_ids``."""
    rows = session.execute(
        select(Flag.family_id, Flag.rule, Flag.subject_key, func.max(Flag.resolved_on))
        .where(Flag.restarts_clock, true() if family_ids is None else Flag.family_id.in_(family_ids))
        .group_by(Flag.family_id, Flag.rule, Flag.subject_key)
    )
    return {(f, r, s): day for f, r, s, day in rows}


def restarts_of(flags) -> dict:
    """``restart_days`` from flags in hand."""
    days: dict = {}
    for flag in flags:
        if flag.restarts_clock and flag.resolved_on:
            key = (flag.family_id, flag.rule, flag.subject_key)
            days[key] = max(days.get(key, flag.resolved_on), flag.resolved_on)
    return days
