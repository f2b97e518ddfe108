"""Reallocation tells everyone, and old links explain: the previous worker is told; an old
notification's link to a family the reader may no longer see explains that it moved (without
any detail), and answers 404 to anyone never told about it; the notifications page names the
household of the reader's own families, while stored messages stay reference-only."""
from __future__ import annotations

from casework.extensions import db as _db
from casework.models import Notification, Transfer

from . import factories
from .helpers import assert_error, page_text, signed_in


def kinds(calls) -> list[tuple[str, int, str]]:
    return [(item["kind"], item["family_id"], item["message"])
            for item in calls.get("/api/v1/notifications").get_json()["items"]]


def test_the_previous_worker_is_told_through_the_api(api, worker, colleague, manager, family):
    response = api(manager).post(f"/api/v1/families/{family.id}/allocation",
                                 json={"worker_id": colleague.id, "reason": "Wendy is on long leave."})
    assert response.status_code == 200
    assert response.get_json()["worker"] == {"id": colleague.id, "name": colleague.name}
    [(kind, family_id, message)] = kinds(api(worker))
    assert (kind, family_id) == ("family_reallocated", family.id)
    assert family.reference in message and family.household_name not in message
    assert [k for k, *_ in kinds(api(colleague))] == ["allocated"]


def test_leaving_a_family_unallocated_tells_its_worker_too(api, worker, manager, family):
    response = api(manager).post(f"/api/v1/families/{family.id}/allocation",
                                 json={"worker_id": None, "reason": "Waiting list"})
    assert response.status_code == 200 and response.get_json()["worker"] is None
    assert [k for k, *_ in kinds(api(worker))] == ["family_reallocated"]


def test_allocating_an_unallocated_family_tells_no_previous_worker(api, colleague, manager, team):
    family = factories.FamilyFactory(worker=None, team=team)
    api(manager).post(f"/api/v1/families/{family.id}/allocation", json={"worker_id": colleague.id, "reason": "Leave"})
    _db.session.expire_all()
    assert _db.session.query(Notification).filter_by(kind="family_reallocated").count() == 0


def test_the_previous_worker_is_told_from_the_allocation_page(login, api, worker, colleague, manager, family):
    response = login(manager).post(f"/families/{family.id}/allocate", data={
        "worker_id": str(colleague.id), "reason": "Closer to the family's home.", "version": str(family.version)})
    assert response.status_code == 302
    assert [k for k, *_ in kinds(api(worker))] == ["family_reallocated"]


def test_a_transfer_accepted_tells_the_worker_who_held_the_family(api, worker, outsider, other_team, manager,
                                                                 family):
    other_manager = factories.UserFactory(team=other_team, role="manager", email="otto@example.org")
    transfer = Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=other_team.id,
                        requested_by_id=manager.id, reason="The family moved south.")
    _db.session.add(transfer)
    _db.session.commit()
    response = api(other_manager).post(f"/api/v1/transfers/{transfer.id}/accept", json={"worker_id": outsider.id})
    assert response.status_code == 200
    assert [k for k, *_ in kinds(api(worker))] == ["family_reallocated"]


def test_an_old_link_explains_the_family_moved_without_any_detail(app, api, worker, colleague, manager, family):
    api(manager).post(f"/api/v1/families/{family.id}/allocation", json={"worker_id": colleague.id, "reason": "Leave"})
    response = signed_in(app, worker).get(f"/families/{family.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert f"{family.reference} is now with another worker or team" in text
    for detail in (family.household_name, "Amy", "Ben", family.postcode, colleague.name):
        assert detail not in text, detail
    # The record's own pages stay out of reach.
    assert signed_in(app, worker).get(f"/families/{family.id}/chronology").status_code == 404
    assert_error(api(worker).get(f"/api/v1/families/{family.id}"), 404)


def test_the_link_in_the_notifications_list_leads_there(app, api, worker, colleague, manager, family):
    api(manager).post(f"/api/v1/families/{family.id}/allocation", json={"worker_id": colleague.id, "reason": "Leave"})
    client = signed_in(app, worker)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/families/{family.id}"' in page
    assert "now with another worker or team" in page_text(client.get(f"/families/{family.id}"))


def test_a_family_never_notified_about_is_still_404(app, worker, colleague, outsider, family):
    # A colleague of the same team, and a worker of another team, were never told about it.
    assert signed_in(app, colleague).get(f"/families/{family.id}").status_code == 404
    assert signed_in(app, outsider).get(f"/families/{family.id}").status_code == 404
    # Someone else's notification about it changes nothing for them.
    _db.session.add(Notification(user=worker, kind="allocated", family_id=family.id, key="someone-else",
                                 message=f"{family.reference} has been allocated to you.",
                                 created_on=family.opened_on))
    _db.session.commit()
    assert signed_in(app, colleague).get(f"/families/{family.id}").status_code == 404
    assert signed_in(app, colleague).get("/families/999999").status_code == 404


def test_the_notifications_page_names_the_households_of_the_readers_own_families(app, api, worker, colleague,
                                                                                manager, family, today):
    mine = factories.FamilyFactory(worker=worker, household_name="Okafor household")
    moved = factories.FamilyFactory(worker=worker, household_name="Lindqvist household")
    for fam in (mine, moved):
        _db.session.add(Notification(user=worker, kind="review_due", family_id=fam.id, key=f"due:{fam.id}",
                                     message=f"A review for {fam.reference} is due soon.", created_on=today))
    _db.session.commit()
    api(manager).post(f"/api/v1/families/{moved.id}/allocation", json={"worker_id": colleague.id, "reason": "Leave"})
    text = page_text(signed_in(app, worker).get("/notifications"))
    assert "Okafor household" in text and mine.reference in text
    assert "Lindqvist household" not in text and moved.reference in text
    # What is stored (and may be e-mailed) stays reference-only.
    for item in api(worker).get("/api/v1/notifications").get_json()["items"]:
        assert "household" not in item["message"]
