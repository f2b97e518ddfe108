"""Holding a review from the family page, the reviews it lists, the next review due, and a
manager reopening a closed family."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from casework.models import ClosureProposal, Family, PhaseMove, Review

from . import factories
from .helpers import (
    assert_every_input_labelled,
    assert_field_error,
    checked,
    input_value,
    page_text,
    signed_in,
    squash,
)


def review_form(today, **overrides) -> dict:
    data = {
        "held_on": (today - dt.timedelta(days=1)).isoformat(),
        "decision": "continue",
        "reason": "",
        "attendees": "Dana (mum), Wendy (family worker)",
        "notes": "Bedtimes much better.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def approval(app, monkeypatch):
    """Closure approval switched on: a worker's closing waits for a manager."""
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)


def new_review(family):
    return f"/families/{family.id}/reviews/new"


# --- The review form ------------------------------------------------------------------------


def test_the_review_form_asks_for_each_part_of_the_review(login, worker, family, today):
    response = login(worker).get(new_review(family))
    assert response.status_code == 200
    text = page_text(response)
    for words in ("Hold a review", "Date held", "Who attended", "Decision", "Continue",
                  "Step up to children's social care", "Step down to universal services", "Close",
                  "Reason for closing", "Notes"):
        assert words in text
    due = family.opened_on + dt.timedelta(days=42)
    assert f"The next review is due on {due.day} {due:%b %Y}" in text
    assert input_value(response, "held_on") == today.isoformat()
    body = squash(response)
    # Closing at a review: stepping up and down are their own reasons; these are the others.
    reasons = re.findall(r'<option value="([^"]*)"', body[body.index('id="reason"'):])
    assert reasons == ["", "disengaged", "moved_away", "other"]
    assert_every_input_labelled(response)


def test_continuing_lists_the_review_and_moves_the_next_one(login, worker, family, today, db):
    client = login(worker)
    response = client.post(new_review(family), data=review_form(today))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    review = db.session.scalar(select(Review))
    assert (review.decision, review.recorded_by_id, review.attendees) == (
        "continue", worker.id, "Dana (mum), Wendy (family worker)")

    text = page_text(client.get(f"/families/{family.id}"))
    held = today - dt.timedelta(days=1)
    due = held + dt.timedelta(days=42)
    assert f"Review held on {held.day} {held:%b %Y} recorded. The next review is due on {due.day} {due:%b %Y}." in text
    assert f"Next review due {due.day} {due:%b %Y}" in text
    reviews = text[text.index("Reviews Next review due"):text.index("Visits")]
    assert f"{held.day} {held:%b %Y} Continue Dana (mum), Wendy (family worker) Wendy Worker" in reviews


def test_the_family_page_lists_reviews_newest_first(login, worker, family, today, db):
    for days, decision in ((20, "continue"), (5, "continue")):
        db.session.add(Review(family=family, held_on=today - dt.timedelta(days=days), decision=decision,
                              attendees=f"met {days} days ago", recorded_by=worker))
    text = page_text(login(worker).get(f"/families/{family.id}"))
    assert text.index("met 5 days ago") < text.index("met 20 days ago")


def test_an_overdue_review_says_so_in_words(login, worker, today):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=50))
    client = login(worker)
    due = family.opened_on + dt.timedelta(days=42)
    response = client.get(f"/families/{family.id}")
    assert f"Next review due {due.day} {due:%b %Y} overdue" in page_text(response)
    assert '<span class="cw-overdue">' in squash(response)
    assert f"was due on {due.day} {due:%b %Y} overdue" in page_text(client.get(new_review(family)))


def test_a_review_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today, db):
    response = login(worker).post(new_review(family), data=review_form(today, held_on="31/02/2026", decision=""))
    assert response.status_code == 422
    assert_field_error(response, "held_on", "Enter a real date in the form YYYY-MM-DD.")
    assert_field_error(response, "decision", "Choose continue, step up, step down or close.")
    assert "Dana (mum), Wendy (family worker)" in page_text(response)
    assert input_value(response, "held_on") == "31/02/2026"
    assert db.session.scalar(select(Review)) is None


def test_closing_needs_a_reason(login, worker, family, today, db):
    response = login(worker).post(new_review(family), data=review_form(today, decision="close"))
    assert response.status_code == 422
    assert_field_error(response, "reason", "Choose the reason the family is closing.")
    assert checked(response, "decision") == {"close"}
    assert db.session.scalar(select(Review)) is None


def test_the_service_refuses_a_review_in_the_future(login, worker, family, today):
    response = login(worker).post(new_review(family),
                                  data=review_form(today, held_on=(today + dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 422
    assert_field_error(response, "held_on", "A review cannot be dated in the future.")


# --- Closing at a review --------------------------------------------------------------------


def test_a_workers_closing_review_waits_for_the_manager(approval, login, worker, manager, family, today, db):
    client = login(worker)
    response = client.post(new_review(family), data=review_form(today, decision="step_down"))
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert "Closure proposed: waiting for your manager's approval." in text
    assert "waiting for approval" in text  # the review itself says so
    family = db.session.get(Family, family.id)
    assert family.phase == "engagement" and family.closed_on is None
    proposal = db.session.scalar(select(ClosureProposal))
    assert (proposal.status, proposal.reason, proposal.by_id) == ("pending", "step_down", worker.id)

    # A second closing review while the first waits: refused, nothing lost.
    response = client.post(new_review(family), data=review_form(today, decision="close", reason="moved_away"))
    assert response.status_code == 409
    assert "already waiting for approval" in page_text(response)
    assert input_value(response, "held_on") == (today - dt.timedelta(days=1)).isoformat()
    assert len(db.session.scalars(select(Review)).all()) == 1


def test_without_approval_a_closing_review_closes_the_family(no_approval, login, worker, family, today, db):
    client = login(worker)
    response = client.post(new_review(family), data=review_form(today, decision="close", reason="disengaged"))
    assert response.status_code == 302
    family = db.session.get(Family, family.id)
    assert (family.phase, family.closure_reason, family.closed_on) == (
        "closed", "disengaged", today - dt.timedelta(days=1))
    text = page_text(client.get(f"/families/{family.id}"))
    assert f"{family.reference} is closed: family disengaged." in text
    assert "Close (family disengaged)" in text


def test_a_managers_closing_review_closes_at_once(approval, login, manager, family, today, db):
    response = login(manager).post(new_review(family), data=review_form(today, decision="step_up"))
    assert response.status_code == 302
    family = db.session.get(Family, family.id)
    assert (family.phase, family.closure_reason) == ("closed", "step_up")
    assert db.session.scalar(select(ClosureProposal)) is None


def test_a_closed_family_takes_no_review(login, worker, family, today, db):
    family.phase, family.closed_on, family.closure_reason = "closed", today, "step_down"
    client = login(worker)
    response = client.get(new_review(family))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/families/{family.id}")
    response = client.post(new_review(family), data=review_form(today))
    assert response.status_code == 422
    assert "The family is closed" in page_text(response)
    assert "Hold a review" not in page_text(client.get(f"/families/{family.id}"))


def test_who_may_hold_a_review(app, worker, colleague, manager, outsider, admin, family, today):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200), (worker, 200)):
        assert signed_in(app, user).get(new_review(family)).status_code == status
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        assert signed_in(app, user).post(new_review(family), data=review_form(today)).status_code == status


def test_a_review_post_needs_the_csrf_token(app, login, worker, family, today, db):
    client = login(worker)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(new_review(family), data=review_form(today)).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(select(Review)) is None


# --- Reopening ------------------------------------------------------------------------------


@pytest.fixture
def closed(family, today, db):
    family.phase, family.phase_since = "closed", today - dt.timedelta(days=3)
    family.closed_on, family.closure_reason = today - dt.timedelta(days=3), "disengaged"
    return family


def test_a_manager_reopens_a_closed_family(login, manager, closed, today, db):
    client = login(manager)
    page = client.get(f"/families/{closed.id}")
    assert "Reopen" in page_text(page) and "Why is the family being reopened?" in page_text(page)
    assert_every_input_labelled(page)
    response = client.post(f"/families/{closed.id}/reopen", data={"note": "Referred again by the school."})
    assert response.status_code == 302
    family = db.session.get(Family, closed.id)
    assert (family.phase, family.phase_since, family.closed_on, family.closure_reason) == (
        "engagement", today, None, None)
    move = db.session.scalar(select(PhaseMove).where(PhaseMove.family_id == family.id))
    assert (move.from_phase, move.to_phase, move.note) == ("closed", "engagement", "Referred again by the school.")
    text = page_text(client.get(f"/families/{family.id}"))
    assert f"{family.reference} is reopened, back in engagement." in text and "Log a visit" in text


def test_reopening_needs_a_note(login, manager, closed, db):
    response = login(manager).post(f"/families/{closed.id}/reopen", data={"note": "   "})
    assert response.status_code == 422
    assert_field_error(response, "note", "Say why the family is being reopened.")
    assert db.session.get(Family, closed.id).phase == "closed"


def test_an_open_family_cannot_be_reopened(login, manager, family):
    response = login(manager).post(f"/families/{family.id}/reopen", data={"note": "Why not."})
    assert response.status_code == 422
    assert "There is a problem The family is open." in page_text(response)


def test_a_worker_is_not_offered_reopening_and_is_refused(app, worker, colleague, outsider, closed, db):
    client = signed_in(app, worker)
    text = page_text(client.get(f"/families/{closed.id}"))
    assert "A manager can reopen it." in text
    assert f'action="/families/{closed.id}/reopen"' not in squash(client.get(f"/families/{closed.id}"))
    assert client.post(f"/families/{closed.id}/reopen", data={"note": "Please."}).status_code == 403
    assert signed_in(app, colleague).post(f"/families/{closed.id}/reopen", data={"note": "x"}).status_code == 404
    assert db.session.get(Family, closed.id).phase == "closed"
