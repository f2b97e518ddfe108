"""The demo families' visits: mostly completed home visits with every child seen, now and then
no access or a cancellation, and the patterns of a family going badly (a closed front door for
weeks, a child not seen)."""
from __future__ import annotations

import datetime as dt

from ..models import Phase, VisitOutcome
from .families import DAY, ChildPlan
from .words import VISIT_NOTES


def weekday(day: dt.date) -> dt.date:
    """Visits happen on working days: a Saturday becomes Friday, a Sunday Monday."""
    if day.weekday() == 5:
        return day - DAY
    if day.weekday() == 6:
        return day + DAY
    return day


def visit_rows(rng, today, plan, story, rows, worker_id, children, goals) -> list[tuple[int, dt.date, set[int]]]:
    """The family's visits; answers ``(visit id, day, ids of the children seen)`` for each
    completed one, oldest first (the children's voices are heard at them)."""
    made = []
    start, end = plan.opened_on + rng.randint(1, 5) * DAY, story.end
    no_access_from = end - 28 * DAY if "no_access" in plan.troubles else None
    unseen_child, unseen_from = None, None
    if "child_not_seen" in plan.troubles and children:
        unseen_child = children[0][0]  # the eldest, often out or "at a friend's"
        unseen_from = end - rng.randint(35, 56) * DAY
    fading = plan.outcome == "disengaged"
    day = weekday(start)
    while day <= end:
        phase = story.phase_on(day)
        roll = rng.random()
        if no_access_from and day > no_access_from:
            outcome = VisitOutcome.NO_ACCESS if roll < 0.7 else VisitOutcome.CANCELLED
        elif fading and day > end - 35 * DAY:
            outcome = (VisitOutcome.NO_ACCESS if roll < 0.6
                       else VisitOutcome.CANCELLED if roll < 0.85 else VisitOutcome.COMPLETED)
        else:
            outcome = (VisitOutcome.COMPLETED if roll < 0.92
                       else VisitOutcome.NO_ACCESS if roll < 0.97 else VisitOutcome.CANCELLED)
        kind = "home_visit"  # a no-access visit is a closed front door
        if outcome == VisitOutcome.COMPLETED:
            kind = rng.choices(("home_visit", "school", "office", "phone", "other"), (82, 6, 5, 5, 2))[0]
            if kind == "school" and not any(_at_school(c, day) for _, c in children):
                kind = "home_visit"
        seen = []
        if outcome == VisitOutcome.COMPLETED:
            seen = _children_seen(rng, today, kind, children, day)
            if unseen_child is not None and day > unseen_from:
                seen = [(cid, alone) for cid, alone in seen if cid != unseen_child]
        seen_ids = {cid for cid, _ in seen}
        visit = rows.add("visits", {
            "family_id": plan.id, "date": day, "kind": kind, "outcome": outcome,
            "duration_minutes": _duration(rng, kind, outcome),
            "notes": rng.choice(VISIT_NOTES[outcome]) if kind in ("home_visit", "other") else _kind_note(kind),
            "recorded_by_id": worker_id,
            "all_children_seen": bool(children) and {cid for cid, _ in children} <= seen_ids,
            "version": 1, "created_at": rows.stamp(day), "received_at": rows.stamp(day),
        })
        for cid, alone in seen:
            rows.add("visit_children", {"visit_id": visit["id"], "child_id": cid, "seen_alone": alone}, with_id=False)
        if seen_ids:
            made.append((visit["id"], day, seen_ids))
        if outcome == VisitOutcome.COMPLETED and goals and rng.random() < 0.5:
            active = [g for g in goals
                      if g["start_date"] <= day and (g["status_changed_on"] is None or g["status_changed_on"] >= day)]
            for goal in rng.sample(active, k=min(len(active), rng.choice((1, 1, 2)))):
                rows.add("visit_goals", {"visit_id": visit["id"], "goal_id": goal["id"]}, with_id=False)
        if no_access_from and day > no_access_from - 7 * DAY:
            gap = rng.randint(4, 7)  # the worker keeps trying
        elif phase == Phase.MOVING_ON:
            gap = rng.randint(9, 14)
        elif phase == Phase.ENGAGEMENT:
            gap = rng.randint(4, 8)
        else:
            gap = rng.randint(5, 9)
        nxt = weekday(day + gap * DAY)
        day = nxt if nxt > day else day + 2 * DAY
    return made


def _children_seen(rng, today, kind, children, day) -> list[tuple[int, bool]]:
    if kind == "phone":
        return []
    if kind == "school":
        present = [(cid, c) for cid, c in children if _at_school(c, day)]
    else:
        present = list(children)
        if len(present) > 1 and rng.random() < 0.06:
            present.remove(rng.choice(present))  # at nursery, at a grandparent's, asleep upstairs
    return [
        (cid, (day - c.date_of_birth).days >= 7 * 365 and rng.random() < 0.25)
        for cid, c in present
    ]


def _at_school(child: ChildPlan, day: dt.date) -> bool:
    return bool(child.school) and (day - child.date_of_birth).days >= 4 * 365


def _kind_note(kind: str) -> str:
    return {
        "school": "Met the children at school with the family liaison officer.",
        "office": "Mum came to the office with the children; went through the plan.",
        "phone": "Phone call with mum to check in between visits.",
    }[kind]


def _duration(rng, kind, outcome) -> int | None:
    if outcome == VisitOutcome.CANCELLED:
        return None
    if outcome == VisitOutcome.NO_ACCESS:
        return rng.choice((10, 15, 20))
    low, high = {"home_visit": (45, 90), "school": (20, 45), "office": (30, 60), "phone": (10, 30),
                 "other": (30, 60)}[kind]
    return rng.randrange(low, high + 1, 5)
