"""Data protection pages and API: subject access exports (print view, JSON download, API), who
may use them, the audit of each export; the retention list, legal hold and anonymising."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent
from casework.services import retention

from .factories import FamilyFactory, UserFactory
from .helpers import NAMES, YEARS, rich_family


@pytest.fixture
def rich(worker, manager, other_team, today):
    return rich_family(worker, manager, other_team, today)


def _exports():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()


# --- The print view -------------------------------------------------------------------------------


def test_a_manager_prints_the_familys_export(login, manager, rich):
    response = login(manager).get(f"/families/{rich.family.id}/subject-access")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Information casework holds about the family" in html
    for shown in ("Zephyrine", "Thaddeus", "Marisol", "Wendy Worker", "Dr Hartigan at Meadow Surgery",
                  "Thaddeus had a rash", "Nappy rash", "Marisol may move to the south side",
                  "Typo in the rating note", "stepped down to universal services",
                  "Planned visits", "Cancelled by the family", "Ask Zephyrine about the sleepover",
                  "Visits that could not be recorded", "Zephyrine and Thaddeus baking with Wendy",
                  "Mina recorded it for Wendy", "s view was not gathered", "Thaddeus napping; Wendy asks later"):
        assert shown in html, shown
    assert "records.css" in html and "cw-print-page" in html
    assert f"/families/{rich.family.id}/subject-access.json?redact=0" in html
    [event] = _exports()
    assert (event.record_type, event.record_id, event.family_id) == ("family", rich.family.id, rich.family.id)
    assert event.detail == {"format": "html", "redacted": False, "via": "web"}


def test_redacting_third_parties_on_the_page(login, manager, rich):
    html = login(manager).get(f"/families/{rich.family.id}/subject-access?redact=1").get_data(as_text=True)
    main = html.split("<main")[1]  # (the header names the signed-in manager)
    for hidden in ("Wendy", "Mina Manager", "Hartigan", "Oona Otherteam"):
        assert hidden not in main, hidden
    assert "Family worker" in html and "[redacted]" in html
    assert '<input checked class="govuk-checkboxes__input" id="redact" name="redact" type="checkbox" value="1">' in html
    assert _exports()[0].detail["redacted"] is True


def test_choosing_a_child_shows_the_childs_export(login, manager, rich):
    client = login(manager)
    response = client.get(f"/families/{rich.family.id}/subject-access",
                          query_string={"subject": f"child-{rich.zephyrine.id}", "redact": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/children/{rich.zephyrine.id}/subject-access?redact=1")
    assert _exports() == []  # the choice itself exports nothing
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Information casework holds about a child of the family" in html
    assert "Thaddeus only" in html  # the form (not printed) offers each child
    html = html.split('id="export"')[1]  # what is printed
    assert "Zephyrine showed me her room. [redacted] napping." in html
    assert "Thaddeus" not in html and "Marisol" not in html
    assert "Thaddeus had a rash" not in html
    [event] = _exports()
    assert (event.record_type, event.record_id, event.detail["format"]) == ("child", rich.zephyrine.id, "html")


def test_a_child_of_another_family_or_a_bad_redact_value_is_a_form_error(login, manager, rich, worker):
    other = FamilyFactory(worker=worker)
    client = login(manager)
    response = client.get(f"/families/{rich.family.id}/subject-access",
                          query_string={"subject": f"child-{other.children[0].id}"})
    assert response.status_code == 422
    assert "Choose the family or one of its children." in response.get_data(as_text=True)
    response = client.get(f"/families/{rich.family.id}/subject-access.json", query_string={"redact": "maybe"})
    assert response.status_code == 422 and "There is a problem" in response.get_data(as_text=True)
    assert _exports() == []


# --- The JSON download ----------------------------------------------------------------------------


def test_the_json_download_is_an_attachment(login, manager, rich):
    response = login(manager).get(f"/families/{rich.family.id}/subject-access.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="subject-access-{rich.family.reference}.json"')
    assert response.headers["Cache-Control"] == "no-store"
    export = json.loads(response.get_data(as_text=True))
    assert [c["first_name"] for c in export["children"]] == ["Zephyrine", "Thaddeus"]
    assert len(export["visits"]) == 4 and export["closure"]["reason"] == "step_down"
    assert _exports()[0].detail == {"format": "json", "redacted": False, "via": "web"}


def test_a_childs_json_leaves_out_the_other_childs_visits(login, manager, rich):
    response = login(manager).get(f"/children/{rich.zephyrine.id}/subject-access.json?redact=1")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="subject-access-{rich.family.reference}-child-{rich.zephyrine.id}.json"')
    text = response.get_data(as_text=True)
    export = json.loads(text)
    assert [v["id"] for v in export["visits"]] == [rich.both.id, rich.naming.id]
    assert "Thaddeus" not in text and "rash" not in text
    assert _exports()[0].detail == {"format": "json", "redacted": True, "via": "web"}


# --- Who may export -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/families/{family}/subject-access", "/families/{family}/subject-access.json",
                                  "/children/{child}/subject-access", "/children/{child}/subject-access.json"])
def test_who_may_export(client, login, worker, admin, other_team, rich, path):
    path = path.format(family=rich.family.id, child=rich.zephyrine.id)
    assert client.get(path).status_code == 302  # signed out: to sign in
    other_manager = UserFactory(team=other_team, role="manager", email="otto@example.org")
    assert login(worker).get(path).status_code == 403  # the family's own worker
    client.post("/logout")
    assert login(other_manager).get(path).status_code == 404
    client.post("/logout")
    assert login(admin).get(path).status_code == 403
    assert _exports() == []


def test_the_api_exports_for_the_teams_manager_only(api, client, manager, worker, admin, other_team, rich):
    for path in (f"/api/v1/families/{rich.family.id}/subject-access",
                 f"/api/v1/children/{rich.zephyrine.id}/subject-access"):
        assert client.get(path).status_code == 401
        assert api(worker).get(path).status_code == 403
        assert api(rich.other_manager).get(path).status_code == 404
        assert api(admin).get(path).status_code == 403
        assert api(manager).get(path + "?redact=yes-please").status_code == 422
    assert _exports() == []
    response = api(manager).get(f"/api/v1/families/{rich.family.id}/subject-access?redact=1")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    export = response.get_json()
    assert export["redacted"] is True and export["family"]["family_worker"] == "Family worker"
    assert "Wendy" not in response.get_data(as_text=True)
    child = api(manager).get(f"/api/v1/children/{rich.thaddeus.id}/subject-access").get_json()
    assert [c["first_name"] for c in child["children"]] == ["Thaddeus"]
    assert [(e.record_type, e.detail) for e in _exports()] == [
        ("family", {"format": "json", "redacted": True, "via": "api"}),
        ("child", {"format": "json", "redacted": False, "via": "api"}),
    ]


def test_the_family_page_links_managers_to_the_export(client, login, manager, worker, family):
    assert "Subject access export" in login(manager).get(f"/families/{family.id}").get_data(as_text=True)
    client.post("/logout")
    assert "Subject access export" not in login(worker).get(f"/families/{family.id}").get_data(as_text=True)


# --- Retention, legal hold and anonymising --------------------------------------------------------


def test_the_retention_list(client, login, manager, worker, outsider, today, rich):
    exactly = FamilyFactory(worker=worker, phase="closed", closed_on=retention.years_before(today, YEARS),
                            opened_on=retention.years_before(today, YEARS + 1))
    held = FamilyFactory(worker=worker, phase="closed", closed_on=retention.years_before(today, YEARS + 2),
                         opened_on=retention.years_before(today, YEARS + 3), legal_hold=True, legal_hold_reason="Court")
    theirs = FamilyFactory(worker=outsider, phase="closed", closed_on=retention.years_before(today, YEARS + 2),
                           opened_on=retention.years_before(today, YEARS + 3))
    html = login(manager).get("/records/retention").get_data(as_text=True)
    assert rich.family.reference in html and held.reference in html
    assert exactly.reference not in html and theirs.reference not in html
    assert html.index(held.reference) < html.index(rich.family.reference)  # longest closed first
    assert html.count("Legal hold</strong>") == 1
    assert "Zephyrine" not in html and "Quenby" not in html  # references only
    client.post("/logout")
    assert login(worker).get("/records/retention").status_code == 403


def test_a_legal_hold_blocks_anonymising_until_lifted(login, manager, rich):
    client = login(manager)
    page = f"/families/{rich.family.id}/retention"
    assert "Anonymise the record" in client.get(page).get_data(as_text=True)
    response = client.post(f"/families/{rich.family.id}/legal-hold",
                           data={"reason": "", "version": rich.family.version})
    assert response.status_code == 422 and "Say why the record must be kept" in response.get_data(as_text=True)
    response = client.post(f"/families/{rich.family.id}/legal-hold",
                           data={"reason": "Care proceedings", "version": rich.family.version})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert rich.family.legal_hold and rich.family.legal_hold_reason == "Care proceedings"
    html = client.get(page).get_data(as_text=True)
    assert "Care proceedings" in html and "Lift the legal hold" in html
    assert "lift the hold before anonymising" in html
    response = client.post(f"/families/{rich.family.id}/anonymise",
                           data={"confirm_reference": rich.family.reference, "version": rich.family.version})
    assert response.status_code == 409 and "under a legal hold" in response.get_data(as_text=True)
    assert rich.family.household_name == "Quenby household"
    response = client.post(f"/families/{rich.family.id}/legal-hold/lift", data={"version": rich.family.version})
    assert response.status_code == 302 and not rich.family.legal_hold
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(("legal_hold_set", "legal_hold_lifted", "anonymise"))).order_by(AuditEvent.id)).all()
    assert actions == ["legal_hold_set", "legal_hold_lifted"]


def test_anonymising_needs_the_reference_typed_and_a_current_version(login, manager, rich):
    client = login(manager)
    url = f"/families/{rich.family.id}/anonymise"
    version = rich.family.version
    response = client.post(url, data={"confirm_reference": "FP-1999-0001", "version": version})
    assert response.status_code == 422
    assert f"reference, {rich.family.reference}, to confirm" in response.get_data(as_text=True)
    response = client.post(url, data={"confirm_reference": rich.family.reference, "version": version - 1})
    assert response.status_code == 409 and "changed by someone else" in response.get_data(as_text=True)
    assert rich.family.anonymised_at is None
    response = client.post(url, data={"confirm_reference": rich.family.reference, "version": version})
    assert response.status_code == 302
    assert rich.family.anonymised_at is not None and rich.family.household_name == "Anonymised family"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is anonymised" in html and "Anonymised on" in html
    page = client.get(f"/families/{rich.family.id}").get_data(as_text=True)
    for name in NAMES:
        assert name not in page
    assert "Its personal data was removed (anonymised) on" in page
    assert f"/families/{rich.family.id}/reopen" not in page  # no reopening an anonymised record
    response = client.post(f"/families/{rich.family.id}/reopen", data={"note": "New concerns"})
    assert response.status_code == 409 and rich.family.is_closed
    assert rich.family.reference not in client.get("/records/retention").get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "anonymise")).all()
    assert event.user_id == manager.id


def test_an_open_family_cannot_be_anonymised(login, manager, family):
    client = login(manager)
    html = client.get(f"/families/{family.id}/retention").get_data(as_text=True)
    assert "The family is open" in html and 'name="confirm_reference"' not in html
    response = client.post(f"/families/{family.id}/anonymise",
                           data={"confirm_reference": family.reference, "version": family.version})
    assert response.status_code == 409 and "The family is open" in response.get_data(as_text=True)
    assert family.anonymised_at is None and family.household_name.startswith("Household")


def test_another_teams_manager_cannot_hold_or_anonymise(login, other_team, rich):
    stranger = UserFactory(team=other_team, role="manager", email="stranger@example.org")
    client = login(stranger)
    assert client.post(f"/families/{rich.family.id}/legal-hold", data={"reason": "x"}).status_code == 404
    assert client.post(f"/families/{rich.family.id}/anonymise",
                       data={"confirm_reference": rich.family.reference}).status_code == 404
    assert not rich.family.legal_hold and rich.family.anonymised_at is None
