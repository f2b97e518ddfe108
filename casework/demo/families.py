"""Demo data: a believable early-help service, generated in bulk.

``seed_demo`` plans a whole service (teams of about eight family workers and a manager, each
worker holding 10 to 15 open families, plus an administrator), then writes every family's
record — children, carers, concerns, phase moves, visits, goals, ratings and reviews — in
batches with SQLAlchemy Core, ids assigned here from the current maximum, so that 10,000
families take seconds rather than minutes.

Everything is drawn from ``rng`` and dated back from ``today``: the same seed gives the same
service (on another day, the same families with their dates counted back from that day). The
demo adds itself alongside whatever the database already holds (team names already in use are
skipped, references continue each year's numbering) and refuses only when demo users
(``@demo.example.org``) are already there.

Most families are doing well; about one in five open families shows a pattern that the flag
rules exist to find: ratings that have stopped moving, repeated no-access visits, a child not
seen for weeks, a review that is overdue, or a phase that has run on too long.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ..config import GOAL_AREAS
from ..models import (
    Assessment,
    AssessmentScore,
    Carer,
    Child,
    Family,
    FamilyConcern,
    Goal,
    GoalRating,
    PhaseMove,
    ReferenceCounter,
    Review,
    Team,
    User,
    Visit,
    VisitChild,
    VisitGoal,
)
from ..services.bulk import write_rows
from ..services.errors import ValidationFailed

DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORD = "demo-password-2026"
DEFAULT_FAMILIES = 250
BATCH_FAMILIES = 500

DAY = dt.timedelta(days=1)

# In foreign-key order: a batch is written table by table in this order.
TABLES = (
    Family.__table__,
    FamilyConcern.__table__,
    Child.__table__,
    Carer.__table__,
    PhaseMove.__table__,
    Goal.__table__,
    GoalRating.__table__,
    Visit.__table__,
    VisitChild.__table__,
    VisitGoal.__table__,
    Review.__table__,
    Assessment.__table__,
    AssessmentScore.__table__,
)
ID_TABLES = (Team.__table__, User.__table__) + tuple(t for t in TABLES if "id" in t.c)

OPEN_SHARE = {"engagement": 0.22, "making_changes": 0.58, "moving_on": 0.20}
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

# ---------------------------------------------------------------------------------------------
# Words and places
# ---------------------------------------------------------------------------------------------
CITIES = {
    "Leeds": ["LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS14"],
    "Bradford": ["BD3", "BD4", "BD5", "BD7", "BD8"],
    "Manchester": ["M8", "M9", "M11", "M13", "M14", "M40"],
}
TEAM_NAMES = [
    ("Leeds North", "Leeds"),
    ("Bradford East", "Bradford"),
    ("Manchester South", "Manchester"),
    ("Leeds East", "Leeds"),
    ("Bradford West", "Bradford"),
    ("Manchester North", "Manchester"),
    ("Leeds South", "Leeds"),
    ("Manchester East", "Manchester"),
    ("Leeds West", "Leeds"),
    ("Bradford South", "Bradford"),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXY"

STAFF_FIRST = [
    "Priya", "Joanne", "Helen", "Tom", "Nasreen", "Claire", "Mark", "Rebecca", "Sadia", "Paul",
    "Lucy", "Anita", "David", "Karen", "Imran", "Sophie", "Hannah", "Gareth", "Farah", "Nicola",
    "Ewa", "Michelle", "Rob", "Yasmin", "Kate", "Dan", "Sunita", "Beth", "Chris", "Ruth",
    "Abdul", "Jenny", "Steph", "Olu", "Aoife", "Martin", "Zainab", "Louise", "Sam", "Tanya",
]
STAFF_LAST = [
    "Shah", "Bailey", "Carter", "Whitaker", "Akhtar", "Morgan", "Hughes", "Lister", "Malik",
    "Fletcher", "Barnes", "Kaur", "Dawson", "Heaton", "Rashid", "Pearson", "Quinn", "Gill",
    "Nowicka", "Bentley", "Ogunleye", "Sutcliffe", "Walsh", "Iqbal", "Dempsey", "Crossley",
    "Mistry", "Holt", "Brennan", "Asante",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Walker", "Robinson",
    "Wright", "Thompson", "Wood", "Jackson", "Clarke", "Green", "Hall", "Khan", "Hussain",
    "Ahmed", "Ali", "Begum", "Mahmood", "Iqbal", "Patel", "Kowalski", "Nowak", "Murphy",
    "Kelly", "O'Brien", "Okafor", "Mensah", "Osei", "Mohamed", "Abdi", "Popescu", "Ionescu",
    "Hughes", "Moore", "Harrison", "Marshall", "Atkinson", "Holmes", "Barker", "Firth",
    "Lee", "Evans", "Roberts", "Cooper", "Ward", "Turner",
]
GIRLS = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Lily", "Freya", "Aisha", "Maryam", "Zara",
    "Amira", "Hana", "Ruby", "Poppy", "Evie", "Grace", "Sophie", "Leah", "Chloe", "Tia",
    "Nevaeh", "Zuzanna", "Maja", "Ella", "Harper", "Willow", "Skye", "Aaliyah", "Esme", "Ivy",
]
BOYS = [
    "Oliver", "George", "Noah", "Leo", "Harry", "Jack", "Charlie", "Alfie", "Muhammad",
    "Ibrahim", "Yusuf", "Ayaan", "Adam", "Riley", "Mason", "Tyler", "Kai", "Jayden", "Logan",
    "Theo", "Archie", "Oscar", "Jakub", "Kacper", "Tommy", "Reggie", "Finley", "Zayn",
    "Bobby", "Elijah",
]
MOTHERS = [
    "Sarah", "Emma", "Laura", "Gemma", "Kelly", "Stacey", "Chantelle", "Jade", "Samantha",
    "Nadia", "Shazia", "Fatima", "Agnieszka", "Kasia", "Ioana", "Amina", "Precious", "Chipo",
    "Rachel", "Natalie", "Lisa", "Danielle", "Kirsty", "Leanne", "Shannon",
]
FATHERS = [
    "Daniel", "Lee", "Craig", "Ryan", "Dean", "Imran", "Tariq", "Asif", "Piotr", "Marek",
    "Andrei", "Emeka", "Kwame", "Jamie", "Scott", "Wayne", "Liam", "Carl",
]
GRANDMOTHERS = ["Linda", "Susan", "Pauline", "Janet", "Bernadette", "Shirley", "Nasim", "Halina"]
SCHOOL_WORDS = [
    "Beckside", "Hollybank", "Moorfield", "Parkside", "St Anne's", "Greenhill", "Valley View",
    "Oakwood Lane", "Brookfield", "Westfield", "Ashgrove", "Hillcrest", "Northway",
    "Millbeck", "Cross Flatts", "Elmfield",
]
REFERRAL_SOURCES = [
    ("Health visitor", 5), ("School", 5), ("GP", 2), ("Self-referral", 2), ("Midwife", 1),
    ("Police (domestic abuse notification)", 1), ("Children's centre", 2),
    ("Housing officer", 1), ("Children's social care (step down)", 2),
]
NEGLECT_WEIGHTS = {
    "neglect_physical": 6, "neglect_emotional": 4, "neglect_medical": 2,
    "neglect_educational": 3, "neglect_supervision": 3,
}
FACTOR_WEIGHTS = {
    "domestic_abuse": 4, "substance_misuse": 3, "parental_mental_health": 6, "housing": 4,
    "finances": 5, "learning_disability": 1,
}
GOAL_TITLES = {
    "family_routine": [
        "The children have a regular bedtime",
        "The children get up in time for school every morning",
        "We eat together at the table most days",
    ],
    "home_conditions": [
        "The kitchen is clean and safe to cook in",
        "Each child has a clean bed of their own",
        "The house is tidy enough for the children to play safely",
    ],
    "health": [
        "The children go to all their health appointments",
        "The baby's jabs are up to date",
        "The children see the dentist",
    ],
    "emotional_wellbeing": [
        "The children feel listened to at home",
        "We spend time playing together every day",
    ],
    "safety": [
        "The children are never left at home on their own",
        "Medicines and cleaning products are kept out of reach",
        "We have a safety plan we all understand",
    ],
    "education": [
        "The children get to school on time every day",
        "School attendance is above 90%",
        "We read a story together every night",
    ],
    "boundaries_behaviour": [
        "We use the same calm rules for all the children",
        "Tantrums at bedtime are handled calmly",
    ],
    "relationships": [
        "Mum has people she can call on for help",
        "The children spend time with family who keep them safe",
    ],
    "money_housing": [
        "The rent is paid and the arrears are going down",
        "There is always food in the house at the end of the month",
        "We have a plan with the housing officer",
    ],
    "parental_wellbeing": [
        "I go to my appointments with the mental health team",
        "I feel less alone and know where to get support",
        "I keep going to the drug and alcohol service",
    ],
}
VISIT_NOTES = {
    "completed": [
        "Home visit. Went through the morning routine chart together; the kitchen was much tidier.",
        "Talked about bedtimes. The children were clean, fed and playing happily.",
        "Looked at the food diary and made a shopping plan for the week.",
        "Mum said the week had been hard; talked about who she can call. Children seen and well.",
        "Practised calm responses to tantrums; mum tried it with the youngest while I was there.",
        "Checked on the new beds; each child now has their own. Talked about school mornings.",
        "Went through the letter from school about attendance and agreed the next steps.",
        "Helped to fill in the form for the food bank and the school uniform grant.",
        "Visit went well. Parents engaged and talked openly about what is getting better.",
        "House cold; talked through the energy grant. The children were dressed warmly.",
    ],
    "no_access": [
        "No answer at the door. Left a card and sent mum a text.",
        "Nobody in, curtains closed. Rang mum twice with no answer.",
        "Heard the TV inside but no one came to the door. Left a card.",
    ],
    "cancelled": [
        "Mum cancelled by text an hour before: she said she was unwell.",
        "Cancelled by the family: a hospital appointment clashed. Rearranged for next week.",
        "Mum asked to move the visit; she had to go to the housing office.",
    ],
}
RATING_NOTES = [
    "", "", "", "Agreed with mum at the visit.", "Mum feels this is getting better.",
    "A harder fortnight.", "Small steps, but steady.", "Talked through what helped.",
]
# The outcome areas a plan most often works on for each concern.
CONCERN_AREAS = {
    "neglect_physical": ("home_conditions", "family_routine", "health"),
    "neglect_emotional": ("emotional_wellbeing", "boundaries_behaviour", "relationships"),
    "neglect_medical": ("health",),
    "neglect_educational": ("education", "family_routine"),
    "neglect_supervision": ("safety", "boundaries_behaviour"),
    "domestic_abuse": ("safety", "relationships"),
    "substance_misuse": ("parental_wellbeing", "safety"),
    "parental_mental_health": ("parental_wellbeing", "emotional_wellbeing"),
    "housing": ("money_housing", "home_conditions"),
    "finances": ("money_housing",),
    "learning_disability": ("family_routine", "parental_wellbeing"),
}
REVIEW_NOTES = [
    "The plan is working; continue with weekly visits.",
    "Good progress on most goals; keep the plan as it is for another six weeks.",
    "Some goals are moving slowly; agreed extra support with the routine.",
    "Mum wants to keep working together; the plan continues.",
]
REVIEW_ATTENDEES = [
    "Mum, family worker",
    "Mum, dad, family worker",
    "Mum, family worker, health visitor",
    "Mum, family worker, school family liaison officer",
    "Parents, family worker, team manager",
]


# ---------------------------------------------------------------------------------------------
# The plan: who works where, and the shape of each family's story
# ---------------------------------------------------------------------------------------------
@dataclass
class DemoLogin:
    email: str
    name: str
    role: str
    team: str | None


@dataclass
class Person:
    id: int
    name: str
    email: str
    role: str
    team_index: int | None


@dataclass
class TeamPlan:
    id: int
    name: str
    city: str
    districts: list[str]
    manager: Person | None = None
    workers: list[Person] = field(default_factory=list)


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


@dataclass
class SeedResult:
    teams: list[TeamPlan]
    admin: Person
    families: int
    counts: dict[str, int]
    references: tuple[str, str] | None

    @property
    def logins(self) -> list[DemoLogin]:
        found = [DemoLogin(self.admin.email, self.admin.name, "admin", None)]
        for team in self.teams:
            found.append(DemoLogin(team.manager.email, team.manager.name, "manager", team.name))
            found.extend(DemoLogin(w.email, w.name, "worker", team.name) for w in team.workers)
        return found


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


def plan_staff(rng: random.Random, open_families: int, taken_team_names: set[str], next_id):
    """Teams of about eight workers and a manager, enough workers to hold about twelve open
    families each, and one administrator."""
    worker_count = max(1, round(open_families / 12.5))
    team_count = max(1, round(worker_count / 8))
    names = _team_names(team_count, taken_team_names)
    emails: set[str] = set()

    def person(role, team_index):
        first, last = rng.choice(STAFF_FIRST), rng.choice(STAFF_LAST)
        base = f"{first}.{last}".lower().replace("'", "")
        email, n = f"{base}@{DEMO_DOMAIN}", 1
        while email in emails:
            n += 1
            email = f"{base}{n}@{DEMO_DOMAIN}"
        emails.add(email)
        return Person(next_id("users"), f"{first} {last}", email, role, team_index)

    admin = Person(next_id("users"), "Demo Administrator", f"admin@{DEMO_DOMAIN}", "admin", None)
    emails.add(admin.email)
    teams = []
    for name, city in names:
        districts = rng.sample(CITIES[city], k=min(3, len(CITIES[city])))
        teams.append(TeamPlan(next_id("teams"), name, city, sorted(districts)))
    for index, team in enumerate(teams):
        team.manager = person("manager", index)
        size = worker_count // team_count + (1 if index < worker_count % team_count else 0)
        team.workers = [person("worker", index) for _ in range(size)]
    return admin, teams


def _team_names(count: int, taken: set[str]) -> list[tuple[str, str]]:
    found, round_ = [], 1
    while len(found) < count:
        for name, city in TEAM_NAMES:
            candidate = name if round_ == 1 else f"{name} {round_}"
            if candidate.lower() not in taken:
                found.append((candidate, city))
                if len(found) == count:
                    break
        round_ += 1
    return found


def caseloads(rng: random.Random, open_families: int, workers: int) -> list[int]:
    """How many open families each worker holds: near twelve, between 10 and 15 where the
    numbers allow."""
    loads = [open_families // workers + (1 if i < open_families % workers else 0) for i in range(workers)]
    for _ in range(workers * 3):
        a, b = rng.randrange(workers), rng.randrange(workers)
        if a != b and loads[a] > 10 and loads[b] < 15:
            loads[a] -= 1
            loads[b] += 1
    return loads


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
    if phase == "engagement":
        age = rng.randint(45, 70) if "phase_overrun" in troubles else rng.randint(0, 27)
    elif phase == "making_changes":
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
    neglect = _weighted_sample(rng, NEGLECT_WEIGHTS, rng.choice((1, 1, 2)))
    factors = _weighted_sample(rng, FACTOR_WEIGHTS, rng.choice((0, 1, 1, 2, 2, 3)))
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


def _weighted_sample(rng, weights: dict[str, int], k: int) -> list[str]:
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
            plan.outcome == "engagement"
            and not plan.troubles
            and plan.previous is None
            and (today - plan.opened_on).days <= 3
            and plan.team.id not in seen_teams
        ):
            seen_teams.add(plan.team.id)
            plan.worker = None


# ---------------------------------------------------------------------------------------------
# The record of one family, as rows
# ---------------------------------------------------------------------------------------------
class Rows:
    """Row dicts waiting to be written, and the next id of each table."""

    def __init__(self, next_ids: dict[str, int], stamp: Callable[[dt.date], dt.datetime]):
        self.next_ids = next_ids
        self.pending: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.stamp = stamp

    def next_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict, with_id: bool = True) -> dict:
        if with_id:
            row["id"] = self.next_id(table)
        self.pending[table].append(row)
        self.counts[table] += 1
        return row

    def write(self, session: Session) -> None:
        connection = session.connection()
        for table in TABLES:
            batch = self.pending.pop(table.name, None)
            if batch:
                write_rows(connection, table, batch)  # COPY on PostgreSQL


def _weekday(day: dt.date) -> dt.date:
    """Visits happen on working days: a Saturday becomes Friday, a Sunday Monday."""
    if day.weekday() == 5:
        return day - DAY
    if day.weekday() == 6:
        return day + DAY
    return day


@dataclass
class Story:
    """The dated shape of a family's work: phase moves, the end of the record."""

    moves: list[tuple[dt.date, str, str, str | None, str | None, bool]]  # date, from, to, note, reason, by manager
    end: dt.date  # today, or the day the family closed
    consent_on: dt.date | None
    goals_on: dt.date | None
    revised_on: dt.date | None = None  # after a crisis, a new goal joins the plan

    def phase_on(self, day: dt.date) -> str:
        phase = "engagement"
        for date, _from, to, *_ in self.moves:
            if date <= day:
                phase = to
        return phase


def _story(rng, today, plan: FamilyPlan) -> Story:
    opened = plan.opened_on
    end = plan.closed_on or today
    span = (end - opened).days
    moves = []
    first_move = opened + rng.randint(21, 35) * DAY
    reached = "engagement"
    revised_on = None
    if plan.outcome in ("making_changes", "moving_on", "step_down") or (
        plan.is_closed and first_move < end - 7 * DAY
    ):
        first_move = min(first_move, end - 2 * DAY)
        moves.append((first_move, "engagement", "making_changes", "Consent recorded and the family plan agreed.",
                      None, False))
        reached = "making_changes"
        if plan.outcome == "making_changes" and rng.random() < 0.12 and span - (first_move - opened).days > 50:
            back = first_move + rng.randint(20, (end - first_move).days - 30) * DAY
            again = back + rng.randint(10, 21) * DAY
            moves.append((back, "making_changes", "engagement",
                          rng.choice(["Eviction notice: revisiting the assessment and the plan.",
                                      "A new partner has moved in; back to getting to know the family.",
                                      "Mum in hospital for two weeks; the plan is on hold."]), None, False))
            moves.append((again, "engagement", "making_changes", "Plan revised with the family.", None, False))
            revised_on = back + rng.randint(1, (again - back).days) * DAY
    second_move = opened + rng.randint(112, 133) * DAY
    if plan.outcome == "moving_on":  # the last four weeks or so
        second_move = opened + rng.randint(max(112, span - 28), min(133, span - 1)) * DAY
    if plan.outcome in ("moving_on", "step_down") or (
        plan.is_closed and reached == "making_changes" and second_move < end - 7 * DAY
    ):
        second_move = min(second_move, end - DAY)
        moves.append((second_move, "making_changes", "moving_on",
                      "Goals mostly met; planning support from school and the health visitor.", None, False))
        reached = "moving_on"
    if plan.is_closed:
        by_manager = reached != "moving_on"
        note = {
            "step_down": "Closing review held; stepped down to school and the health visitor.",
            "step_up": "Concerns have grown; referred to children's social care.",
            "disengaged": "The family stopped answering the door and calls; closed after a letter.",
            "moved_away": "The family has moved out of the area; the new area's early help service told.",
        }[plan.outcome]
        moves.append((plan.closed_on, reached, "closed", note, plan.outcome, by_manager))
    unallocated = plan.worker is None
    consent_on = None
    if not unallocated and span >= 3:
        consent_on = opened + rng.randint(2, min(10, span)) * DAY
        if moves:
            consent_on = min(consent_on, moves[0][0])
        if "phase_overrun" in plan.troubles and plan.outcome == "engagement" and rng.random() < 0.5:
            consent_on = None
    goals_on = None
    if not unallocated and span >= 12:
        goals_on = opened + rng.randint(10, 20) * DAY
        if moves and moves[0][2] == "making_changes":
            goals_on = min(goals_on, moves[0][0])
        goals_on = min(goals_on, end)
    return Story(moves, end, consent_on, goals_on, revised_on)


def _family_rows(rng, today, plan: FamilyPlan, rows: Rows, manager_id: int) -> None:
    story = _story(rng, today, plan)
    last_move = story.moves[-1] if story.moves else None
    worker_id = plan.worker.id if plan.worker else None
    acting_id = worker_id or manager_id
    rows.add("families", {
        "id": plan.id,
        "reference": plan.reference,
        "team_id": plan.team.id,
        "worker_id": worker_id,
        "opened_by_id": acting_id,
        "household_name": f"{plan.surname} household",
        "postcode": plan.postcode,
        "referral_date": plan.referral_date,
        "referral_source": plan.referral_source,
        "opened_on": plan.opened_on,
        "consent_recorded_on": story.consent_on,
        "phase": last_move[2] if last_move else "engagement",
        "phase_since": last_move[0] if last_move else plan.opened_on,
        "closed_on": plan.closed_on,
        "closure_recorded_on": plan.closed_on,  # each closure recorded on its day
        "closure_reason": plan.outcome if plan.is_closed else None,
        "previous_family_id": plan.previous.id if plan.previous else None,
        "version": 1,
        "created_at": rows.stamp(plan.opened_on),
    }, with_id=False)
    for code in plan.concerns:
        rows.add("family_concerns", {"family_id": plan.id, "code": code})
    children = []
    for child in plan.children:
        row = rows.add("children", {
            "family_id": plan.id, "first_name": child.first_name, "last_name": child.last_name,
            "date_of_birth": child.date_of_birth, "school": child.school, "version": 1,
            "created_at": rows.stamp(plan.opened_on),
        })
        children.append((row["id"], child))
    for first, last, relationship in plan.carers:
        rows.add("carers", {
            "family_id": plan.id, "first_name": first, "last_name": last,
            "relationship": relationship, "version": 1, "created_at": rows.stamp(plan.opened_on),
        })
    for date, from_phase, to_phase, note, reason, by_manager in story.moves:
        rows.add("phase_moves", {
            "family_id": plan.id, "from_phase": from_phase, "to_phase": to_phase, "date": date,
            "note": note, "reason": reason, "by_id": manager_id if by_manager else acting_id,
            "made_at": rows.stamp(date),
        })
    if worker_id is None:
        return
    goals = _goal_rows(rng, today, plan, story, rows, worker_id)
    _visit_rows(rng, today, plan, story, rows, worker_id, children, goals)
    _review_rows(rng, today, plan, story, rows, worker_id)
    _assessment_rows(rng, today, plan, story, rows, worker_id, children)


def _goal_rows(rng, today, plan, story, rows, worker_id) -> list[dict]:
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
    areas = _weighted_sample(rng, weights, rng.choice((2, 3, 3, 4)) + (1 if story.revised_on else 0))
    for n, area in enumerate(areas):
        start = story.revised_on if story.revised_on and n == len(areas) - 1 else story.goals_on
        mode = "stalled" if stalled_family and n < 2 else rng.choice(modes)
        baseline = rng.randint(2, 3)
        target = min(9, baseline + rng.randint(5, 6))
        goal = rows.add("goals", {
            "family_id": plan.id, "title": rng.choice(GOAL_TITLES[area]), "area": area,
            "baseline": baseline, "target": target, "start_date": start,
            "target_date": start + rng.choice((20, 22, 24)) * 7 * DAY, "status": "active",
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
            goal["status"], goal["status_changed_on"] = "achieved", day
            return
        if mode == "worsening" and step > 3 and rng.random() < 0.08:
            goal["status"], goal["status_changed_on"] = "withdrawn", day
            return
        day += rng.randint(14, 21) * DAY


def _visit_rows(rng, today, plan, story, rows, worker_id, children, goals) -> None:
    start, end = plan.opened_on + rng.randint(1, 5) * DAY, story.end
    no_access_from = end - 28 * DAY if "no_access" in plan.troubles else None
    unseen_child, unseen_from = None, None
    if "child_not_seen" in plan.troubles and children:
        unseen_child = children[0][0]  # the eldest, often out or "at a friend's"
        unseen_from = end - rng.randint(35, 56) * DAY
    fading = plan.outcome == "disengaged"
    day = _weekday(start)
    while day <= end:
        phase = story.phase_on(day)
        roll = rng.random()
        if no_access_from and day > no_access_from:
            outcome = "no_access" if roll < 0.7 else "cancelled"
        elif fading and day > end - 35 * DAY:
            outcome = "no_access" if roll < 0.6 else ("cancelled" if roll < 0.85 else "completed")
        else:
            outcome = "completed" if roll < 0.92 else ("no_access" if roll < 0.97 else "cancelled")
        kind = "home_visit"  # a no-access visit is a closed front door
        if outcome == "completed":
            kind = rng.choices(("home_visit", "school", "office", "phone", "other"), (82, 6, 5, 5, 2))[0]
            if kind == "school" and not any(_at_school(c, day) for _, c in children):
                kind = "home_visit"
        seen = []
        if outcome == "completed":
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
            "version": 1, "created_at": rows.stamp(day),
        })
        for cid, alone in seen:
            rows.add("visit_children", {"visit_id": visit["id"], "child_id": cid, "seen_alone": alone}, with_id=False)
        if outcome == "completed" and goals and rng.random() < 0.5:
            active = [g for g in goals
                      if g["start_date"] <= day and (g["status_changed_on"] is None or g["status_changed_on"] >= day)]
            for goal in rng.sample(active, k=min(len(active), rng.choice((1, 1, 2)))):
                rows.add("visit_goals", {"visit_id": visit["id"], "goal_id": goal["id"]}, with_id=False)
        if no_access_from and day > no_access_from - 7 * DAY:
            gap = rng.randint(4, 7)  # the worker keeps trying
        elif phase == "moving_on":
            gap = rng.randint(9, 14)
        elif phase == "engagement":
            gap = rng.randint(4, 8)
        else:
            gap = rng.randint(5, 9)
        nxt = _weekday(day + gap * DAY)
        day = nxt if nxt > day else day + 2 * DAY


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
    if outcome == "cancelled":
        return None
    if outcome == "no_access":
        return rng.choice((10, 15, 20))
    low, high = {"home_visit": (45, 90), "school": (20, 45), "office": (30, 60), "phone": (10, 30),
                 "other": (30, 60)}[kind]
    return rng.randrange(low, high + 1, 5)


def _review_rows(rng, today, plan, story, rows, worker_id) -> None:
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


def _assessment_rows(rng, today, plan, story, rows, worker_id, children) -> None:
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


# ---------------------------------------------------------------------------------------------
# Putting it in the database
# ---------------------------------------------------------------------------------------------
def existing_demo_user(session: Session) -> str | None:
    """The e-mail of a demo user already in the database, if any."""
    return session.scalar(
        select(User.email).where(func.lower(User.email).like(f"%@{DEMO_DOMAIN}")).limit(1)
    )


def stored_logins(session: Session, teams: int = 2) -> list[DemoLogin]:
    """The demo administrator and the people of the first ``teams`` demo teams, as stored."""
    users = session.scalars(
        select(User).where(func.lower(User.email).like(f"%@{DEMO_DOMAIN}")).order_by(User.id)
    ).all()
    team_ids = []
    for user in users:
        if user.team_id is not None and user.team_id not in team_ids:
            team_ids.append(user.team_id)
    shown = set(team_ids[:teams])
    return [
        DemoLogin(user.email, user.name, user.role, user.team.name if user.team else None)
        for user in users
        if user.team_id is None or user.team_id in shown
    ]


def check_can_seed(session: Session) -> None:
    email = existing_demo_user(session)
    if email:
        raise ValidationFailed(
            f"Demo data is already loaded (there is a demo user {email}). "
            "seed-demo adds a demo service once; to start again, use a fresh database."
        )


def _next_ids(session: Session) -> dict[str, int]:
    return {
        table.name: (session.scalar(select(func.max(table.c.id))) or 0) + 1 for table in ID_TABLES
    }


def _first_reference_numbers(session: Session, prefix: str, years: set[int]) -> dict[int, int]:
    """The last number used each year: the counter's, or a higher one already in use."""
    found = {}
    for year in years:
        counter = session.get(ReferenceCounter, year, with_for_update=True)
        last = counter.last_number if counter else 0
        stem = f"{prefix}-{year}-"
        for (reference,) in session.execute(
            select(Family.reference).where(Family.reference.like(stem + "%"))
        ):
            tail = reference[len(stem):]
            if tail.isdigit():
                last = max(last, int(tail))
        found[year] = last
    return found


def _lock_tables(session: Session) -> None:
    """Ids come from the current maxima, so nobody else may insert meanwhile. SQLite's
    BEGIN IMMEDIATE already holds the write lock; PostgreSQL needs telling."""
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(t.name for t in ID_TABLES + (VisitChild.__table__, VisitGoal.__table__,
                                                         ReferenceCounter.__table__))
        session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))


def _reset_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them on."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
        ))


def seed_demo(
    session: Session,
    today: dt.date,
    rng: random.Random,
    *,
    families: int = DEFAULT_FAMILIES,
    password_hash: str,
    prefix: str = "FP",
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_FAMILIES,
) -> SeedResult:
    """Write a demo service of ``families`` families (about a fifth of them closed) into
    ``session``; the caller commits. Every demo user shares ``password_hash``."""
    if families < 1:
        raise ValidationFailed("Ask for at least one family.", {"families": ["Ask for at least one family."]})
    _lock_tables(session)
    check_can_seed(session)
    next_ids = _next_ids(session)
    # "Written" at the start of the day it records (UTC): rules read the recorded dates.
    rows = Rows(next_ids, functools.lru_cache(maxsize=None)(
        lambda day: dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    ))

    taken = {name.lower() for name in session.scalars(select(Team.name))}
    open_count = families - (round(families * CLOSED_FRACTION) if families >= 5 else 0)
    admin, teams = plan_staff(rng, open_count, taken, rows.next_id)
    plans = plan_families(rng, today, teams, families)
    # Oldest first: references and ids follow the order families were opened.
    plans.sort(key=lambda p: p.opened_on)
    numbers = _first_reference_numbers(session, prefix, {p.opened_on.year for p in plans})
    for plan in plans:
        plan.id = rows.next_id("families")
        numbers[plan.opened_on.year] += 1
        plan.reference = f"{prefix}-{plan.opened_on.year}-{numbers[plan.opened_on.year]:04d}"

    stamp = rows.stamp(today - 400 * DAY)
    session.execute(insert(Team.__table__), [
        {"id": t.id, "name": t.name, "version": 1, "created_at": stamp} for t in teams
    ])
    people = [admin] + [p for t in teams for p in [t.manager, *t.workers]]
    session.execute(insert(User.__table__), [
        {
            "id": p.id, "email": p.email, "name": p.name, "role": p.role,
            "team_id": teams[p.team_index].id if p.team_index is not None else None,
            "password_hash": password_hash, "active": True,
            "version": 1, "created_at": stamp,
        }
        for p in people
    ])

    for start in range(0, len(plans), batch_size):
        batch = plans[start:start + batch_size]
        for plan in batch:
            _family_rows(rng, today, plan, rows, plan.team.manager.id)
        rows.write(session)
        if progress:
            progress(len(batch))

    for year, last in numbers.items():
        counter = session.get(ReferenceCounter, year)
        if counter is None:
            session.add(ReferenceCounter(year=year, last_number=last))
        else:
            counter.last_number = max(counter.last_number, last)
    session.flush()
    _reset_sequences(session)
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum would do a while after a bulk load: without these statistics the
        # planner guesses the tables are empty, and a report can take minutes instead of ms.
        session.execute(text("ANALYZE " + ", ".join(t.name for t in (Team.__table__, User.__table__, *TABLES))))
    counts = dict(rows.counts)
    counts["families"] = len(plans)
    counts["teams"] = len(teams)
    counts["users"] = len(people)
    return SeedResult(teams, admin, len(plans), counts, (plans[0].reference, plans[-1].reference))
