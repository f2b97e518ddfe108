"""Trust check: an administrator never gets into case records (issue 13, item 3).

What was done in the attack, and every other way an administrator's own powers could open an
account to them, is tried on the pages and the API:

- adding a manager (or a worker) to a team, choosing its password with the setup link, and
  signing in or asking for a token with it;
- confirming that account themselves, in a team with a manager and in one without;
- deactivating and reactivating an account that was pending, and one that was confirmed;
- resetting a manager's password and signing in with the old one; with e-mail set up, the new
  link goes to the manager's mailbox (a real SMTP server, aiosmtpd) and never to the admin.

After each, every credential the administrator holds (browser sessions and tokens of the
accounts they touched, and their own) is sent to a family's record on the pages and the API:
none may reach it. A reset is told to the person and their team's managers, and the audit
names the administrator.

Figure: ways tried, case records reached (0), resets told to the person and their managers."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AuditEvent, Notification, User

from ..factories import PASSWORD, TeamFactory
from .figures import record
from .web import api_token, call, signed_in_client

CHOSEN = "tangerine lighthouse quietly orbits"


def _setup_path(text: str) -> str:
    found = re.search(r"https?://[^\s\"'<]+/setup/[A-Za-z0-9_\-]+", text)
    assert found, text[:500]
    return urlsplit(found.group(0)).path


def _choose(app, path):
    answer = app.test_client().post(path, data={"password": CHOSEN, "password_confirm": CHOSEN})
    assert answer.status_code == 303, answer.status_code


def _reaches(app, email, password, family_id) -> list[str]:
    """What these credentials open of a family's record: pages and API (empty when nothing)."""
    opened = []
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.3.3.3"
    signed = browser.post("/login", data={"email": email, "password": password})
    if signed.status_code == 302 and "/login" not in signed.headers["Location"]:
        if browser.get(f"/families/{family_id}").status_code == 200:
            opened.append(f"{email}: page of family {family_id}")
    token = app.test_client().post("/api/v1/tokens", json={"email": email, "password": password})
    if token.status_code == 201:
        answer = call(app.test_client(), "GET", f"/api/v1/families/{family_id}", api=True,
                      token=token.get_json()["token"])
        if answer.status_code == 200:
            opened.append(f"{email}: API of family {family_id}")
    return opened


def test_an_admin_never_gets_into_case_records(app, world, smtp):
    people, ids = world
    admin, manager = people["admin"], people["manager"]
    north = manager.team
    lonely = TeamFactory(name="East")  # a team without a manager
    _db.session.commit()
    family_id = ids["family_id"]
    reached, tried, told, links_shown = [], [], [], 0
    browser, token = signed_in_client(app, admin), api_token(app, admin)

    def attempt(way, email, password=CHOSEN):
        tried.append(way)
        reached.extend(f"{way}: {line}" for line in _reaches(app, email, password, family_id))

    # 1. A manager added on the page; the admin chooses its password and signs in with it.
    page = browser.post("/admin/users/new", data={"name": "Mole One", "email": "mole1@example.org",
                                                  "role": "manager", "team_id": north.id})
    _choose(app, _setup_path(page.get_data(as_text=True)))
    attempt("manager added on the page, password chosen by the admin", "mole1@example.org")
    # 2. The same over the API, a worker this time.
    added = call(app.test_client(), "POST", "/api/v1/users", api=True, token=token,
                 body={"email": "mole2@example.org", "name": "Mole Two", "role": "worker", "team_id": north.id})
    assert added.status_code == 201
    _choose(app, urlsplit(added.get_json()["setup_url"]).path)
    attempt("worker added over the API", "mole2@example.org")
    # 3. The admin confirms them: refused, on the page and the API.
    for email in ("mole1@example.org", "mole2@example.org"):
        mole = _db.session.scalar(select(User).where(User.email == email))
        assert browser.post(f"/accounts/{mole.id}/confirm").status_code == 403
        assert call(app.test_client(), "POST", f"/api/v1/users/{mole.id}/confirm", api=True,
                    token=token).status_code == 403
        attempt(f"{email} confirmed by the admin who added it", email)
    # 4. In a team without a manager, the admin who added it cannot confirm it either.
    added = call(app.test_client(), "POST", "/api/v1/users", api=True, token=token,
                 body={"email": "mole3@example.org", "name": "Mole Three", "role": "manager", "team_id": lonely.id})
    _choose(app, urlsplit(added.get_json()["setup_url"]).path)
    mole3 = added.get_json()["id"]
    assert call(app.test_client(), "POST", f"/api/v1/users/{mole3}/confirm", api=True, token=token).status_code == 403
    attempt("manager of a team without one, confirmed by the admin who added it", "mole3@example.org")
    # 5. Deactivated and reactivated: back to pending, not active.
    mole1 = _db.session.scalar(select(User).where(User.email == "mole1@example.org"))
    assert browser.post(f"/admin/users/{mole1.id}/deactivate").status_code == 302
    assert browser.post(f"/admin/users/{mole1.id}/activate").status_code == 302
    attempt("pending account deactivated and reactivated", "mole1@example.org")
    colleague = people["colleague"]
    assert browser.post(f"/admin/users/{colleague.id}/deactivate").status_code == 302
    assert browser.post(f"/admin/users/{colleague.id}/activate").status_code == 302
    attempt("confirmed worker deactivated and reactivated (old password)", colleague.email, PASSWORD)
    # 6. A manager's password reset, on the page and over the API: the old password is dead and
    #    the new link goes to the manager's mailbox only.
    for how in ("page", "API"):
        before = len(smtp.messages)
        if how == "page":
            answer = browser.post(f"/admin/users/{manager.id}/password")
            shown = answer.get_data(as_text=True)
        else:
            answer = call(app.test_client(), "POST", f"/api/v1/users/{manager.id}/password-reset", api=True,
                          token=token)
            shown = answer.get_data(as_text=True)
        assert answer.status_code in (200, 202)
        links_shown += "/setup/" in shown
        assert [rcpts for rcpts, _ in smtp.messages[before:]] == [[manager.email]]
        attempt(f"manager's password reset on the {how}, old password", manager.email, PASSWORD)
    # The admin's own credentials, after all of it.
    attempt("the admin's own account", admin.email, PASSWORD)

    resets = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_reset")).all()
    for event in resets:
        told_to = set(_db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "password_reset", Notification.key.like(f"password_reset:{event.record_id}:%"))))
        told.append(manager.id in told_to and event.user_id == admin.id)
    pending = [u.email for u in _db.session.scalars(select(User).where(User.pending.is_(True)))]
    record("separation_of_duties", ways_tried=len(tried), case_records_reached=len(reached),
           accounts_left_pending=len(pending), resets=len(resets), resets_told_and_audited=sum(told),
           reset_links_shown_to_the_admin=links_shown,
           bound_ok=not reached and len(resets) == 2 and all(told) and not links_shown)
    assert not reached, "\n".join(reached)
    assert len(resets) == 2 and all(told) and not links_shown
    assert {"mole1@example.org", "mole2@example.org", "mole3@example.org", colleague.email} <= set(pending)
