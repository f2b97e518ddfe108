"""Trust check: replaying credentials after they should have died. A browser session cookie
and an API token are captured while they work; then the person signs out, changes their
password, has it reset by an administrator (page or API), is deactivated (and, for good
measure, reactivated and confirmed again), turns on two-step sign-in in one browser, or five
wrong current passwords are typed on Change password; then the captured cookie and token are
sent again, from another browser, to pages and API calls that read and that write. Every
replay must be refused: the page sends the caller to sign in, the API answers 401.

Signing out of the pages ends that browser's session only; the API's own sign-out is
DELETE /api/v1/tokens/current. A password change, a reset and a deactivation end every
session and revoke every token of the account (services/accounts.py ``end_sessions``); turning
on two-step sign-in ends every one but the browser's that did it.

Figure: replays tried, replays accepted (0)."""
from __future__ import annotations

import pyotp
from sqlalchemy import delete

from casework.extensions import db as _db
from casework.models import LoginAttempt

from ..factories import _PASSWORD_HASH, PASSWORD, UserFactory
from .figures import record
from .web import api_token, call, client_with_cookie, session_cookie, signed_in_client

NEW_PASSWORD = "tangerine lighthouse quietly orbits"

# What a replayed credential is sent to: reads and writes, pages and API.
PAGES = (("GET", "/account/password"), ("GET", "/notifications"), ("POST", "/notifications/read"),
         ("GET", "/families/{family_id}"))
API_CALLS = (("GET", "/api/v1/me"), ("GET", "/api/v1/notifications"),
             ("POST", "/api/v1/notifications/{notification_id}/read"), ("GET", "/api/v1/families/{family_id}"))


def _page_refused(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _sign_out(app, people, user, browser, token):
    browser.post("/logout")
    call(app.test_client(), "DELETE", "/api/v1/tokens/current", api=True, token=token)


def _change_own_password(app, people, user, browser, token):
    response = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def _reset_by_admin(app, people, user, browser, token):
    admin = signed_in_client(app, people["admin"])
    response = admin.post(f"/admin/users/{user.id}/password")
    assert response.status_code == 200 and 'id="setup-url"' in response.get_data(as_text=True)


def _reset_by_admin_api(app, people, user, browser, token):
    response = call(app.test_client(), "POST", f"/api/v1/users/{user.id}/password-reset", api=True,
                    token=api_token(app, people["admin"]))
    assert response.status_code == 202, response.get_data(as_text=True)


def _deactivate(app, people, user, browser, token):
    admin = signed_in_client(app, people["admin"])
    assert admin.post(f"/admin/users/{user.id}/deactivate").status_code == 302


def _deactivate_reactivate_and_confirm(app, people, user, browser, token):
    admin = signed_in_client(app, people["admin"])
    assert admin.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert admin.post(f"/admin/users/{user.id}/activate").status_code == 302
    confirmer = people["manager"] if user.id != people["manager"].id else _another_manager(user)
    assert signed_in_client(app, confirmer).post(f"/accounts/{user.id}/confirm").status_code == 302


def _another_manager(user):
    other = UserFactory(team=user.team, role="manager", email=f"deputy{user.id}@example.org")
    _db.session.commit()
    return other


def _five_wrong_current_passwords(app, people, user, browser, token):
    for _ in range(5):
        response = browser.post("/account/password", data={"current_password": "a guess", "new_password": NEW_PASSWORD})
    assert response.status_code == 429


def _two_step_turned_on_here(app, people, user, browser, token):
    browser.get("/account/two-factor")
    with browser.session_transaction() as session:
        secret = session["totp_enrol_secret"]
    assert browser.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


EVENTS = {
    "sign-out": _sign_out,
    "own password change": _change_own_password,
    "password reset by an admin": _reset_by_admin,
    "password reset by an admin over the API": _reset_by_admin_api,
    "deactivation": _deactivate,
    "deactivation, reactivation and confirmation": _deactivate_reactivate_and_confirm,
    "five wrong current passwords": _five_wrong_current_passwords,
    "two-step sign-in turned on in this browser": _two_step_turned_on_here,
}
# The browser in which the event happens stays signed in, by design.
KEEPS_THIS_BROWSER = {"two-step sign-in turned on in this browser"}


def _replays(app, cookies, token, ids):
    """(what, accepted) for every captured credential on every target."""
    for label, (cookie, address) in cookies.items():
        for method, template in PAGES:
            response = call(client_with_cookie(app, cookie, address), method, template.format(**ids))
            yield f"{label} cookie {method} {template}", not _page_refused(response)
    for method, template in API_CALLS:
        response = call(app.test_client(), method, template.format(**ids), api=True, token=token)
        yield f"token {method} {template}", response.status_code != 401


def test_no_credential_outlives_its_session(app, world):
    people, ids = world
    tried, accepted = 0, []
    for event, happen in EVENTS.items():
        for role in ("worker", "manager"):
            user = people[role]
            # Two browsers and a token, all live before the event.
            browser = signed_in_client(app, user)
            other_browser = signed_in_client(app, user, remote_addr="10.1.2.3")
            cookies = {"this browser's": (session_cookie(browser), "127.0.0.1"),
                       "another browser's": (session_cookie(other_browser), "10.1.2.3")}
            token = api_token(app, user)
            before = dict(_replays(app, cookies, token, ids))
            assert all(before.values()), f"{role}: credentials refused before {event}: {before}"

            happen(app, people, user, browser, token)
            if event == "sign-out":
                # Signing out of one browser leaves the other signed in, by design.
                cookies.pop("another browser's")
            if event in KEEPS_THIS_BROWSER:
                assert not _page_refused(call(browser, "GET", "/account/password")), f"{event} ended this browser"
                cookies.pop("this browser's")
            for what, was_accepted in _replays(app, cookies, token, ids):
                tried += 1
                if was_accepted:
                    accepted.append(f"after {event}, {role}'s {what} was accepted")
            _restore(user)
    record("session_replay", replays=tried, accepted=len(accepted), bound_ok=not accepted)
    assert not accepted, "\n".join(accepted)


def _restore(user):
    """The next event starts from the same account: active, with the suite's password, no
    second factor, no failed attempts counting towards a lock."""
    user.active, user.pending = True, False
    user.password_hash = _PASSWORD_HASH
    user.totp_secret = user.totp_last_step = None
    _db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    _db.session.commit()
