"""Logging a visit: which children were seen, the goals discussed, and who may log one."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from casework.models import Family, Visit
from casework.services import visits as visits_service

from . import factories
from .helpers import (
    assert_every_input_labelled,
    assert_field_error,
    checked,
    count_queries,
    fresh_session,
    input_value,
    page_text,
    sent,
    signed_in,
    squash,
)


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
    assert response.headers["Location"].endswith(f"/families/{family.id}")
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


@pytest.mark.parametrize("meanwhile, message", [
    ("closed", "The family is closed"),
    ("goal achieved", "Choose goals still being worked on: The children have a regular bedtime is achieved."),
])
def test_what_changed_while_the_visit_was_checked_is_read_again_before_it_is_saved(
        login, worker, family, today, db, monkeypatch, meanwhile, message):
    """The family (still open?) and its goals (still worked on?) are read again under the
    write lock: closed, or a goal achieved, by someone else after the form was checked and
    before the visit is saved, the visit is refused."""
    from sqlalchemy import update

    from casework import database
    from casework.models import Goal
    from casework.views import visits as visit_views

    goal = factories.GoalFactory(family=family)
    client = login(worker)
    data = visit_form(today, family, goals_discussed=[str(goal.id)])
    family_id, goal_id = family.id, goal.id
    fresh_session()

    def begin_write_after_a_colleague(*fresh):
        database.begin_write(*fresh)
        with db.engine.begin() as other:  # another request, committed meanwhile
            if meanwhile == "closed":
                other.execute(update(Family).where(Family.id == family_id).values(
                    phase="closed", closed_on=today, closure_reason="moved_away", version=Family.version + 1))
            else:
                other.execute(update(Goal).where(Goal.id == goal_id).values(
                    status="achieved", version=Goal.version + 1))

    monkeypatch.setattr(visit_views, "begin_write", begin_write_after_a_colleague)
    response = client.post(f"/families/{family_id}/visits/new", data=data)
    assert response.status_code == 422 and message in page_text(response)
    assert db.session.scalar(select(Visit)) is None


def test_visit_history_is_newest_first(family, today, db):
    dates = [today - dt.timedelta(days=d) for d in (9, 2, 5)]
    for day in dates:
        factories.VisitFactory(family=family, date=day)
    history = visits_service.visit_history(db.session, db.session.get(Family, family.id))
    assert [visit.date for visit in history] == sorted(dates, reverse=True)


# --- Correcting a visit ---------------------------------------------------------------------


@pytest.fixture
def visit(family, today, db):
    visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=4), duration_minutes=40,
                                   notes="Kitchen tidy.")
    db.session.flush()
    return visit


def correction_form(visit, **overrides) -> dict:
    data = {
        "date": visit.date.isoformat(),
        "kind": visit.kind,
        "outcome": visit.outcome,
        "duration_minutes": str(visit.duration_minutes or ""),
        "children_seen": [str(cid) for cid in visit.children_seen_ids],
        "seen_alone": [str(cid) for cid in visit.seen_alone_ids],
        "notes": visit.notes,
        "correction_note": "",
        "version": str(visit.version),
    }
    data.update(overrides)
    return data


def test_the_correction_form_shows_the_visit_as_recorded(login, worker, family, visit):
    response = login(worker).get(f"/visits/{visit.id}/correct")
    assert response.status_code == 200
    assert input_value(response, "date") == visit.date.isoformat()
    assert input_value(response, "duration_minutes") == "40"
    assert input_value(response, "version") == str(visit.version)
    assert checked(response, "kind") == {"home_visit"} and checked(response, "outcome") == {"completed"}
    assert checked(response, "children_seen") == {str(child.id) for child in family.children}
    assert "Kitchen tidy." in page_text(response) and "What was wrong?" in page_text(response)
    assert_every_input_labelled(response)


def test_a_corrected_visit_shows_who_when_why_and_what_it_said(login, worker, family, visit, today, db):
    amy, ben = family.children
    client = login(worker)
    old_day = visit.date
    new_day = visit.date + dt.timedelta(days=1)
    response = client.post(f"/visits/{visit.id}/correct", data=correction_form(
        visit, date=new_day.isoformat(), children_seen=[str(amy.id)],
        correction_note="Wrong day; Ben was at his nan's."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    visit = db.session.get(Visit, visit.id)
    assert visit.date == new_day and visit.children_seen_ids == [amy.id] and visit.all_children_seen is False

    response = client.get(f"/families/{family.id}")
    text = page_text(response)
    assert f"The visit on {new_day.day} {new_day:%b %Y} has been corrected." in text
    assert f"Corrected on {today.day} {today:%b %Y} by Wendy Worker: Wrong day; Ben was at his nan's." in text
    assert "Not seen: Ben" in text
    body = squash(response)
    details = body[body.index('<details class="govuk-details govuk-!-margin-bottom-2">'):]
    details = details[:details.index("</details>")]
    assert f"{old_day.day} {old_day:%b %Y}" in details and "Amy, Ben" in details
    # The chronology shows the correction on the day it was made.
    chronology = page_text(client.get(f"/families/{family.id}/chronology?kind=correction"))
    assert "Visit corrected" in chronology and "Wrong day" in chronology


def test_a_correction_needs_a_note_and_a_change(login, worker, visit, db):
    client = login(worker)
    response = client.post(f"/visits/{visit.id}/correct", data=correction_form(visit, notes="Kitchen very tidy."))
    assert response.status_code == 422
    assert_field_error(response, "correction_note", "Say what was wrong and why it is being corrected.")
    assert "Kitchen very tidy." in page_text(response)
    response = client.post(f"/visits/{visit.id}/correct", data=correction_form(visit, correction_note="Typo."))
    assert response.status_code == 422
    assert_field_error(response, "correction_note", "Change something before saving a correction.")
    assert db.session.get(Visit, visit.id).notes == "Kitchen tidy."


def test_the_service_refuses_a_correction_that_breaks_the_visit_rules(login, worker, visit):
    response = login(worker).post(f"/visits/{visit.id}/correct", data=correction_form(
        visit, outcome="no_access", correction_note="Nobody was in."))
    assert response.status_code == 422
    assert_field_error(response, "children_seen", "Children can only be seen at a completed visit.")


def test_a_stale_correction_answers_409_and_keeps_the_text(login, worker, visit, db):
    old_version = visit.version
    visit.notes = "Changed by a colleague."
    db.session.flush()
    response = login(worker).post(f"/visits/{visit.id}/correct", data=correction_form(
        visit, kind="office", notes="My notes.", correction_note="Was at the office.", version=str(old_version)))
    assert response.status_code == 409
    assert "changed by someone else" in page_text(response)
    assert "My notes." in page_text(response)
    assert input_value(response, "version") == str(db.session.get(Visit, visit.id).version)


def test_who_may_correct_a_visit(app, worker, colleague, manager, outsider, admin, visit, db):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200)):
        assert signed_in(app, user).get(f"/visits/{visit.id}/correct").status_code == status
    data = correction_form(visit, kind="office", correction_note="x")
    assert signed_in(app, outsider).post(f"/visits/{visit.id}/correct", data=data).status_code == 404
    assert db.session.get(Visit, visit.id).kind == "home_visit"


def test_a_closed_familys_visit_cannot_be_corrected(login, worker, family, visit, today):
    family.phase, family.closed_on, family.closure_reason = "closed", today, "step_down"
    client = login(worker)
    assert client.get(f"/visits/{visit.id}/correct").status_code == 302
    response = client.post(f"/visits/{visit.id}/correct",
                           data=correction_form(visit, kind="office", correction_note="x"))
    assert response.status_code == 422 and "The family is closed" in page_text(response)
    assert "Correct this visit" not in page_text(client.get(f"/families/{family.id}"))


def test_the_visit_forms_radios_and_checkboxes_are_one_size(login, worker, family, today):
    factories.GoalFactory(family=family, title="Regular bedtime")
    visit = factories.VisitFactory(family=family, date=today)
    client = login(worker)
    for path in (f"/families/{family.id}/visits/new", f"/visits/{visit.id}/correct"):
        body = client.get(path).get_data(as_text=True)
        groups = re.findall(r'<div class="(govuk-(?:radios|checkboxes)[^"]*)">', body)
        # Kind, outcome, children seen, seen on their own, goals discussed: all at the regular size.
        assert len(groups) >= 5, groups
        assert all("--small" not in group for group in groups), groups


# The statements of logging a visit (BEGIN and COMMIT not counted). Issue 18 asks for
# PAGE_STATEMENTS_MAX (12); the POST is not there yet (the flag rules that clear flags read on
# their own; the API's Idempotency-Key is looked up, claimed and answered apart): these bounds
# keep it from growing meanwhile.
VISIT_POST_STATEMENTS_MAX = {"form": 19, "API": 19}


def test_logging_a_visit_sends_a_fixed_number_of_statements(app, login, api, worker, today, db):
    """Logging a visit (the form, and the API with an Idempotency-Key) with two children or
    six, goals discussed, a flag it clears and a planned visit it fulfils: a fixed number of
    statements, none more per child."""
    from casework.models import Child, Flag, PlannedVisit, User

    worker_id = worker.id

    def family_of(children):
        family = factories.FamilyFactory(worker=db.session.get(User, worker_id))
        for i in range(children - 2):
            family.children.append(Child(first_name=f"Child {i}", last_name="Smith",
                                         date_of_birth=dt.date(2016, 1, i + 1)))
        goal = factories.GoalFactory(family=family)
        db.session.flush()
        db.session.add_all([
            Flag(family_id=family.id, rule="child_not_seen", subject_key=f"child:{family.children[0].id}",
                 severity="medium", message="Not seen.", raised_on=today, status="open"),
            PlannedVisit(family_id=family.id, worker_id=worker_id, date=today, kind="home_visit"),
        ])
        db.session.commit()
        return family.id, [child.id for child in family.children], goal.id

    def form_statements(children, key):
        family_id, child_ids, goal_id = family_of(children)
        client = login(db.session.get(User, worker_id))
        fresh_session()
        data = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed", "duration_minutes": "50",
                "children_seen": [str(c) for c in child_ids], "seen_alone": [str(child_ids[0])],
                "goals_discussed": [str(goal_id)], "notes": "All well.", "submission_key": key}
        with count_queries() as statements:
            response = client.post(f"/families/{family_id}/visits/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return statements

    def api_statements(children, key):
        family_id, child_ids, goal_id = family_of(children)
        calls = api(db.session.get(User, worker_id))
        fresh_session()
        body = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed", "duration_minutes": 50,
                "children_seen": child_ids, "seen_alone": [child_ids[0]], "goals_discussed": [goal_id],
                "notes": "All well."}
        with count_queries() as statements:
            response = calls.post(f"/api/v1/families/{family_id}/visits", json=body, headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.get_json()
        return statements

    for name, statements_of in (("form", form_statements), ("API", api_statements)):
        two, six = statements_of(2, f"{name}-two"), statements_of(6, f"{name}-six")
        assert sent(six) == sent(two) <= VISIT_POST_STATEMENTS_MAX[name], f"{name} {sent(six)}:\n" + "\n".join(six)
