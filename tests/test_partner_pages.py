"""The Team Around the Family in the browser's pages: the family page shows partners, consent
and meetings; a worker adds a partner, records consent and a meeting and withdraws consent; a
partner sees the families shared with them, marks their action done, and finds nothing else."""
import datetime as dt

from casework.extensions import db as _db
from casework.models import Consent, Meeting, MeetingAction, Partner, SharingLogEntry

from . import factories
from .helpers import team_around


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
