"""Logging a visit: which children were seen, the goals discussed, and who may log one."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from casework.models import Family, Visit
from casework.services import visits as visits_service

from . import factories
from .test_families import assert_every_input_labelled, assert_field_error, checked, input_value, page_text, signed_in, squash


def visit_form(today, family, **overrides) -> dict:
    amy, ben = family.children
    data = {
        "date": (today - dt.timedelta(days=1)).isoformat(),
        "kind": "home_visit",
        "outcome": "completed",
        "duration_minutes": "50",
        "children_seen": [str(amy.id)],
        "seen_alone": [str(amy.id)],
        "notes": "Kitchen much tidier.\nBen at nursery.",
    }
    data.update(overrides)
    return data


def test_the_visit_form_offers_the_children_and_active_goals(login, worker, family, today):
    active = factories.GoalFactory(family=family, title="Regular bedtime")
    factories.GoalFactory(family=family, title="Old withdrawn goal", status="withdrawn")
    response = login(worker).get(f"/families/{family.id}/visits/new")
    assert response.status_code == 200
    text = page_text(response)
    assert "Children seen" in text and "Children seen on their own" in text
    assert "Amy" in text and "Ben" in text and "Smith" not in text
    assert "Regular bedtime" in text and "Old withdrawn goal" not in text
    assert input_value(response, "date") == today.isoformat()
    assert f'value="{active.id}"' in squash(response)
    assert_every_input_labelled(response)


def test_logging_a_visit_shows_it_on_the_family_page(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family, title="Regular bedtime")
    client = login(worker)
    response = client.post(
        f"/families/{family.id}/visits/new", data=visit_form(today, family, goals_discussed=[str(goal.id)])
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}#visits")
    visit = db.session.scalar(select(Visit).where(Visit.family_id == family.id))
    assert visit.recorded_by_id == worker.id and visit.duration_minutes == 50
    assert visit.all_children_seen is False

    text = page_text(client.get(f"/families/{family.id}"))
    yesterday = today - dt.timedelta(days=1)
    assert f"Visit on {yesterday.day} {yesterday:%b %Y} recorded." in text
    assert "Not seen: Ben" in text and "Seen on their own: Amy" in text
    assert "50 minutes" in text and "Regular bedtime" in text and "Kitchen much tidier." in text


def test_every_child_seen_says_so(login, worker, family, today):
    client = login(worker)
    ids = [str(child.id) for child in family.children]
    response = client.post(f"/families/{family.id}/visits/new",
                           data=visit_form(today, family, children_seen=ids, seen_alone=[]))
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert "All children seen" in text and "Not seen" not in text
    # And My families says so too.
    assert "All children seen" in page_text(client.get("/families"))


def test_a_visit_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today, db):
    response = login(worker).post(
        f"/families/{family.id}/visits/new",
        data=visit_form(today, family, outcome="", duration_minutes="ninety"),
    )
    assert response.status_code == 422
    assert_field_error(response, "outcome", "Choose the outcome of the visit.")
    assert 'id="duration_minutes-error"' in squash(response)
    assert "Kitchen much tidier.\nBen at nursery." in response.get_data(as_text=True)
    assert checked(response, "children_seen") == {str(family.children[0].id)}
    assert checked(response, "kind") == {"home_visit"}
    assert input_value(response, "duration_minutes") == "ninety"
    assert db.session.scalar(select(Visit)) is None


def test_the_service_refuses_a_future_visit_and_children_seen_at_no_access(login, worker, family, today):
    client = login(worker)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/families/{family.id}/visits/new", data=visit_form(today, family, date=tomorrow))
    assert response.status_code == 422
    assert_field_error(response, "date", "A visit cannot be dated in the future.")
    assert input_value(response, "date") == tomorrow

    response = client.post(f"/families/{family.id}/visits/new",
                           data=visit_form(today, family, outcome="no_access", seen_alone=[]))
    assert response.status_code == 422
    assert_field_error(response, "children_seen", "Children can only be seen at a completed visit.")


def test_a_no_access_visit_says_no_child_was_seen(login, worker, family, today):
    client = login(worker)
    response = client.post(f"/families/{family.id}/visits/new", data=visit_form(
        today, family, outcome="no_access", children_seen=[], seen_alone=[], notes="Nobody answered."))
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert "no access" in text and "Not seen: Amy, Ben" in text


def test_who_may_log_a_visit(app, worker, colleague, manager, outsider, admin, family, today, db):
    data = visit_form(today, family)
    assert signed_in(app, colleague).get(f"/families/{family.id}/visits/new").status_code == 404
    assert signed_in(app, outsider).post(f"/families/{family.id}/visits/new", data=data).status_code == 404
    assert signed_in(app, admin).get(f"/families/{family.id}/visits/new").status_code == 403
    assert db.session.scalar(select(Visit)) is None
    response = signed_in(app, manager).post(f"/families/{family.id}/visits/new", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(Visit.recorded_by_id)) == manager.id


def test_a_closed_family_refuses_a_visit(login, worker, family, today, db):
    family.phase = "closed"
    family.closed_on = today
    family.closure_reason = "moved_away"
    client = login(worker)
    response = client.get(f"/families/{family.id}/visits/new")
    assert response.status_code == 302
    response = client.post(f"/families/{family.id}/visits/new", data=visit_form(today, family))
    assert response.status_code == 422
    assert "The family is closed" in page_text(response)
    assert db.session.scalar(select(Visit)) is None


def test_visit_history_is_newest_first(family, today, db):
    dates = [today - dt.timedelta(days=d) for d in (9, 2, 5)]
    for day in dates:
        factories.VisitFactory(family=family, date=day)
    history = visits_service.visit_history(db.session, db.session.get(Family, family.id))
    assert [visit.date for visit in history] == sorted(dates, reverse=True)
