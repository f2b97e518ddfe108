"""What a partner who signs in may see and do, given links the forms and the API refuse but the
database holds: a consent or a meeting action of one family naming another family's partner
record. A partner's families are found by the partner records with their e-mail that consents
name (services/partners.py ``partner_access``); a record counts only for its own family."""
import datetime as dt

import pytest

from casework.extensions import db as _db
from casework.models import Consent, Meeting, MeetingAction, Notification, Partner
from casework.services.clock import sweep_time
from casework.services.sweep import run_sweep

from . import factories
from .helpers import page_text, team_around

EMAIL = "tess@hillside.example.org"


@pytest.fixture
def teacher(db):
    return factories.UserFactory(role="partner", team=None, agency="Hillside Primary", email=EMAIL)


@pytest.fixture
def elsewhere(family, outsider, teacher):
    """``family``'s school (its contact is ``teacher``), shared with by ``family``'s consent, and
    named by another family's consent and owning an action of that family's meeting. That other
    family."""
    school_id = _db.session.get(MeetingAction, team_around(family, EMAIL)["action_id"]).owner_partner_id
    school = _db.session.get(Partner, school_id)
    other = factories.FamilyFactory(worker=outsider, household_name="Elsewhere")
    day = other.opened_on
    _db.session.add(Consent(family=other, given_by="Sam", relationship_to_family="father", given_on=day,
                            scope=["plan", "meetings"], partners=[school]))
    meeting = Meeting(family=other, held_on=day, notes="", attendees=[school])
    meeting.actions.append(MeetingAction(family_id=other.id, owner_partner=school, action="Register with the surgery",
                                         due_on=dt.date.today() + dt.timedelta(days=3)))
    _db.session.add(meeting)
    _db.session.commit()
    return other


def _stray_action(other) -> MeetingAction:
    return _db.session.query(MeetingAction).filter_by(family_id=other.id).one()


def test_the_pages_share_nothing_of_a_family_whose_consent_names_another_familys_partner(
        client, login, family, elsewhere, teacher):
    action_id, other_id, other_reference = _stray_action(elsewhere).id, elsewhere.id, elsewhere.reference
    login(teacher)
    listed = page_text(client.get("/partners/families"))
    assert family.reference in listed and other_reference not in listed
    assert client.get(f"/partners/families/{other_id}").status_code == 404
    assert client.post(f"/partners/actions/{action_id}/done", data={"note": "Done."}).status_code == 404
    _db.session.expire_all()
    assert _db.session.get(MeetingAction, action_id).status == "open"


def test_the_api_shares_nothing_of_a_family_whose_consent_names_another_familys_partner(
        api, family, elsewhere, teacher):
    action_id, other_id = _stray_action(elsewhere).id, elsewhere.id
    reader = api(teacher)
    assert [f["id"] for f in reader.get("/api/v1/families").get_json()["items"]] == [family.id]
    assert reader.get(f"/api/v1/families/{other_id}").status_code == 404
    assert reader.patch(f"/api/v1/actions/{action_id}", json={"status": "done"}).status_code == 404
    _db.session.expire_all()
    assert _db.session.get(MeetingAction, action_id).status == "open"


def test_no_reminder_of_an_action_of_a_family_not_shared(family, elsewhere, teacher):
    due_on, other_reference = _stray_action(elsewhere).due_on, elsewhere.reference
    run_sweep(_db.session, sweep_time(due_on - dt.timedelta(days=7)))
    _db.session.commit()
    reminded = _db.session.query(Notification.message).filter_by(user_id=teacher.id, kind="action_due").all()
    assert not any(other_reference in message for (message,) in reminded)


def test_shared_by_its_own_record_a_family_still_refuses_the_action_another_familys_partner_owns(
        api, client, login, family, elsewhere, teacher):
    """The other family also names a partner record of its own with the teacher's e-mail: its
    record is shared, but the action owned by ``family``'s school stays not the teacher's."""
    _db.session.add(Partner(family=elsewhere, agency="Hillside Primary", kind="school", contact_name="Tess",
                            email=EMAIL))
    _db.session.flush()
    consent = _db.session.query(Consent).filter_by(family_id=elsewhere.id).one()
    consent.partners = _db.session.query(Partner).filter(Partner.email == EMAIL).all()
    _db.session.commit()
    action_id, other_id = _stray_action(elsewhere).id, elsewhere.id
    reader = api(teacher)
    assert reader.get(f"/api/v1/families/{other_id}").status_code == 200
    assert reader.patch(f"/api/v1/actions/{action_id}", json={"status": "done"}).status_code == 403
    login(teacher)
    page = page_text(client.get(f"/partners/families/{other_id}"))
    assert "Register with the surgery" in page and "Mark done: Register with the surgery" not in page
    assert client.post(f"/partners/actions/{action_id}/done", data={"note": "Done."}).status_code == 403
    _db.session.expire_all()
    assert _db.session.get(MeetingAction, action_id).status == "open"
