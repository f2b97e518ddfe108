"""The demo's diaries: every worker has a few visits planned over the next fortnight, to their
own open families (so the diary, the family page's next visit and the calendar feed have
something to show). Written with one Core insert: a few per worker keeps seeding quick."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..models import PlannedStatus, PlannedVisit
from .families import FamilyPlan

PER_WORKER = (2, 5)
TIMES = (dt.time(9, 30), dt.time(10, 0), dt.time(11, 0), dt.time(13, 30), dt.time(14, 0), dt.time(15, 30))
NOTES = ("Bring the bedtime chart.", "After school pick-up.", "Check the food bank referral went through.",
         "Mum asked for a morning visit.", None, None)


def add_planned_visits(session: Session, rng: random.Random, today: dt.date, plans: list[FamilyPlan]) -> int:
    """Plan a few visits per worker to their open families, on weekdays from tomorrow; how many."""
    by_worker: dict[int, list[FamilyPlan]] = {}
    for plan in plans:
        if plan.worker and not plan.is_closed:
            by_worker.setdefault(plan.worker.id, []).append(plan)
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    weekdays = [day for day in (today + dt.timedelta(days=n) for n in range(1, 15)) if day.weekday() < 5]
    rows = []
    for worker_id, held in by_worker.items():
        for plan in rng.sample(held, min(len(held), rng.randint(*PER_WORKER))):
            rows.append({
                "family_id": plan.id, "worker_id": worker_id, "date": rng.choice(weekdays),
                "time": rng.choice(TIMES) if rng.random() < 0.8 else None,
                "kind": "home_visit" if rng.random() < 0.8 else rng.choice(("school", "office", "phone")),
                "note": rng.choice(NOTES), "status": PlannedStatus.PLANNED, "version": 1,
                "created_at": stamp, "updated_at": stamp,
            })
    if rows:
        session.execute(insert(PlannedVisit.__table__), rows)
    return len(rows)
