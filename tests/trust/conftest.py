"""Fixtures of the trust tests, and their marker: every test under tests/trust is marked
``trust`` (``-m "not trust"`` leaves them out)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Carer, Flag, Notification, PlannedVisit, Transfer, UnrecordedVisit, User

from ..factories import FamilyFactory, GoalFactory, RatingFactory, VisitFactory, VoiceFactory
from ..helpers import pending_account, team_around

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    # A conftest's hook sees every collected item, not only this directory's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.trust)


@pytest.fixture
def other_world(db, world):
    """The mirror of ``world`` in team South: a family held by a South worker with the same
    kinds of record, and a North family offered to South by North's manager."""
    people, ids = world
    owen = _db.session.scalar(select(User).where(User.email == "owen@example.org"))
    family = FamilyFactory(worker=owen)
    goal = GoalFactory(family=family)
    rating = RatingFactory(goal=goal)
    visit = VisitFactory(family=family)
    voice = VoiceFactory(family=family)
    flag = Flag(family=family, rule="no_access", subject_key="family", severity="medium",
                message="Two visits in a row without access.", raised_on=family.opened_on)
    notification = Notification(user=owen, kind="allocated", family_id=family.id, key="mirror",
                                message=f"{family.reference} has been allocated to you.",
                                created_on=family.opened_on)
    carer = Carer(family=family, first_name="Olu", relationship_to_children="Father")
    planned = PlannedVisit(family=family, worker=owen, date=family.opened_on, kind="home_visit")
    unrecorded = UnrecordedVisit(user=owen, device_key="mirror", family_id=family.id,
                                 family_reference=family.reference, payload="{}", status=422)
    _db.session.add_all([flag, notification, carer, planned, unrecorded])
    _db.session.flush()
    leaving = FamilyFactory(worker=people["worker"])
    transfer = Transfer(family_id=leaving.id, from_team_id=people["manager"].team_id,
                        to_team_id=people["other_manager"].team_id,
                        requested_by_id=people["manager"].id, reason="The family moved south.")
    _db.session.add(transfer)
    _db.session.flush()
    token = pending_account(owen.team, people["admin"], "pia@example.org")
    team_ids = team_around(family, "olga@southside.example.org")
    other_ids = dict(family_id=family.id, goal_id=goal.id, visit_id=visit.id, user_id=owen.id,
                     filename="casework.css", rating_id=rating.id, flag_id=flag.id,
                     notification_id=notification.id, transfer_id=transfer.id,
                     child_id=family.children[0].id, carer_id=carer.id, form_key=f"visit:new:family:{family.id}",
                     token=token, team_id=owen.team_id, planned_visit_id=planned.id,
                     voice_id=voice.id, unrecorded_id=unrecorded.id, **team_ids)
    _db.session.commit()
    return other_ids
