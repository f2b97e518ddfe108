"""Separation of duties on the pages: an administrator adds accounts (chosen team, no password),
a manager confirms them, people choose their own passwords with one-time links, and an
administrator's reset never leaves a password the administrator knows."""
import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import ApiToken, AuditEvent, Notification, SetupLink, Team, User, UserSession
from casework.services import accounts

from . import factories
from .conftest import PASSWORD
from .helpers import page_text, sign_in, signed_in

NEW_PASSWORD = "tangerine lighthouse quietly orbits"


def setup_path(response) -> str:
    """The path of the one-time link a page shows."""
    found = re.search(r'id="setup-url">\s*([^<\s]+)\s*<', response.get_data(as_text=True))
    assert found, page_text(response)
    return urlsplit(found.group(1)).path


def add_user(client, team, role="worker", email="nia@example.org", name="Nia New"):
    return client.post("/admin/users/new", data={"name": name, "email": email, "role": role,
                                                 "team_id": team.id if team else ""})


def choose(client, path, password=NEW_PASSWORD, again=None):
    return client.post(path, data={"password": password, "password_confirm": password if again is None else again})


def notes(user, kind):
    return db.session.scalars(select(Notification.message).where(Notification.user_id == user.id,
                                                                 Notification.kind == kind)).all()


# --- Adding an account ------------------------------------------------------------------------


def test_a_worker_added_by_an_admin_waits_for_their_manager(app, client, admin, manager, team, login):
    login(admin)
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="team_id"' in form and f'<option value="{team.id}">North</option>' in form
    assert 'name="password"' not in form  # the administrator never chooses it
    added = add_user(client, team)
    assert added.status_code == 200
    assert "waits for a manager of North to confirm it" in page_text(added)
    path = setup_path(added)
    nia = accounts.find_user(db.session, "nia@example.org")
    assert (nia.status, nia.team, nia.requested_by_id) == ("pending", team, admin.id)
    # The link's secret is stored only as its hash.
    secret = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(SetupLink.token_hash)) == hashlib.sha256(secret.encode()).hexdigest()
    assert notes(manager, "account_pending") and "Nia New" in notes(manager, "account_pending")[0]

    # Nia chooses her password, but cannot sign in before her manager confirms her.
    nia_browser = app.test_client()
    assert "Choose your password" in nia_browser.get(path).get_data(as_text=True)
    chosen = choose(nia_browser, path)
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/login"
    refused = nia_browser.post("/login", data={"email": "nia@example.org", "password": NEW_PASSWORD})
    assert refused.status_code == 403 and "waiting for a manager of your team" in refused.get_data(as_text=True)
    assert nia_browser.get("/families").status_code == 302

    # Her manager sees her on the team's home and confirms her.
    mina = signed_in(app, manager)
    assert "1 account to confirm" in page_text(mina.get("/team"))
    waiting = mina.get("/team/accounts")
    assert "Nia New" in page_text(waiting) and f'action="/accounts/{nia.id}/confirm"' in waiting.get_data(as_text=True)
    assert mina.post(f"/accounts/{nia.id}/confirm").status_code == 302
    assert "No account is waiting for you" in page_text(mina.get("/team/accounts"))
    db.session.refresh(nia)
    assert nia.status == "active"
    assert notes(admin, "account_confirmed")
    sign_in(nia_browser, nia, NEW_PASSWORD)
    assert db.session.scalar(select(AuditEvent.user_id).where(AuditEvent.action == "account_confirmed")) == manager.id


def test_a_team_is_chosen_from_the_list_never_made_by_a_typo(client, admin, team, login):
    # "Leeds Nrth" typed where a team is chosen used to create a team silently.
    login(admin)
    typed = client.post("/admin/users/new", data={"name": "Nia New", "email": "nia@example.org", "role": "worker",
                                                  "team_id": "Leeds Nrth"})
    assert typed.status_code == 422 and "Choose one of the teams." in typed.get_data(as_text=True)
    unknown = client.post("/admin/users/new", data={"name": "Nia New", "email": "nia@example.org", "role": "worker",
                                                    "team_id": "999"})
    assert unknown.status_code == 422 and "Choose one of the teams." in unknown.get_data(as_text=True)
    assert db.session.scalars(select(Team.name)).all() == ["North"]
    assert accounts.find_user(db.session, "nia@example.org") is None


def test_an_admin_added_by_an_admin_is_active_at_once(app, client, admin, login):
    login(admin)
    added = add_user(client, None, role="admin", email="ari@example.org", name="Ari Admin")
    assert added.status_code == 200 and "waits for" not in page_text(added)
    ari = accounts.find_user(db.session, "ari@example.org")
    assert ari.status == "active" and ari.team is None
    browser = app.test_client()
    choose(browser, setup_path(added))
    sign_in(browser, ari, NEW_PASSWORD)


@pytest.mark.parametrize("who", ["admin", "other_manager", "colleague"])
def test_nobody_but_the_teams_manager_confirms(app, request, admin, manager, other_team, colleague, who):
    nia = factories.UserFactory(team=manager.team, email="nia@example.org", active=False, pending=True,
                                requested_by_id=admin.id)
    people = {"admin": admin, "colleague": colleague,
              "other_manager": factories.UserFactory(team=other_team, role="manager", email="otto@example.org")}
    browser = signed_in(app, people[who])
    assert browser.post(f"/accounts/{nia.id}/confirm").status_code == 403
    db.session.refresh(nia)
    assert nia.status == "pending"


def test_without_a_manager_another_admin_confirms(app, admin, other_team):
    other_admin = factories.UserFactory(team=None, role="admin", email="ari@example.org", name="Ari Admin")
    creator = signed_in(app, admin)
    added = add_user(creator, other_team)
    nia = accounts.find_user(db.session, "nia@example.org")
    assert nia.status == "pending"
    assert notes(other_admin, "account_pending") and not notes(admin, "account_pending")
    # The admin who added it sees no Confirm button, and is refused.
    assert f"/accounts/{nia.id}/confirm" not in creator.get("/admin/users").get_data(as_text=True)
    assert creator.post(f"/accounts/{nia.id}/confirm").status_code == 403
    other = signed_in(app, other_admin)
    assert f"/accounts/{nia.id}/confirm" in other.get("/admin/users").get_data(as_text=True)
    assert other.post(f"/accounts/{nia.id}/confirm").status_code == 302
    db.session.refresh(nia)
    assert nia.status == "active" and added.status_code == 200


# --- The one-time link ----------------------------------------------------------------------------


def test_a_setup_link_works_once_and_keeps_the_password_rules(app, client, admin, team, login):
    login(admin)
    path = setup_path(add_user(client, team))
    person = app.test_client()
    weak = choose(person, path, "password1234")
    assert weak.status_code == 422 and "harder to guess" in weak.get_data(as_text=True)
    short = choose(person, path, "short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    different = choose(person, path, NEW_PASSWORD, again=NEW_PASSWORD + "!")
    assert different.status_code == 422 and "not the same" in different.get_data(as_text=True)
    assert choose(person, path).status_code == 303
    assert person.get(path).status_code == 404
    assert choose(person, path, "another long passphrase here").status_code == 404
    nia = accounts.find_user(db.session, "nia@example.org")
    assert accounts.check_password(db.session, nia.email, NEW_PASSWORD) is nia


def test_a_setup_link_expires_after_24_hours(app, client, admin, team, login):
    login(admin)
    path = setup_path(add_user(client, team))
    link = db.session.scalar(select(SetupLink))
    assert link.expires_at - link.created_at == dt.timedelta(hours=24)
    link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    assert choose(app.test_client(), path).status_code == 404


def test_an_unknown_link_answers_404(client):
    assert client.get("/setup/not-a-real-link").status_code == 404
    assert choose(client, "/setup/not-a-real-link").status_code == 404


def test_deactivating_a_pending_account_ends_its_link(app, client, admin, team, login):
    login(admin)
    path = setup_path(add_user(client, team))
    nia = accounts.find_user(db.session, "nia@example.org")
    client.post(f"/admin/users/{nia.id}/deactivate")
    assert app.test_client().get(path).status_code == 404
    # Reactivated, it waits for a manager again: an admin alone never opens a way in.
    client.post(f"/admin/users/{nia.id}/activate")
    db.session.refresh(nia)
    assert nia.status == "pending"


# --- An administrator's reset -----------------------------------------------------------------


def test_a_reset_never_leaves_a_password_the_admin_knows(app, client, admin, worker, manager, api, login):
    theirs = signed_in(app, worker)
    token = api(worker).headers
    login(admin)
    assert "every session and API token they have ends" in page_text(client.get(f"/admin/users/{worker.id}/password"))
    reset = client.post(f"/admin/users/{worker.id}/password")
    assert reset.status_code == 200 and "Password reset" in page_text(reset)
    path = setup_path(reset)
    # Signed out everywhere, API tokens too, and the old password no longer works.
    assert theirs.get("/account/password").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 401
    stranger = app.test_client()
    assert stranger.post("/login", data={"email": worker.email, "password": PASSWORD}).status_code == 200
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == worker.id,
                                                       UserSession.ended_at.is_(None))) is None
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == worker.id,
                                                    ApiToken.revoked_at.is_(None))) is None
    # The person and their manager are told; the audit names the administrator.
    assert "Ada Admin (an administrator) reset your password" in notes(worker, "password_reset")[0]
    assert "reset the password of Wendy Worker" in notes(manager, "password_reset")[0]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_reset"))
    assert (audit.user_id, audit.record_id) == (admin.id, worker.id)
    # The person chooses a new password with the link.
    assert choose(app.test_client(), path).status_code == 303
    sign_in(app.test_client(), worker, NEW_PASSWORD)


def test_with_e_mail_set_up_the_link_goes_to_the_person_not_the_admin(app, smtp, client, admin, worker, login):
    login(admin)
    reset = client.post(f"/admin/users/{worker.id}/password")
    assert reset.status_code == 200
    assert 'id="setup-url"' not in reset.get_data(as_text=True)
    assert f"e-mailed to {worker.email}" in page_text(reset)
    (recipients, message), = smtp.messages
    assert recipients == [worker.email]
    path = urlsplit(re.search(r"http://\S+/setup/\S+", message).group(0)).path
    assert choose(app.test_client(), path).status_code == 303
    sign_in(app.test_client(), worker, NEW_PASSWORD)


def test_an_admin_cannot_reset_their_own_password_here(client, admin, login):
    login(admin)
    refused = client.post(f"/admin/users/{admin.id}/password")
    assert refused.status_code == 422 and "Change your own password" in refused.get_data(as_text=True)
    assert accounts.check_password(db.session, admin.email, PASSWORD) is not None


def test_the_admin_never_reaches_case_records_through_an_account(app, client, admin, manager, family, login):
    """The attack that was reported: an admin adds a manager and uses it to read families."""
    login(admin)
    added = add_user(client, manager.team, role="manager", email="mole@example.org", name="Mole Manager")
    mole_browser = app.test_client()
    choose(mole_browser, setup_path(added))
    mole = db.session.scalar(select(User).where(User.email == "mole@example.org"))
    assert mole_browser.post("/login", data={"email": mole.email, "password": NEW_PASSWORD}).status_code == 403
    assert mole_browser.get(f"/families/{family.id}").status_code == 302
    assert client.post(f"/accounts/{mole.id}/confirm").status_code == 403
    token = app.test_client().post("/api/v1/tokens", json={"email": mole.email, "password": NEW_PASSWORD})
    assert token.status_code == 403 and "waiting for a manager" in token.get_json()["error"]
