"""Trust controls: sign-in throttling, password strength, server-side sessions, the audit
trail, and the proxy setting."""
import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from casework.extensions import db
from casework.models import AuditEvent, LoginAttempt, Notification, UserSession
from casework.services import accounts
from casework.services.errors import ValidationFailed

from .conftest import PASSWORD
from .factories import FamilyFactory
from .helpers import assert_refused, count_queries, sign_in


def attempt(client, email, password="wrong password here", ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_five_failures_lock_the_account_for_a_while(client, worker):
    for _ in range(5):
        assert attempt(client, worker.email).status_code == 200
    locked = attempt(client, worker.email, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == worker.id)).all()
    assert [n.kind for n in notes] == ["sign_in_locked"]
    # The lock lasts 15 minutes from the last failure.
    for row in db.session.scalars(select(LoginAttempt)):
        row.at = row.at - dt.timedelta(minutes=16)
    db.session.commit()
    assert attempt(client, worker.email, PASSWORD).status_code == 302


def test_one_persons_typos_do_not_lock_out_their_office(client, worker, colleague):
    for _ in range(5):
        attempt(client, worker.email)
    assert attempt(client, colleague.email, PASSWORD).status_code == 302  # same address


def test_fifty_failures_from_one_address_lock_the_address(client, worker):
    db.session.add_all(LoginAttempt(email=f"nobody{i}@example.org", ip="10.0.0.9") for i in range(50))
    db.session.commit()
    assert attempt(client, worker.email, PASSWORD, ip="10.0.0.9").status_code == 429
    assert attempt(client, worker.email, PASSWORD, ip="10.0.0.10").status_code == 302


def test_every_attempt_is_audited(client, worker):
    attempt(client, worker.email)
    attempt(client, worker.email, PASSWORD)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("sign_in%"))).all()
    assert sorted(actions) == ["sign_in", "sign_in_failed"]


@pytest.mark.parametrize("password", ["password1234", "aaaaaaaaaaaaaaa", "qwertyuiopasdf"])
def test_guessable_passwords_are_refused(worker, password):
    with assert_refused(ValidationFailed, "new_password", match="harder to guess", unchanged=[worker]):
        accounts.set_password(db.session, worker, password)


def test_a_new_session_id_at_sign_in_and_none_after_sign_out(app, client, worker):
    sign_in(client, worker)
    first = db.session.scalar(select(UserSession))
    assert first.ended_at is None
    client.post("/logout")
    db.session.refresh(first)
    assert first.ended_at is not None
    sign_in(client, worker)
    assert db.session.scalar(select(func.count(UserSession.id))) == 2


def test_a_cookie_replayed_after_sign_out_is_refused(app, client, worker):
    sign_in(client, worker)
    cookie = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/account/password").status_code == 302


def test_idle_and_absolute_timeouts(app, client, worker):
    sign_in(client, worker)
    record = db.session.scalar(select(UserSession))
    record.last_seen_at = record.last_seen_at - dt.timedelta(minutes=31)
    db.session.commit()
    assert client.get("/account/password").status_code == 302
    sign_in(client, worker)
    record = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).one()
    record.created_at = record.created_at - dt.timedelta(hours=13)
    db.session.commit()
    assert client.get("/account/password").status_code == 302


def test_viewing_a_family_is_audited_and_changes_keep_no_personal_values(client, worker, manager, login):
    family = FamilyFactory(worker=worker, household_name="Smith household")
    login(worker)
    client.get(f"/families/{family.id}")
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.family_id == family.id)
    ).all()
    assert [v.user_id for v in viewed] == [worker.id]
    client.post(f"/families/{family.id}/edit", data={
        "household_name": "Jones household", "postcode": "LS6 2AB",
        "referral_date": family.referral_date.isoformat(), "opened_on": family.opened_on.isoformat(),
        "concerns": ["neglect_physical", "housing"], "version": family.version,
    })
    changes = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.record_type == "families")
    ).all()
    assert any("household_name" in c.detail.get("personal_fields_changed", []) for c in changes)
    assert all(c.user_id == worker.id for c in changes)
    assert "Smith" not in str([c.detail for c in changes]) and "Jones" not in str([c.detail for c in changes])


def test_the_changes_of_a_transaction_are_audited_when_it_commits_and_only_if_they_are_kept(app, worker):
    """Every flush's changes are audited, in one INSERT as the transaction commits; a change
    rolled back (with a savepoint, or with the whole transaction) leaves no audit row."""
    family = FamilyFactory(worker=worker, postcode="LS1 1AA", referral_date=dt.date(2026, 3, 2))
    db.session.commit()

    def updates():
        return [event.detail for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.family_id == family.id))]

    family.referral_date = dt.date(2026, 3, 3)
    db.session.flush()
    family.postcode = "LS2 2BB"
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        family.legal_hold = True
        db.session.flush()
        savepoint.rollback()
    with count_queries() as statements:
        db.session.commit()
    assert sum(s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS") for s in statements) == 1
    assert sorted(name for detail in updates() for name in [*detail.get("changed", {}),
                                                            *detail.get("personal_fields_changed", [])]) \
        == ["postcode", "referral_date"]
    family.referral_date = dt.date(2026, 3, 4)
    db.session.flush()
    db.session.rollback()
    assert len(updates()) == 2


def test_audit_rows_cannot_be_changed_or_removed(app):
    db.session.add(AuditEvent(action="test"))
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "test")) == 1


def test_refused_requests_are_audited_without_the_query_string(client, worker, outsider, login):
    other = FamilyFactory(worker=outsider)
    login(worker)
    assert client.get(f"/families/{other.id}?q=secret").status_code == 404
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert refused[-1].detail == {"status": 404, "method": "GET", "path": f"/families/{other.id}"}


def test_the_api_token_endpoint_is_throttled_and_api_views_are_audited(client, worker):
    for _ in range(5):
        wrong = {"email": worker.email, "password": "wrong password here"}
        assert client.post("/api/v1/tokens", json=wrong).status_code == 401
    locked = client.post("/api/v1/tokens", json={"email": worker.email, "password": PASSWORD})
    assert locked.status_code == 429 and "Too many attempts" in locked.get_json()["error"]


def test_api_reads_of_a_family_are_audited(client, worker, api):
    family = FamilyFactory(worker=worker)
    calls = api(worker)
    assert calls.get(f"/api/v1/families/{family.id}").status_code == 200
    calls.get(f"/api/v1/families/{family.id}/chronology")
    viewed = db.session.scalars(
        select(AuditEvent.record_type).where(AuditEvent.action == "view", AuditEvent.user_id == worker.id)
    ).all()
    assert sorted(viewed) == ["chronology", "family"]


def test_client_addresses_come_only_from_the_configured_proxies():
    from casework import create_app
    from casework.config import TestingConfig

    seen = []
    for proxies in (0, 1):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = "sqlite://"
            CASEWORK_TRUSTED_PROXIES = proxies

        app = create_app(Config)

        @app.get("/_address")
        def address():
            from flask import request

            seen.append(request.remote_addr)
            return ""

        app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen == ["10.0.0.1", "203.0.113.9"]


def test_a_manager_sees_who_has_opened_the_family(client, worker, manager, login):
    family = FamilyFactory(worker=worker)
    login(worker)
    client.get(f"/families/{family.id}")
    assert "Who has opened this family" not in client.get(f"/families/{family.id}").get_data(as_text=True)
    client.post("/logout")
    login(manager)
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    section = page[page.index("Who has opened this family"):]
    assert section.count("Wendy Worker") == 2 and "Mina Manager" in section
