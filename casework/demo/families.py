"""The families of the demo service: how many in each phase or way of closing, who they are
(children, carers, concerns, a postcode), which of them are going badly, and which were known
before (re-referrals).

About one open family in five shows a pattern that the flag rules exist to find: ratings that
have stopped moving, repeated no-access visits, a child not seen for weeks, a review that is
overdue, or a phase that has run on too long.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from ..models import Phase
from .staff import Person, TeamPlan, caseloads
from .words import (
    BOYS,
    FACTOR_WEIGHTS,
    FATHERS,
    GIRLS,
    GRANDMOTHERS,
    INWARD_LETTERS,
    MOTHERS,
    NEGLECT_WEIGHTS,
    REFERRAL_SOURCES,
    SCHOOL_WORDS,
    SURNAMES,
)

DAY = dt.timedelta(days=1)

# How the families are spread: open ones by phase, closed ones by the way they closed.
OPEN_SHARE = {Phase.ENGAGEMENT: 0.22, Phase.MAKING_CHANGES: 0.58, Phase.MOVING_ON: 0.20}
CLOSED_SHARE = {"step_down": 0.50, "step_up": 0.15, "disengaged": 0.22, "moved_away": 0.13}
CLOSED_FRACTION = 0.2
# Patterns of open families going badly, and how often each is drawn.
TROUBLES = {
    "stalled": 3,
    "no_access": 3,
    "child_not_seen": 2,
    "review_overdue": 2,
    "phase_overrun": 2,
}
TROUBLED_FRACTION = 0.2


@dataclass
class ChildPlan:
    first_name: str
    last_name: str | None
    date_of_birth: dt.date
    school: str | None


@dataclass
class FamilyPlan:
    team: TeamPlan
    worker: Person | None
    outcome: str  # an open phase, or a closure reason
    opened_on: dt.date
    troubles: set[str] = field(default_factory=set)
    surname: str = ""
    postcode: str = ""
    referral_date: dt.date | None = None
    referral_source: str = ""
    concerns: list[str] = field(default_factory=list)
    children: list[ChildPlan] = field(default_factory=list)
    carers: list[tuple[str, str | None, str]] = field(default_factory=list)
    previous: FamilyPlan | None = None
    closed_on: dt.date | None = None
    id: int | None = None
    reference: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.outcome in CLOSED_SHARE


def quotas(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` split by ``shares`` (largest remainder), every key at least one when
    there are enough to go round."""
    raw = {key: total * share for key, share in shares.items()}
    counts = {key: int(value) for key, value in raw.items()}
    if total >= len(shares):
        for key in counts:
            counts[key] = max(1, counts[key])
    while sum(counts.values()) < total:
        key = max(raw, key=lambda k: raw[k] - counts[k])
        counts[key] += 1
    while sum(counts.values()) > total:
        key = max(counts, key=lambda k: (counts[k] - raw[k], counts[k]))
        counts[key] -= 1
    return counts


def plan_families(rng: random.Random, today: dt.date, teams: list[TeamPlan], total: int) -> list[FamilyPlan]:
    closed_count = round(total * CLOSED_FRACTION) if total >= 5 else 0
    open_count = total - closed_count
    outcomes = [k for k, n in quotas(open_count, OPEN_SHARE).items() for _ in range(n)]
    rng.shuffle(outcomes)
    workers = [w for team in teams for w in team.workers]
    plans: list[FamilyPlan] = []
    loads = caseloads(rng, open_count, len(workers))
    for worker, load in zip(workers, loads, strict=True):
        team = teams[worker.team_index]
        for _ in range(load):
            plans.append(_open_family(rng, today, team, worker, outcomes.pop()))
    closed = [k for k, n in quotas(closed_count, CLOSED_SHARE).items() for _ in range(n)]
    rng.shuffle(closed)
    for reason in closed:
        worker = rng.choice(workers)
        plans.append(_closed_family(rng, today, teams[worker.team_index], worker, reason))
    for plan in plans:
        _identity(rng, today, plan)
    _link_re_referrals(rng, plans)
    _leave_some_unallocated(plans, today)
    return plans


def _open_family(rng, today, team, worker, phase) -> FamilyPlan:
    troubles: set[str] = set()
    if rng.random() < TROUBLED_FRACTION:
        names, weights = zip(*TROUBLES.items(), strict=True)
        troubles = set(rng.choices(names, weights, k=rng.choice((1, 1, 2))))
    if phase == Phase.ENGAGEMENT:
        age = rng.randint(45, 70) if "phase_overrun" in troubles else rng.randint(0, 27)
    elif phase == Phase.MAKING_CHANGES:
        age = rng.randint(185, 230) if "phase_overrun" in troubles else rng.randint(36, 115)
    else:
        troubles.discard("phase_overrun")
        age = rng.randint(126, 155)
    if age < 50:
        troubles.discard("review_overdue")
    if age < 35:
        troubles.discard("stalled")
    return FamilyPlan(team, worker, phase, today - age * DAY, troubles)


def _closed_family(rng, today, team, worker, reason) -> FamilyPlan:
    length = {
        "step_down": (147, 182),
        "step_up": (30, 120),
        "disengaged": (35, 110),
        "moved_away": (20, 170),
    }[reason]
    days = rng.randint(*length)
    closed_on = today - rng.randint(3, 330) * DAY
    plan = FamilyPlan(team, worker, reason, closed_on - days * DAY)
    plan.closed_on = closed_on
    return plan


def _identity(rng, today, plan: FamilyPlan) -> None:
    plan.surname = rng.choice(SURNAMES)
    district = rng.choice(plan.team.districts)
    plan.postcode = f"{district} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    plan.referral_date = plan.opened_on - rng.randint(1, 14) * DAY
    sources, weights = zip(*REFERRAL_SOURCES, strict=True)
    plan.referral_source = rng.choices(sources, weights)[0]
    neglect = weighted_sample(rng, NEGLECT_WEIGHTS, rng.choice((1, 1, 2)))
    factors = weighted_sample(rng, FACTOR_WEIGHTS, rng.choice((0, 1, 1, 2, 2, 3)))
    plan.concerns = sorted(neglect + factors)

    count = rng.choices((1, 2, 3, 4), (30, 35, 22, 13))[0]
    # Every child was born before the referral.
    born_before = (today - plan.referral_date).days
    age_days = born_before + rng.randint(30, 400) + rng.randint(0, (12 - 2 * count) * 365)
    ages = []
    for _ in range(count):
        ages.append(age_days)
        age_days += rng.randint(300, 4 * 365)
    ages.reverse()  # eldest first
    other_father = rng.random() < 0.25
    plan.children = []
    used = set()
    # Brothers and sisters mostly share a nursery, a primary school, a secondary school.
    schools = (rng.choice(SCHOOL_WORDS), rng.choice(SCHOOL_WORDS), rng.choice(SCHOOL_WORDS), rng.random())
    for n, days in enumerate(ages):
        pool = GIRLS if rng.random() < 0.5 else BOYS
        name = rng.choice([x for x in pool if x not in used])
        used.add(name)
        last = plan.surname if not (other_father and n == 0) else rng.choice(SURNAMES)
        plan.children.append(ChildPlan(name, last, today - days * DAY, _school(schools, days // 365)))

    mother = (rng.choice(MOTHERS), plan.surname, "Mother")
    plan.carers = [mother]
    second = rng.random()
    if second < 0.35:
        plan.carers.append((rng.choice(FATHERS), plan.surname, "Father"))
    elif second < 0.5:
        plan.carers.append((rng.choice(FATHERS), rng.choice(SURNAMES), "Mother's partner"))
    elif second < 0.6:
        plan.carers.append((rng.choice(GRANDMOTHERS), rng.choice(SURNAMES), "Grandmother"))


def weighted_sample(rng, weights: dict[str, int], k: int) -> list[str]:
    pool = dict(weights)
    chosen = []
    for _ in range(min(k, len(pool))):
        names, w = zip(*pool.items(), strict=True)
        pick = rng.choices(names, w)[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _school(schools, years: int) -> str | None:
    nursery, primary, secondary, goes_to_nursery = schools
    if years < 2:
        return None
    if years < 4:
        return f"{nursery} Nursery" if goes_to_nursery < 0.6 else None
    if years < 11:
        return f"{primary} Primary School"
    return f"{secondary} Academy"


def _link_re_referrals(rng, plans: list[FamilyPlan]) -> None:
    """A few open families are known from an earlier case in their team: same household,
    same children (first name and date of birth), linked through ``previous_family_id``."""
    earlier_by_team = defaultdict(list)
    for plan in plans:
        if plan.outcome in ("disengaged", "step_down"):
            earlier_by_team[plan.team.id].append(plan)
    used = set()
    for plan in plans:
        if plan.is_closed or rng.random() >= 0.04:
            continue
        candidates = [
            p for p in earlier_by_team[plan.team.id]
            if id(p) not in used and p.closed_on <= plan.opened_on - 60 * DAY
            and all(c.date_of_birth < plan.opened_on for c in p.children)
        ]
        if not candidates:
            continue
        earlier = rng.choice(candidates)
        used.add(id(earlier))
        plan.previous = earlier
        plan.surname, plan.postcode = earlier.surname, earlier.postcode
        plan.children = list(earlier.children)
        plan.carers = list(earlier.carers)
        plan.concerns = sorted(set(earlier.concerns) | set(plan.concerns))
        if plan.referral_date <= earlier.closed_on:
            plan.referral_date = plan.opened_on


def _leave_some_unallocated(plans: list[FamilyPlan], today: dt.date) -> None:
    """One brand-new referral per team waits for its manager to allocate it, where a team has
    one from the last three days."""
    seen_teams = set()
    for plan in plans:
        if (
            plan.outcome == Phase.ENGAGEMENT
            and not plan.troubles
            and plan.previous is None
            and (today - plan.opened_on).days <= 3
            and plan.team.id not in seen_teams
        ):
            seen_teams.add(plan.team.id)
            plan.worker = None
