"""The daily sweep: flags raised once, resolved when their condition clears, reminders and
e-mail digests sent once, the scheduler's catch-up and lock, and the run-jobs command."""
import datetime as dt
import json
import time

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import EmailDigest, Flag, Notification
from casework.scheduler import run_daily
from casework.services import flags as flag_service
from casework.services.clock import sweep_time
from casework.services.sweep import run_sweep

from .factories import FamilyFactory, GoalFactory, RatingFactory, VisitFactory, VoiceFactory

DAY = dt.date(2026, 6, 15)  # a Monday


@pytest.fixture
def stalled_family(worker):
    """Open 60 days, all children seen and heard last week, a goal with no rating for 40 days."""
    family = FamilyFactory(worker=worker, opened_on=DAY - dt.timedelta(days=60),
                           phase="making_changes", phase_since=DAY - dt.timedelta(days=30))
    visit = VisitFactory(family=family, date=DAY - dt.timedelta(days=7))
    for child in family.children:
        VoiceFactory(family=family, child=child, date=visit.date, visit_id=visit.id)
    from casework.models import Review

    db.session.add(Review(family=family, held_on=DAY - dt.timedelta(days=20), decision="continue", recorded_by=worker))
    goal = GoalFactory(family=family, start_date=DAY - dt.timedelta(days=40), target_date=DAY + dt.timedelta(days=60))
    return family, goal


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_sweep_raises_a_flag_and_tells_the_worker(app, stalled_family, worker):
    family, goal = stalled_family
    summary = run_sweep(db.session, sweep_time(DAY))
    [flag] = db.session.scalars(select(Flag)).all()
    assert (flag.rule, flag.subject_key, flag.severity, flag.status) == (
        "goal_stalled", f"goal:{goal.id}", "medium", "open")
    assert flag.raised_on == DAY
    assert summary.flags_raised == 1
    [note] = db.session.scalars(select(Notification).where(Notification.kind == "flag_raised")).all()
    assert note.user_id == worker.id
    assert family.reference in note.message and family.household_name not in note.message


def test_a_flag_the_sweep_raises_is_audited_as_any_new_row(app, stalled_family):
    from casework.models import AuditEvent

    run_sweep(db.session, sweep_time(DAY))
    [flag] = db.session.scalars(select(Flag)).all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "flags")).all()
    assert (event.action, event.record_id, event.family_id, event.user_id) == ("create", flag.id, flag.family_id, None)
    assert event.detail["changed"]["rule"] == [None, "goal_stalled"]
    assert event.detail["changed"]["raised_on"] == [None, DAY.isoformat()]
    assert event.detail["personal_fields_changed"] == ["message"] and "message" not in event.detail["changed"]


def test_a_second_sweep_at_the_same_moment_adds_nothing(app, stalled_family):
    run_sweep(db.session, sweep_time(DAY))
    db.session.commit()
    again = run_sweep(db.session, sweep_time(DAY))
    assert (again.flags_raised, again.notifications) == (0, 0)
    assert count(Flag) == 1 and count(Notification, Notification.kind == "flag_raised") == 1


def test_a_flag_resolves_itself_when_the_goal_improves(app, stalled_family):
    family, goal = stalled_family
    run_sweep(db.session, sweep_time(DAY))
    RatingFactory(goal=goal, date=DAY + dt.timedelta(days=1), rating=6)
    summary = run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=2)))
    flag = db.session.scalar(select(Flag))
    assert summary.flags_resolved == 1
    assert flag.status == "resolved" and flag.resolution == "Goal rated 6 on 16 Jun."


def test_escalation_to_high_tells_the_manager_once(app, stalled_family, manager):
    family, goal = stalled_family
    run_sweep(db.session, sweep_time(DAY))
    later = DAY + dt.timedelta(days=16)  # 56 days since the goal started
    summary = run_sweep(db.session, sweep_time(later))
    assert summary.flags_escalated >= 1
    flag = db.session.scalar(select(Flag).where(Flag.rule == "goal_stalled"))
    assert flag.severity == "high"
    manager_notes = db.session.scalars(
        select(Notification).where(Notification.user_id == manager.id, Notification.kind == "flag_escalated")
    ).all()
    run_sweep(db.session, sweep_time(later + dt.timedelta(days=1)))
    escalated = count(Notification, Notification.user_id == manager.id, Notification.kind == "flag_escalated")
    assert escalated == len(manager_notes) >= 1


def test_a_manager_resolved_flag_returns_28_days_later_if_nothing_changed(app, stalled_family, manager):
    run_sweep(db.session, sweep_time(DAY))
    flag = db.session.scalar(select(Flag))
    flag_service.resolve(db.session, manager, flag, "Discussed in supervision; new plan agreed.", sweep_time(DAY))
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=27)))
    assert count(Flag, Flag.status != "resolved", Flag.rule == "goal_stalled") == 0
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=28)))
    assert count(Flag, Flag.status != "resolved", Flag.rule == "goal_stalled") == 1


def test_review_reminders_before_and_after_the_due_date(app, worker, manager):
    family = FamilyFactory(worker=worker, opened_on=DAY - dt.timedelta(days=35))  # review due DAY + 7
    run_sweep(db.session, sweep_time(DAY - dt.timedelta(days=1)))
    assert count(Notification, Notification.kind == "review_due") == 0  # 8 days ahead: not yet
    run_sweep(db.session, sweep_time(DAY))
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=3)))
    [due] = db.session.scalars(select(Notification).where(Notification.kind == "review_due")).all()
    assert due.message == f"A review for {family.reference} is due on 22 Jun."
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=7)))  # due today: no overdue yet
    assert count(Notification, Notification.kind == "review_overdue") == 0
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=8)))
    assert count(Notification, Notification.kind == "review_overdue", Notification.user_id == worker.id) == 1
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=13)))
    assert count(Flag, Flag.rule == "review_overdue") == 0
    run_sweep(db.session, sweep_time(DAY + dt.timedelta(days=14)))
    assert count(Flag, Flag.rule == "review_overdue") == 1
    assert count(Notification, Notification.user_id == manager.id, Notification.kind == "flag_raised") >= 1


# E-mail ----------------------------------------------------------------------------------------

def test_one_digest_a_day_by_reference_only(app, smtp, stalled_family, worker, manager):
    family, _ = stalled_family
    summary = run_daily(sweep_time(DAY))
    recipients = sorted(r for rcpts, _ in smtp.messages for r in rcpts)
    assert recipients == sorted([worker.email, manager.email])  # Monday: the manager's summary too
    assert summary.emails == 2
    worker_mail = next(body for rcpts, body in smtp.messages if rcpts == [worker.email])
    assert family.reference in worker_mail
    assert family.household_name not in worker_mail and "bedtime" not in worker_mail
    VisitFactory(family=family, date=DAY, outcome="no_access")
    VisitFactory(family=family, date=DAY, outcome="no_access")
    db.session.commit()
    run_daily(sweep_time(DAY) + dt.timedelta(hours=5))  # new flag, same day: no second e-mail
    assert len(smtp.messages) == 2
    run_daily(sweep_time(DAY + dt.timedelta(days=1)))  # next day: what was held back
    assert sorted(r for rcpts, _ in smtp.messages[2:] for r in rcpts) == sorted([worker.email, manager.email])
    assert "no access" in next(body for rcpts, body in smtp.messages[2:] if rcpts == [manager.email])
    run_daily(sweep_time(DAY + dt.timedelta(days=1)))
    assert len(smtp.messages) == 4 and count(EmailDigest) == 4


def test_an_smtp_failure_loses_nothing(app, stalled_family):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    try:
        summary = run_daily(sweep_time(DAY))
    finally:
        app.config.update(MAIL_SERVER="")
    assert summary.emails == 0
    assert count(Notification, Notification.emailed_on.is_(None)) == count(Notification) > 0


# The command and the scheduler ---------------------------------------------------------------------

def test_run_jobs_command_prints_a_json_summary(app, stalled_family):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["run-jobs", "--now", DAY.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["date"] == "2026-06-15" and summary["flags_raised"] == 1
    again = app.test_cli_runner().invoke(args=["run-jobs", "--now", "2026-06-15T06:00:00+01:00"])
    assert "0 flags raised" in again.output


def test_a_sweep_run_by_hand_today_is_not_run_again_by_the_scheduler(app, monkeypatch, tmp_path):
    """``flask run-jobs`` records the completed sweep as the scheduler does: a scheduler started
    afterwards the same day does not catch it up. One run for an earlier day does not count."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from casework import scheduler as scheduler_module
    from casework.services.clock import current_time, local_date

    runs = []
    monkeypatch.setattr(scheduler_module, "daily_sweep", lambda: runs.append(dt.datetime.now()))
    store = SQLAlchemyJobStore(url=f"sqlite:///{tmp_path}/jobs.sqlite3")
    assert scheduler_module.missed_sweep(store)  # nothing has run today

    # The day before the sweep last due (before 06:00 that is the day before yesterday).
    earlier = local_date(scheduler_module.last_due(current_time())) - dt.timedelta(days=1)
    assert app.test_cli_runner().invoke(args=["run-jobs", "--now", earlier.isoformat()]).exit_code == 0
    assert scheduler_module.missed_sweep(store)
    assert app.test_cli_runner().invoke(args=["run-jobs"]).exit_code == 0
    assert not scheduler_module.missed_sweep(store)

    scheduler = scheduler_module.build_scheduler(app, BackgroundScheduler, store)
    scheduler.start()
    try:
        time.sleep(0.5)
        next_run = scheduler.get_job(scheduler_module.DAILY_SWEEP_JOB).next_run_time
    finally:
        scheduler.shutdown()
    assert runs == [] and next_run > dt.datetime.now(next_run.tzinfo)


def test_run_jobs_refuses_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["run-jobs", "--now", "15/06/2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_only_one_scheduler_holds_the_lock(app):
    from casework.scheduler import LeaderLock

    first, second = LeaderLock(app), LeaderLock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_after_three_days_down_the_missed_sweep_runs_once(app, monkeypatch, tmp_path):
    """The scheduler process is stopped, three days pass, it starts again: one sweep, at once."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import update

    from casework import scheduler as scheduler_module

    runs = []
    monkeypatch.setattr(scheduler_module, "daily_sweep", lambda: runs.append(dt.datetime.now()))
    url = f"sqlite:///{tmp_path}/jobs.sqlite3"
    first = scheduler_module.build_scheduler(app, BackgroundScheduler, SQLAlchemyJobStore(url=url))
    first.start(paused=True)
    first.shutdown()
    store = SQLAlchemyJobStore(url=url)
    three_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).timestamp()
    with store.engine.begin() as connection:  # as if it had been down since then
        connection.execute(update(store.jobs_t).values(next_run_time=three_days_ago))

    scheduler = scheduler_module.build_scheduler(app, BackgroundScheduler, store)
    scheduler.start()
    try:
        deadline = time.time() + 5
        while not runs and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        next_run = scheduler.get_job(scheduler_module.DAILY_SWEEP_JOB).next_run_time
    finally:
        scheduler.shutdown()
    assert len(runs) == 1
    assert next_run > dt.datetime.now(next_run.tzinfo)
    assert next_run.hour == 6
