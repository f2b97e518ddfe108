"""API tokens, /me, the JSON error shape, and the OpenAPI document."""
import datetime as dt
import re

import time_machine
from sqlalchemy import select

from casework.models import ApiToken

from .conftest import PASSWORD
from .helpers import assert_error, sign_in

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def token_for(client, user, password=PASSWORD):
    return client.post("/api/v1/tokens", json={"email": user.email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- tokens -----------------------------------------------------------------------------------


def test_a_token_is_issued_for_good_credentials_and_stored_hashed(client, db, worker, now):
    db.session.commit()
    response = token_for(client, worker)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"token", "expires_at"}
    assert ISO_WITH_OFFSET.match(body["expires_at"])
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=11) < expires - now < dt.timedelta(hours=13)
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash != body["token"] and body["token"] not in stored.token_hash


def test_the_e_mail_is_not_case_sensitive(client, db, worker):
    db.session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": worker.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 201


def test_a_wrong_password_or_unknown_e_mail_answers_401(client, db, worker):
    db.session.commit()
    assert_error(token_for(client, worker, "not the password"), 401)
    response = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "x"})
    assert_error(response, 401)


def test_a_deactivated_user_gets_no_token(client, db, worker):
    worker.active = False
    db.session.commit()
    body = assert_error(token_for(client, worker), 403)
    assert "deactivated" in body["error"]
    # Only the right password learns that: a wrong one answers as for anyone.
    assert_error(token_for(client, worker, "not the password"), 401)


def test_a_malformed_token_request_answers_400(client, db, worker):
    db.session.commit()
    assert_error(client.post("/api/v1/tokens", data="email=x", content_type="text/plain"), 400)
    assert_error(client.post("/api/v1/tokens", data="{not json", content_type="application/json"), 400)
    assert_error(client.post("/api/v1/tokens", json=["a", "b"]), 400)
    assert_error(client.post("/api/v1/tokens", data="null", content_type="application/json"), 400)
    body = assert_error(
        client.post("/api/v1/tokens", json={"email": {"x": 1}, "password": PASSWORD}), 400
    )
    assert "email" in body["fields"]


def test_missing_credentials_answer_422_with_fields(client, db):
    body = assert_error(client.post("/api/v1/tokens", json={}), 422)
    assert set(body["fields"]) == {"email", "password"}


def test_a_token_is_used_and_revoked(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    response = client.delete("/api/v1/tokens/current", headers=bearer(token))
    assert response.status_code == 204
    assert response.data == b""
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)
    assert db.session.scalars(select(ApiToken)).one().revoked_at is not None


def test_revoking_one_token_leaves_the_others(client, db, worker):
    db.session.commit()
    first = token_for(client, worker).get_json()["token"]
    second = token_for(client, worker).get_json()["token"]
    assert client.delete("/api/v1/tokens/current", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_an_expired_token_answers_401(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=11, minutes=59)):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=12, minutes=1)):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_a_token_whose_expiry_has_passed_answers_401(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    record = db.session.scalars(select(ApiToken)).one()
    record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_deactivating_a_user_ends_their_tokens(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    worker.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_calls_without_a_good_token_answer_401(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    response = client.get("/api/v1/me")
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/api/v1/me", headers=bearer("not-a-token")), 401)
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Basic {token}"}), 401)
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer"}), 401)
    assert_error(client.get("/api/v1/families", headers=bearer("x" * 5000)), 401)
    assert_error(client.delete("/api/v1/tokens/current"), 401)


def test_authentication_comes_before_validation(client, db):
    assert_error(client.post("/api/v1/families", json=[]), 401)
    assert_error(client.get("/api/v1/families/1"), 401)


def test_no_cookie_authenticates_the_api(client, db, worker, family):
    db.session.commit()
    sign_in(client, worker)
    assert client.get("/").status_code in (200, 302)
    assert_error(client.get("/api/v1/me"), 401)
    assert_error(client.get(f"/api/v1/families/{family.id}"), 401)
    assert_error(client.get("/api/v1/families"), 401)


def test_an_api_call_sets_no_cookie(client, db, worker):
    db.session.commit()
    token = token_for(client, worker).get_json()["token"]
    response = client.get("/api/v1/me", headers=bearer(token))
    assert "Set-Cookie" not in response.headers


# --- /me --------------------------------------------------------------------------------------


def test_me_describes_the_caller(api, worker, team):
    response = api(worker).get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": worker.id,
        "email": worker.email,
        "name": "Wendy Worker",
        "role": "worker",
        "team": {"id": team.id, "name": "North"},
    }


def test_me_works_for_an_admin_without_a_team(api, admin):
    body = api(admin).get("/api/v1/me").get_json()
    assert body["role"] == "admin"
    assert body["team"] is None


# --- errors for paths and methods -------------------------------------------------------------


def test_unknown_api_paths_answer_json_404(api, worker, client):
    assert_error(client.get("/api/v1/no-such-thing"), 404)
    calls = api(worker)
    assert_error(calls.get("/api/v1/no-such-thing"), 404)
    assert_error(calls.get("/api/v1/families/abc"), 404)
    assert_error(calls.get("/api/v1/families/-1"), 404)
    assert_error(calls.get("/api/v2/families"), 404)


def test_a_wrong_method_answers_json_405(api, worker):
    response = api(worker).put("/api/v1/families", json={})
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]
    assert_error(api(worker).delete("/api/v1/me"), 405)


# --- the OpenAPI document ---------------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.0")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"][
            "securitySchemes"]["bearerAuth"]["description"]}
    assert document["security"] == [{"bearerAuth": []}]
    for name in ("Family", "Visit", "Goal", "Error", "Review", "Token", "Me"):
        assert name in document["components"]["schemas"]
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "fields"]


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_openapi_describes_no_route_that_does_not_exist(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods
    }
    for path, item in document["paths"].items():
        for method in item:
            if method == "parameters":
                continue
            assert (path, method) in routes, f"{method.upper()} {path}"


def test_openapi_references_resolve(client):
    document = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', client.get(
        "/api/v1/openapi.json").get_data(as_text=True).replace('"$ref":"', '"$ref": "')))
    assert refs
    for section, name in refs:
        assert name in document["components"][section], f"{section}/{name}"


# --- the API beside the pages -----------------------------------------------------------------


def test_the_api_needs_no_csrf_token(app, monkeypatch, client, db, worker, today):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    db.session.commit()
    response = token_for(client, worker)
    assert response.status_code == 201
    token = response.get_json()["token"]
    referral = {
        "household_name": "Smith household", "postcode": "LS6 2AB",
        "referral_date": today.isoformat(), "concerns": ["housing"],
        "children": [{"first_name": "Amy", "date_of_birth": "2019-01-01"}],
    }
    assert client.post("/api/v1/families", json=referral, headers=bearer(token)).status_code == 201
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204


def test_an_unexpected_failure_answers_json_500(app, monkeypatch, api, worker):
    calls = api(worker)

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("casework.views.api.families.family_service.list_families", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = calls.get("/api/v1/families")
    body = assert_error(response, 500)
    assert "boom" not in body["error"]
