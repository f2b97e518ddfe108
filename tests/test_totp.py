"""Two-step sign-in: a code from an authenticator app (TOTP) after the password, for those who
set it up, and for administrators when the service requires it."""
import datetime as dt
import time

import pyotp
import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent, Notification, PendingSignIn, UserSession
from casework.services import totp

from .conftest import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(secret=SECRET, steps=0):
    """The code an authenticator app shows now (or ``steps`` steps from now)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def wrong(secret=SECRET):
    """A well-formed code that is not the right one, now or a step either side."""
    valid = {code(secret, s) for s in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in valid)


def actions(user_id=None):
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    return db.session.scalars(query).all()


@pytest.fixture
def enrolled(worker):
    worker.totp_secret = SECRET
    db.session.commit()
    return worker


def password_step(client, user, password=PASSWORD, next_=None):
    return client.post("/login" + (f"?next={next_}" if next_ else ""), data={"email": user.email, "password": password})


def signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


# --- Setting it up ---------------------------------------------------------------------------


def test_a_user_sets_up_two_step_sign_in_with_a_current_code(client, worker, login):
    login(worker)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "otpauth://totp/" in page and "Turn on two-step sign-in" in page
    with client.session_transaction() as session:
        secret = session["totp_enrol_secret"]
    assert totp.grouped(secret) in page
    # The same key is shown until it is confirmed (a reload does not change it under the app).
    assert totp.grouped(secret) in client.get("/account/two-factor").get_data(as_text=True)

    refused = client.post("/account/two-factor", data={"code": wrong(secret)})
    assert refused.status_code == 422 and "The code is not right" in refused.get_data(as_text=True)
    db.session.refresh(worker)
    assert worker.totp_secret is None

    done = client.post("/account/two-factor", data={"code": code(secret)})
    assert done.status_code == 302
    db.session.refresh(worker)
    assert worker.totp_secret == secret
    assert "totp_enrol_failed" in actions(worker.id) and "totp_enrolled" in actions(worker.id)
    # The secret never reaches the append-only audit.
    details = [str(e.detail) for e in db.session.scalars(select(AuditEvent))]
    assert not any(secret in d for d in details)
    assert "On: you sign in with your password and a code" in client.get("/account/password").get_data(as_text=True)


def test_the_setup_code_cannot_then_be_used_to_sign_in(client, worker, login):
    login(worker)
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        secret = session["totp_enrol_secret"]
    used = code(secret)
    assert client.post("/account/two-factor", data={"code": used}).status_code == 302
    client.post("/logout")
    assert password_step(client, worker).headers["Location"].endswith("/login/code")
    assert client.post("/login/code", data={"code": used}).status_code == 422
    assert not signed_in(client)


def test_turning_it_on_ends_every_other_session_and_token(app, client, worker, login, api):
    elsewhere = app.test_client()
    password_step(elsewhere, worker)
    token = api(worker).headers
    login(worker)
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        secret = session["totp_enrol_secret"]
    done = client.post("/account/two-factor", data={"code": code(secret)})
    assert "signed out everywhere else" in client.get(done.headers["Location"], follow_redirects=True).get_data(
        as_text=True)
    assert signed_in(client)  # the session that turned it on continues
    assert not signed_in(elsewhere)
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 401


def test_turning_it_off_ends_every_other_session_too(app, client, enrolled):
    others = [app.test_client() for _ in range(2)]
    for browser in [client, *others]:
        password_step(browser, enrolled)
        db.session.refresh(enrolled)
        enrolled.totp_last_step = None  # the code may be used again: as if minutes apart
        db.session.commit()
        assert browser.post("/login/code", data={"code": code()}).status_code == 302
    db.session.refresh(enrolled)
    enrolled.totp_last_step = None
    db.session.commit()
    assert client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": code()}).status_code == 302
    assert signed_in(client)
    assert not any(signed_in(other) for other in others)


# --- Signing in --------------------------------------------------------------------------------


def test_the_code_is_asked_for_after_the_password_and_nobody_is_signed_in_before_it(client, enrolled):
    first = password_step(client, enrolled, next_="/account/password")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert db.session.scalar(select(UserSession)) is None
    assert not signed_in(client)  # sent to sign in: the password alone is not enough
    page = client.get("/login/code")
    assert page.status_code == 200 and "Enter the code from your authenticator app" in page.get_data(as_text=True)

    missing = client.post("/login/code", data={"code": ""})
    assert missing.status_code == 422 and "Enter the 6-digit code" in missing.get_data(as_text=True)

    done = client.post("/login/code", data={"code": code()})
    assert done.status_code == 302 and done.headers["Location"] == "/account/password"  # ``next`` kept
    assert signed_in(client)
    assert actions(enrolled.id)[:2] == ["sign_in_password", "sign_in"]


def test_a_code_typed_with_a_space_works(client, enrolled):
    password_step(client, enrolled)
    typed = code()
    assert client.post("/login/code", data={"code": f" {typed[:3]} {typed[3:]} "}).status_code == 302
    assert signed_in(client)


def test_a_user_without_two_step_sign_in_goes_straight_in(client, worker):
    answer = password_step(client, worker)
    assert answer.status_code == 302 and "/login/code" not in answer.headers["Location"]
    assert signed_in(client)


def test_the_pending_sign_in_lasts_only_a_few_minutes(client, enrolled):
    password_step(client, enrolled)
    waiting = db.session.scalar(select(PendingSignIn))
    waiting.created_at -= dt.timedelta(minutes=6)
    db.session.commit()
    answer = client.post("/login/code", data={"code": code()})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert db.session.scalar(select(PendingSignIn)) is None  # used up by its expiry
    assert "not finished in time" in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)


def test_the_password_step_cannot_be_replayed_for_a_second_session(app, client, enrolled):
    """A copy of the cookie taken after the password step, sent again later with a later code,
    used to open a second session without the password."""
    password_step(client, enrolled)
    captured = client.get_cookie("session").value
    with client.session_transaction() as session:
        assert set(session) == {"pending_sign_in"} and enrolled.email not in str(dict(session))
    assert client.post("/login/code", data={"code": code()}).status_code == 302
    assert signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", captured)
    answer = replay.post("/login/code", data={"code": code(steps=1)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert not signed_in(replay)
    assert db.session.scalar(select(PendingSignIn)) is None  # used up


def test_each_password_step_is_its_own_attempt(app, client, enrolled):
    first, second = app.test_client(), app.test_client()
    password_step(first, enrolled)
    password_step(second, enrolled)
    assert first.post("/login/code", data={"code": code()}).status_code == 302
    # The other browser's step is still its own (used once, by its own code)...
    assert second.post("/login/code", data={"code": code(steps=1)}).status_code == 302
    # ... and neither can be used again.
    assert db.session.scalars(select(PendingSignIn)).all() == []


def test_a_locked_code_step_must_start_again_from_the_password(client, enrolled):
    password_step(client, enrolled)
    for _ in range(5):
        client.post("/login/code", data={"code": wrong()})
    assert client.post("/login/code", data={"code": code()}).status_code == 429
    assert db.session.scalar(select(PendingSignIn)) is None
    assert client.post("/login/code", data={"code": code()}).headers["Location"] == "/login"


def test_the_code_page_without_a_password_first_sends_to_sign_in(client, enrolled):
    answer = client.post("/login/code", data={"code": code()})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert not signed_in(client)


def test_wrong_codes_are_throttled_like_wrong_passwords(client, enrolled):
    password_step(client, enrolled)
    for _ in range(5):
        refused = client.post("/login/code", data={"code": wrong()})
        assert refused.status_code == 422 and "The code is not right" in refused.get_data(as_text=True)
    locked = client.post("/login/code", data={"code": code()})  # even the right code now
    assert locked.status_code == 429 and "Too many attempts" in locked.get_data(as_text=True)
    assert not signed_in(client)
    # The account is locked for the password step too, and its owner is told.
    assert password_step(client, enrolled).status_code == 429
    notes = db.session.scalars(select(Notification.kind).where(Notification.user_id == enrolled.id)).all()
    assert notes == ["sign_in_locked"]
    assert actions(enrolled.id).count("totp_failed") == 5


def test_a_code_cannot_be_used_twice(client, enrolled):
    used = code()
    password_step(client, enrolled)
    assert client.post("/login/code", data={"code": used}).status_code == 302
    client.post("/logout")
    password_step(client, enrolled)
    replayed = client.post("/login/code", data={"code": used})
    assert replayed.status_code == 422 and "The code is not right" in replayed.get_data(as_text=True)
    assert not signed_in(client)
    # The next step's code (the app shows it half a minute later) works.
    assert client.post("/login/code", data={"code": code(steps=1)}).status_code == 302


def test_one_step_of_clock_drift_either_way_is_allowed_and_no_more(app):
    now = dt.datetime(2026, 3, 2, 9, 30, 15, tzinfo=dt.UTC)
    app_codes = pyotp.TOTP(SECRET)
    step = int(now.timestamp()) // 30
    for drift in (-1, 0, 1):
        assert totp.matching_step(SECRET, app_codes.at(now + dt.timedelta(seconds=30 * drift)), now) == step + drift
    for drift in (-3, -2, 2):
        assert totp.matching_step(SECRET, app_codes.at(now + dt.timedelta(seconds=30 * drift)), now) is None
    # Never a step at or before the last one used.
    assert totp.matching_step(SECRET, app_codes.at(now), now, after_step=step) is None


# --- Turning it off, and an administrator's reset ----------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code(client, enrolled):
    password_step(client, enrolled)
    client.post("/login/code", data={"code": code()})
    refused = client.post("/account/two-factor/disable", data={"password": "not my password", "code": code(steps=1)})
    assert refused.status_code == 422 and "Your password is not right" in refused.get_data(as_text=True)
    db.session.refresh(enrolled)
    assert enrolled.totp_secret == SECRET
    done = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": code(steps=1)})
    assert done.status_code == 302
    db.session.refresh(enrolled)
    assert enrolled.totp_secret is None and enrolled.totp_last_step is None
    assert "totp_disable_failed" in actions(enrolled.id) and "totp_disabled" in actions(enrolled.id)
    client.post("/logout")
    assert password_step(client, enrolled).headers["Location"] != "/login/code"
    assert signed_in(client)


def test_an_admin_resets_a_users_two_step_sign_in(app, client, admin, enrolled, login):
    other = app.test_client()
    password_step(other, enrolled)
    other.post("/login/code", data={"code": code()})
    assert signed_in(other)
    login(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Reset two-step sign-in" in page
    answer = client.post(f"/admin/users/{enrolled.id}/two-factor/reset")
    assert answer.status_code == 302
    assert "two-step sign-in is reset" in client.get("/admin/users").get_data(as_text=True)
    db.session.refresh(enrolled)
    assert enrolled.totp_secret is None
    assert not signed_in(other)  # their sessions ended
    reset = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "totp_reset")).one()
    assert reset.user_id == admin.id and reset.record_id == enrolled.id
    # They sign in with their password alone, and may set it up again.
    assert password_step(other, enrolled).headers["Location"] != "/login/code"


def test_only_admins_reset_a_second_factor(client, manager, enrolled, login):
    login(manager)
    assert client.post(f"/admin/users/{enrolled.id}/two-factor/reset").status_code == 403
    db.session.refresh(enrolled)
    assert enrolled.totp_secret == SECRET


# --- Required of administrators ----------------------------------------------------------------


@pytest.fixture
def required(app):
    app.config["CASEWORK_TOTP_REQUIRED_FOR_ADMINS"] = True  # conftest restores the settings


def test_an_admin_without_a_second_factor_must_set_it_up_first(client, admin, required):
    answer = password_step(client, admin)
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/two-factor"
    for path in ("/admin/users", "/account/password", "/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/two-factor", path
    assert client.post("/admin/teams/new", data={"name": "East"}).headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "requires two-step sign-in of administrators" in page
    with client.session_transaction() as session:
        secret = session["totp_enrol_secret"]
    assert client.post("/account/two-factor", data={"code": code(secret)}).status_code == 302
    assert client.get("/admin/users").status_code == 200
    # ... and cannot turn it off again.
    refused = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": code(secret, 1)})
    assert refused.status_code == 403 and "cannot be turned off" in refused.get_data(as_text=True)


def test_the_requirement_is_for_admins_only(client, worker, required):
    answer = password_step(client, worker)
    assert answer.headers["Location"] != "/account/two-factor"
    assert signed_in(client)


def test_the_api_refuses_an_admin_without_a_second_factor(client, admin, app):
    token = client.post("/api/v1/tokens", json={"email": admin.email, "password": PASSWORD}).get_json()["token"]
    app.config["CASEWORK_TOTP_REQUIRED_FOR_ADMINS"] = True
    refused = client.post("/api/v1/tokens", json={"email": admin.email, "password": PASSWORD})
    assert refused.status_code == 403 and "set up two-step sign-in" in refused.get_json()["error"]
    # A token issued before the requirement is refused too.
    earlier = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert earlier.status_code == 403 and "set up two-step sign-in" in earlier.get_json()["error"]
    admin.totp_secret = SECRET
    db.session.commit()
    granted = client.post("/api/v1/tokens", json={"email": admin.email, "password": PASSWORD, "totp_code": code()})
    assert granted.status_code == 201


# --- The API's tokens --------------------------------------------------------------------------


def test_a_token_for_a_user_with_a_second_factor_needs_totp_code(client, enrolled):
    missing = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": PASSWORD})
    assert missing.status_code == 401
    assert "totp_code" in missing.get_json()["error"] and "totp_code" in missing.get_json()["fields"]
    bad = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": PASSWORD, "totp_code": wrong()})
    assert bad.status_code == 401 and "totp_code" in bad.get_json()["fields"]
    used = code()
    good = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": PASSWORD, "totp_code": used})
    assert good.status_code == 201 and good.get_json()["token"]
    replayed = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": PASSWORD, "totp_code": used})
    assert replayed.status_code == 401
    # A wrong password is refused as always, whatever the code.
    wrong_password = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": "not the password",
                                                         "totp_code": code(steps=1)})
    assert wrong_password.status_code == 401 and wrong_password.get_json()["fields"] == {}


def test_wrong_api_codes_count_towards_the_lock(client, enrolled):
    for _ in range(5):
        body = {"email": enrolled.email, "password": PASSWORD, "totp_code": wrong()}
        assert client.post("/api/v1/tokens", json=body).status_code == 401
    locked = client.post("/api/v1/tokens", json={"email": enrolled.email, "password": PASSWORD, "totp_code": code()})
    assert locked.status_code == 429


def test_users_without_a_second_factor_ignore_totp_code(client, worker):
    answer = client.post("/api/v1/tokens", json={"email": worker.email, "password": PASSWORD, "totp_code": "123456"})
    assert answer.status_code == 201
