"""Reviews through the API: those held and when the next falls due."""
import datetime as dt

from casework.models import Review

from .test_api_auth import assert_error


def test_reviews_and_the_next_due(api, db, worker, family, today):
    calls = api(worker)
    url = f"/api/v1/families/{family.id}/reviews"
    body = calls.get(url).get_json()
    assert body == {"items": [], "next_due": (family.opened_on + dt.timedelta(days=42)).isoformat()}
    held = today - dt.timedelta(days=3)
    db.session.add(Review(family=family, held_on=held - dt.timedelta(days=20), decision="continue",
                          notes="First review", recorded_by=worker))
    db.session.add(Review(family=family, held_on=held, decision="continue", notes="Going well",
                          recorded_by=worker))
    db.session.commit()
    body = calls.get(url).get_json()
    assert body["next_due"] == (held + dt.timedelta(days=42)).isoformat()
    assert [r["held_on"] for r in body["items"]] == [held.isoformat(), (held - dt.timedelta(days=20)).isoformat()]
    assert body["items"][0]["decision"] == "continue"
    assert body["items"][0]["recorded_by"] == {"id": worker.id, "name": "Wendy Worker"}


def test_a_closed_family_has_no_review_due(api, manager, family, today):
    calls = api(manager)
    calls.post(f"/api/v1/families/{family.id}/phase",
               json={"phase": "closed", "date": today.isoformat(), "reason": "step_down"})
    assert calls.get(f"/api/v1/families/{family.id}/reviews").get_json()["next_due"] is None


def test_who_may_see_reviews(api, colleague, outsider, admin, manager, family):
    url = f"/api/v1/families/{family.id}/reviews"
    assert_error(api(colleague).get(url), 404)
    assert_error(api(outsider).get(url), 404)
    assert_error(api(admin).get(url), 403)
    assert api(manager).get(url).status_code == 200
