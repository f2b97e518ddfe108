"""The scheduler process (``flask --app casework scheduler``): the one place scheduled jobs run.

Never started by ``create_app`` or a web worker. Only one scheduler is active at a time: each
holds a lock (a PostgreSQL advisory lock, or a file lock beside a SQLite database) and a second
one started by mistake waits, idle, and takes over if the first dies. Jobs live in a persistent
SQLAlchemy job store with ``coalesce`` and a generous ``misfire_grace_time``, so after downtime
the missed day's sweep runs once: not zero times, and not once per missed day.

APScheduler moves a job's next run on *before* running it, so a scheduler killed in the middle
of the sweep would leave the store saying "done until tomorrow". Each completed sweep therefore
leaves an audit event (``daily_sweep``, with its summary), whether the scheduler ran it or
someone ran ``flask run-jobs`` (both run ``run_daily``); a scheduler that starts, or takes
over, and finds no sweep for today completed since the last 06:00 runs it at once. The sweep is
idempotent, so running it again after a crash between its commit and that event adds nothing.
"""
from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from .database import refresh_statistics
from .extensions import db
from .models import AuditEvent
from .services import audit, clock, mail, sweep
from .services.sweep import SweepSummary

log = logging.getLogger(__name__)

DAILY_SWEEP_JOB = "daily-sweep"
SWEEP_DONE = "daily_sweep"  # the audit action a completed sweep leaves
ADVISORY_LOCK_KEY = 0x63617365  # "case"
_app: Flask | None = None


@contextlib.contextmanager
def cycle_collector_paused():
    """The sweep makes hundreds of thousands of short-lived rows, tuples and dicts: Python's
    cycle collector, run every few hundred of them, walked everything the process holds again
    and again and took a third of the first sweep's time. They hold no reference cycles, so
    reference counting frees them all the same; the collector runs again afterwards. Paused
    here, by the job that runs the sweep (and the benchmark), not by the sweep itself: a service
    function has no global side effect."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run_daily(now: datetime) -> SweepSummary:
    """The daily job, as the scheduler runs it at 06:00 and ``flask run-jobs`` by hand: the
    sweep, the e-mail digests, and the record that the day's sweep completed. The sweep is
    committed before any e-mail goes (no e-mail tells of work rolled back, and the write lock
    is not held while the mail server answers); the digests sent and the record, after."""
    with cycle_collector_paused():
        summary = sweep.run_sweep(db.session, now)
        db.session.commit()
    summary.emails = mail.send_digests(db.session, now)
    audit.record(db.session, SWEEP_DONE, record_type="sweep", detail=summary.as_dict())
    db.session.commit()
    # After the day's record, in a transaction of its own: it only helps the planner keep up
    # with the rows as they grow, and must not take the record with it if it fails.
    refresh_statistics(db.session)
    db.session.commit()
    return summary


def daily_sweep() -> None:
    """The scheduled job (referenced by name from the job store)."""
    with _app.app_context():
        now = clock.current_time()
        log.info("Daily sweep for %s starting.", clock.local_date(now).isoformat())
        log.info(run_daily(now).line())


def last_due(now: datetime) -> datetime:
    """The latest moment at or before ``now`` when the daily sweep was due (06:00 local)."""
    today = clock.local_date(now)
    due = clock.sweep_time(today)
    return due if due <= now else clock.sweep_time(today - timedelta(days=1))


def sweep_completed_since(moment: datetime) -> bool:
    """Whether a daily sweep for the day of ``moment`` (or a later one) has completed at or
    after ``moment`` (its audit event). A sweep run by hand for an earlier day does not count."""
    if not inspect(db.engine).has_table(AuditEvent.__tablename__):
        return True  # no schema yet: nothing to catch up on
    with db.engine.connect() as connection:  # not the session: on SQLite it would hold the write lock
        summaries = connection.execute(
            select(AuditEvent.detail)
            .where(AuditEvent.user_id.is_(None), AuditEvent.action == SWEEP_DONE, AuditEvent.at >= moment)
        ).scalars()
        day = clock.local_date(moment).isoformat()
        return any((summary or {}).get("date", "") >= day for summary in summaries)


class LeaderLock:
    """Held for the life of the process by the one active scheduler."""

    def __init__(self, app: Flask):
        self.app = app
        self._connection = None
        self._file = None

    def acquire(self) -> bool:
        if db.engine.dialect.name == "postgresql":
            # One lock per schema: two services sharing a database in schemas of their own
            # (or two test runs) each have their own active scheduler.
            with db.engine.connect() as connection:
                schema = connection.execute(text("SELECT current_schema()")).scalar() or ""
            schema_key = zlib.crc32(schema.encode()) - 2**31  # a signed 32-bit int
            # A connection of its own, outside the pool: when it closes (or the process
            # dies) the session ends and PostgreSQL releases the lock.
            connect_args = self.app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
            connection = create_engine(db.engine.url, poolclass=NullPool, connect_args=connect_args).connect()
            if connection.execute(
                text("SELECT pg_try_advisory_lock(:key, :schema_key)"),
                {"key": ADVISORY_LOCK_KEY, "schema_key": schema_key},
            ).scalar():
                connection.commit()
                self._connection = connection  # the lock lives as long as this connection
                return True
            connection.close()
            return False
        handle = open(self.path(), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def path(self) -> Path:
        """SQLite: the lock file, beside the database file (so two services in one instance
        folder, or two test runs, never share it), e.g. ``instance/casework.sqlite3.scheduler-lock``."""
        database = db.engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            database = Path(database).absolute()
            return database.with_name(database.name + ".scheduler-lock")
        return Path(self.app.instance_path) / "scheduler.lock"

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None


def build_scheduler(app: Flask, scheduler_class=BlockingScheduler, jobstore=None):
    """The scheduler with its one daily job. The job store defaults to the application's own
    database (table ``scheduler_jobs``, which APScheduler manages itself)."""
    global _app
    _app = app
    jobstore = jobstore or SQLAlchemyJobStore(engine=db.engine, tablename="scheduler_jobs")
    scheduler = scheduler_class(
        timezone=app.config["CASEWORK_TIMEZONE"],
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 7 * 24 * 3600},
    )
    scheduler.add_job(
        f"{__name__}:daily_sweep",
        CronTrigger(hour=app.config["CASEWORK_SWEEP_HOUR"], minute=0, timezone=app.config["CASEWORK_TIMEZONE"]),
        id=DAILY_SWEEP_JOB,
        name="Daily sweep: reminders, flags and e-mail",
        replace_existing=True,
        # Replacing the stored job would recompute its next run from now and so forget a sweep
        # missed while the scheduler was down (or stopped half-way through it): run it now, once.
        **({"next_run_time": datetime.now(UTC)} if missed_sweep(jobstore) else {}),
    )
    return scheduler


def missed_sweep(jobstore: SQLAlchemyJobStore) -> bool:
    """Whether the daily sweep is owed now: its stored next run has passed, or no sweep has
    completed since it was last due (the scheduler was stopped, or killed in the middle of it)."""
    return _missed_run(jobstore) or not sweep_completed_since(last_due(clock.current_time()))


def _missed_run(jobstore: SQLAlchemyJobStore) -> bool:
    """Whether the stored daily sweep's next run is already in the past."""
    if not inspect(jobstore.engine).has_table(jobstore.jobs_t.name):
        return False
    with jobstore.engine.connect() as connection:
        next_run = connection.execute(
            select(jobstore.jobs_t.c.next_run_time).where(jobstore.jobs_t.c.id == DAILY_SWEEP_JOB)
        ).scalar()
    return next_run is not None and next_run < datetime.now(UTC).timestamp()


def run(app: Flask, poll_seconds: float | None = None, echo=print) -> None:
    """Wait to become the active scheduler, then run jobs until stopped. A standby tries for
    the lock every ``poll_seconds`` (``CASEWORK_SCHEDULER_POLL_SECONDS``, 30)."""
    # Its own log lines (each sweep's summary) and APScheduler's go to stderr at INFO, so a
    # service manager's journal keeps them.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if poll_seconds is None:
        poll_seconds = float(app.config.get("CASEWORK_SCHEDULER_POLL_SECONDS", 30))
    lock = LeaderLock(app)
    announced = False
    while not lock.acquire():
        if not announced:
            echo("Another scheduler is active; waiting to take over if it stops.")
            announced = True
        time.sleep(poll_seconds)
    echo(f"Scheduler active (pid {os.getpid()}); daily sweep at {app.config['CASEWORK_SWEEP_HOUR']:02d}:00 "
         f"{app.config['CASEWORK_TIMEZONE']}.")
    try:
        build_scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
