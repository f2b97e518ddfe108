"""The demo children's voices: heard at visits, more often the older they are (a child of
eight or more talks with the worker at most visits, a four-year-old at some), a baby's or a
toddler's now and then by observation; the scale asked the same way each time, drifting up in
families whose work goes well and down where it goes badly; the three houses in direct work
with older children. Some families' children go unheard for weeks (the work is busy, the
children are out): the flag rule then has something to find.

A generator of its own per family (from the family's reference), so adding the voices leaves
every other demo record as it was for a seed."""
from __future__ import annotations

import datetime as dt
import random

from .families import DAY, ChildPlan

WORDS = {
    "young": (  # four to seven
        "I like it when Mum takes me to the park.", "I don't like it when it's shouty.",
        "My teddy sleeps with me.", "I had cereal for breakfast.", "Nanna's house is fun.",
        "I want to go to school on my own bike.", "Sometimes there isn't any tea.",
        "I'm a big girl now.", "Daddy doesn't come any more.", "I like my new bed.",
    ),
    "older": (  # eight and over
        "Mum's been getting up in the mornings more, it's better.",
        "I do my brother's breakfast when Mum's tired.", "I don't want anyone to get in trouble.",
        "School's ok. I don't like PE because my kit is too small.", "It's calmer at home since Christmas.",
        "I stay in my room when they argue.", "I like it when we have tea together at the table.",
        "I get worried when Mum doesn't answer her phone.", "I've got a friend now, she's called Maya.",
        "Sometimes I'm hungry at school.", "I'd like my own room.",
    ),
}
OBSERVED = (
    "Smiled and reached for mum when she came into the room.", "Settled quickly when mum picked her up.",
    "Played with the blocks on the floor, checked mum was there now and then.",
    "Quiet and watchful; did not seek comfort when he fell.", "Babbled and made eye contact; clean and dressed.",
    "Cried when put down, settled with dad.",
)
WORRIES = ("Mum and Dad shouting.", "Not having dinner.", "Mum being sad.", "Being late for school.",
           "The dog next door.", "Moving house again.")
GOOD_THINGS = ("My bike.", "Going to Nanna's.", "Breakfast club.", "My friends.", "Swimming on Saturdays.",
               "Mum reading me a story.")
WISHES = ("For Mum to be happy.", "A puppy.", "To stay at my school.", "My own bedroom.", "For Dad to visit.",
          "More days at the park.")
# Where the scale drifts over the work, by how it ends (a point now and then).
DRIFT = {"step_down": 0.5, "moving_on": 0.4, "making_changes": 0.25, "engagement": 0.0, "moved_away": 0.1,
         "disengaged": -0.2, "step_up": -0.5}


def _age(child: ChildPlan, day: dt.date) -> float:
    return (day - child.date_of_birth).days / 365.25


def voice_rows(plan, story, rows, worker_id, children, visits) -> None:
    """Voices heard at ``visits`` (``(visit id, day, ids of the children seen)``, oldest first)."""
    rng = random.Random(f"voice:{plan.reference}")
    unheard_from = story.end - rng.randint(50, 110) * DAY if rng.random() < 0.12 else None
    drift = DRIFT.get(plan.outcome, 0.0)
    scales = {cid: rng.randint(2, 6) for cid, _ in children}
    for visit_id, day, seen in visits:
        if unheard_from is not None and day > unheard_from:
            break
        for cid, child in children:
            age = _age(child, day)
            if cid not in seen or age < 0.3:
                continue
            chance = 0.6 if age >= 8 else 0.5 if age >= 4 else 0.15
            if rng.random() >= chance:
                continue
            row = {"child_id": cid, "family_id": plan.id, "date": day, "visit_id": visit_id, "review_id": None,
                   "recorded_by_id": worker_id, "recorded_at": rows.stamp(day), "version": 1,
                   "scale": None, "worries": None, "good_things": None, "wishes": None}
            if age < 4:
                rows.add("voices", {**row, "how": "observation", "words": rng.choice(OBSERVED),
                                    "shared_with_parents": rng.random() < 0.8})
                continue
            scales[cid] = min(10, max(0, round(scales[cid] + drift + rng.uniform(-1, 1))))
            direct = age >= 7 and rng.random() < 0.3
            row.update(how="direct_work" if direct else "visit",
                       words=rng.choice(WORDS["older" if age >= 8 else "young"]),
                       scale=scales[cid] if rng.random() < (0.85 if age >= 8 else 0.6) else None)
            if direct:
                row.update(worries=rng.choice(WORRIES), good_things=rng.choice(GOOD_THINGS),
                           wishes=rng.choice(WISHES))
            # A child low on the scale, or with worries, often keeps it from their parents.
            worried = (row["scale"] is not None and row["scale"] <= 3) or row["worries"] is not None
            rows.add("voices", {**row, "shared_with_parents": rng.random() < (0.3 if worried else 0.75)})
