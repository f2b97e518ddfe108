"""Small factories for test data (factory_boy over the Flask-SQLAlchemy session)."""
import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from casework.extensions import db
from casework.models import (
    Assessment,
    AssessmentScore,
    Carer,
    Child,
    Family,
    FamilyConcern,
    Goal,
    GoalRating,
    Review,
    Team,
    User,
    Visit,
    VisitChild,
    Voice,
)

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class TeamFactory(Base):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "worker"
    team = factory.SubFactory(TeamFactory)
    password_hash = _PASSWORD_HASH


class FamilyFactory(Base):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FP-2026-{n + 1:04d}")
    worker = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: o.worker.team if o.worker else None)
    household_name = factory.Sequence(lambda n: f"Household {n}")
    postcode = "LS6 2AB"
    opened_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    referral_date = factory.LazyAttribute(lambda o: o.opened_on)
    phase = "engagement"
    phase_since = factory.LazyAttribute(lambda o: o.opened_on)
    closed_on = None
    # A closed family's closure recorded on the day it took effect, unless a test says otherwise.
    closure_recorded_on = factory.LazyAttribute(lambda o: o.closed_on)
    concern_rows = factory.LazyFunction(lambda: [FamilyConcern(code="neglect_physical")])
    children = factory.LazyAttribute(
        lambda o: [
            Child(first_name="Amy", last_name="Smith", date_of_birth=dt.date(2018, 3, 1)),
            Child(first_name="Ben", last_name="Smith", date_of_birth=dt.date(2021, 7, 9)),
        ]
    )


class GoalFactory(Base):
    class Meta:
        model = Goal

    family = factory.SubFactory(FamilyFactory)
    title = "The children have a regular bedtime"
    area = "family_routine"
    baseline = 3
    target = 8
    start_date = factory.LazyAttribute(lambda o: o.family.opened_on)
    target_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(weeks=16))
    status = "active"


class RatingFactory(Base):
    class Meta:
        model = GoalRating

    goal = factory.SubFactory(GoalFactory)
    date = factory.LazyAttribute(lambda o: o.goal.start_date)
    rating = 4
    note = ""
    recorded_by = factory.LazyAttribute(lambda o: o.goal.family.worker)


class VisitFactory(Base):
    class Meta:
        model = Visit

    family = factory.SubFactory(FamilyFactory)
    date = factory.LazyAttribute(lambda o: o.family.opened_on)
    kind = "home_visit"
    outcome = "completed"
    notes = "Visited at home."
    recorded_by = factory.LazyAttribute(lambda o: o.family.worker)
    children_seen = factory.LazyAttribute(
        lambda o: [VisitChild(child=child) for child in o.family.children] if o.outcome == "completed" else []
    )
    all_children_seen = factory.LazyAttribute(lambda o: o.outcome == "completed")


class VoiceFactory(Base):
    """What a child said: the family's first child, heard at a visit on the day it opened."""

    class Meta:
        model = Voice

    child = factory.LazyAttribute(lambda o: o.family.children[0])
    family = factory.SubFactory(FamilyFactory)
    date = factory.LazyAttribute(lambda o: o.family.opened_on)
    how = "visit"
    words = "I like it when Mum walks me to school."
    scale = 6
    recorded_by = factory.LazyAttribute(lambda o: o.family.worker)


# Data protection tests (tests/test_data_protection*.py) ---------------------------------------


class CarerFactory(Base):
    class Meta:
        model = Carer

    family = factory.SubFactory(FamilyFactory)
    first_name = "Dana"
    last_name = "Smith"
    relationship_to_children = "Mother"


class ReviewFactory(Base):
    class Meta:
        model = Review

    family = factory.SubFactory(FamilyFactory)
    held_on = factory.LazyAttribute(lambda o: o.family.opened_on + dt.timedelta(days=42))
    decision = "continue"
    attendees = "Mother, family worker"
    notes = "The plan is working."
    recorded_by = factory.LazyAttribute(lambda o: o.family.worker)


class AssessmentFactory(Base):
    """An assessment against the built-in framework, with one score per domain given."""

    class Meta:
        model = Assessment

    family = factory.SubFactory(FamilyFactory)
    child = None
    framework = "family-functioning"
    stage = "initial"
    date = factory.LazyAttribute(lambda o: o.family.opened_on)
    recorded_by = factory.LazyAttribute(lambda o: o.family.worker)
    scores = factory.LazyFunction(lambda: [AssessmentScore(domain="physical_care", score=3, evidence="")])
