"""Managers' actions on a family: allocation, transfer to another team, closure approval."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import Allocation, Notification
from casework.services import allocation as allocation_service
from casework.services import closures as closure_service
from casework.services import families as family_service
from casework.services import phases as phase_service
from casework.services import reviews
from casework.services import transfers as transfer_service
from casework.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.services.review_schedule import next_review_due

from .factories import FamilyFactory, UserFactory
from .helpers import assert_refused

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


def notes_for(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


@pytest.fixture
def approval(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)


@pytest.fixture
def moving_on(worker):
    return FamilyFactory(worker=worker, opened_on=dt.date(2026, 1, 5), phase="moving_on",
                         phase_since=dt.date(2026, 5, 25))


# Allocation ------------------------------------------------------------------------------------

def test_reallocation_is_kept_and_the_new_worker_told(manager, worker, colleague, moving_on):
    allocation_service.allocate(db.session, manager, moving_on, colleague.id, "Wendy is on leave.", NOW)
    assert moving_on.worker == colleague
    [allocation] = db.session.scalars(select(Allocation)).all()
    assert (allocation.from_worker, allocation.to_worker, allocation.by, allocation.reason) == (
        worker, colleague, manager, "Wendy is on leave.")
    [note] = notes_for(colleague)
    assert note.kind == "allocated" and moving_on.reference in note.message


def test_allocation_stays_within_the_team(manager, outsider, moving_on):
    with assert_refused(ValidationFailed, "worker_id", unchanged=[moving_on]):
        allocation_service.allocate(db.session, manager, moving_on, outsider.id, "", NOW)


def test_changing_the_worker_through_an_edit_records_the_allocation(manager, colleague, moving_on):
    family_service.update_family(db.session, manager, moving_on, {"worker_id": colleague.id}, NOW)
    assert db.session.scalar(select(Allocation.to_worker_id)) == colleague.id


# Transfer ----------------------------------------------------------------------------------------

def test_a_transfer_waits_for_the_receiving_manager(manager, moving_on, other_team, worker):
    receiving = UserFactory(team=other_team, role="manager")
    their_worker = UserFactory(team=other_team, role="worker")
    with assert_refused(Forbidden, unchanged=[moving_on]):
        transfer_service.request_transfer(db.session, worker, moving_on, other_team.id, "Moving to Leeds", NOW)
    transfer = transfer_service.request_transfer(db.session, manager, moving_on, other_team.id,
                                                 "Family moved to Leeds.", NOW)
    assert moving_on.team_id == manager.team_id  # the sending team keeps it meanwhile
    assert [n.kind for n in notes_for(receiving)] == ["transfer_offered"]
    with assert_refused(NotFound):
        transfer_service.incoming_transfer(db.session, manager, transfer.id)  # not to the sender
    with assert_refused(Conflict, unchanged=[moving_on, transfer]):
        transfer_service.request_transfer(db.session, manager, moving_on, other_team.id, "Again", NOW)
    mine = transfer_service.incoming_transfer(db.session, receiving, transfer.id)
    transfer_service.accept_transfer(db.session, receiving, mine, their_worker.id, NOW)
    assert (moving_on.team_id, moving_on.worker) == (other_team.id, their_worker)
    assert transfer.status == "accepted"
    assert "transfer_accepted" in [n.kind for n in notes_for(manager)]


def test_a_declined_transfer_stays_with_the_sending_team(manager, moving_on, other_team):
    receiving = UserFactory(team=other_team, role="manager")
    transfer = transfer_service.request_transfer(db.session, manager, moving_on, other_team.id, "Family moved.", NOW)
    with assert_refused(ValidationFailed, "comment", unchanged=[moving_on, transfer]):
        transfer_service.decline_transfer(db.session, receiving, transfer, " ", NOW)
    transfer_service.decline_transfer(db.session, receiving, transfer, "Not our area yet.", NOW)
    assert moving_on.team_id == manager.team_id and transfer.status == "declined"


def test_a_transfer_needs_another_team_and_a_reason(manager, moving_on):
    with assert_refused(ValidationFailed, "to_team_id", "reason", unchanged=[moving_on]):
        transfer_service.request_transfer(db.session, manager, moving_on, manager.team_id, "", NOW)


# Closure approval --------------------------------------------------------------------------------

def test_a_workers_closing_move_waits_for_approval(approval, worker, manager, moving_on):
    proposal = phase_service.move_phase(db.session, worker, moving_on, "closed", TODAY - dt.timedelta(days=2), NOW,
                                         reason="step_down", note="Nursery place found.")
    assert moving_on.phase == "moving_on" and moving_on.closed_on is None
    assert closure_service.pending_closure(db.session, moving_on) == proposal
    assert [n.kind for n in notes_for(manager)] == ["closure_proposed"]
    with assert_refused(Conflict, unchanged=[moving_on, proposal]):
        phase_service.move_phase(db.session, worker, moving_on, "closed", TODAY, NOW, reason="step_down")
    with assert_refused(Forbidden, unchanged=[moving_on, proposal]):
        closure_service.approve_closure(db.session, worker, moving_on, NOW)
    closure_service.approve_closure(db.session, manager, moving_on, NOW)
    assert (moving_on.phase, moving_on.closed_on, moving_on.closure_reason) == (
        "closed", TODAY - dt.timedelta(days=2), "step_down")
    assert "closure_approved" in [n.kind for n in notes_for(worker)]
    with assert_refused(Conflict, unchanged=[moving_on, proposal]):
        closure_service.approve_closure(db.session, manager, moving_on, NOW)


def test_a_returned_closure_leaves_the_family_open(approval, worker, manager, moving_on):
    proposal = phase_service.move_phase(db.session, worker, moving_on, "closed", TODAY, NOW, reason="step_down")
    with assert_refused(ValidationFailed, "comment", unchanged=[moving_on, proposal]):
        closure_service.return_closure(db.session, manager, moving_on, "", NOW)
    closure_service.return_closure(db.session, manager, moving_on, "Hold a closing review with school first.", NOW)
    assert moving_on.phase == "moving_on" and closure_service.pending_closure(db.session, moving_on) is None
    assert "closure_returned" in [n.kind for n in notes_for(worker)]
    with assert_refused(Conflict, unchanged=[moving_on, proposal]):
        closure_service.return_closure(db.session, manager, moving_on, "again", NOW)


def test_a_closing_review_waits_for_approval_and_counts_as_held(approval, worker, manager, moving_on):
    review = reviews.hold_review(db.session, worker, moving_on, {"held_on": TODAY, "decision": "step_up"}, NOW)
    assert review.pending_approval and moving_on.phase == "moving_on"
    assert next_review_due(db.session, moving_on, NOW) == TODAY + dt.timedelta(days=42)
    closure_service.approve_closure(db.session, manager, moving_on, NOW)
    db.session.refresh(review)
    assert not review.pending_approval
    assert (moving_on.closed_on, moving_on.closure_reason) == (TODAY, "step_up")


def test_a_manager_closes_at_once(approval, manager, moving_on):
    phase_service.move_phase(db.session, manager, moving_on, "closed", TODAY, NOW, reason="moved_away")
    assert moving_on.phase == "closed"
