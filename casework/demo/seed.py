"""Putting the demo service in the database: ``seed_demo``.

It plans a whole service (``staff``, ``families``), then writes every family's record
(``record``) in batches with SQLAlchemy Core, ids assigned here from the current maximum, so
that 10,000 families take seconds rather than minutes.

Everything is drawn from ``rng`` and dated back from ``today``: the same seed gives the same
service (on another day, the same families with their dates counted back from that day). The
demo adds itself alongside whatever the database already holds (team names already in use are
skipped, references continue each year's numbering) and refuses only when demo users
(``@demo.example.org``) are already there.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ..database import refresh_statistics
from ..models import Family, ReferenceCounter, Role, Team, User, VisitChild, VisitGoal
from ..services.errors import ValidationFailed
from ..services.outcome_store import rebuild_outcomes
from .diary import add_planned_visits
from .families import CLOSED_FRACTION, DAY, plan_families
from .partners import add_teams_around
from .record import TABLES, Rows, family_rows
from .staff import DemoLogin, Person, TeamPlan, existing_demo_user, plan_staff

DEFAULT_FAMILIES = 250
BATCH_FAMILIES = 500
# Ids come from the current maxima of these tables (see _next_ids).
ID_TABLES = (Team.__table__, User.__table__) + tuple(t for t in TABLES if "id" in t.c)


@dataclass
class SeedResult:
    teams: list[TeamPlan]
    admin: Person
    families: int
    counts: dict[str, int]
    references: tuple[str, str] | None
    partners: list[DemoLogin]

    @property
    def logins(self) -> list[DemoLogin]:
        found = [DemoLogin(self.admin.email, self.admin.name, Role.ADMIN, None)]
        for team in self.teams:
            found.append(DemoLogin(team.manager.email, team.manager.name, Role.MANAGER, team.name))
            found.extend(DemoLogin(w.email, w.name, Role.WORKER, team.name) for w in team.workers)
        return found + self.partners


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
            family_rows(rng, today, plan, rows, plan.team.manager.id)
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
    partners = add_teams_around(session, rng, today, plans, password_hash)  # after: the ORM uses the sequences
    planned_visits = add_planned_visits(session, rng, today, plans)  # ids from the sequences too
    rebuild_outcomes(session)  # the closed families' measures, for the outcomes report
    # Without statistics after a bulk load the planner guesses (on PostgreSQL, that the tables
    # are empty): a report could take minutes instead of milliseconds.
    refresh_statistics(session)
    counts = dict(rows.counts)
    counts["families"] = len(plans)
    counts["teams"] = len(teams)
    counts["users"] = len(people)
    counts["planned_visits"] = planned_visits
    return SeedResult(teams, admin, len(plans), counts, (plans[0].reference, plans[-1].reference), partners)
