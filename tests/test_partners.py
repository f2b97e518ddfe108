"""The Team Around the Family through the API: partners, consent to share and its withdrawal and
expiry, what a partner who signs in sees (and the sharing log of it), meetings and actions, the
action_overdue flag, step-down referrals and the step-up handoff."""
import datetime as dt
import re

import pytest

from casework.extensions import db as _db
from casework.models import Consent, Flag, MeetingAction, Notification, SharingLogEntry
from casework.services import partners as partner_service
from casework.services.clock import service_zone, sweep_time
from casework.services.consent import consent_status
from casework.services.sweep import run_sweep

from . import factories
from .helpers import count_queries, team_around


@pytest.fixture
def teacher(db):
    return factories.UserFactory(role="partner", team=None, agency="Hillside Primary", name="Tess Teacher",
                                 email="tess@hillside.example.org")


def add_partner(client, family, email="Tess@Hillside.example.org", kind="school", agency="Hillside Primary"):
    response = client.post(f"/api/v1/families/{family.id}/partners", json={
        "agency": agency, "kind": kind, "contact_name": "Tess Teacher", "email": email, "phone": "0113 000 0000"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def give_consent(client, family, partner_ids, scope=("plan", "meetings"), given_on=None, **extra):
    response = client.post(f"/api/v1/families/{family.id}/consents", json={
        "given_by": "Dana Smith", "relationship": "mother", "given_on": (given_on or dt.date.today()).isoformat(),
        "partner_ids": list(partner_ids), "scope": list(scope), **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_worker_records_partners_and_consent(api, worker, family):
    client = api(worker)
    partner = add_partner(client, family)
    assert {k: partner[k] for k in ("agency", "kind", "contact_name", "email", "phone")} == {
        "agency": "Hillside Primary", "kind": "school", "contact_name": "Tess Teacher",
        "email": "Tess@Hillside.example.org", "phone": "0113 000 0000"}
    consent = give_consent(client, family, [partner["id"]], child_view="Amy is happy for school to know.")
    assert consent["status"] == "active"
    assert consent["partner_ids"] == [partner["id"]]
    assert consent["scope"] == ["plan", "meetings"]
    assert [p["id"] for p in client.get(f"/api/v1/families/{family.id}/partners").get_json()["items"]] == [
        partner["id"]]
    assert client.get(f"/api/v1/families/{family.id}/consents").get_json()["items"][0]["id"] == consent["id"]


def test_consent_is_checked(api, worker, family, outsider):
    client = api(worker)
    partner = add_partner(client, family)
    other = factories.FamilyFactory(worker=outsider)
    _db.session.commit()
    stranger = add_partner(api(outsider), other)
    bad = client.post(f"/api/v1/families/{family.id}/consents", json={
        "given_by": "Dana", "relationship": "mother", "given_on": dt.date.today().isoformat(),
        "partner_ids": [stranger["id"]], "scope": ["everything"]})
    assert bad.status_code == 422
    assert {"partner_ids", "scope"} <= set(bad.get_json()["fields"])
    kind = client.post(f"/api/v1/families/{family.id}/partners", json={"agency": "X", "kind": "wizard",
                                                                       "contact_name": "Y"})
    assert kind.status_code == 422 and "kind" in kind.get_json()["fields"]
    assert client.post(f"/api/v1/families/{family.id}/consents", json={
        "given_by": "Dana", "relationship": "mother", "given_on": dt.date.today().isoformat(),
        "partner_ids": [partner["id"]], "scope": ["plan"], "expires_on": "2000-01-01"}).status_code == 422


def test_another_team_gets_404(api, worker, outsider, family):
    partner = add_partner(api(worker), family)
    consent = give_consent(api(worker), family, [partner["id"]])
    client = api(outsider)
    for path in ("partners", "consents", "meetings", "sharing-log", "handoff"):
        assert client.get(f"/api/v1/families/{family.id}/{path}").status_code == 404
    assert client.post(f"/api/v1/consents/{consent['id']}/withdraw", json={"date": "2026-01-01"}).status_code == 404


def test_a_partner_sees_only_the_shared_family_and_what_consent_covers(api, worker, family, teacher):
    client = api(worker)
    partner = add_partner(client, family)
    factories.GoalFactory(family=family, title="A regular bedtime", next_step="Lights out at 8")
    unshared = factories.FamilyFactory(worker=worker)
    _db.session.commit()
    give_consent(client, family, [partner["id"]], scope=["plan"])
    reader = api(teacher)
    listed = reader.get("/api/v1/families").get_json()
    assert listed["total"] == 1 and [f["id"] for f in listed["items"]] == [family.id]
    record = reader.get(f"/api/v1/families/{family.id}").get_json()
    assert set(record) == {"id", "reference", "household_name", "children", "worker", "shared", "goals"}
    assert record["shared"] == ["plan"]
    assert record["worker"] == {"name": "Wendy Worker"}
    assert record["children"][0] == {"id": family.children[0].id, "first_name": family.children[0].first_name}
    assert record["goals"][0]["title"] == "A regular bedtime" and record["goals"][0]["next_step"] == "Lights out at 8"
    assert "concerns" not in record and "postcode" not in record
    assert reader.get(f"/api/v1/families/{unshared.id}").status_code == 404
    # the kinds of record a partner may not read: 403 for the shared family, 404 for another
    for path in ("visits", "goals", "chronology", "partners", "consents", "reviews", "meetings"):
        assert reader.get(f"/api/v1/families/{family.id}/{path}").status_code == 403, path
        assert reader.get(f"/api/v1/families/{unshared.id}/{path}").status_code == 404, path
    for path in ("/api/v1/flags", "/api/v1/caseload", "/api/v1/reports/outcomes"):
        assert reader.get(path).status_code == 403, path
    assert reader.post("/api/v1/families", json={}).status_code == 403
    assert reader.patch(f"/api/v1/families/{family.id}", json={"household_name": "X"}).status_code == 403
    log = client.get(f"/api/v1/families/{family.id}/sharing-log").get_json()["items"]
    assert len(log) == 2
    assert {entry["user"]["name"] for entry in log} == {"Tess Teacher"}
    assert {entry["partner_id"] for entry in log} == {partner["id"]}
    assert all(entry["consent_id"] for entry in log)


def test_withdrawal_cuts_access_on_the_next_request(api, worker, family, teacher):
    client = api(worker)
    school = add_partner(client, family)
    nurse = add_partner(client, family, email="nurse@health.example.org", kind="school_nurse", agency="Health")
    consent = give_consent(client, family, [school["id"], nurse["id"]])
    reader = api(teacher)
    assert reader.get(f"/api/v1/families/{family.id}").status_code == 200
    withdrawn = client.post(f"/api/v1/consents/{consent['id']}/withdraw",
                            json={"date": dt.date.today().isoformat(), "note": "Mum asked us to stop."})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert reader.get(f"/api/v1/families/{family.id}").status_code == 404
    assert reader.get("/api/v1/families").get_json() == {"items": [], "total": 0}
    assert reader.get(f"/api/v1/families/{family.id}/visits").status_code == 404
    again = client.post(f"/api/v1/consents/{consent['id']}/withdraw", json={"date": dt.date.today().isoformat()})
    assert again.status_code == 422


def test_two_consents_one_withdrawn_keeps_what_the_other_shares(api, worker, family, teacher):
    client = api(worker)
    school = add_partner(client, family)
    first = give_consent(client, family, [school["id"]], scope=["plan", "meetings"])
    give_consent(client, family, [school["id"]], scope=["meetings"])
    client.post(f"/api/v1/consents/{first['id']}/withdraw", json={"date": dt.date.today().isoformat()})
    record = api(teacher).get(f"/api/v1/families/{family.id}").get_json()
    assert record["shared"] == ["meetings"] and "goals" not in record and record["meetings"] == []


def test_the_same_email_in_two_families(api, worker, colleague, family, teacher):
    second = factories.FamilyFactory(worker=colleague)
    _db.session.commit()
    give_consent(api(worker), family, [add_partner(api(worker), family)["id"]], scope=["plan"])
    give_consent(api(colleague), second, [add_partner(api(colleague), second)["id"]], scope=["meetings"])
    reader = api(teacher)
    items = {f["id"]: f["shared"] for f in reader.get("/api/v1/families").get_json()["items"]}
    assert items == {family.id: ["plan"], second.id: ["meetings"]}


def test_consent_expires_at_midnight_in_london(app, family):
    consent = Consent(family_id=family.id, given_by="Dana", relationship_to_family="mother",
                      given_on=dt.date(2026, 6, 1), scope=["plan"], expires_on=dt.date(2026, 6, 30))
    london = dt.timezone(dt.timedelta(hours=1))  # British Summer Time
    with app.app_context():
        assert consent_status(consent, dt.datetime(2026, 6, 30, 23, 59, tzinfo=london)) == "active"
        # 23:30 UTC on the 30th is already 00:30 on 1 July in London
        assert consent_status(consent, dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == "expired"


def test_meetings_actions_and_a_partner_marking_their_own_done(api, worker, family, teacher):
    client = api(worker)
    school = add_partner(client, family)
    gp = add_partner(client, family, email="gp@surgery.example.org", kind="gp", agency="Surgery")
    give_consent(client, family, [school["id"]], scope=["meetings"])
    today = dt.date.today()
    response = client.post(f"/api/v1/families/{family.id}/meetings", json={
        "held_on": today.isoformat(), "attendee_partner_ids": [school["id"], gp["id"]], "family_attended": True,
        "notes": "Agreed the plan together.",
        "actions": [
            {"owner_partner_id": school["id"], "action": "Breakfast club place", "due_on": today.isoformat()},
            {"owner_partner_id": gp["id"], "action": "Review medication", "due_on": today.isoformat()},
            {"owner_user_id": worker.id, "action": "Bedtime routine chart", "due_on": today.isoformat()},
        ]})
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert meeting["family_attended"] is True
    assert [a["status"] for a in meeting["actions"]] == ["open", "open", "open"]
    assert {"id", "owner", "action", "due_on", "status", "note"} <= set(meeting["actions"][0])
    mine, theirs, workers = meeting["actions"]
    reader = api(teacher)
    shared = reader.get(f"/api/v1/families/{family.id}").get_json()
    assert [m["id"] for m in shared["meetings"]] == [meeting["id"]]
    assert theirs["id"] in [a["id"] for a in shared["meetings"][0]["actions"]]
    assert all(a["owner"]["name"] is None for a in shared["meetings"][0]["actions"] if a["owner_partner_id"]
               and a["owner_partner_id"] != school["id"])
    done = reader.patch(f"/api/v1/actions/{mine['id']}", json={"status": "done", "note": "Starts Monday."})
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["note"]) == ("done", "Starts Monday.")
    assert reader.patch(f"/api/v1/actions/{theirs['id']}", json={"status": "done"}).status_code == 403
    assert reader.patch(f"/api/v1/actions/{workers['id']}", json={"status": "done"}).status_code == 403
    assert client.patch(f"/api/v1/actions/{workers['id']}", json={"status": "done"}).status_code == 200
    whats = [e["what"] for e in client.get(f"/api/v1/families/{family.id}/sharing-log").get_json()["items"]]
    assert any("updated" in w for w in whats)


def test_an_unowned_action_or_partner_of_another_family_is_refused(api, worker, family, outsider):
    other = factories.FamilyFactory(worker=outsider)
    _db.session.commit()
    stranger = add_partner(api(outsider), other)
    response = api(worker).post(f"/api/v1/families/{family.id}/meetings", json={
        "held_on": dt.date.today().isoformat(), "notes": "",
        "actions": [{"owner_partner_id": stranger["id"], "action": "X", "due_on": dt.date.today().isoformat()}]})
    assert response.status_code == 422


def test_step_down_referral_carries_the_external_reference(api, worker):
    response = api(worker).post("/api/v1/families", json={
        "household_name": "Jones", "postcode": "LS6 2AB", "referral_date": dt.date.today().isoformat(),
        "referral_source": "social_care_step_down", "external_reference": "CSC-12345",
        "concerns": ["neglect_physical"], "children": [{"first_name": "Cara", "date_of_birth": "2019-01-01"}]})
    assert response.status_code == 201, response.get_json()
    family = response.get_json()
    assert family["referral_source"] == "social_care_step_down" and family["external_reference"] == "CSC-12345"
    again = api(worker).get(f"/api/v1/families/{family['id']}").get_json()
    assert again["external_reference"] == "CSC-12345"


def test_the_handoff_package(api, worker, manager, family):
    client = api(worker)
    partner = add_partner(client, family)
    give_consent(client, family, [partner["id"]])
    factories.GoalFactory(family=family)
    _db.session.commit()
    package = api(manager).get(f"/api/v1/families/{family.id}/handoff").get_json()
    assert set(package) >= {"family", "children", "concerns", "chronology", "goals", "latest_assessment", "voices",
                            "open_flags", "partners", "consents"}
    assert package["family"]["reference"] == family.reference
    assert package["partners"][0]["id"] == partner["id"]
    assert package["consents"][0]["status"] == "active"
    assert len(package["goals"]) == 1


def test_partner_reads_are_logged_by_entry(api, worker, family, teacher):
    client = api(worker)
    give_consent(client, family, [add_partner(client, family)["id"]], scope=["plan"])
    api(teacher).get(f"/api/v1/families/{family.id}")
    assert _db.session.query(SharingLogEntry).filter_by(family_id=family.id).count() == 1


def test_action_overdue_is_raised_low_then_medium_and_resolves_when_done(app, api, worker, family, teacher):
    ids = team_around(family, teacher.email)
    action = _db.session.get(MeetingAction, ids["action_id"])
    due = action.due_on
    run_sweep(_db.session, sweep_time(due))
    _db.session.commit()
    assert _db.session.query(Flag).filter_by(rule="action_overdue").count() == 0  # due today: not yet late
    run_sweep(_db.session, sweep_time(due + dt.timedelta(days=1)))
    _db.session.commit()
    flag = _db.session.query(Flag).filter_by(rule="action_overdue").one()
    assert flag.severity == "low" and flag.subject_key == f"action:{action.id}"
    run_sweep(_db.session, sweep_time(due + dt.timedelta(days=14)))
    _db.session.commit()
    _db.session.refresh(flag)
    assert flag.severity == "medium"
    assert api(teacher).patch(f"/api/v1/actions/{action.id}", json={"status": "done"}).status_code == 200
    _db.session.refresh(flag)
    assert flag.status == "resolved"


def test_meetings_and_done_actions_are_in_the_chronology(api, worker, family, teacher):
    ids = team_around(family, teacher.email)
    _db.session.commit()
    api(teacher).patch(f"/api/v1/actions/{ids['action_id']}", json={"status": "done"})
    items = api(worker).get(f"/api/v1/families/{family.id}/chronology?kind=meeting").get_json()["items"]
    summaries = [item["summary"] for item in items]
    assert summaries[0] == "Action done: Breakfast club"
    assert summaries[1].startswith("Team Around the Family meeting (Hillside Primary): 1 action(s) agreed")


def test_the_sharing_log_is_part_of_the_subject_access_export(api, manager, family, teacher):
    team_around(family, teacher.email)
    _db.session.commit()
    api(teacher).get(f"/api/v1/families/{family.id}")
    export = api(manager).get(f"/api/v1/families/{family.id}/subject-access").get_json()
    section = export["team_around_the_family"]
    assert [p["agency"] for p in section["partners"]] == ["Hillside Primary"]
    assert len(section["sharing_log"]) == 1 and section["consents"][0]["scope"] == ["plan", "meetings"]
    redacted = api(manager).get(f"/api/v1/families/{family.id}/subject-access?redact=1").get_json()
    assert redacted["team_around_the_family"]["partners"][0]["contact_name"] != "Tess Teacher"


def test_actions_due_within_7_days_remind_their_owner(api, worker, family, teacher):
    ids = team_around(family, teacher.email)
    action = _db.session.get(MeetingAction, ids["action_id"])
    action.meeting.actions.append(MeetingAction(family_id=family.id, owner_user_id=worker.id, action="Plan update",
                                                due_on=action.due_on))
    _db.session.commit()
    run_sweep(_db.session, sweep_time(action.due_on - dt.timedelta(days=8)))
    assert _db.session.query(Notification).filter_by(kind="action_due").count() == 0
    run_sweep(_db.session, sweep_time(action.due_on - dt.timedelta(days=7)))
    run_sweep(_db.session, sweep_time(action.due_on - dt.timedelta(days=3)))  # once only
    _db.session.commit()
    notes = _db.session.query(Notification).filter_by(kind="action_due").all()
    assert sorted(n.user_id for n in notes) == sorted([teacher.id, worker.id])
    assert all(family.reference in n.message and family.household_name not in n.message for n in notes)
    listed = api(teacher).get("/api/v1/notifications").get_json()["items"]
    assert [n["kind"] for n in listed] == ["action_due"]


def test_the_local_area_report_counts_step_downs(api, worker, manager, today):
    month = today.replace(day=1) - dt.timedelta(days=1)
    start = month.replace(day=1)
    for _ in range(6):
        factories.FamilyFactory(worker=worker, referral_source="social_care_step_down", referral_date=start,
                                opened_on=start)
    factories.FamilyFactory(worker=worker, referral_source="school", referral_date=start, opened_on=start)
    _db.session.commit()
    report = api(manager).get(f"/api/v1/reports/local-area?from={start}&to={month}").get_json()
    assert report["stepped_down_from_social_care"] == 6


def test_a_partner_can_be_the_lead_practitioner(api, client, login, worker, family):
    caller = api(worker)
    assert add_partner(caller, family)["lead"] is False
    page = login(worker).get(f"/families/{family.id}").get_data(as_text=True)
    assert "Lead practitioner: Wendy Worker (the family worker)" in page
    school = caller.post(f"/api/v1/families/{family.id}/partners", json={
        "agency": "Hillside Primary", "kind": "school", "contact_name": "Hana Head", "lead": True}).get_json()
    assert school["lead"] is True
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Lead practitioner: Hana Head, Hillside Primary" in page
    caller.post(f"/api/v1/families/{family.id}/partners", json={
        "agency": "Health", "kind": "health_visitor", "contact_name": "Hal Visitor", "lead": True})
    leads = [p["contact_name"] for p in caller.get(f"/api/v1/families/{family.id}/partners").get_json()["items"]
             if p["lead"]]
    assert leads == ["Hal Visitor"]


# --- the sharing log of a partner's list of families ----------------------------------------------


def shared_with(teacher, worker, count: int):
    """``count`` families shared with ``teacher``, each with a meeting and an action."""
    families = [factories.FamilyFactory(worker=worker) for _ in range(count)]
    for family in families:
        team_around(family, teacher.email)
    _db.session.commit()
    return families


def list_reads(family_ids) -> dict[int, int]:
    rows = _db.session.query(SharingLogEntry.family_id).filter(
        SharingLogEntry.what == partner_service.LIST_READ, SharingLogEntry.family_id.in_(family_ids)).all()
    return {family_id: sum(1 for (row,) in rows if row == family_id) for family_id in family_ids}


def test_reading_the_list_again_the_same_day_logs_each_family_once(api, worker, teacher):
    families = shared_with(teacher, worker, 3)
    ids = [f.id for f in families]
    reader = api(teacher)
    for _ in range(3):
        assert reader.get("/api/v1/families").get_json()["total"] == 3
    assert list_reads(ids) == {family_id: 1 for family_id in ids}
    # Reading a family itself is logged every time.
    reader.get(f"/api/v1/families/{ids[0]}")
    reader.get(f"/api/v1/families/{ids[0]}")
    assert _db.session.query(SharingLogEntry).filter(
        SharingLogEntry.family_id == ids[0], SharingLogEntry.what != partner_service.LIST_READ).count() == 2


def test_a_list_read_is_logged_again_on_the_next_local_day(app, db, worker, teacher):
    """The day is London's: 23:59:59 and 00:00:00 (BST) are two days, and two rows."""
    [family] = shared_with(teacher, worker, 1)
    zone = service_zone()
    late = dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=zone)
    for now in (late - dt.timedelta(hours=20), late, late + dt.timedelta(seconds=1)):
        found = partner_service.shared_families(db.session, teacher, now)
        partner_service.log_list_read(db.session, teacher, found, now)
        db.session.commit()
    assert list_reads([family.id]) == {family.id: 2}


def test_the_partner_list_runs_the_same_queries_for_one_family_or_many(api, worker, teacher):
    """Finding the families, their children and workers, and logging the reads: a bound that
    does not grow with the families (one bulk insert, not a query per family)."""
    shared_with(teacher, worker, 1)
    reader = api(teacher)
    with count_queries() as one:
        assert reader.get("/api/v1/families").get_json()["total"] == 1
    shared_with(teacher, worker, 5)
    reader = api(teacher)
    with count_queries() as six:
        assert reader.get("/api/v1/families").get_json()["total"] == 6
    assert len(six) == len(one), "\n".join(s[:150] for s in six)


# --- a summary of reviews (consent scope reviews_summary) ----------------------------------------


def held_reviews(family, worker):
    for days, decision in ((20, "continue"), (5, "continue")):
        factories.ReviewFactory(family=family, held_on=family.opened_on + dt.timedelta(days=days), decision=decision,
                                notes="Mum said the evenings are hard.", attendees="Dana", recorded_by=worker)
    _db.session.commit()


def test_a_partner_with_reviews_summary_sees_each_review_held_and_its_decision_only(api, worker, family, teacher):
    client = api(worker)
    give_consent(client, family, [add_partner(client, family)["id"]], scope=["reviews_summary"])
    held_reviews(family, worker)
    record = api(teacher).get(f"/api/v1/families/{family.id}").get_json()
    assert record["shared"] == ["reviews_summary"]
    assert record["reviews"] == [  # newest first
        {"held_on": (family.opened_on + dt.timedelta(days=20)).isoformat(), "decision": "continue"},
        {"held_on": (family.opened_on + dt.timedelta(days=5)).isoformat(), "decision": "continue"}]
    assert "goals" not in record and "meetings" not in record
    assert "evenings" not in str(record)


def test_without_reviews_summary_a_partner_sees_no_reviews(api, worker, family, teacher):
    client = api(worker)
    give_consent(client, family, [add_partner(client, family)["id"]], scope=["plan", "meetings"])
    held_reviews(family, worker)
    record = api(teacher).get(f"/api/v1/families/{family.id}").get_json()
    assert "reviews" not in record
    assert api(teacher).get(f"/api/v1/families/{family.id}/reviews").status_code == 403


# --- the receiving service's reference on a step-up handoff --------------------------------------


def record_reference(client, family, **body):
    return client.post(f"/api/v1/families/{family.id}/handoff/reference", json=body)


def test_the_receiving_services_reference_is_recorded_on_the_handoff(api, worker, manager, family):
    response = record_reference(api(worker), family, reference="  CSC-98765 ")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["reference"] == "CSC-98765"
    assert answer["recorded_by"] == {"id": worker.id, "name": worker.name}
    package = api(manager).get(f"/api/v1/families/{family.id}/handoff").get_json()
    assert package["receiving_reference"]["reference"] == "CSC-98765"
    # A correction: the latest is the reference.
    assert record_reference(api(manager), family, reference="CSC-98766").status_code == 200
    package = api(worker).get(f"/api/v1/families/{family.id}/handoff").get_json()
    assert package["receiving_reference"]["reference"] == "CSC-98766"
    assert package["receiving_reference"]["recorded_by"]["id"] == manager.id


def test_a_handoff_without_a_reference_says_so(api, worker, family):
    assert api(worker).get(f"/api/v1/families/{family.id}/handoff").get_json()["receiving_reference"] is None


@pytest.mark.parametrize("body", [{}, {"reference": "   "}, {"reference": "X" * 61}, {"reference": 5}])
def test_a_reference_is_checked(api, worker, family, body):
    response = record_reference(api(worker), family, **body)
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"reference"}
    assert api(worker).get(f"/api/v1/families/{family.id}/handoff").get_json()["receiving_reference"] is None


def test_a_family_stepped_up_takes_its_reference_after_closing_and_another_closed_family_does_not(
        no_approval, api, worker, manager, family, today):
    calls = api(manager)
    closed = calls.post(f"/api/v1/families/{family.id}/reviews",
                        json={"held_on": today.isoformat(), "decision": "step_up", "reason": "step_up"})
    assert closed.status_code == 201, closed.get_json()
    assert record_reference(calls, family, reference="CSC-1").status_code == 200
    other = factories.FamilyFactory(worker=worker)
    _db.session.commit()
    calls.post(f"/api/v1/families/{other.id}/phase",
               json={"phase": "closed", "date": today.isoformat(), "reason": "step_down"})
    refused = record_reference(calls, other, reference="CSC-2")
    assert refused.status_code == 422 and "closed" in refused.get_json()["error"]


def test_only_the_familys_worker_and_manager_record_the_reference(api, worker, outsider, admin, family, teacher):
    assert record_reference(api(outsider), family, reference="CSC-1").status_code == 404
    assert record_reference(api(admin), family, reference="CSC-1").status_code == 403
    assert record_reference(api(teacher), family, reference="CSC-1").status_code == 404


# --- consent: edge cases --------------------------------------------------------------------------


def test_a_consent_naming_two_partners_stays_for_one_when_the_others_separate_consent_is_withdrawn(
        api, worker, family, teacher):
    """The school and the nurse are both named by one consent (the plan); the school is also
    named by a separate consent (meetings), which is withdrawn: the school keeps the plan and
    loses meetings; the nurse is untouched."""
    nurse = factories.UserFactory(role="partner", team=None, email="nurse@health.example.org")
    client = api(worker)
    school = add_partner(client, family)
    nurse_record = add_partner(client, family, email="Nurse@Health.example.org", kind="school_nurse", agency="Health")
    give_consent(client, family, [school["id"], nurse_record["id"]], scope=["plan"])
    separate = give_consent(client, family, [school["id"]], scope=["meetings"])
    assert api(teacher).get(f"/api/v1/families/{family.id}").get_json()["shared"] == ["meetings", "plan"]
    client.post(f"/api/v1/consents/{separate['id']}/withdraw", json={"date": dt.date.today().isoformat()})
    for reader in (teacher, nurse):
        record = api(reader).get(f"/api/v1/families/{family.id}").get_json()
        assert record["shared"] == ["plan"] and "meetings" not in record, reader.email


@pytest.mark.parametrize("expires_on", [dt.date(2026, 1, 31), dt.date(2026, 6, 30)], ids=["GMT", "BST"])
def test_consent_lasts_to_the_last_second_of_its_end_date_in_london(db, worker, family, teacher, expires_on):
    team_around(family, teacher.email)
    consent = db.session.query(Consent).one()
    consent.given_on, consent.expires_on = family.opened_on - dt.timedelta(days=400), expires_on
    db.session.commit()
    midnight = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time(0), tzinfo=service_zone())
    before, after = midnight - dt.timedelta(seconds=1), midnight
    assert family.id in partner_service.partner_access(db.session, teacher, before)
    assert consent_status(consent, before) == "active"
    assert family.id not in partner_service.partner_access(db.session, teacher, after)
    assert consent_status(consent, after) == "expired"
    # The same instants in UTC: an hour apart from London's in summer, none in winter.
    assert consent_status(consent, after.astimezone(dt.UTC)) == "expired"
    assert consent_status(consent, before.astimezone(dt.UTC)) == "active"


def test_the_same_email_in_two_families_and_a_withdrawal_in_one_leaves_the_other(api, worker, colleague, family,
                                                                               teacher):
    second = factories.FamilyFactory(worker=colleague)
    _db.session.commit()
    first = give_consent(api(worker), family, [add_partner(api(worker), family)["id"]], scope=["plan"])
    give_consent(api(colleague), second, [add_partner(api(colleague), second, email="TESS@hillside.example.org")["id"]],
                 scope=["meetings"])
    reader = api(teacher)
    assert {f["id"] for f in reader.get("/api/v1/families").get_json()["items"]} == {family.id, second.id}
    api(worker).post(f"/api/v1/consents/{first['id']}/withdraw", json={"date": dt.date.today().isoformat()})
    listed = reader.get("/api/v1/families").get_json()
    assert [f["id"] for f in listed["items"]] == [second.id] and listed["total"] == 1
    assert reader.get(f"/api/v1/families/{family.id}").status_code == 404
    assert reader.get(f"/api/v1/families/{second.id}").get_json()["shared"] == ["meetings"]


# --- a partner's e-mail: what the document says is what the server takes -------------------------


@pytest.mark.parametrize("email, kept", [("nurse@school.local", "nurse@school.local"),
                                         ("Tess.O'Neil+taf@hillside.test", "Tess.O'Neil+taf@hillside.test"),
                                         ("0@A.COM", "0@A.COM"), ("", None), ("  ", None)])
def test_a_partner_email_the_document_accepts_is_accepted(api, worker, family, client, email, kept):
    """The schemathesis contract check found an e-mail of format "email" (a reserved domain)
    that the server refused: the document now states the server's own rule, a pattern, which
    takes nothing as no e-mail (the field is optional)."""
    pattern = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["PartnerInput"][
        "properties"]["email"]["pattern"]
    assert re.fullmatch(pattern, email)
    assert add_partner(api(worker), family, email=email)["email"] == kept


@pytest.mark.parametrize("email", ["a..b@c.com", "no-at-sign", "a@b", "a b@c.com"])
def test_a_partner_email_the_document_refuses_is_refused(api, worker, family, client, email):
    pattern = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["PartnerInput"][
        "properties"]["email"]["pattern"]
    assert not re.fullmatch(pattern, email)
    response = api(worker).post(f"/api/v1/families/{family.id}/partners", json={
        "agency": "School", "kind": "school", "contact_name": "Tess", "email": email})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"email"}
