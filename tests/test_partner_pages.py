"""The Team Around the Family in the browser's pages: the family page shows partners, consent
and meetings; a worker adds a partner, records consent and a meeting and withdraws consent; a
partner sees the families shared with them, marks their action done, and finds nothing else."""
import datetime as dt

from casework.extensions import db as _db
from casework.models import Consent, Meeting, MeetingAction, Partner, SharingLogEntry
from casework.services.partners import LIST_READ

from . import factories
from .helpers import PAGE_STATEMENTS_MAX, count_queries, fresh_session, page_text, sent, team_around


def test_a_worker_records_the_team_around_the_family(client, login, worker, family):
    login(worker)
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Team Around the Family" in page and "No partners recorded yet." in page
    added = client.post(f"/families/{family.id}/partners/new", data={
        "agency": "Hillside Primary", "kind": "school", "contact_name": "Tess Teacher",
        "email": "tess@hillside.example.org"})
    assert added.status_code == 302
    partner = _db.session.query(Partner).one()
    today = dt.date.today().isoformat()
    consented = client.post(f"/families/{family.id}/consents/new", data={
        "given_by": "Dana Smith", "relationship": "mother", "given_on": today,
        "partner_ids": [str(partner.id)], "scope": ["plan", "meetings"]})
    assert consented.status_code == 302
    met = client.post(f"/families/{family.id}/meetings/new", data={
        "held_on": today, "attendee_partner_ids": [str(partner.id)], "notes": "Plan agreed.",
        "actions-0-action": "Breakfast club place", "actions-0-owner_partner_id": str(partner.id),
        "actions-0-due_on": today, "actions-1-action": "", "actions-1-due_on": ""})
    assert met.status_code == 302, met.get_data(as_text=True)
    meeting = _db.session.query(Meeting).one()
    assert [a.action for a in meeting.actions] == ["Breakfast club place"]
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Hillside Primary" in page and "Breakfast club place" in page and "Active" in page
    consent = _db.session.query(Consent).one()
    withdrawn = client.post(f"/consents/{consent.id}/withdraw", data={"date": today})
    assert withdrawn.status_code == 302
    assert "Withdrawn on" in client.get(f"/families/{family.id}").get_data(as_text=True)


def test_a_meeting_action_without_a_date_is_refused(client, login, worker, family):
    login(worker)
    response = client.post(f"/families/{family.id}/meetings/new", data={
        "held_on": dt.date.today().isoformat(), "actions-0-action": "Something"})
    assert response.status_code == 422
    assert "Enter when action 1 is due." in response.get_data(as_text=True)


def test_a_partner_sees_their_family_marks_their_action_done_and_nothing_else(client, login, worker, family):
    partner = factories.UserFactory(role="partner", team=None, agency="Hillside Primary",
                                    email="tess@hillside.example.org")
    ids = team_around(family, "Tess@hillside.example.org")
    other = factories.FamilyFactory(worker=worker)
    _db.session.commit()
    login(partner)
    home = client.get("/", follow_redirects=True)
    page = home.get_data(as_text=True)
    assert family.reference in page and other.reference not in page
    shown = client.get(f"/partners/families/{family.id}").get_data(as_text=True)
    assert "Breakfast club" in shown and "Mark done" in shown
    assert family.postcode not in shown
    done = client.post(f"/partners/actions/{ids['action_id']}/done", data={"note": "Started."})
    assert done.status_code == 302
    action = _db.session.get(MeetingAction, ids["action_id"])
    _db.session.refresh(action)
    assert (action.status, action.note) == ("done", "Started.")
    assert client.get(f"/partners/families/{other.id}").status_code == 404
    assert client.get(f"/families/{family.id}").status_code == 403
    assert client.get(f"/families/{other.id}").status_code == 404
    assert client.get("/families").status_code == 403
    assert _db.session.query(SharingLogEntry).filter_by(family_id=family.id).count() >= 2


def test_the_step_up_handoff_print_view(client, login, worker, family):
    team_around(family, "tess@hillside.example.org")
    _db.session.commit()
    page = login(worker).get(f"/families/{family.id}/handoff")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Step-up handoff" in text and "Hillside Primary" in text and family.children[0].first_name in text


def test_the_partners_list_page_logs_each_family_once_a_day_in_a_bounded_number_of_queries(client, login, worker):
    partner = factories.UserFactory(role="partner", team=None, agency="Hillside Primary",
                                    email="tess@hillside.example.org")
    first = factories.FamilyFactory(worker=worker)
    team_around(first, partner.email)
    login(partner)
    with count_queries() as one:
        assert client.get("/partners/families").status_code == 200
    more = [factories.FamilyFactory(worker=worker) for _ in range(5)]
    for family in more:
        team_around(family, partner.email)
    _db.session.commit()
    with count_queries() as six:
        page = client.get("/partners/families").get_data(as_text=True)
    assert all(family.reference in page for family in [first, *more])
    assert len(six) == len(one), "\n".join(statement[:150] for statement in six)
    assert sent(six) <= PAGE_STATEMENTS_MAX, "\n".join(statement[:150] for statement in six)
    client.get("/partners/families")
    logged = _db.session.query(SharingLogEntry.family_id).filter(SharingLogEntry.what == LIST_READ).all()
    assert sorted(row for (row,) in logged) == sorted(f.id for f in [first, *more])


def test_a_shared_familys_page_sends_a_few_statements_however_many_meetings(client, login, worker, manager):
    """The partner's page of a family (plan and meetings shared): the same statements, at most
    PAGE_STATEMENTS_MAX, with one meeting or six (actions owned by partners and by staff)."""
    partner = factories.UserFactory(role="partner", team=None, agency="Hillside Primary",
                                    email="tess@hillside.example.org")
    family = factories.FamilyFactory(worker=worker)
    team_around(family, partner.email)
    _db.session.commit()
    school_id = _db.session.query(Partner.id).filter_by(family_id=family.id).scalar()
    family_id, day, manager_id, worker_name = family.id, family.opened_on, manager.id, worker.name
    path = f"/partners/families/{family_id}"
    login(partner)
    fresh_session()
    with count_queries() as one:
        assert client.get(path).status_code == 200
    for number in range(5):
        school = _db.session.get(Partner, school_id)
        meeting = Meeting(family_id=family_id, held_on=day, notes="", attendees=[school])
        meeting.actions.append(MeetingAction(family_id=family_id, owner_partner=school, action=f"Action {number}",
                                             due_on=day))
        meeting.actions.append(MeetingAction(family_id=family_id, owner_user_id=manager_id, action="B", due_on=day))
        _db.session.add(meeting)
    fresh_session()
    with count_queries() as six:
        page = client.get(path).get_data(as_text=True)
    assert "Action 4" in page and "Amy" in page and worker_name in page
    assert sent(six) == sent(one) <= PAGE_STATEMENTS_MAX, "\n".join(statement[:150] for statement in six)


def test_the_team_around_the_family_on_the_family_page_runs_the_same_queries_however_big(
        client, login, worker, manager, family):
    """Partners, consents (with the partners each names), meetings (with attendees and actions,
    owned by partners or staff) and the sharing log: a bound that does not grow with them."""
    day = family.opened_on

    def add_member(number):
        partner = Partner(family=family, agency=f"Agency {number}", kind="other", contact_name=f"Contact {number}",
                          email=f"contact{number}@example.org")
        reader = factories.UserFactory(role="partner", team=None, email=partner.email)
        meeting = Meeting(family=family, held_on=day, notes="", attendees=[partner])
        meeting.actions.append(MeetingAction(family_id=family.id, owner_partner=partner, action="A", due_on=day))
        meeting.actions.append(MeetingAction(family_id=family.id, owner_user=manager, action="B", due_on=day))
        _db.session.add_all([partner, meeting, Consent(family=family, given_by="Dana", relationship_to_family="mother",
                                                       given_on=day, scope=["plan"], partners=[partner])])
        _db.session.flush()
        _db.session.add(SharingLogEntry(family_id=family.id, at=dt.datetime.now(dt.UTC), partner_id=partner.id,
                                        user_id=reader.id, what="family", consent_id=None))
        _db.session.commit()

    add_member(0)
    login(worker)
    with count_queries() as small:
        assert client.get(f"/families/{family.id}").status_code == 200
    for number in range(1, 6):
        add_member(number)
    with count_queries() as big:
        page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Agency 5" in page and "Contact 5" in page
    assert len(big) == len(small), "\n".join(statement[:150] for statement in big)


def test_a_partner_page_shows_the_reviews_summary_only_when_consent_covers_it(client, login, worker, family):
    partner = factories.UserFactory(role="partner", team=None, email="tess@hillside.example.org")
    team_around(family, partner.email)
    held = family.opened_on + dt.timedelta(days=7)
    factories.ReviewFactory(family=family, held_on=held, decision="continue", notes="Mum said the evenings are hard.",
                            recorded_by=worker)
    _db.session.commit()
    login(partner)
    page = client.get(f"/partners/families/{family.id}").get_data(as_text=True)
    assert "Reviews" not in page and "evenings" not in page
    consent = _db.session.query(Consent).one()
    consent.scope = ["plan", "meetings", "reviews_summary"]
    _db.session.commit()
    page = client.get(f"/partners/families/{family.id}").get_data(as_text=True)
    assert "Reviews" in page and f"{held.day} {held:%b %Y}" in page and "Continue" in page
    assert "evenings" not in page


def test_the_receiving_services_reference_is_recorded_from_the_handoff_page(client, login, worker, family):
    login(worker)
    page = client.get(f"/families/{family.id}/handoff").get_data(as_text=True)
    assert f'action="/families/{family.id}/handoff/reference"' in page
    refused = client.post(f"/families/{family.id}/handoff/reference", data={"reference": ""})
    assert refused.status_code == 422
    assert "Enter the reference children's social care gave the family." in page_text(refused)
    saved = client.post(f"/families/{family.id}/handoff/reference", data={"reference": "CSC-4242"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/families/{family.id}/handoff")
    assert "CSC-4242" in page_text(client.get(f"/families/{family.id}/handoff"))
    assert "Children's social care reference: CSC-4242" in page_text(client.get(f"/families/{family.id}"))


def _close_at_a_review(client, family, decision, today):
    return client.post(f"/families/{family.id}/reviews/new", data={
        "held_on": today.isoformat(), "decision": decision, "notes": "Closing."}, follow_redirects=True)


def test_closing_with_a_step_up_prompts_the_handoff_package(client, login, manager, family, today):
    login(manager)
    page = _close_at_a_review(client, family, "step_up", today).get_data(as_text=True)
    assert f'href="/families/{family.id}/handoff"' in page
    assert "Prepare the step-up handoff package" in page


def test_closing_otherwise_does_not(client, login, manager, family, today):
    login(manager)
    page = _close_at_a_review(client, family, "step_down", today).get_data(as_text=True)
    assert "Prepare the step-up handoff package" not in page


def test_approving_a_step_up_prompts_the_handoff_package(app, monkeypatch, client, login, worker, manager, family,
                                                          today):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)
    login(worker)
    client.post(f"/families/{family.id}/reviews/new", data={
        "held_on": today.isoformat(), "decision": "step_up", "notes": "Concerns grew."})
    assert not family.is_closed
    client.post("/logout")
    login(manager)
    page = client.post(f"/families/{family.id}/closure/approve", follow_redirects=True).get_data(as_text=True)
    assert "approved" in page and f'href="/families/{family.id}/handoff"' in page


def test_a_family_closed_otherwise_offers_no_reference_on_its_handoff(client, login, manager, family, today):
    login(manager)
    _close_at_a_review(client, family, "step_down", today)
    page = client.get(f"/families/{family.id}/handoff").get_data(as_text=True)
    assert "Step-up handoff" in page and "/handoff/reference" not in page
    refused = client.post(f"/families/{family.id}/handoff/reference", data={"reference": "CSC-1"})
    assert refused.status_code == 422 and "The family is closed" in page_text(refused)
