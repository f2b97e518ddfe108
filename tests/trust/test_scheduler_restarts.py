"""Trust figure 6 and the scheduler's lock at scale: real ``flask --app casework scheduler``
processes, on SQLite and on PostgreSQL.

* Restarts: two schedulers run at once all along (the second started by mistake, waiting on
  the lock); the active one is killed with SIGKILL at a random moment around the sweep, 20 times
  in the full run, while new families fall due for a review and the sweep is owed again.
  Every (review, due date) ends with exactly one reminder, and a sweep run by hand afterwards
  finds nothing left to do.
* Failover: on a service of a few thousand families (a few hundred in the quick run), the
  active scheduler is killed in the middle of the day's sweep, after its work is written but
  before it is committed; the standby takes the lock and runs the missed sweep, once: one
  completed sweep for the day, and exactly the one set of flags and notifications it reports.

The schedulers are started with ``flask --app 'tests.trust.test_scheduler_restarts:scheduler_app(...)'
scheduler``: the real command and application, whose standby tries for the lock every half
second instead of every 30, and whose sweep, in these tests only, holds its written but
uncommitted work for a moment so that a kill can land in the middle of it."""
from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import Counter

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Column, Float, MetaData, String, Table, func, inspect, select, update

from casework import scheduler as scheduler_module
from casework.demo.seed import seed_demo
from casework.models import AuditEvent, Flag, Notification
from casework.scheduler import SWEEP_DONE
from casework.services import clock
from casework.services.sweep import run_sweep

from ..factories import FamilyFactory, UserFactory
from .figures import record, scale
from .processes import Child, child_env

ACTIVE = "Scheduler active"
WAITING = "Another scheduler is active"
STARTING = "Daily sweep for"  # "... starting."
HELD = "Test hold:"
SUMMARY = "Sweep for"  # the summary line: "Sweep for 2026-06-15: ..."
REMINDERS = ("review_due", "review_overdue")
# APScheduler's job store table (it makes and owns it): only the column these tests move.
JOBS = Table("scheduler_jobs", MetaData(), Column("id", String(191), primary_key=True), Column("next_run_time", Float))


def scheduler_app(hold: float = 0.0, poll: float = 0.5):
    """The application for ``flask --app`` in these tests: configured from the environment
    (``DATABASE_URL``) as in production; the standby polls every ``poll`` seconds, and the
    sweep, once its work is written, waits ``hold`` seconds before committing."""
    from casework import create_app
    from casework.services import sweep

    app = create_app({"CASEWORK_SCHEDULER_POLL_SECONDS": poll})
    if hold:
        real_sweep = sweep.run_sweep

        def held_sweep(session, now):
            summary = real_sweep(session, now)
            print(f"{HELD} the sweep's work is written, not yet committed; waiting {hold} s.", flush=True)
            time.sleep(hold)
            return summary

        sweep.run_sweep = held_sweep  # run_daily looks it up at each call
    return app


def start_scheduler(app, hold: float) -> Child:
    factory = f"{__name__}:scheduler_app({hold!r}, 0.5)"
    return Child([sys.executable, "-m", "flask", "--app", factory, "scheduler"], child_env(app))


def is_summary(line: str) -> bool:
    return line.startswith(SUMMARY) or (f" {SUMMARY} " in line and "open families" in line)


def summaries(child: Child) -> list[str]:
    return [line for line in list(child.lines) if is_summary(line)]


def sweeps_started(child: Child) -> int:
    return sum(STARTING in line and line.endswith("starting.") for line in list(child.lines))


def owe_the_sweep(db) -> None:
    """As if 06:00 had passed while no scheduler ran: the stored job's next run is in the past."""
    if inspect(db.engine).has_table(JOBS.name):
        db.session.execute(update(JOBS).values(next_run_time=time.time() - 60))
        db.session.commit()


def reminder_counts(db) -> Counter:
    """Reminders per (family, review due date), from the notifications' keys."""
    keys = db.session.scalars(select(Notification.key).where(Notification.kind.in_(REMINDERS))).all()
    db.session.commit()
    return Counter((int(key.split(":")[1]), key.split(":")[2]) for key in keys)


def by_hand(db):
    """What a sweep run now by hand would still add (then undone): nothing, if the day is done."""
    summary = run_sweep(db.session, clock.current_time())
    db.session.rollback()
    return summary


def stop(*children: Child) -> None:
    for child in children:
        child.kill()


def test_restarts_around_the_sweep_leave_one_reminder_per_review_due(app, db, team, today):
    restarts = scale(3, 20)
    rng = random.Random(20260615)
    worker = UserFactory(team=team, role="worker")
    UserFactory(team=team, role="manager")
    db.session.commit()
    added: list[int] = []

    def add_work(count: int) -> None:
        """Families whose review falls due within the week, or is overdue."""
        families = [
            FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=rng.randint(36, 60)))
            for _ in range(count)
        ]
        added.extend(family.id for family in families)
        db.session.commit()

    add_work(20)
    hold = 1.0
    started = time.monotonic()
    first, second = start_scheduler(app, hold), start_scheduler(app, hold)
    children = [first, second]
    mid_sweep_kills = 0
    try:
        assert first.wait_for(lambda line: ACTIVE in line or WAITING in line, 120), first.output()
        assert second.wait_for(lambda line: ACTIVE in line or WAITING in line, 120), second.output()
        leader, standby = (first, second) if first.has(ACTIVE) else (second, first)
        assert standby.has(WAITING) and not standby.has(ACTIVE), (leader.output(), standby.output())
        took_over = time.monotonic()
        for _ in range(restarts):
            add_work(5)  # people carry on working meanwhile
            # A random moment in the leader's life: before, during or after the sweep it owes.
            time.sleep(max(0.0, took_over + rng.uniform(0, 2 * hold + 1) - time.monotonic()))
            mid_sweep_kills += sweeps_started(leader) > len(summaries(leader))
            # The standby is frozen for the moment it takes to owe the next leader a sweep (as
            # if 06:00 had passed): the dead leader can no longer move the stored job on, and
            # the standby reads it only once it is written.
            standby.pause()
            leader.kill()
            owe_the_sweep(db)
            standby.resume()
            assert standby.wait_for(lambda line: ACTIVE in line, 60), standby.output()
            took_over = time.monotonic()
            replacement = start_scheduler(app, hold)  # and again a second one, by mistake
            children.append(replacement)
            leader, standby = standby, replacement
        # The last leader took over owing a sweep that sees every family added: let it finish.
        assert leader.wait_for(is_summary, 60), leader.output()
        assert standby.wait_for(lambda line: WAITING in line, 60), standby.output()
        assert not standby.has(ACTIVE)
    finally:
        stop(*children)
    elapsed = time.monotonic() - started

    counts = reminder_counts(db)
    per_added = [sum(n for (family_id, _), n in counts.items() if family_id == added_id) for added_id in added]
    left = by_hand(db)
    completed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == SWEEP_DONE))
    db.session.commit()
    figures = {
        "database": db.engine.dialect.name,
        "restarts": restarts,
        "schedulers_at_once": 2,
        "kills_mid_sweep": mid_sweep_kills,
        "sweeps_started": sum(sweeps_started(child) for child in children),
        "sweeps_completed": completed,
        "reviews_due": len(counts),
        "reminders_per_review_due_min": min(counts.values(), default=0),
        "reminders_per_review_due_max": max(counts.values(), default=0),
        "left_for_a_sweep_by_hand": left.notifications + left.flags_raised,
        "seconds": round(elapsed, 1),
    }
    ok = set(counts.values()) == {1} and set(per_added) == {1} and left.notifications == 0 and left.flags_raised == 0
    record("scheduler_restarts", **figures, bound_ok=ok)
    assert set(counts.values()) == {1}, figures
    assert set(per_added) == {1}, figures  # every family added along the way: one reminder
    assert (left.notifications, left.flags_raised) == (0, 0), figures


def test_the_standby_finishes_the_sweep_the_killed_leader_began_once(app, db, today, monkeypatch):
    families = scale(300, 3000)
    seed_demo(db.session, today, random.Random(2026), families=families, password_hash="x", prefix="FP")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    db.session.commit()
    # A scheduler has run on this service before, and the day's 06:00 has come: the sweep is due.
    with monkeypatch.context() as patched:
        patched.setattr(scheduler_module, "missed_sweep", lambda jobstore: False)  # store it, never run it here
        earlier = scheduler_module.build_scheduler(app, BackgroundScheduler)
        earlier.start(paused=True)
        earlier.shutdown()
    owe_the_sweep(db)
    hold = 2.5

    started = time.monotonic()
    first, second = start_scheduler(app, hold), start_scheduler(app, hold)
    try:
        assert first.wait_for(lambda line: ACTIVE in line or WAITING in line, 120), first.output()
        assert second.wait_for(lambda line: ACTIVE in line or WAITING in line, 120), second.output()
        leader, standby = (first, second) if first.has(ACTIVE) else (second, first)
        assert standby.has(WAITING) and not standby.has(ACTIVE)
        # The sweep is due, so the leader starts it at once.
        assert leader.wait_for(lambda line: STARTING in line and line.endswith("starting."), 60), leader.output()
        time.sleep(random.uniform(0, 1.0))  # a random moment in the sweep, before its commit
        killed_at = time.monotonic()
        leader.kill()
        killed_mid_sweep = not summaries(leader)
        committed_before_takeover = None
        if not standby.has(ACTIVE):
            committed_before_takeover = db.session.scalar(select(func.count()).select_from(Notification))
            db.session.commit()
        assert standby.wait_for(lambda line: ACTIVE in line, 60), standby.output()
        takeover = time.monotonic() - killed_at
        assert standby.wait_for(is_summary, 60), standby.output()
        finished = time.monotonic() - killed_at
    finally:
        stop(first, second)
    elapsed = time.monotonic() - started

    [line] = summaries(standby)
    notifications = db.session.scalar(select(func.count()).select_from(Notification))
    flags = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.status != "resolved"))
    open_subjects = db.session.execute(
        select(Flag.family_id, Flag.rule, Flag.subject_key, func.count())
        .where(Flag.status != "resolved").group_by(Flag.family_id, Flag.rule, Flag.subject_key)
    ).all()
    completed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == SWEEP_DONE)
    ).all()
    db.session.commit()
    counts = reminder_counts(db)
    left = by_hand(db)
    reported_notifications = int(line.split("; ")[-2].split()[0])
    reported_flags = int(line.split("; ")[1].split()[0])
    figures = {
        "database": db.engine.dialect.name,
        "families": families,
        "killed_mid_sweep": killed_mid_sweep,
        "committed_by_killed_leader": committed_before_takeover,
        "takeover_seconds": round(takeover, 1),
        "missed_sweep_done_seconds": round(finished, 1),
        "sweeps_completed_today": len([e for e in completed if e.detail.get("date") == today.isoformat()]),
        "flags_open": flags,
        "notifications": notifications,
        "reminders_per_review_due_max": max(counts.values(), default=0),
        "left_for_a_sweep_by_hand": left.notifications + left.flags_raised,
        "seconds": round(elapsed, 1),
    }
    ok = (killed_mid_sweep and figures["sweeps_completed_today"] == 1 and notifications == reported_notifications
          and flags == reported_flags and left.notifications == left.flags_raised == 0)
    record("scheduler_failover", **figures, bound_ok=ok)
    assert killed_mid_sweep, leader.output()
    assert committed_before_takeover in (None, 0), figures  # the killed sweep committed nothing
    assert figures["sweeps_completed_today"] == 1, figures
    assert notifications > 0 and flags > 0, figures  # the day's sweep did happen, on a real service
    # Exactly one set: everything there is what the standby's one sweep reports it created...
    assert (notifications, flags) == (reported_notifications, reported_flags), (figures, line)
    assert all(n == 1 for *_, n in open_subjects) and set(counts.values()) == {1}
    # ... and it is the whole day's work: a sweep by hand finds nothing more to do.
    assert (left.notifications, left.flags_raised) == (0, 0), figures
