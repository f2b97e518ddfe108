"""The demo families' reviews (about every six weeks) and family-functioning assessments."""
from __future__ import annotations

from .families import DAY
from .words import REVIEW_ATTENDEES, REVIEW_NOTES


def review_rows(rng, today, plan, story, rows, worker_id) -> None:
    held = []
    day = plan.opened_on + (42 - rng.randint(0, 6)) * DAY
    while day <= story.end:
        held.append(day)
        day = day + (42 - rng.randint(0, 6)) * DAY
    if "review_overdue" in plan.troubles:
        overdue_by = rng.randint(7, 30)
        held = [d for d in held if d < today - (42 + overdue_by) * DAY]
    for day in held:
        rows.add("reviews", {
            "family_id": plan.id, "held_on": day, "decision": "continue", "reason": None,
            "attendees": rng.choice(REVIEW_ATTENDEES), "notes": rng.choice(REVIEW_NOTES),
            "recorded_by_id": worker_id, "version": 1, "created_at": rows.stamp(day),
        })


# Assessments: the shipped family-functioning profile (1 best .. 5 worst), for the family as a
# whole, and for the youngest child on their own in about a third of families. Initial within
# four weeks, a review every twelve, a closing one when the work ended in a planned way.
ASSESSMENT_FRAMEWORK = "family-functioning"
ASSESSMENT_DOMAINS = (
    "physical_care", "safety_supervision", "emotional_warmth", "stimulation_education",
    "guidance_boundaries", "home_conditions", "parental_wellbeing",
)
# Where the work is heading, per outcome: the share of a domain's gap closed by the end.
ASSESSMENT_PROGRESS = {
    "step_down": 0.8, "moving_on": 0.7, "making_changes": 0.4, "engagement": 0.0,
    "disengaged": 0.1, "moved_away": 0.2, "step_up": -0.3,
}
ASSESSMENT_EVIDENCE = (
    "Seen at the home visit; talked through with mum.",
    "Discussed with both parents; school's view included.",
    "Fridge and cupboards checked with dad's agreement.",
    "Children's bedrooms seen; beds made up.",
)


def assessment_rows(rng, today, plan, story, rows, worker_id, children) -> None:
    first_on = plan.opened_on + rng.randint(10, 27) * DAY
    if first_on > story.end:
        return
    dates = [(first_on, "initial")]
    day = first_on + 84 * DAY
    while day < story.end - 7 * DAY:
        dates.append((day, "review"))
        day += 84 * DAY
    planned_end = plan.outcome in ("step_down", "step_up")
    if plan.is_closed and planned_end:
        dates.append((story.end, "closing"))
    progress = ASSESSMENT_PROGRESS.get(plan.outcome, 0.3)
    neglect = sum(code.startswith("neglect") for code in plan.concerns)
    baseline = {d: min(5, max(2, rng.randint(2, 4) + (neglect > 1 and rng.random() < 0.4))) for d in ASSESSMENT_DOMAINS}
    subjects = [None]
    if children and rng.random() < 0.33:
        subjects.append(children[-1][0])
    span = max(1, (story.end - first_on).days)
    for child_id in subjects:
        for date, stage in dates:
            share = progress * (date - first_on).days / span
            row = rows.add("assessments", {
                "family_id": plan.id, "child_id": child_id, "framework": ASSESSMENT_FRAMEWORK,
                "stage": stage, "date": date, "recorded_by_id": worker_id, "version": 1,
                "created_at": rows.stamp(date),
            })
            for domain, start in baseline.items():
                gap = start - 1
                score = round(start - gap * share + rng.choice((-0.4, 0, 0, 0.4)))
                rows.add("assessment_scores", {
                    "assessment_id": row["id"], "domain": domain, "score": min(5, max(1, score)),
                    "evidence": rng.choice(ASSESSMENT_EVIDENCE) if rng.random() < 0.3 else "",
                })
