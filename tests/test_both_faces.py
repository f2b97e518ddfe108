"""Rules the pages and the API share: each is asked of both faces, which give one answer (the
service's), 422 naming the field where it refuses."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from casework.models import Allocation, AuditEvent, Correction, Review, Visit

from . import factories
from .helpers import assert_error, assert_field_error, signed_in


@pytest.fixture
def page(app, worker):
    """The worker's browser."""
    return signed_in(app, worker)


def visit_form(family, today, **changes) -> dict:
    data = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
            "children_seen": [str(child.id) for child in family.children], "notes": "Talked about bedtimes."}
    data.update(changes)
    return data


def visit_body(family, today, **changes) -> dict:
    body = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
            "children_seen": [child.id for child in family.children], "notes": "Talked about bedtimes."}
    body.update(changes)
    return body


def visits_of(db, family) -> int:
    return db.session.scalar(select(func.count(Visit.id)).where(Visit.family_id == family.id))


# --- Visits: which goals a visit may discuss ------------------------------------------------------


def test_a_visit_discusses_only_goals_still_being_worked_on(api, page, db, worker, family, today):
    withdrawn = factories.GoalFactory(family=family, title="Old goal", status="withdrawn")
    achieved = factories.GoalFactory(family=family, title="Done goal", status="achieved")
    for goal in (withdrawn, achieved):
        body = assert_error(api(worker).post(f"/api/v1/families/{family.id}/visits",
                                             json=visit_body(family, today, goals_discussed=[goal.id])), 422)
        assert list(body["fields"]) == ["goals_discussed"], body
        response = page.post(f"/families/{family.id}/visits/new",
                             data=visit_form(family, today, goals_discussed=[str(goal.id)]))
        assert response.status_code == 422
        assert_field_error(response, "goals_discussed", body["fields"]["goals_discussed"][0])
    assert visits_of(db, family) == 0


def test_a_correction_keeps_the_goals_its_visit_discussed_but_adds_no_other_ended_goal(
        api, page, db, worker, family, today):
    discussed = factories.GoalFactory(family=family, title="Bedtime")
    ended = factories.GoalFactory(family=family, title="Old goal", status="withdrawn")
    visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=2))
    visit.goals_discussed = [discussed]
    db.session.flush()
    discussed.status = "withdrawn"  # withdrawn after the visit discussed it
    db.session.commit()
    url = f"/api/v1/visits/{visit.id}"
    body = assert_error(api(worker).patch(url, json={"goals_discussed": [discussed.id, ended.id],
                                                     "correction_note": "Both were discussed"}), 422)
    assert list(body["fields"]) == ["goals_discussed"]
    form = visit_form(family, visit.date, goals_discussed=[str(discussed.id), str(ended.id)],
                      correction_note="Both were discussed", version=str(visit.version))
    response = page.post(f"/visits/{visit.id}/correct", data=form)
    assert response.status_code == 422
    assert_field_error(response, "goals_discussed", body["fields"]["goals_discussed"][0])
    # Keeping the goal it discussed is allowed, by either face.
    response = api(worker).patch(url, json={"goals_discussed": [discussed.id], "kind": "office",
                                            "correction_note": "It was at the office"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["goals_discussed"] == [discussed.id]
    response = page.post(f"/visits/{visit.id}/correct", data={
        **form, "goals_discussed": [str(discussed.id)], "kind": "phone", "correction_note": "A call",
        "version": str(db.session.get(Visit, visit.id).version)})
    assert response.status_code == 302
    assert [goal.id for goal in db.session.get(Visit, visit.id).goals_discussed] == [discussed.id]


# --- Visits: a child seen on their own was seen ---------------------------------------------------


def test_a_child_seen_alone_was_seen_when_logged(api, page, db, worker, family, today):
    amy, ben = family.children
    response = api(worker).post(f"/api/v1/families/{family.id}/visits",
                                json=visit_body(family, today, children_seen=[amy.id], seen_alone=[ben.id]))
    assert response.status_code == 201
    assert response.get_json()["children_seen"] == sorted([amy.id, ben.id])
    assert response.get_json()["all_children_seen"] is True
    response = page.post(f"/families/{family.id}/visits/new",
                         data=visit_form(family, today, children_seen=[], seen_alone=[str(ben.id)]))
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit).order_by(Visit.id.desc())).first()
    assert (visit.children_seen_ids, visit.seen_alone_ids, visit.all_children_seen) == ([ben.id], [ben.id], False)


def test_a_child_seen_alone_was_seen_when_corrected(api, page, db, worker, family, today):
    amy, ben = family.children
    seen_amy = factories.VisitFactory(family=family, date=today - dt.timedelta(days=3))
    seen_amy.children_seen = seen_amy.children_seen[:1]
    seen_amy.all_children_seen = False
    db.session.commit()
    assert seen_amy.children_seen_ids == [amy.id]
    # The API: only seen_alone sent; the page: Ben ticked as seen alone but not as seen.
    response = api(worker).patch(f"/api/v1/visits/{seen_amy.id}",
                                 json={"seen_alone": [ben.id], "correction_note": "Ben was there too"})
    assert response.status_code == 200, response.get_json()
    visit = response.get_json()
    assert (visit["children_seen"], visit["seen_alone"], visit["all_children_seen"]) == (
        sorted([amy.id, ben.id]), [ben.id], True)
    assert visit["corrections"][0]["old"] == {"children_seen": [amy.id], "seen_alone": []}

    seen_ben = factories.VisitFactory(family=family, date=today - dt.timedelta(days=2))
    seen_ben.children_seen = []
    seen_ben.all_children_seen = False
    db.session.commit()
    response = page.post(f"/visits/{seen_ben.id}/correct", data=visit_form(
        family, seen_ben.date, children_seen=[], seen_alone=[str(ben.id)], notes=seen_ben.notes,
        correction_note="Ben was seen", version=str(seen_ben.version)))
    assert response.status_code == 302
    corrected = db.session.get(Visit, seen_ben.id)
    assert (corrected.children_seen_ids, corrected.seen_alone_ids) == ([ben.id], [ben.id])
    [kept] = db.session.scalars(select(Correction).where(Correction.record_id == seen_ben.id,
                                                         Correction.record_type == "visit"))
    assert kept.old_values == {"children_seen": [], "seen_alone": []}


# --- Reviews: closing at a review needs a reason of its own ---------------------------------------


@pytest.mark.parametrize("reason", ["step_down", "step_up", "", "retired"])
def test_a_review_that_closes_gives_a_reason_other_than_stepping_up_or_down(api, page, db, worker, family, today,
                                                                          reason):
    """Stepping up or down is a decision of its own; "close" says why: disengaged, moved away
    or other."""
    review = {"held_on": today.isoformat(), "decision": "close", "reason": reason}
    body = assert_error(api(worker).post(f"/api/v1/families/{family.id}/reviews", json=review), 422)
    assert list(body["fields"]) == ["reason"], body
    response = page.post(f"/families/{family.id}/reviews/new", data={**review, "attendees": "", "notes": ""})
    assert response.status_code == 422
    assert_field_error(response, "reason", body["fields"]["reason"][0])
    assert db.session.scalar(select(func.count(Review.id))) == 0
    assert db.session.get(type(family), family.id).phase == "engagement"


# --- Allocation: another worker, and why ----------------------------------------------------------


def test_an_allocation_names_another_holder_and_says_why(api, app, db, manager, worker, colleague, family):
    calls, browser = api(manager), signed_in(app, manager)
    url, page_url = f"/api/v1/families/{family.id}/allocation", f"/families/{family.id}/allocate"
    for sent, fields in (({"worker_id": colleague.id, "reason": " "}, ["reason"]),
                         ({"worker_id": colleague.id}, ["reason"]),
                         ({"worker_id": worker.id, "reason": "Still Wendy"}, ["worker_id"])):
        body = assert_error(calls.post(url, json=sent), 422)
        assert list(body["fields"]) == fields, (sent, body)
        response = browser.post(page_url, data={"reason": "", **sent})
        assert response.status_code == 422
        assert_field_error(response, fields[0], body["fields"][fields[0]][0])
    assert db.session.scalar(select(func.count(Allocation.id))) == 0
    assert calls.post(url, json={"worker_id": colleague.id, "reason": "Wendy is on leave."}).status_code == 200


# --- Reading a family's chronology is audited, as reading its record is ---------------------------


def test_reading_the_chronology_is_audited_by_either_face(api, page, db, worker, family):
    assert page.get(f"/families/{family.id}/chronology").status_code == 200
    assert api(worker).get(f"/api/v1/families/{family.id}/chronology").status_code == 200
    viewed = db.session.scalars(select(AuditEvent.record_type).where(
        AuditEvent.action == "view", AuditEvent.family_id == family.id, AuditEvent.user_id == worker.id)).all()
    assert viewed == ["chronology", "chronology"]
