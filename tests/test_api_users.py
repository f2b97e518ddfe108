"""The admin API for accounts and teams (provisioning from an HR system) and the caller's own
password: the same rules as the pages (tests/test_provisioning.py)."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent, LoginAttempt, Notification, Team, User
from casework.services import accounts

from . import factories
from .conftest import PASSWORD
from .helpers import assert_error, signed_in

NEW_PASSWORD = "tangerine lighthouse quietly orbits"
USER_KEYS = {"id", "email", "name", "role", "team", "agency", "status", "totp_enabled"}


def nia(team, **changes):
    return {"email": "Nia@Example.org", "name": "Nia New", "role": "worker", "team_id": team.id, **changes}


def choose_password(client, setup_url, password=NEW_PASSWORD):
    path = urlsplit(setup_url).path
    return client.post(path, data={"password": password, "password_confirm": password})


def token_answer(client, email, password=NEW_PASSWORD):
    return client.post("/api/v1/tokens", json={"email": email, "password": password})


def test_an_admin_adds_a_worker_who_is_pending_until_confirmed(client, api, admin, manager, team):
    created = api(admin).post("/api/v1/users", json=nia(team, agency="Leeds City Council"))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body) == USER_KEYS | {"setup_url"}
    assert body["email"] == "nia@example.org" and body["status"] == "pending"
    assert body["team"] == {"id": team.id, "name": "North"} and body["agency"] == "Leeds City Council"
    assert body["totp_enabled"] is False and body["setup_url"].startswith("http")
    # A pending user can already choose a password, but gets no token.
    assert choose_password(client, body["setup_url"]).status_code == 303
    refused = assert_error(token_answer(client, "nia@example.org"), 403)
    assert "waiting for a manager" in refused["error"]
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == manager.id)) == "account_pending"
    # Her manager confirms her; then she gets a token.
    confirmed = api(manager).post(f"/api/v1/users/{body['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "active"
    assert token_answer(client, "nia@example.org").status_code == 201


def test_an_admin_adds_a_partner_of_another_agency(api, admin, team):
    caller = api(admin)
    partner = caller.post("/api/v1/users", json={"email": "tess@hillside.example.org", "name": "Tess Teacher",
                                                 "role": "partner", "agency": "Hillside Primary"})
    assert partner.status_code == 201, partner.get_json()
    body = partner.get_json()
    assert (body["role"], body["agency"], body["team"], body["status"]) == ("partner", "Hillside Primary", None,
                                                                            "active")
    no_agency = caller.post("/api/v1/users", json={"email": "x@example.org", "name": "X", "role": "partner"})
    assert no_agency.status_code == 422 and "agency" in no_agency.get_json()["fields"]
    in_a_team = caller.post("/api/v1/users", json={"email": "y@example.org", "name": "Y", "role": "partner",
                                                   "agency": "GP", "team_id": team.id})
    assert in_a_team.status_code == 422 and "team_id" in in_a_team.get_json()["fields"]


def test_a_manager_is_pending_and_an_admin_active(api, admin, team):
    caller = api(admin)
    manager = caller.post("/api/v1/users", json=nia(team, role="manager", email="mo@example.org"))
    assert manager.status_code == 201 and manager.get_json()["status"] == "pending"
    other = caller.post("/api/v1/users", json={"email": "ari@example.org", "name": "Ari Admin", "role": "admin"})
    assert other.status_code == 201 and other.get_json()["status"] == "active" and other.get_json()["team"] is None


@pytest.mark.parametrize("changes, field", [
    ({"email": "not an address"}, "email"),
    ({"email": "WENDY@example.org"}, "email"),
    ({"name": "  "}, "name"),
    ({"role": "superuser"}, "role"),
    ({"role": None}, "role"),
    ({"team_id": None}, "team_id"),
    ({"team_id": 999}, "team_id"),
    ({"team_id": "North"}, "team_id"),
    ({"agency": "x" * 121}, "agency"),
])
def test_a_bad_account_is_refused_naming_the_field(api, admin, worker, team, changes, field):
    answer = api(admin).post("/api/v1/users", json=nia(team, **changes))
    assert field in assert_error(answer, 422)["fields"]
    assert db.session.scalar(select(User).where(User.email != worker.email, User.email != admin.email)) is None


def test_a_body_of_the_wrong_shape_is_400(api, admin, team):
    assert_error(api(admin).post("/api/v1/users", json=nia(team, name=["Nia"])), 400)


def test_only_admins_manage_accounts(api, worker, manager, colleague):
    for who in (worker, manager):
        caller = api(who)
        assert_error(caller.get("/api/v1/users"), 403)
        assert_error(caller.post("/api/v1/users", json={"email": "x@example.org"}), 403)
        assert_error(caller.post(f"/api/v1/users/{colleague.id}/password-reset"), 403)
        assert_error(caller.post(f"/api/v1/users/{colleague.id}/deactivate"), 403)
        assert_error(caller.get("/api/v1/teams"), 403)
        assert_error(caller.post("/api/v1/teams", json={"name": "East"}), 403)


def test_the_list_filters_by_team_role_and_status(api, admin, worker, manager, other_team, team):
    caller = api(admin)
    caller.post("/api/v1/users", json=nia(team))
    factories.UserFactory(team=other_team, email="oscar@example.org", name="Oscar")
    factories.UserFactory(team=team, email="gone@example.org", name="Gone", active=False)
    everyone = caller.get("/api/v1/users").get_json()["items"]
    assert [u["name"] for u in everyone] == ["Ada Admin", "Gone", "Mina Manager", "Nia New", "Oscar", "Wendy Worker"]
    assert all(set(u) == USER_KEYS for u in everyone)

    def names(**query):
        answer = caller.get("/api/v1/users", query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return [u["name"] for u in answer.get_json()["items"]]

    assert names(team_id=team.id) == ["Gone", "Mina Manager", "Nia New", "Wendy Worker"]
    assert names(role="manager") == ["Mina Manager"]
    assert names(status="pending") == ["Nia New"]
    assert names(status="deactivated") == ["Gone"]
    assert names(status="active", team_id=team.id, role="worker") == ["Wendy Worker"]
    for bad in ({"team_id": "North"}, {"role": "boss"}, {"status": "asleep"}, {"team_id": "0"}):
        assert list(assert_error(caller.get("/api/v1/users", query_string=bad), 422)["fields"]) == list(bad)


def test_who_may_confirm(api, admin, worker, manager, other_team, team):
    nia_id = api(admin).post("/api/v1/users", json=nia(team)).get_json()["id"]
    other_manager = factories.UserFactory(team=other_team, role="manager", email="otto@example.org")
    for who in (admin, worker, other_manager):
        assert_error(api(who).post(f"/api/v1/users/{nia_id}/confirm"), 403)
    assert_error(api(manager).post("/api/v1/users/99999/confirm"), 404)
    assert api(manager).post(f"/api/v1/users/{nia_id}/confirm").status_code == 200
    assert_error(api(manager).post(f"/api/v1/users/{nia_id}/confirm"), 409)  # nothing left to confirm


def test_a_team_without_a_manager_is_confirmed_by_another_admin(api, admin, other_team):
    other_admin = factories.UserFactory(team=None, role="admin", email="ari@example.org")
    nia_id = api(admin).post("/api/v1/users", json=nia(other_team)).get_json()["id"]
    assert_error(api(admin).post(f"/api/v1/users/{nia_id}/confirm"), 403)
    confirmed = api(other_admin).post(f"/api/v1/users/{nia_id}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "active"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_confirmed"))
    assert (audit.user_id, audit.record_id, audit.detail["requested_by"]) == (other_admin.id, nia_id, admin.id)


def test_a_password_reset_ends_everything_and_gives_a_link(client, app, api, admin, worker, manager):
    theirs = api(worker)
    browser = signed_in(app, worker)
    answer = api(admin).post(f"/api/v1/users/{worker.id}/password-reset")
    assert answer.status_code == 202
    body = answer.get_json()
    assert body["emailed"] is False and "/setup/" in body["setup_url"]
    assert_error(theirs.get("/api/v1/me"), 401)
    assert browser.get("/account/password").status_code == 302
    assert_error(token_answer(client, worker.email, PASSWORD), 401)  # the old password is gone
    kinds = db.session.scalars(select(Notification.user_id).where(Notification.kind == "password_reset")).all()
    assert sorted(kinds) == sorted([worker.id, manager.id])
    assert choose_password(client, body["setup_url"]).status_code == 303
    assert token_answer(client, worker.email).status_code == 201
    assert choose_password(client, body["setup_url"], "another long passphrase here").status_code == 404


def test_with_e_mail_set_up_the_reset_link_is_not_given_to_the_admin(client, api, admin, worker, smtp):
    answer = api(admin).post(f"/api/v1/users/{worker.id}/password-reset")
    assert answer.status_code == 202 and answer.get_json() == {"setup_url": None, "emailed": True}
    (recipients, message), = smtp.messages
    assert recipients == [worker.email] and "/setup/" in message


def test_resetting_or_deactivating_oneself_is_refused(api, admin):
    caller = api(admin)
    assert_error(caller.post(f"/api/v1/users/{admin.id}/password-reset"), 422)
    assert_error(caller.post(f"/api/v1/users/{admin.id}/deactivate"), 422)
    assert caller.get("/api/v1/me").status_code == 200


def test_deactivating_ends_every_token(client, api, admin, worker):
    theirs = api(worker)
    answer = api(admin).post(f"/api/v1/users/{worker.id}/deactivate")
    assert answer.status_code == 200 and answer.get_json()["status"] == "deactivated"
    assert_error(theirs.get("/api/v1/me"), 401)
    assert "deactivated" in assert_error(token_answer(client, worker.email, PASSWORD), 403)["error"]
    assert_error(api(admin).post("/api/v1/users/99999/deactivate"), 404)


def test_teams_are_added_once_whatever_the_case_or_accents(api, admin, team):
    caller = api(admin)
    created = caller.post("/api/v1/teams", json={"name": "  Östra   Team "})
    assert created.status_code == 201 and created.get_json()["name"] == "Östra Team"
    for twin in ("östra team", "OSTRA TEAM", "Ostra Team"):
        answer = assert_error(caller.post("/api/v1/teams", json={"name": twin}), 422)
        assert answer["fields"] == {"name": ["There is already a team called Östra Team."]}
    assert "name" in assert_error(caller.post("/api/v1/teams", json={}), 422)["fields"]
    assert [t["name"] for t in caller.get("/api/v1/teams").get_json()["items"]] == ["North", "Östra Team"]
    assert db.session.query(Team).count() == 2


# --- The caller's own password ------------------------------------------------------------------


def test_changing_ones_password(app, client, api, worker):
    caller = api(worker)
    other = api(worker)
    browser = signed_in(app, worker)
    weak = assert_error(caller.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                                 "new_password": "password1234"}), 422)
    assert list(weak["fields"]) == ["new_password"]
    wrong = assert_error(caller.post("/api/v1/me/password", json={"current_password": "not it at all",
                                                                  "new_password": NEW_PASSWORD}), 422)
    assert wrong["fields"] == {"current_password": ["Your current password is not right."]}
    assert "current_password" in assert_error(caller.post("/api/v1/me/password", json={}), 422)["fields"]
    done = caller.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 204
    # This token continues; every other token and session has ended.
    assert caller.get("/api/v1/me").status_code == 200
    assert_error(other.get("/api/v1/me"), 401)
    assert browser.get("/account/password").status_code == 302
    assert accounts.check_password(db.session, worker.email, NEW_PASSWORD) is not None


def test_the_fifth_wrong_current_password_ends_every_session_and_token(app, client, api, worker):
    caller = api(worker)
    other = api(worker)
    browser = signed_in(app, worker)
    wrong = {"current_password": "a wrong guess", "new_password": NEW_PASSWORD}
    for _ in range(4):
        assert_error(caller.post("/api/v1/me/password", json=wrong), 422)
    locked = assert_error(caller.post("/api/v1/me/password", json=wrong), 429)
    assert "signed out everywhere" in locked["error"]
    assert_error(caller.get("/api/v1/me"), 401)
    assert_error(other.get("/api/v1/me"), 401)
    assert browser.get("/account/password").status_code == 302
    # The right password no longer helps: the account is locked for a while.
    assert_error(token_answer(client, worker.email, PASSWORD), 429)
    failures = db.session.scalars(select(LoginAttempt).where(LoginAttempt.email == worker.email,
                                                            LoginAttempt.succeeded.is_(False))).all()
    assert len(failures) == 5
    assert accounts.check_password(db.session, worker.email, PASSWORD) is not None  # unchanged
