"""The people of the demo service: teams of about eight family workers and a manager, one
administrator, and how many families each worker holds. Every demo user's e-mail ends in
``@demo.example.org`` and shares one password."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Role, User
from .words import CITIES, STAFF_FIRST, STAFF_LAST, TEAM_NAMES

DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORD = "demo-password-2026"


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

    admin = Person(next_id("users"), "Demo Administrator", f"admin@{DEMO_DOMAIN}", Role.ADMIN, None)
    emails.add(admin.email)
    teams = []
    for name, city in names:
        districts = rng.sample(CITIES[city], k=min(3, len(CITIES[city])))
        teams.append(TeamPlan(next_id("teams"), name, city, sorted(districts)))
    for index, team in enumerate(teams):
        team.manager = person(Role.MANAGER, index)
        size = worker_count // team_count + (1 if index < worker_count % team_count else 0)
        team.workers = [person(Role.WORKER, index) for _ in range(size)]
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
