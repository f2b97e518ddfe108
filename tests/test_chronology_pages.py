"""The chronology (service: flags and allocations too; page: filter, print) and the family plan
printed for the parents."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Allocation, Family, Flag, Goal, Review, User
from casework.services import chronology as chronology_service
from casework.services import flags as flags_service

from . import factories
from .helpers import count_queries, fresh_session, page_text, signed_in, squash


@pytest.fixture
def history(family, worker, manager, colleague, today, db):
    """A visit, a rating, a review, a flag raised then resolved, and a reallocation, on
    different days."""
    goal = factories.GoalFactory(family=family, title="The children have a regular bedtime")
    factories.VisitFactory(family=family, date=today - dt.timedelta(days=25), notes="Secret case note.")
    factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=20), rating=5, note="Keep the bedtime chart.")
    db.session.add(Review(family=family, held_on=today - dt.timedelta(days=15), decision="continue",
                          recorded_by=worker))
    flag = Flag(family=family, rule="no_access", subject_key="family", severity="high",
                message="Two visits in a row without access.", raised_on=today - dt.timedelta(days=10))
    db.session.add(flag)
    db.session.add(Allocation(family_id=family.id, from_worker_id=worker.id, to_worker_id=colleague.id,
                              by_id=manager.id, reason="Wendy is on leave.", made_on=today - dt.timedelta(days=5)))
    db.session.flush()
    return family, flag


# --- The service: flags and allocations are events too ---------------------------------------


def test_flags_and_allocations_are_kinds_of_event():
    assert {"flag", "allocation"} <= set(chronology_service.KINDS)


def test_a_flag_is_an_event_when_raised_and_again_when_resolved(history, manager, now, today, db):
    family, flag = history
    [raised] = chronology_service.chronology(db.session, family, "flag")
    assert (raised.date, raised.kind, raised.ref_id) == (today - dt.timedelta(days=10), "flag", flag.id)
    assert "high" in raised.summary and "Two visits in a row without access." in raised.summary

    flags_service.resolve(db.session, manager, flag, "Spoke to mum; visits moved to mornings.", now)
    resolved, raised = chronology_service.chronology(db.session, family, "flag")
    assert resolved.date == today and resolved.ref_id == flag.id
    assert "resolved" in resolved.summary and "visits moved to mornings" in resolved.summary


def test_an_allocation_names_the_worker_and_the_reason(history, db, today):
    family, _ = history
    [entry] = chronology_service.chronology(db.session, family, "allocation")
    assert (entry.date, entry.kind) == (today - dt.timedelta(days=5), "allocation")
    assert "Colin Colleague" in entry.summary and "Wendy is on leave." in entry.summary


def test_every_kind_appears_in_date_order(history, db):
    family, _ = history
    kinds = [entry.kind for entry in chronology_service.chronology(db.session, family)]
    assert kinds == ["allocation", "flag", "review", "rating", "visit", "goal", "referral"]


# --- The chronology page ----------------------------------------------------------------------


def chronology(family, query=""):
    family_id = family if isinstance(family, int) else family.id
    return f"/families/{family_id}/chronology{query}"


def test_the_chronology_lists_every_event_newest_first(login, worker, history, today):
    family, _ = history
    response = login(worker).get(chronology(family))
    assert response.status_code == 200
    text = page_text(response)
    assert f"{family.reference}, every event, newest first. Printed on {today.day} {today:%b %Y}." in text
    events = ["Allocation", "Flag", "Review", "Progress rating", "Visit"]
    positions = [text.index(f" {label} ", text.index("Date What Details By")) for label in events]
    assert positions == sorted(positions)
    assert "7 events" in text
    assert "Wendy is on leave." in text and "Progress rated 5 out of 10" in text
    # The family's name is not printed in the page title.
    assert family.household_name not in squash(response).split("</title>")[0]


def test_the_chronology_filters_by_kind(login, worker, history):
    family, _ = history
    client = login(worker)
    response = client.get(chronology(family, "?kind=visit"))
    text = page_text(response)
    assert "1 event" in text and "Home visit, completed" in text and "Wendy is on leave." not in text
    assert f"{family.reference}, visits, newest first." in text
    assert 'value="visit" selected' in squash(response)
    assert "Nothing of this kind is recorded yet." in page_text(client.get(chronology(family, "?kind=phase")))
    # An unknown kind shows everything rather than an error.
    assert "7 events" in page_text(client.get(chronology(family, "?kind=gossip")))


def test_the_chronology_prints_on_a4_without_navigation(login, worker, history, client):
    family, _ = history
    body = squash(login(worker).get(chronology(family)))
    assert "cw-print-stamp" in body and 'class="cw-print-page"' in body
    css = client.get("/static/casework.css").get_data(as_text=True)
    assert "size: A4" in css
    print_rules = css[css.index("@media print"):]
    for hidden in (".govuk-header", ".govuk-button", "nav", "form"):
        assert hidden in print_rules


def test_the_chronology_takes_the_same_number_of_queries_however_long(login, worker, manager, history, today):
    family, _ = history
    family_id, worker_id, manager_id = family.id, worker.id, manager.id
    client = login(worker)
    fresh_session()
    with count_queries() as few:
        assert client.get(chronology(family_id)).status_code == 200
    family = _db.session.get(Family, family_id)
    by, boss = _db.session.get(User, worker_id), _db.session.get(User, manager_id)
    for i in range(5):
        factories.VisitFactory(family=family, date=today - dt.timedelta(days=i), recorded_by=by)
        _db.session.add(Allocation(family_id=family_id, to_worker_id=worker_id, by_id=boss.id, made_on=today))
        _db.session.add(Flag(family=family, rule="goal_stalled", subject_key=f"goal:{i}", severity="low",
                             message="Stalled.", raised_on=today))
    fresh_session()
    with count_queries() as many:
        response = client.get(chronology(family_id))
    assert response.status_code == 200 and "22 events" in page_text(response)
    assert len(many) == len(few)


def test_who_may_read_the_chronology(app, worker, colleague, manager, outsider, admin, family):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200), (worker, 200)):
        assert signed_in(app, user).get(chronology(family)).status_code == status


def test_the_family_page_links_to_the_chronology_and_the_plan(login, worker, family):
    body = squash(login(worker).get(f"/families/{family.id}"))
    assert f'href="/families/{family.id}/chronology"' in body and f'href="/families/{family.id}/plan"' in body


# --- The family plan, for the parents -------------------------------------------------------


def test_the_plan_is_in_plain_words_for_the_parents(login, worker, history, today, db):
    family, _ = history
    family.concern_rows[0].code = "substance_misuse"
    family_goal = db.session.scalars(select(Goal).where(Goal.family_id == family.id)).one()
    family_goal.next_step = "Use the bedtime chart every night."
    factories.GoalFactory(family=family, title="Mum sees her GP", status="achieved")
    factories.GoalFactory(family=family, title="An old withdrawn goal", status="withdrawn")
    response = login(worker).get(f"/families/{family.id}/plan")
    assert response.status_code == 200
    text = page_text(response)
    goal_start = family.opened_on
    due = today - dt.timedelta(days=15) + dt.timedelta(days=42)
    assert "The children have a regular bedtime" in text
    assert f"Where we started 3 out of 10, on {goal_start.day} {goal_start:%b %Y}" in text
    rated = today - dt.timedelta(days=20)
    assert f"Where we are now 5 out of 10, on {rated.day} {rated:%b %Y}" in text
    assert "Where we want to get to 8 out of 10" in text
    assert "Area Family routine" in text
    # The next step written for the family, never the rating's internal note.
    assert "Next step we agreed Use the bedtime chart every night." in text
    assert f"We will look at this plan together again on {due.day} {due:%b %Y}." in text
    assert "What you have already achieved Mum sees her GP" in text
    assert f"Printed on {today.day} {today:%b %Y}" in text and family.reference in text
    # Nothing the parents should not be handed: no case notes, flags, concerns or jargon.
    for private in ("Secret case note.", "without access", "Substance misuse", "Flag", "baseline",
                    "Engagement", "phase", "An old withdrawn goal", "Keep the bedtime chart."):
        assert private not in text, private


def test_a_plan_with_no_goals_says_so(login, worker, family):
    assert "We have not agreed any goals yet." in page_text(login(worker).get(f"/families/{family.id}/plan"))


def test_the_plan_prints_on_a4(login, worker, family):
    body = squash(login(worker).get(f"/families/{family.id}/plan"))
    assert 'class="cw-print-page cw-plan"' in body


def test_who_may_print_the_plan(app, worker, colleague, manager, outsider, admin, family):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200), (worker, 200)):
        assert signed_in(app, user).get(f"/families/{family.id}/plan").status_code == status
