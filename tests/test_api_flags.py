"""Flags through the API: who sees which, acknowledging and resolving, and the open flags on
the family record and the family list."""
import datetime as dt

import pytest

from . import factories
from .helpers import _count_queries, assert_error, raise_flag

FLAG_FIELDS = {"id", "family_id", "rule", "severity", "message", "raised_at", "status",
               "acknowledged_at", "resolved_at", "resolution"}


@pytest.fixture
def flagged(db, worker, colleague, outsider, family, today):
    """Flags on the worker's family (open, acknowledged, resolved), on a colleague's family and
    on another team's family."""
    colleagues = factories.FamilyFactory(worker=colleague)
    outsiders = factories.FamilyFactory(worker=outsider)
    flags = dict(
        open=raise_flag(family, "goal_stalled", "medium", days_ago=5),
        high=raise_flag(family, "child_not_seen", "high", days_ago=1),
        acknowledged=raise_flag(family, "review_overdue", "low", status="acknowledged", days_ago=9),
        resolved=raise_flag(family, "no_access", "high", status="resolved", resolution="Seen at school.",
                            resolved_on=today),
        colleagues=raise_flag(colleagues, "phase_overrun", "low"),
        outsiders=raise_flag(outsiders, "no_access", "high"),
    )
    db.session.commit()
    return flags, colleagues, outsiders


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- listing ----------------------------------------------------------------------------------


def test_a_worker_sees_their_families_flags(api, worker, flagged):
    flags, *_ = flagged
    response = api(worker).get("/api/v1/flags")
    # Open before resolved; most severe first; oldest first within a severity.
    assert ids(response) == [flags[k].id for k in ("high", "open", "acknowledged", "resolved")]
    item = response.get_json()["items"][0]
    assert set(item) >= FLAG_FIELDS
    assert (item["rule"], item["severity"], item["status"]) == ("child_not_seen", "high", "open")
    assert item["acknowledged_at"] is None and item["resolved_at"] is None and item["resolution"] is None
    assert dt.datetime.fromisoformat(item["raised_at"]).tzinfo is not None


def test_open_includes_acknowledged_and_resolved_is_apart(api, worker, flagged):
    flags, *_ = flagged
    calls = api(worker)
    assert ids(calls.get("/api/v1/flags?status=open")) == [flags[k].id for k in ("high", "open", "acknowledged")]
    assert ids(calls.get("/api/v1/flags?status=resolved")) == [flags["resolved"].id]
    assert calls.get("/api/v1/flags?status=resolved").get_json()["items"][0]["resolution"] == "Seen at school."


def test_a_manager_sees_the_teams_flags_and_no_other(api, manager, family, flagged, other_team):
    flags, colleagues, outsiders = flagged
    seen = set(ids(api(manager).get("/api/v1/flags?status=open")))
    assert seen == {flags[k].id for k in ("high", "open", "acknowledged", "colleagues")}
    assert ids(api(manager).get(f"/api/v1/flags?family_id={colleagues.id}")) == [flags["colleagues"].id]
    assert ids(api(manager).get(f"/api/v1/flags?family_id={outsiders.id}")) == []
    other_manager = factories.UserFactory(team=other_team, role="manager")
    assert ids(api(other_manager).get("/api/v1/flags")) == [flags["outsiders"].id]


def test_the_family_filter_stays_in_scope(api, worker, family, flagged):
    flags, colleagues, _ = flagged
    calls = api(worker)
    assert len(ids(calls.get(f"/api/v1/flags?family_id={family.id}"))) == 4
    assert ids(calls.get(f"/api/v1/flags?family_id={colleagues.id}")) == []


@pytest.mark.parametrize("query", ["status=closed", "status=OPEN", "family_id=x", "family_id=0", "family_id=-3"])
def test_bad_flag_filters_answer_422(api, worker, query):
    body = assert_error(api(worker).get(f"/api/v1/flags?{query}"), 422)
    assert query.split("=")[0] in body["fields"]


def test_an_admin_has_no_flags(api, admin):
    assert_error(api(admin).get("/api/v1/flags"), 403)


# --- acknowledging and resolving -----------------------------------------------------------------


def test_a_worker_acknowledges_a_flag(api, worker, flagged):
    flags, *_ = flagged
    calls = api(worker)
    response = calls.post(f"/api/v1/flags/{flags['open'].id}/acknowledge")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "acknowledged" and body["acknowledged_at"] is not None
    # Still open; acknowledging again changes nothing.
    assert flags["open"].id in ids(calls.get("/api/v1/flags?status=open"))
    again = calls.post(f"/api/v1/flags/{flags['open'].id}/acknowledge", json={})
    assert again.get_json()["acknowledged_at"] == body["acknowledged_at"]
    body = assert_error(calls.post(f"/api/v1/flags/{flags['resolved'].id}/acknowledge"), 422)
    assert "resolved" in body["error"]


def test_who_may_acknowledge(api, colleague, outsider, admin, manager, flagged):
    flags, *_ = flagged
    path = f"/api/v1/flags/{flags['open'].id}/acknowledge"
    assert_error(api(colleague).post(path), 404)
    assert_error(api(outsider).post(path), 404)
    assert_error(api(admin).post(path), 403)
    assert_error(api(colleague).post("/api/v1/flags/999999/acknowledge"), 404)
    assert api(manager).post(path).status_code == 200


def test_a_manager_resolves_a_flag_with_a_note(api, manager, worker, flagged):
    flags, *_ = flagged
    path = f"/api/v1/flags/{flags['high'].id}/resolve"
    calls = api(manager)
    assert "note" in assert_error(calls.post(path), 422)["fields"]
    assert "note" in assert_error(calls.post(path, json={"note": "   "}), 422)["fields"]
    assert_error(calls.post(path, json={"note": {"text": "x"}}), 400)
    response = calls.post(path, json={"note": "Discussed in supervision; school will check daily."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["resolution"]) == ("resolved", "Discussed in supervision; school will check daily.")
    assert body["resolved_at"] is not None
    assert_error(calls.post(path, json={"note": "Again"}), 422)
    assert flags["high"].id in ids(api(worker).get("/api/v1/flags?status=resolved"))


def test_who_may_resolve(api, worker, colleague, outsider, admin, flagged, other_team):
    flags, *_ = flagged
    path = f"/api/v1/flags/{flags['open'].id}/resolve"
    body = {"note": "done"}
    assert_error(api(worker).post(path, json=body), 403)  # their own family's flag
    assert_error(api(colleague).post(path, json=body), 404)
    assert_error(api(outsider).post(path, json=body), 404)
    assert_error(api(factories.UserFactory(team=other_team, role="manager")).post(path, json=body), 404)
    assert_error(api(admin).post(path, json=body), 403)


# --- open flags on families -----------------------------------------------------------------------


def test_the_family_record_carries_its_open_flags(api, worker, family, flagged):
    flags, *_ = flagged
    body = api(worker).get(f"/api/v1/families/{family.id}").get_json()
    assert [f["id"] for f in body["open_flags"]] == [flags[k].id for k in ("high", "open", "acknowledged")]
    assert all(set(f) >= FLAG_FIELDS for f in body["open_flags"])
    listed = api(worker).get("/api/v1/flags?status=open").get_json()["items"]
    assert body["open_flags"] == listed


def test_the_family_list_carries_open_flags_without_a_query_per_family(api, db, manager, team, flagged):
    flags, colleagues, _ = flagged
    calls = api(manager)
    items = {item["id"]: item for item in calls.get("/api/v1/families").get_json()["items"]}
    assert [f["id"] for f in items[colleagues.id]["open_flags"]] == [flags["colleagues"].id]
    db.session.expire_all()
    few = _count_queries(db, lambda: calls.get("/api/v1/families"))
    worker = factories.UserFactory(team=team)
    for _ in range(8):
        raise_flag(factories.FamilyFactory(worker=worker), "no_access", "medium")
    db.session.commit()
    db.session.expire_all()
    assert _count_queries(db, lambda: calls.get("/api/v1/families")) == few
