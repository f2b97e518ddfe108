"""The family pages: My families / Team families, opening a referral, the family page,
editing details, moving phase, and the HTML error pages."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Carer, Family, PhaseMove, User, VisitChild
from casework.services import allocation as allocation_service
from casework.services import families as families_service
from casework.services import people as people_service
from casework.services import phases as phases_service
from casework.views.errors import RedactSearchTerms

from . import factories
from .helpers import (
    PAGE_STATEMENTS_MAX,
    assert_every_input_labelled,
    assert_field_error,
    assert_refused,
    checked,
    count_queries,
    fresh_session,
    input_value,
    page_text,
    sent,
    signed_in,
    squash,
)

# --- helpers -------------------------------------------------------------------------------

def details_form(family, **overrides) -> dict:
    data = {
        "household_name": family.household_name,
        "postcode": family.postcode,
        "referral_date": family.referral_date.isoformat(),
        "referral_source": family.referral_source or "",
        "opened_on": family.opened_on.isoformat(),
        "concerns": family.concerns,
        "consent_recorded_on": family.consent_recorded_on.isoformat() if family.consent_recorded_on else "",
        "version": str(family.version),
    }
    data.update(overrides)
    return data


def referral_form(today, **overrides) -> dict:
    data = {
        "household_name": "Jones household",
        "postcode": "ls6 2ab",
        "referral_date": (today - dt.timedelta(days=3)).isoformat(),
        "referral_source": "Health visitor",
        "opened_on": "",
        "concerns": ["neglect_physical", "housing"],
        "consent_recorded_on": "",
        "children-0-first_name": "Cara",
        "children-0-last_name": "Jones",
        "children-0-date_of_birth": "2019-05-04",
        "children-0-school": "Hill Top Primary",
        "carers-0-first_name": "Dana",
        "carers-0-last_name": "Jones",
        "carers-0-relationship": "Mother",
    }
    data.update(overrides)
    return data


# --- My families / Team families -----------------------------------------------------------


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/families")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_worker_sees_their_own_open_families_only(login, worker, colleague, family, today):
    factories.FamilyFactory(worker=colleague, household_name="Colleague household")
    factories.FamilyFactory(
        worker=worker, household_name="Closed household", phase="closed", closed_on=today,
        closure_reason="step_down",
    )
    response = login(worker).get("/families")
    text = page_text(response)
    assert response.status_code == 200
    assert "My families" in text
    assert family.household_name in text and family.reference in text
    assert "Colleague household" not in text
    assert "Closed household" not in text
    assert f'href="/families/{family.id}"' in squash(response)
    # A worker is not offered other workers' caseloads.
    assert 'name="worker"' not in squash(response)


def test_a_worker_can_show_closed_families(login, worker, family, today):
    factories.FamilyFactory(
        worker=worker, household_name="Closed household", phase="closed", closed_on=today,
        closure_reason="step_down",
    )
    text = page_text(login(worker).get("/families?closed=1"))
    assert "Closed household" in text and family.household_name in text


def test_a_manager_sees_the_team_and_can_filter_by_worker(login, manager, worker, colleague, outsider, family):
    factories.FamilyFactory(worker=colleague, household_name="Colleague household")
    factories.FamilyFactory(worker=outsider, household_name="Other team household")
    client = login(manager)

    text = page_text(client.get("/families"))
    assert "Team families" in text
    assert_every_input_labelled(client.get("/families"))
    assert family.household_name in text and "Colleague household" in text
    assert "Other team household" not in text
    assert "Wendy Worker" in text and "Colin Colleague" in text

    text = page_text(client.get(f"/families?worker={colleague.id}"))
    assert "Colleague household" in text
    assert family.household_name not in text


def test_a_worker_asking_for_a_colleagues_caseload_still_sees_only_their_own(login, worker, colleague, family):
    factories.FamilyFactory(worker=colleague, household_name="Colleague household")
    text = page_text(login(worker).get(f"/families?worker={colleague.id}"))
    assert family.household_name in text
    assert "Colleague household" not in text


def test_the_list_filters_by_phase_and_searches_name_or_reference(login, worker, family):
    other = factories.FamilyFactory(worker=worker, household_name="Patel household", phase="making_changes")
    client = login(worker)

    text = page_text(client.get("/families?phase=making_changes"))
    assert "Patel household" in text and family.household_name not in text

    text = page_text(client.get("/families?q=patel"))
    assert "Patel household" in text and family.household_name not in text

    text = page_text(client.get(f"/families?q={family.reference}"))
    assert family.household_name in text and "Patel household" not in text
    assert other.reference not in text

    response = client.get("/families?q=nobody-matches")
    assert "No families match these filters" in page_text(response)
    # The search box keeps the term.
    assert input_value(response, "q") == "nobody-matches"


def test_the_list_shows_last_visit_and_review_in_words(login, worker, today):
    seen = factories.FamilyFactory(worker=worker, household_name="Seen household",
                                   opened_on=today - dt.timedelta(days=10))
    factories.VisitFactory(family=seen, date=today - dt.timedelta(days=1))
    missed = factories.FamilyFactory(
        worker=worker, household_name="Missed household", opened_on=today - dt.timedelta(days=60)
    )
    factories.VisitFactory(family=missed, date=today - dt.timedelta(days=2), outcome="no_access")
    response = login(worker).get("/families")
    rows = {
        name: row
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", squash(response))
        for name in ("Seen household", "Missed household")
        if name in row
    }
    seen_row = re.sub(r"<[^>]+>|\s+", " ", rows["Seen household"])
    missed_row = re.sub(r"<[^>]+>|\s+", " ", rows["Missed household"])
    assert "All children seen" in seen_row and "overdue" not in seen_row
    assert "Not all children seen" in missed_row
    # Opened 60 days ago with no review: the first review (42 days) is overdue, in red and words.
    due = today - dt.timedelta(days=60) + dt.timedelta(days=42)
    assert f"{due.day} {due:%b %Y}" in missed_row and "overdue" in missed_row
    assert "cw-overdue" in rows["Missed household"]
    assert "8 " in missed_row  # weeks in service


def test_the_list_pages_through_a_long_caseload(login, worker, today):
    for n in range(27):
        factories.FamilyFactory(worker=worker, household_name=f"Family {n:02d}")
    client = login(worker)
    first = page_text(client.get("/families"))
    assert "27 families" in first and "Page 1 of 2" in first
    assert "Family 00" in first and "Family 26" not in first
    second = client.get("/families?page=2")
    assert "Family 26" in page_text(second) and "Family 00" not in page_text(second)
    assert 'rel="prev"' in squash(second)


def test_the_list_takes_the_same_number_of_queries_for_any_caseload(login, manager, worker, colleague, today):
    worker_ids = [worker.id, colleague.id]

    def build(n):
        workers = [_db.session.get(User, user_id) for user_id in worker_ids]
        for i in range(n):
            family = factories.FamilyFactory(worker=workers[i % 2])
            factories.VisitFactory(family=family, date=today - dt.timedelta(days=1))

    build(2)
    client = login(manager)
    fresh_session()
    with count_queries() as few:
        assert client.get("/families").status_code == 200
    build(8)
    fresh_session()
    with count_queries() as many:
        assert client.get("/families").status_code == 200
    assert "Colin Colleague" in page_text(client.get("/families"))
    assert len(many) == len(few)
    assert sent(many) <= PAGE_STATEMENTS_MAX, "\n".join(many)


def test_an_admin_gets_403_on_family_pages(login, admin, family):
    client = login(admin)
    for path in ("/families", "/families/new", f"/families/{family.id}", f"/families/{family.id}/edit",
                 f"/families/{family.id}/phase"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have access to this page" in page_text(response)


def test_search_terms_never_reach_the_request_log(app, caplog, monkeypatch):
    logger = logging.getLogger("werkzeug")
    monkeypatch.setattr(logger, "disabled", False)  # Alembic's logging set-up turns it off
    assert any(isinstance(f, RedactSearchTerms) for f in logger.filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('%s - - "%s" %s %s', "127.0.0.1", "GET /families?phase=&q=Smith+household HTTP/1.1", "200", "-")
        logger.info('"GET /families?q=Patel HTTP/1.1" 200 -')
    assert "Smith" not in caplog.text and "Patel" not in caplog.text
    assert "/families?phase=&q=[redacted]" in caplog.text


# --- Opening a referral --------------------------------------------------------------------


def test_a_worker_opens_a_referral_held_by_themselves(login, worker, today, db):
    client = login(worker)
    form = client.get("/families/new")
    assert form.status_code == 200
    body = squash(form)
    assert "Neglect concerns" in body and "Parental factors" in body
    assert 'name="worker_id"' not in body  # a worker holds the family themselves
    assert_every_input_labelled(form)

    response = client.post("/families/new", data=referral_form(today))
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.household_name == "Jones household"))
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    assert family.worker_id == worker.id
    assert family.postcode == "LS6 2AB"
    assert family.concerns == ["housing", "neglect_physical"]
    assert [c.first_name for c in family.children] == ["Cara"]
    assert [c.relationship_to_children for c in family.carers] == ["Mother"]

    page = client.get(response.headers["Location"])
    assert f"Referral opened: FP-{today.year}-0001" in page_text(page)
    assert "Cara" in page_text(page) and "Dana" in page_text(page)


def test_a_manager_allocates_a_referral_or_leaves_it_unallocated(login, manager, worker, colleague, today, db):
    inactive = factories.UserFactory(team=worker.team, role="worker", name="Ivy Inactive", active=False)
    client = login(manager)
    body = squash(client.get("/families/new"))
    assert 'name="worker_id"' in body
    assert ">Unallocated<" in body and ">Colin Colleague<" in body and ">Wendy Worker<" in body
    assert "Ivy Inactive" not in body and inactive.name not in body

    response = client.post("/families/new", data=referral_form(today, worker_id=str(colleague.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(Family.worker_id).where(Family.household_name == "Jones household")) == colleague.id

    # Cara is known now (the referral just opened): the user says this is another family.
    response = client.post("/families/new", data=referral_form(today, household_name="Nobody's", worker_id="",
                                                                same_family="no"))
    assert response.status_code == 302
    assert db.session.scalar(select(Family.worker_id).where(Family.household_name == "Nobody's")) is None


def test_add_another_child_and_carer_keeps_what_was_typed(login, worker, today, db):
    client = login(worker)
    typed = referral_form(today, add_child="1")
    response = client.post("/families/new", data=typed)
    assert response.status_code == 200
    assert "There is a problem" not in page_text(response)
    assert input_value(response, "children-0-first_name") == "Cara"
    assert input_value(response, "children-1-first_name") == ""
    assert input_value(response, "household_name") == "Jones household"
    assert checked(response, "concerns") == {"neglect_physical", "housing"}
    assert "Child 2" in page_text(response)

    typed.pop("add_child")
    typed.update({"children-1-first_name": "Dev", "children-1-date_of_birth": "2022-01-02", "add_carer": "1"})
    response = client.post("/families/new", data=typed)
    assert input_value(response, "children-1-first_name") == "Dev"
    assert input_value(response, "carers-1-first_name") == ""
    assert db.session.scalar(select(Family).where(Family.household_name == "Jones household")) is None

    typed.pop("add_carer")
    typed.update({"remove_carer": "1"})
    response = client.post("/families/new", data=typed)
    assert input_value(response, "carers-1-first_name") is None
    assert input_value(response, "carers-0-first_name") == "Dana"

    typed.pop("remove_carer")
    response = client.post("/families/new", data=typed)
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.household_name == "Jones household"))
    assert sorted(c.first_name for c in family.children) == ["Cara", "Dev"]


def test_a_referral_with_mistakes_shows_them_and_keeps_the_text(login, worker, today, db):
    client = login(worker)
    response = client.post(
        "/families/new",
        data=referral_form(today, household_name="", concerns=[], **{"children-0-date_of_birth": ""}),
    )
    assert response.status_code == 422
    assert_field_error(response, "household_name", "Enter the household name.")
    assert_field_error(response, "children-0-date_of_birth", "Enter the date of birth of child 1.")
    assert "Choose at least one concern." in page_text(response)
    assert 'href="#concerns"' in squash(response) and 'id="concerns"' in squash(response)
    # The concern message shows once, beside the first group: no duplicate ids.
    assert squash(response).count('id="concerns-error"') == 1
    assert input_value(response, "postcode") == "ls6 2ab"
    assert input_value(response, "children-0-first_name") == "Cara"
    assert input_value(response, "carers-0-relationship") == "Mother"
    assert response.get_data(as_text=True).count("<title>Error:") == 1
    assert db.session.scalar(select(Family)) is None


def test_a_referral_the_service_refuses_shows_its_reason_beside_the_field(login, worker, today):
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = login(worker).post(
        "/families/new", data=referral_form(today, **{"children-0-date_of_birth": tomorrow})
    )
    assert response.status_code == 422
    assert_field_error(response, "children-0-date_of_birth", "A child's date of birth cannot be in the future.")
    assert input_value(response, "children-0-date_of_birth") == tomorrow


def test_a_worker_cannot_allocate_a_referral_to_a_colleague(login, worker, colleague, today, db):
    response = login(worker).post("/families/new", data=referral_form(today, worker_id=str(colleague.id)))
    # The field is not offered to a worker: whatever is posted, the worker holds the family.
    assert response.status_code == 302
    assert db.session.scalar(select(Family.worker_id)) == worker.id


# --- The family page ---------------------------------------------------------------------------


def test_the_family_page_shows_the_record(login, worker, family, today, db):
    family.consent_recorded_on = today - dt.timedelta(days=20)
    family.referral_source = "School"
    family.children[0].school = "Hill Top Primary"
    family.carers.append(Carer(first_name="Dana", last_name="Smith", relationship_to_children="Mother"))
    goal = factories.GoalFactory(family=family, baseline=3, target=8)
    factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=5), rating=6)
    response = login(worker).get(f"/families/{family.id}")
    text = page_text(response)
    assert response.status_code == 200
    assert family.reference in text and family.household_name in text and "LS6 2AB" in text
    assert "Wendy Worker" in text and "Engagement" in text
    assert "Weeks in service 4" in text
    due = family.opened_on + dt.timedelta(days=42)
    assert f"Next review due {due.day} {due:%b %Y}" in text
    assert "Physical neglect" in text
    consent = family.consent_recorded_on
    assert f"Recorded on {consent.day} {consent:%b %Y}" in text
    assert "Amy" in text and "Ben" in text and "Hill Top Primary" in text
    assert "Dana" in text and "Mother" in text
    assert "Smith" not in text  # children and carers by first name only
    # Ages are worked out from the date of birth.
    amy_age = (today.year - 2018) - ((today.month, today.day) < (3, 1))
    assert f"Amy {amy_age} years" in text
    # The plan: baseline → latest → target, with a chart linking to the goal page.
    assert "The children have a regular bedtime" in text
    assert "3 at the start" in text and "6 on" in text and "target 8" in text
    body = squash(response)
    assert f'src="/goals/{goal.id}/chart.svg"' in body
    assert re.search(r'<img[^>]*alt="Progress of the goal [^"]*Ratings from 3 on [^"]* to 6 on [^"]*; target 8"', body)
    for action in ("Log a visit", "Agree a goal", "Move phase", "Edit family details"):
        assert action in text
    # Case details never go in the page title (browser history on a shared device).
    assert family.household_name not in re.search(r"<title>(.*?)</title>", body).group(1)


def test_visit_history_is_newest_first_and_says_who_was_not_seen(login, worker, family, today):
    goal = factories.GoalFactory(family=family)
    factories.VisitFactory(family=family, date=today - dt.timedelta(days=10), notes="First visit note.")
    newer = factories.VisitFactory(
        family=family, date=today - dt.timedelta(days=3), notes="Ben was at nursery.", duration_minutes=45,
        children_seen=[], all_children_seen=False,
    )

    amy = family.children[0]
    newer.children_seen = [VisitChild(child=amy, seen_alone=True)]
    newer.goals_discussed = [goal]
    no_access = factories.VisitFactory(family=family, date=today - dt.timedelta(days=1), outcome="no_access",
                                       notes="Nobody answered.")
    text = page_text(login(worker).get(f"/families/{family.id}"))
    positions = [text.index(note) for note in ("Nobody answered.", "Ben was at nursery.", "First visit note.")]
    assert positions == sorted(positions)
    newest_block = text[text.index(f"{no_access.date.day} {no_access.date:%b %Y}"):positions[0]]
    assert "no access" in newest_block and "Not seen: Amy, Ben" in newest_block
    middle = text[positions[0]:positions[1]]
    assert "Not seen: Ben" in middle and "Seen on their own: Amy" in middle
    assert "45 minutes" in middle and "The children have a regular bedtime" in middle
    assert "All children seen" in text[positions[1]:]


def test_the_family_page_takes_the_same_number_of_queries_however_much_is_recorded(login, worker, family, today):
    family_id, worker_id = family.id, worker.id

    def add(n):
        family = _db.session.get(Family, family_id)
        by = _db.session.get(User, worker_id)
        for i in range(n):
            goal = factories.GoalFactory(family=family, title=f"Goal {i}")
            factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=2), rating=5, recorded_by=by)
            visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=i + 1), recorded_by=by)
            visit.goals_discussed = [goal]
            _db.session.add(PhaseMove(family=family, from_phase="engagement", to_phase="making_changes",
                                      date=today, by=by, note=f"move {i}"))

    add(1)
    client = login(worker)
    fresh_session()
    with count_queries() as few:
        assert client.get(f"/families/{family_id}").status_code == 200
    add(6)
    fresh_session()
    with count_queries() as many:
        response = client.get(f"/families/{family_id}")
    assert response.status_code == 200 and "Goal 5" in page_text(response)
    assert len(many) == len(few)


def test_the_phase_history_lists_every_move(login, worker, manager, family, today, db):
    db.session.add(PhaseMove(family=family, from_phase="engagement", to_phase="making_changes",
                             date=today - dt.timedelta(days=20), by=worker))
    db.session.add(PhaseMove(family=family, from_phase="making_changes", to_phase="engagement",
                             date=today - dt.timedelta(days=5), by=manager, note="New partner moved in."))
    text = page_text(login(worker).get(f"/families/{family.id}"))
    history = text[text.index("Phase history"):]
    assert "Making changes to engagement" in history and "Mina Manager" in history
    assert "New partner moved in." in history
    assert "Engagement to making changes" in history and "Wendy Worker" in history
    assert history.index("Making changes to engagement") < history.index("Engagement to making changes")


def test_who_may_open_the_family_page(app, worker, colleague, manager, outsider, admin, family):
    assert signed_in(app, colleague).get(f"/families/{family.id}").status_code == 404
    assert signed_in(app, outsider).get(f"/families/{family.id}").status_code == 404
    response = signed_in(app, admin).get(f"/families/{family.id}")
    assert response.status_code == 403
    assert "Administrators" in page_text(response)
    assert signed_in(app, manager).get(f"/families/{family.id}").status_code == 200
    response = signed_in(app, worker).get(f"/families/{family.id + 999}")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_a_closed_family_shows_why_and_offers_no_write_actions(login, worker, family, today, db):
    factories.GoalFactory(family=family)
    family.phase = "closed"
    family.closed_on = today - dt.timedelta(days=2)
    family.closure_reason = "step_down"
    client = login(worker)
    response = client.get(f"/families/{family.id}")
    text = page_text(response)
    closed = family.closed_on
    assert f"Closed on {closed.day} {closed:%b %Y} (Stepped down to universal services)" in text
    body = squash(response)
    for path in (f"/families/{family.id}/visits/new", f"/families/{family.id}/goals/new",
                 f"/families/{family.id}/phase", f"/families/{family.id}/edit"):
        assert f'href="{path}"' not in body, path
    assert "Log a visit" not in text and "Move phase" not in text

    # Opening a write page sends the user back to the family page, which explains.
    response = client.get(f"/families/{family.id}/edit")
    assert response.status_code == 302
    assert "read-only" in page_text(client.get(response.headers["Location"]))

    version = family.version
    response = client.post(f"/families/{family.id}/edit", data=details_form(family, household_name="Changed"))
    assert response.status_code == 422
    assert "The family is closed" in page_text(response)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "engagement", "date": today.isoformat(), "note": "Reopen", "version": str(version)})
    assert response.status_code == 422
    assert "The family is closed" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Family, family.id).household_name != "Changed"


# --- Editing details -----------------------------------------------------------------------


def test_a_worker_edits_the_familys_details(login, worker, family, today, db):
    client = login(worker)
    form = client.get(f"/families/{family.id}/edit")
    assert form.status_code == 200
    assert input_value(form, "household_name") == family.household_name
    assert input_value(form, "version") == str(family.version)
    assert checked(form, "concerns") == {"neglect_physical"}
    assert 'name="worker_id"' not in squash(form)

    consent = (today - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/families/{family.id}/edit", data=details_form(
        family, household_name="Renamed household", postcode="ls1 1aa",
        concerns=["neglect_physical", "substance_misuse"], consent_recorded_on=consent))
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert "The family's details have been saved." in text
    assert "Renamed household" in text and "LS1 1AA" in text and "Substance misuse" in text
    assert "Not recorded yet" not in text


def test_a_stale_edit_answers_409_and_keeps_the_users_text(login, worker, family, now, db):
    client = login(worker)
    opened_with = family.version
    # Someone else saves first.
    families_service.update_family(db.session, worker, family, {"referral_source": "School"}, now)
    db.session.commit()
    assert family.version != opened_with

    response = client.post(f"/families/{family.id}/edit", data=details_form(
        family, household_name="My careful rewording", version=str(opened_with)))
    assert response.status_code == 409
    text = page_text(response)
    assert ("This record was changed by someone else since you opened it. "
            "Your changes are below: check them and save again.") in text
    assert input_value(response, "household_name") == "My careful rewording"
    assert input_value(response, "version") == str(family.version)
    db.session.expire_all()
    assert db.session.get(Family, family.id).household_name != "My careful rewording"

    # Saving again, over the version the page now carries, works.
    response = client.post(f"/families/{family.id}/edit", data=details_form(
        family, household_name="My careful rewording", version=input_value(response, "version")))
    assert response.status_code == 302


def test_an_edit_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today):
    response = login(worker).post(f"/families/{family.id}/edit", data=details_form(
        family, household_name="Still typed", postcode="not a postcode",
        referral_date=(today + dt.timedelta(days=3)).isoformat()))
    assert response.status_code == 422
    assert_field_error(response, "postcode", "Enter a real postcode, such as LS6 2AB.")
    assert input_value(response, "household_name") == "Still typed"
    assert input_value(response, "postcode") == "not a postcode"


def test_an_edit_the_service_refuses_shows_the_reason_by_the_field(login, worker, family, today):
    response = login(worker).post(f"/families/{family.id}/edit", data=details_form(
        family, referral_date=(today + dt.timedelta(days=3)).isoformat()))
    assert response.status_code == 422
    assert_field_error(response, "referral_date", "The referral date cannot be in the future.")


def test_a_manager_reallocates_a_family(login, manager, worker, colleague, family, db):
    client = login(manager)
    form = client.get(f"/families/{family.id}/edit")
    assert "Family worker (allocation)" in page_text(form)
    assert_every_input_labelled(form)
    response = client.post(f"/families/{family.id}/edit", data=details_form(family, worker_id=str(colleague.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Family, family.id).worker_id == colleague.id
    assert "Colin Colleague" in page_text(client.get(f"/families/{family.id}"))


def test_a_manager_saving_other_details_keeps_an_inactive_workers_allocation(login, manager, worker, family, db):
    worker.active = False
    client = login(manager)
    form = client.get(f"/families/{family.id}/edit")
    assert "Wendy Worker (no longer active)" in page_text(form)
    response = client.post(f"/families/{family.id}/edit", data=details_form(
        family, household_name="Kept allocation", worker_id=str(worker.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Family, family.id).worker_id == worker.id


def test_who_may_edit(app, colleague, outsider, admin, family):
    assert signed_in(app, colleague).get(f"/families/{family.id}/edit").status_code == 404
    assert signed_in(app, colleague).post(f"/families/{family.id}/edit", data=details_form(family)).status_code == 404
    assert signed_in(app, outsider).get(f"/families/{family.id}/edit").status_code == 404
    assert signed_in(app, admin).post(f"/families/{family.id}/edit", data=details_form(family)).status_code == 403


# --- Moving phase ------------------------------------------------------------------------------


def phase_options(response) -> list[str]:
    return re.findall(r'<input[^>]*name="phase"[^>]*value="([^"]*)"', response.get_data(as_text=True))


def test_the_phase_page_offers_only_the_moves_that_make_sense(app, worker, manager, family, db):
    assert phase_options(signed_in(app, worker).get(f"/families/{family.id}/phase")) == ["making_changes", "moving_on"]
    assert phase_options(signed_in(app, manager).get(f"/families/{family.id}/phase")) == [
        "making_changes", "moving_on", "closed"]
    family.phase = "moving_on"
    db.session.commit()
    response = signed_in(app, worker).get(f"/families/{family.id}/phase")
    assert phase_options(response) == ["engagement", "making_changes", "closed"]
    assert "back a phase" in page_text(response)
    assert_every_input_labelled(response)


def test_a_refused_move_shows_the_reason_at_the_top_and_by_the_field(login, worker, family, today, db):
    response = login(worker).post(f"/families/{family.id}/phase", data={
        "phase": "making_changes", "date": today.isoformat(), "note": "Ready", "version": str(family.version)})
    assert response.status_code == 422
    message = ("The family cannot move to making changes: consent to work together has not been "
               "recorded and there is no active goal in the family plan.")
    assert_field_error(response, "phase", message)
    assert "Ready" in response.get_data(as_text=True)  # the note is kept
    db.session.expire_all()
    assert db.session.get(Family, family.id).phase == "engagement"


def test_a_worker_moves_a_family_on_and_back(login, worker, family, today, db):
    family.consent_recorded_on = family.opened_on
    factories.GoalFactory(family=family)
    client = login(worker)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "making_changes", "date": today.isoformat(), "version": str(family.version)})
    assert response.status_code == 302
    assert f"{family.reference} moved to making changes." in page_text(client.get(response.headers["Location"]))

    db.session.expire_all()
    family = db.session.get(Family, family.id)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "engagement", "date": today.isoformat(), "version": str(family.version)})
    assert response.status_code == 422
    assert_field_error(response, "note", "Say why the family is moving back a phase.")

    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "engagement", "date": today.isoformat(), "note": "Eviction notice.",
        "version": str(family.version)})
    assert response.status_code == 302
    history = page_text(client.get(f"/families/{family.id}"))
    assert "Making changes to engagement" in history and "Eviction notice." in history


def test_a_worker_cannot_close_from_engagement_but_a_manager_can(app, worker, manager, family, today, db):
    data = {"phase": "closed", "date": today.isoformat(), "reason": "disengaged", "version": str(family.version)}
    response = signed_in(app, worker).post(f"/families/{family.id}/phase", data=data)
    assert response.status_code == 422
    assert "A family worker can close a family only from moving on" in page_text(response)

    client = signed_in(app, manager)
    response = client.post(f"/families/{family.id}/phase", data=data)
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert f"Closed on {today.day} {today:%b %Y} (Family disengaged)" in text


def test_closing_needs_a_reason(login, manager, family, today):
    response = login(manager).post(f"/families/{family.id}/phase", data={
        "phase": "closed", "date": today.isoformat(), "reason": "", "version": str(family.version)})
    assert response.status_code == 422
    assert_field_error(response, "reason", "Choose the reason the family is closing.")


def test_a_stale_phase_move_answers_409(login, worker, family, today, now, db):
    opened_with = family.version
    families_service.update_family(db.session, worker, family, {"referral_source": "GP"}, now)
    client = login(worker)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "moving_on", "date": today.isoformat(), "note": "My note", "version": str(opened_with)})
    assert response.status_code == 409
    assert "changed by someone else" in page_text(response)
    assert "My note" in response.get_data(as_text=True)
    assert input_value(response, "version") == str(family.version)


def test_who_may_move_phase(app, colleague, outsider, admin, family, today):
    data = {"phase": "moving_on", "date": today.isoformat()}
    assert signed_in(app, colleague).post(f"/families/{family.id}/phase", data=data).status_code == 404
    assert signed_in(app, outsider).get(f"/families/{family.id}/phase").status_code == 404
    assert signed_in(app, admin).get(f"/families/{family.id}/phase").status_code == 403


# --- Error pages, CSRF ---------------------------------------------------------------------------


def test_an_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_a_crash_shows_a_calm_page_and_loses_nothing_else(app, login, worker, monkeypatch):
    client = login(worker)

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(families_service, "list_families", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/families")
    assert response.status_code == 500
    text = page_text(response)
    assert "Sorry, there is a problem with casework" in text
    assert "exploded" not in text and "Traceback" not in text


def test_a_post_without_the_csrf_token_is_refused(app, login, worker, today, db):
    client = login(worker)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/families/new", data=referral_form(today))
        assert response.status_code == 400
        assert "Your form could not be sent" in page_text(response)
        assert db.session.scalar(select(Family)) is None

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/families/new").get_data(as_text=True)).group(1)
        response = client.post("/families/new", data=referral_form(today, csrf_token=token))
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_phases_offered_by_role(worker, manager, family):
    assert phases_service.phases_offered(worker, family) == ["making_changes", "moving_on"]
    assert phases_service.phases_offered(manager, family) == ["making_changes", "moving_on", "closed"]
    family.phase = "moving_on"
    assert phases_service.phases_offered(worker, family) == ["engagement", "making_changes", "closed"]


def test_allocatable_workers_are_the_active_workers_of_the_team(worker, colleague, manager, outsider):
    factories.UserFactory(team=worker.team, role="worker", name="Ivy Inactive", active=False)
    assert allocation_service.allocatable_workers(_db.session, manager) == [colleague, worker]
    assert allocation_service.allocatable_workers(_db.session, worker) == [worker]


def test_case_pages_are_never_cached(login, worker, family):
    client = login(worker)
    for path in ("/families", f"/families/{family.id}"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_workers_closing_can_wait_for_the_managers_approval(app, login, worker, family, today, db, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)
    family.phase = "moving_on"
    client = login(worker)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "closed", "date": today.isoformat(), "reason": "step_down", "version": str(family.version)})
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert f"Closure of {family.reference} proposed: your manager will approve or return it." in text
    assert "waiting for a manager's approval" in text and "Closed on" not in text

    db.session.expire_all()
    family = db.session.get(Family, family.id)
    response = client.post(f"/families/{family.id}/phase", data={
        "phase": "closed", "date": today.isoformat(), "reason": "step_down", "version": str(family.version)})
    assert response.status_code == 409
    assert "already waiting for approval" in page_text(response)


# --- Children and carers: keeping the record true -------------------------------------------


def child_form(**overrides) -> dict:
    data = {"first_name": "Cody", "last_name": "Smith", "date_of_birth": "2026-01-05", "school": ""}
    data.update(overrides)
    return data


def test_a_new_baby_joins_the_family_page_and_the_visit_form(login, worker, family, db):
    client = login(worker)
    page = client.get(f"/families/{family.id}/children/new")
    assert page.status_code == 200 and "Add a child" in page_text(page)
    assert_every_input_labelled(page)
    response = client.post(f"/families/{family.id}/children/new", data=child_form(first_name="  Cody "))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    text = page_text(client.get(f"/families/{family.id}"))
    assert "Cody has been added to the family record." in text
    assert "Amy" in text and "Cody" in text
    assert "Cody" in page_text(client.get(f"/families/{family.id}/visits/new"))
    family = db.session.get(Family, family.id)
    assert [child.first_name for child in family.children] == ["Amy", "Ben", "Cody"]


def test_a_child_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today, db):
    client = login(worker)
    response = client.post(f"/families/{family.id}/children/new",
                           data=child_form(first_name="", school="Little Acorns"))
    assert response.status_code == 422
    assert_field_error(response, "first_name", "Enter the child's first name.")
    assert input_value(response, "school") == "Little Acorns"
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/families/{family.id}/children/new", data=child_form(date_of_birth=tomorrow))
    assert response.status_code == 422
    assert_field_error(response, "date_of_birth", "A child's date of birth cannot be in the future.")
    assert len(db.session.get(Family, family.id).children) == 2


def test_correcting_a_childs_details(login, worker, family, db):
    amy = family.children[0]
    client = login(worker)
    page = client.get(f"/children/{amy.id}/edit")
    assert page.status_code == 200 and "Change Amy's details" in page_text(page)
    assert input_value(page, "date_of_birth") == "2018-03-01" and input_value(page, "version") == str(amy.version)
    response = client.post(f"/children/{amy.id}/edit", data=child_form(
        first_name="Amy", date_of_birth="2018-03-02", school="Hill Top Primary", version=str(amy.version)))
    assert response.status_code == 302
    amy = db.session.get(type(amy), amy.id)
    assert (amy.date_of_birth, amy.school) == (dt.date(2018, 3, 2), "Hill Top Primary")
    assert "Amy's details have been saved." in page_text(client.get(f"/families/{family.id}"))


def test_a_stale_child_edit_answers_409_and_keeps_the_text(login, worker, family, db):
    amy = family.children[0]
    old_version = amy.version
    amy.school = "Changed by someone else"
    db.session.flush()
    response = login(worker).post(f"/children/{amy.id}/edit", data=child_form(
        first_name="Amy", date_of_birth="2018-03-01", school="Mine", version=str(old_version)))
    assert response.status_code == 409
    assert "changed by someone else" in page_text(response)
    assert input_value(response, "school") == "Mine"
    assert input_value(response, "version") == str(db.session.get(type(amy), amy.id).version)


def test_adding_and_correcting_a_carer(login, worker, family, db):
    client = login(worker)
    page = client.get(f"/families/{family.id}/carers/new")
    assert_every_input_labelled(page)
    response = client.post(f"/families/{family.id}/carers/new", data={"first_name": "Dana", "relationship": ""})
    assert response.status_code == 422
    assert_field_error(response, "relationship", "Say how the carer is related to the children.")
    assert input_value(response, "first_name") == "Dana"
    response = client.post(f"/families/{family.id}/carers/new", data={"first_name": "Dana", "relationship": "Mother"})
    assert response.status_code == 302
    carer = db.session.scalar(select(Carer))
    page = client.get(f"/carers/{carer.id}/edit")
    assert input_value(page, "relationship") == "Mother"
    response = client.post(f"/carers/{carer.id}/edit", data={
        "first_name": "Dana", "last_name": "Smith", "relationship": "Mother (lives elsewhere)",
        "version": str(carer.version)})
    assert response.status_code == 302
    text = page_text(client.get(f"/families/{family.id}"))
    assert "Dana's details have been saved." in text and "Mother (lives elsewhere)" in text


def test_who_may_change_children_and_carers(app, worker, colleague, manager, outsider, admin, family, db):
    carer = Carer(family=family, first_name="Dana", relationship_to_children="Mother")
    db.session.add(carer)
    db.session.flush()
    paths = [f"/families/{family.id}/children/new", f"/children/{family.children[0].id}/edit",
             f"/families/{family.id}/carers/new", f"/carers/{carer.id}/edit"]
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200)):
        client = signed_in(app, user)
        for path in paths:
            assert client.get(path).status_code == status, (user.name, path)
    assert signed_in(app, outsider).post(paths[1], data=child_form()).status_code == 404
    assert signed_in(app, worker).get(f"/children/{family.children[0].id + 999}/edit").status_code == 404


def test_a_closed_familys_children_are_read_only(login, worker, family, today, db):
    family.phase, family.closed_on, family.closure_reason = "closed", today, "step_down"
    client = login(worker)
    assert client.get(f"/families/{family.id}/children/new").status_code == 302
    response = client.post(f"/families/{family.id}/children/new", data=child_form())
    assert response.status_code == 422 and "The family is closed" in page_text(response)
    response = client.post(f"/children/{family.children[0].id}/edit", data=child_form(first_name="Amy"))
    assert response.status_code == 422
    text = page_text(client.get(f"/families/{family.id}"))
    assert "Add a child" not in text and "Add a parent or carer" not in text


def test_child_and_carer_services(worker, family, now, db):
    from casework.services.errors import StaleVersion, ValidationFailed

    baby = people_service.add_child(db.session, family,
                                      {"first_name": " Cody ", "date_of_birth": dt.date(2026, 1, 5)}, now)
    assert (baby.first_name, baby.last_name, baby.school, baby.family_id) == ("Cody", None, None, family.id)
    with assert_refused(ValidationFailed, "first_name", "date_of_birth", unchanged=[family]):
        people_service.add_child(db.session, family, {"first_name": "", "date_of_birth": None}, now)
    version = baby.version
    people_service.update_child(db.session, baby, {"school": "Little Acorns", "version": version}, now)
    assert baby.school == "Little Acorns" and baby.version == version + 1
    with assert_refused(StaleVersion, "version", unchanged=[baby]):
        people_service.update_child(db.session, baby, {"school": "x", "version": version}, now)
    carer = people_service.add_carer(db.session, family, {"first_name": "Dana", "relationship": "Mother"}, now)
    assert carer.relationship_to_children == "Mother"
    people_service.update_carer(db.session, carer, {"relationship": "Aunt", "version": carer.version}, now)
    assert carer.relationship_to_children == "Aunt" and carer.first_name == "Dana"
    with assert_refused(ValidationFailed, "first_name", unchanged=[carer]):
        people_service.update_carer(db.session, carer, {"first_name": "  "}, now)
    family.phase = "closed"
    with assert_refused(ValidationFailed, match="closed", unchanged=[family]):
        people_service.add_carer(db.session, family, {"first_name": "Eve", "relationship": "Gran"}, now)


# --- Re-referrals -------------------------------------------------------------------------------


@pytest.fixture
def earlier(outsider):
    """Cara, born 4 May 2019, was known to another team, whose case closed on 3 May 2025."""
    family = factories.FamilyFactory(worker=outsider, reference="FP-2025-0031", phase="closed",
                                     closed_on=dt.date(2025, 5, 3), opened_on=dt.date(2025, 1, 6))
    family.children[0].first_name = "Cara"
    family.children[0].date_of_birth = dt.date(2019, 5, 4)
    return family


def test_a_known_child_is_pointed_out_before_saving(login, worker, earlier, today, db):
    client = login(worker)
    response = client.post("/families/new", data=referral_form(today))
    assert response.status_code == 200
    text = page_text(response)
    assert "Cara (born 4 May 2019) may already be known: FP-2025-0031, closed 3 May 2025" in text
    assert "Yes: link this referral to FP-2025-0031" in text and "No: not the same family" in text
    assert db.session.scalar(select(Family).where(Family.household_name == "Jones household")) is None
    # What was typed is all still there.
    assert input_value(response, "children-0-school") == "Hill Top Primary"
    assert input_value(response, "carers-0-first_name") == "Dana"
    assert_every_input_labelled(response)

    # Saving again without answering: the question is an error now.
    response = client.post("/families/new", data=referral_form(today, known_checked="1"))
    assert response.status_code == 422
    assert "Say whether this referral is about the family already known." in page_text(response)

    response = client.post("/families/new", data=referral_form(today, known_checked="1", same_family=str(earlier.id)))
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.household_name == "Jones household"))
    assert family.previous_family_id == earlier.id
    # The earlier case belongs to another team: its reference only, no link.
    response = client.get(f"/families/{family.id}")
    assert "Earlier case FP-2025-0031 closed 3 May 2025" in page_text(response)
    assert f'href="/families/{earlier.id}"' not in squash(response)


def test_not_the_same_family_saves_without_a_link(login, worker, earlier, today, db):
    response = login(worker).post("/families/new", data=referral_form(today, same_family="no"))
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.household_name == "Jones household"))
    assert family.previous_family_id is None


def test_an_answer_naming_another_case_is_not_taken(login, worker, earlier, today, db):
    other = factories.FamilyFactory(worker=worker)
    response = login(worker).post("/families/new",
                                  data=referral_form(today, known_checked="1", same_family=str(other.id)))
    assert response.status_code == 422
    assert db.session.scalar(select(Family).where(Family.household_name == "Jones household")) is None


def test_an_open_known_case_says_its_phase_and_a_visible_one_is_linked(login, worker, today, db):
    mine = factories.FamilyFactory(worker=worker, phase="making_changes")
    mine.children[0].first_name, mine.children[0].date_of_birth = "Cara", dt.date(2019, 5, 4)
    client = login(worker)
    text = page_text(client.post("/families/new", data=referral_form(today)))
    assert f"may already be known: {mine.reference}, open (making changes)" in text
    client.post("/families/new", data=referral_form(today, same_family=str(mine.id)))
    family = db.session.scalar(select(Family).where(Family.household_name == "Jones household"))
    body = squash(client.get(f"/families/{family.id}"))
    assert f'<a class="govuk-link" href="/families/{mine.id}">{mine.reference}</a>' in body


def test_no_known_child_no_question(login, worker, today, db):
    response = login(worker).post("/families/new", data=referral_form(today))
    assert response.status_code == 302
    assert "may already be known" not in page_text(login(worker).get(response.headers["Location"]))


def test_the_family_page_stays_within_the_page_statements_with_every_section_filled(login, worker, manager, earlier,
                                                                                    today):
    """Every section of the family page holds rows (people, phase history, a closure waiting,
    the plan with ratings, flags, visits with children seen, goals discussed and corrections,
    reviews, an assessment, the Team Around the Family, the sharing log, a hand-off reference,
    a planned visit, the children's voices): the worker's and the manager's page each send at
    most PAGE_STATEMENTS_MAX statements, and no more with five times the rows."""
    from casework.models import (
        Child,
        ClosureProposal,
        Consent,
        Correction,
        FamilyConcern,
        Flag,
        HandoffReference,
        Meeting,
        MeetingAction,
        Partner,
        PlannedVisit,
        Review,
        SharingLogEntry,
    )

    CONCERN_CODES = ("housing", "neglect_medical", "parental_mental_health", "domestic_abuse", "substance_misuse",
                     "finances")
    family = factories.FamilyFactory(worker=worker, previous_family=earlier, opened_on=today - dt.timedelta(days=90))
    family_id, worker_id = family.id, worker.id
    _db.session.add(ClosureProposal(family_id=family_id, proposed_on=today, reason="step_down", note="Ready to close",
                                    by_id=worker_id))

    def add(n):
        family = _db.session.get(Family, family_id)
        by = _db.session.get(User, worker_id)
        now = dt.datetime.now(dt.UTC)
        for i in range(n):
            family.children.append(Child(first_name=f"Child {n}-{i}", last_name="Smith",
                                                   date_of_birth=today - dt.timedelta(days=400 * (i + 2))))
            factories.CarerFactory(family=family, first_name=f"Carer {n}-{i}")
            family.concern_rows.append(FamilyConcern(code=CONCERN_CODES[i + (n > 1)]))
            _db.session.add(PhaseMove(family=family, from_phase="engagement", to_phase="engagement",
                                      date=today - dt.timedelta(days=i), note=f"Move {n}-{i}", by=by))
            goal = factories.GoalFactory(family=family, title=f"Goal {n}-{i}", start_date=today - dt.timedelta(days=60))
            factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=i + 1), rating=5, recorded_by=by)
            visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=i + 1), recorded_by=by)
            visit.goals_discussed = [goal]
            _db.session.flush()
            _db.session.add(Correction(family_id=family_id, record_type="visit", record_id=visit.id, by_id=worker_id,
                                       made_on=today, note="wrong day", old_values={"date": "2026-01-01"}))
            _db.session.add(Review(family=family, held_on=today - dt.timedelta(days=i), decision="continue",
                                   recorded_by=by))
            _db.session.add(Flag(family=family, rule="goal_stalled", subject_key=f"goal:{i}:{n}", severity="low",
                                 message="Stalled.", raised_on=today, status="acknowledged",
                                 acknowledged_by_id=worker_id))
            factories.AssessmentFactory(family=family, date=today - dt.timedelta(days=50 - i), recorded_by=by)
            factories.VoiceFactory(family=family, date=today - dt.timedelta(days=i), words=f"Said {n}-{i}")
            partner = Partner(family=family, agency=f"Agency {n}-{i}", kind="school", contact_name="Pat")
            meeting = Meeting(family=family, held_on=today - dt.timedelta(days=i), notes=f"Meeting {n}-{i}",
                              attendees=[partner])
            meeting.actions.append(MeetingAction(family_id=family_id, owner_partner=partner, due_on=today,
                                                 action=f"Partner action {n}-{i}"))
            meeting.actions.append(MeetingAction(family_id=family_id, owner_user=by, due_on=today,
                                                 action=f"Worker action {n}-{i}"))
            consent = Consent(family=family, given_by="Dana Smith", relationship_to_family="mother",
                              given_on=today - dt.timedelta(days=i), scope=["plan"], partners=[partner])
            _db.session.add_all([partner, meeting, consent])
            _db.session.flush()
            _db.session.add_all([
                SharingLogEntry(family_id=family_id, at=now, partner_id=partner.id, user_id=worker_id,
                                what=f"Shared {n}-{i}", consent_id=consent.id),
                HandoffReference(family_id=family_id, reference=f"SC-{n}-{i}", recorded_at=now,
                                 recorded_by_id=worker_id),
                PlannedVisit(family_id=family_id, worker_id=worker_id, date=today + dt.timedelta(days=i + 1),
                             kind="home_visit", note=f"Planned {n}-{i}"),
            ])

    def statements(client):
        fresh_session()
        with count_queries() as sent_statements:
            response = client.get(f"/families/{family_id}")
        assert response.status_code == 200
        return sent_statements, page_text(response)

    clients = {"worker": login(worker), "manager": login(manager)}
    add(1)
    few = {role: statements(client) for role, client in clients.items()}
    add(5)
    for role, client in clients.items():
        many, text = statements(client)
        for words in ("Corrected on", "Child 5-4", "Carer 5-4", "Move 5-4", "Goal 5-4", "Stalled.", "Agency 5-4",
                      "Partner action 5-4", "Worker action 5-4", "Shared 5-4", "Said 5-0", "Next planned visit:",
                      "SC-"):
            assert words in text, (role, words)
        assert sent(many) == sent(few[role][0]) <= PAGE_STATEMENTS_MAX, f"{role} {sent(many)}:\n" + "\n".join(many)


def test_form_inputs_carry_no_unset_attributes(login, worker):
    # An unset attribute used to be printed as the text "None" (inputmode="None").
    page = login(worker).get("/families/new").get_data(as_text=True)
    assert '"None"' not in page


def test_the_reason_for_closing_is_asked_only_when_closing_is_offered(app, worker, manager, family, db):
    # A worker in engagement cannot close: no "Reason for closing" to fill in.
    response = signed_in(app, worker).get(f"/families/{family.id}/phase")
    assert "closed" not in phase_options(response)
    assert "Reason for closing" not in page_text(response) and 'id="reason"' not in squash(response)
    # A manager can close from any phase, and a worker from moving on: the reason is asked for.
    assert 'id="reason"' in squash(signed_in(app, manager).get(f"/families/{family.id}/phase"))
    family.phase = "moving_on"
    db.session.commit()
    response = signed_in(app, worker).get(f"/families/{family.id}/phase")
    assert "closed" in phase_options(response) and "Reason for closing" in page_text(response)


def test_a_referral_error_says_which_child_or_carer(login, worker, today, db):
    client = login(worker)
    response = client.post("/families/new", data=referral_form(
        today, **{"children-1-first_name": "", "children-1-date_of_birth": "2021-03-04",
                  "children-2-first_name": "Eli", "children-2-date_of_birth": "",
                  "carers-0-relationship": ""}))
    assert response.status_code == 422
    assert_field_error(response, "children-1-first_name", "Enter the first name of child 2.")
    assert_field_error(response, "children-2-date_of_birth", "Enter the date of birth of child 3.")
    assert_field_error(response, "carers-0-relationship", "Say how parent or carer 1 is related to the children.")
    assert "Enter the child's first name." not in page_text(response)
    assert db.session.scalar(select(Family).where(Family.household_name == "Jones household")) is None
