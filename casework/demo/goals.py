"""The demo families' goals and their ratings: each goal improving, slow, stalled or worsening,
rated every two or three weeks, until it is achieved or withdrawn."""
from __future__ import annotations

from ..config import GOAL_AREAS
from ..models import GoalStatus
from .families import DAY, weighted_sample
from .words import CONCERN_AREAS, GOAL_CHANGE_REASONS, GOAL_TITLES, RATING_NOTES


def goal_rows(rng, today, plan, story, rows, worker_id) -> list[dict]:
    if story.goals_on is None:
        return []
    if plan.outcome == "step_down":
        modes = ("improving", "improving", "improving", "slow")
    elif plan.outcome in ("step_up", "disengaged"):
        modes = ("stalled", "worsening", "slow")
    elif plan.outcome == "moved_away":
        modes = ("improving", "slow", "stalled")
    else:
        modes = ("improving",)
    stalled_family = "stalled" in plan.troubles
    goals = []
    weights = {area: 1 for area in GOAL_AREAS}
    for concern in plan.concerns:
        for area in CONCERN_AREAS.get(concern, ()):
            weights[area] += 6
    areas = weighted_sample(rng, weights, rng.choice((2, 3, 3, 4)) + (1 if story.revised_on else 0))
    for n, area in enumerate(areas):
        start = story.revised_on if story.revised_on and n == len(areas) - 1 else story.goals_on
        mode = "stalled" if stalled_family and n < 2 else rng.choice(modes)
        baseline = rng.randint(2, 3)
        target = min(9, baseline + rng.randint(5, 6))
        goal = rows.add("goals", {
            "family_id": plan.id, "title": rng.choice(GOAL_TITLES[area]), "area": area,
            "baseline": baseline, "target": target, "start_date": start,
            "target_date": start + rng.choice((20, 22, 24)) * 7 * DAY, "status": GoalStatus.ACTIVE,
            "status_changed_on": None, "agreed_by_id": worker_id, "version": 1, "created_at": rows.stamp(start),
        })
        goals.append(goal)
        _rating_rows(rng, today, plan, story, rows, worker_id, goal, mode)
    return goals


def _rating_rows(rng, today, plan, story, rows, worker_id, goal, mode) -> None:
    baseline, target = goal["baseline"], goal["target"]
    start, end = goal["start_date"], story.end
    rating, day, step = baseline, start + rng.randint(14, 21) * DAY, 0
    flat_from = None
    if mode == "stalled":
        # Some early movement, then nothing for the last couple of months.
        flat_from = max(start + 14 * DAY, end - rng.randint(56, 84) * DAY)
    while day <= end:
        step += 1
        # An improving goal goes up at every rating, so that among open families only the
        # goals meant to stall look stalled to the flag rules.
        if mode == "improving":
            rating = min(10, rating + (2 if rng.random() < 0.1 else 1))
        elif mode == "slow":
            rating = min(10, rating + step % 2)
        elif mode == "worsening":
            if rng.random() < 0.4:
                rating = max(1, rating - 1)
        elif mode == "stalled":
            if day < flat_from and rng.random() < 0.5:
                rating = min(target - 1, rating + 1)
        rows.add("goal_ratings", {
            "goal_id": goal["id"], "date": day, "rating": rating, "note": rng.choice(RATING_NOTES),
            "recorded_by_id": worker_id, "version": 1, "created_at": rows.stamp(day),
        })
        if rating >= target:
            _change_status(rows, goal, GoalStatus.ACHIEVED, day, worker_id)
            return
        if mode == "worsening" and step > 3 and rng.random() < 0.08:
            _change_status(rows, goal, GoalStatus.WITHDRAWN, day, worker_id)
            return
        day += rng.randint(14, 21) * DAY


def _change_status(rows, goal, status, day, worker_id) -> None:
    """The goal marked achieved or withdrawn at the rating of ``day``, with the row the
    chronology shows for it (who, when and why)."""
    goal["status"], goal["status_changed_on"] = status, day
    rows.add("goal_status_changes", {
        "goal_id": goal["id"], "family_id": goal["family_id"], "status": status, "date": day,
        "reason": GOAL_CHANGE_REASONS[status], "by_id": worker_id, "made_at": rows.stamp(day),
    })
