"""The scheduler process (``flask --app casework scheduler``): the one place scheduled jobs run.

Never started by ``create_app`` or a web worker. Only one scheduler is active at a time: each
holds a lock (a PostgreSQL advisory lock, or a file lock beside a SQLite database) and a second
one started by mistake waits, idle, and takes over if the first dies. Jobs live in a persistent
SQLAlchemy job store with ``coalesce`` and a generous ``misfire_grace_time``, so after downtime
the missed day's sweep runs once: not zero times, and not once per missed day.
"""
from __future__ import annotations

import fcntl
from datetime import datetime, timezone
import logging
import os
import time
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from .extensions import db
from .services import clock
from .services.sweep import run_daily

log = logging.getLogger(__name__)

DAILY_SWEEP_JOB = "daily-sweep"
ADVISORY_LOCK_KEY = 0x63617365  # "case"
_app: Flask | None = None


def daily_sweep() -> None:
    """The scheduled job (referenced by name from the job store)."""
    with _app.app_context():
        summary = run_daily(db.session, clock.current_time())
        log.info(summary.line())


class LeaderLock:
    """Held for the life of the process by the one active scheduler."""

    def __init__(self, app: Flask):
        self.app = app
        self._connection = None
        self._file = None

    def acquire(self) -> bool:
        if db.engine.dialect.name == "postgresql":
            # A connection of its own, outside the pool: when it closes (or the process
            # dies) the session ends and PostgreSQL releases the lock.
            connection = create_engine(db.engine.url, poolclass=NullPool).connect()
            if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar():
                connection.commit()
                self._connection = connection  # the lock lives as long as this connection
                return True
            connection.close()
            return False
        path = Path(self.app.instance_path) / "scheduler.lock"
        handle = open(path, "a+")
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
        # missed while the scheduler was down: when that run is overdue, run it now (once).
        **({"next_run_time": datetime.now(timezone.utc)} if _missed_run(jobstore) else {}),
    )
    return scheduler


def _missed_run(jobstore: SQLAlchemyJobStore) -> bool:
    """Whether the stored daily sweep's next run is already in the past."""
    if not inspect(jobstore.engine).has_table(jobstore.jobs_t.name):
        return False
    with jobstore.engine.connect() as connection:
        next_run = connection.execute(
            select(jobstore.jobs_t.c.next_run_time).where(jobstore.jobs_t.c.id == DAILY_SWEEP_JOB)
        ).scalar()
    return next_run is not None and next_run < datetime.now(timezone.utc).timestamp()


def run(app: Flask, poll_seconds: float = 30, echo=print) -> None:
    """Wait to become the active scheduler, then run jobs until stopped."""
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
