"""Drafts kept on the server, and the idle time-out warning: a long visit write-up survives
being signed out, and comes back into the form with a notice."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import AuditEvent, Draft, UserSession

from .conftest import PASSWORD
from .factories import FamilyFactory

NOTES = "Mum was tired but engaged; the kitchen was cleared since last week."


def key(family, kind="visit"):
    return f"{kind}:new:family:{family.id}"


def draft_of(family, children=None):
    amy, ben = family.children
    return {"date": "2026-03-02", "kind": "home_visit", "outcome": "completed", "duration_minutes": "45",
            "children_seen": [str(amy.id), str(ben.id)] if children is None else children,
            "seen_alone": [str(amy.id)], "notes": NOTES, "csrf_token": "not kept"}


def drafts():
    return db.session.scalars(select(Draft).order_by(Draft.id)).all()


def checked(page, value, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*checked|'
                     rf'<input[^>]*checked[^>]*name="{name}"[^>]*value="{value}"', page) is not None


def test_a_draft_comes_back_after_the_idle_time_out_and_signing_in_again(client, worker, family, login):
    login(worker)
    assert client.post(f"/drafts/{key(family)}", data=draft_of(family)).status_code == 204
    (draft,) = drafts()
    assert draft.user_id == worker.id and draft.family_id == family.id and "csrf_token" not in draft.data

    # Half an hour without using casework: the server ends the session.
    record = db.session.scalar(select(UserSession))
    record.last_seen_at -= dt.timedelta(minutes=31)
    db.session.commit()
    form_path = f"/families/{family.id}/visits/new"
    sent_away = client.get(form_path)
    assert sent_away.status_code == 302 and "/login?next=" in sent_away.headers["Location"]

    back = client.post(sent_away.headers["Location"], data={"email": worker.email, "password": PASSWORD})
    assert back.headers["Location"] == form_path
    page = client.get(form_path).get_data(as_text=True)
    saved_at = draft.saved_at.astimezone(ZoneInfo("Europe/London"))
    assert f"We kept your unsaved draft from {saved_at:%H:%M}" in page
    assert NOTES in page and "Discard draft" in page
    amy, ben = family.children
    assert checked(page, amy.id, "children_seen") and checked(page, ben.id, "children_seen")
    assert checked(page, amy.id, "seen_alone") and not checked(page, ben.id, "seen_alone")
    assert 'value="45"' in page and 'value="2026-03-02"' in page


def test_saving_the_visit_discards_the_draft(client, worker, family, login, today):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    visit = dict(draft_of(family), date=today.isoformat())
    assert client.post(f"/families/{family.id}/visits/new", data=visit).status_code == 302
    assert drafts() == []
    assert "We kept your unsaved draft" not in client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)


def test_a_visit_that_is_not_saved_keeps_the_draft(client, worker, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    refused = client.post(f"/families/{family.id}/visits/new", data=dict(draft_of(family), date=""))
    assert refused.status_code == 422
    assert len(drafts()) == 1


def test_discard_draft_empties_the_form(client, worker, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    answer = client.post(f"/drafts/{key(family)}/discard")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/families/{family.id}/visits/new"
    assert drafts() == []
    page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert "Your draft has been discarded" in page and NOTES not in page


def test_a_later_save_replaces_the_draft(client, worker, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    client.post(f"/drafts/{key(family)}", data=dict(draft_of(family), notes="Second thoughts."))
    (draft,) = drafts()
    assert draft.data["notes"] == ["Second thoughts."]


def test_nobody_else_reads_or_overwrites_a_draft(app, client, worker, colleague, manager, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    client.post("/logout")

    login(colleague)  # same team, not their family
    assert client.post(f"/drafts/{key(family)}", data=dict(draft_of(family), notes="Overwritten")).status_code == 404
    assert client.post(f"/drafts/{key(family)}/discard").status_code == 404
    assert client.get(f"/families/{family.id}/visits/new").status_code == 404
    client.post("/logout")

    login(manager)  # may log a visit to the family: their draft is their own
    page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert NOTES not in page and "We kept your unsaved draft" not in page
    saved = client.post(f"/drafts/{key(family)}", data=dict(draft_of(family), notes="Manager's words"))
    assert saved.status_code == 204
    assert client.post(f"/drafts/{key(family)}/discard").status_code == 302  # their own only
    assert [(d.user_id, d.data["notes"]) for d in drafts()] == [(worker.id, [NOTES])]


def test_a_draft_for_a_family_outside_the_callers_scope_is_404(client, worker, outsider, admin, login):
    theirs = FamilyFactory(worker=outsider)
    login(worker)
    assert client.post(f"/drafts/visit:new:family:{theirs.id}", data={"notes": "x"}).status_code == 404
    for bad in ("visit:new:family:999999", "visit:new:family:abc", "visit:edit:family:1", "anything"):
        assert client.post(f"/drafts/{bad}", data={"notes": "x"}).status_code == 404, bad
    assert drafts() == []
    client.post("/logout")
    login(admin)
    assert client.post(f"/drafts/visit:new:family:{theirs.id}", data={"notes": "x"}).status_code == 403


def test_a_transferred_family_takes_no_draft_with_it(client, worker, outsider, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    family.worker = outsider
    family.team = outsider.team
    db.session.commit()
    assert client.get(f"/families/{family.id}/visits/new").status_code == 404
    assert client.post(f"/drafts/{key(family)}", data=draft_of(family)).status_code == 404


def test_unsaved_notes_never_reach_the_audit(client, worker, family, login):
    login(worker)
    client.post(f"/drafts/{key(family)}", data=draft_of(family))
    client.post(f"/drafts/{key(family)}", data=dict(draft_of(family), notes=NOTES + " More."))
    details = [str(e.detail) for e in db.session.scalars(select(AuditEvent))]
    assert details and not any("kitchen" in d for d in details)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.record_type == "drafts")) == 0


def test_old_drafts_are_deleted(client, worker, colleague, family, login, now):
    other_family = FamilyFactory(worker=colleague)
    db.session.add(Draft(user_id=colleague.id, form_key=key(other_family), family_id=other_family.id,
                         data={"notes": ["old"]}, saved_at=now - dt.timedelta(hours=25)))
    db.session.add(Draft(user_id=worker.id, form_key=key(family), family_id=family.id,
                         data={"notes": ["old too"]}, saved_at=now - dt.timedelta(hours=25)))
    db.session.commit()
    login(worker)
    page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert "old too" not in page and "We kept your unsaved draft" not in page
    assert drafts() == []  # a day old: twice the longest session


def test_a_draft_from_yesterday_says_so(client, worker, family, login):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True):
        db.session.add(Draft(user_id=worker.id, form_key=key(family), family_id=family.id,
                             data={"notes": ["From last night."]},
                             saved_at=dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC)))
        db.session.commit()
        login(worker)
        page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert "From last night." in page
    assert "We kept your unsaved draft from 18:30 on 1 Mar 2026." in page


def test_a_closed_family_keeps_no_draft(client, worker, family, login, today):
    family.phase = "closed"
    family.closed_on = today
    family.closure_reason = "step_down"
    db.session.commit()
    login(worker)
    assert client.post(f"/drafts/{key(family)}", data=draft_of(family)).status_code == 422
    assert drafts() == []


def test_a_draft_that_is_too_long_is_refused(client, worker, family, login):
    login(worker)
    answer = client.post(f"/drafts/{key(family)}", data={"notes": "x" * 100_001})
    assert answer.status_code == 422 and "too long" in answer.get_data(as_text=True)


def test_review_and_goal_forms_keep_drafts_too(client, worker, family, login):
    login(worker)
    assert client.post(f"/drafts/{key(family, 'review')}",
                       data={"attendees": "Mum, the school nurse", "notes": "Good progress."}).status_code == 204
    assert client.post(f"/drafts/{key(family, 'goal')}", data={"title": "Breakfast before school"}).status_code == 204
    review = client.get(f"/families/{family.id}/reviews/new").get_data(as_text=True)
    assert "We kept your unsaved draft" in review and "Mum, the school nurse" in review
    goal = client.get(f"/families/{family.id}/goals/new").get_data(as_text=True)
    assert "We kept your unsaved draft" in goal and "Breakfast before school" in goal
    # The visit form has no draft of its own.
    assert "We kept your unsaved draft" not in client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)


# --- The time-out warning ----------------------------------------------------------------------


def test_pages_carry_the_time_out_settings_for_the_script(client, worker, family, login):
    anonymous = client.get("/login").get_data(as_text=True)
    assert "data-idle-minutes" not in anonymous and 'id="timeout-warning"' not in anonymous
    login(worker)
    page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert 'data-idle-minutes="30"' in page and 'data-warning-minutes="5"' in page
    assert 'data-keep-alive-url="/session/keep-alive"' in page
    assert f'data-draft-url="/drafts/{key(family)}"' in page
    assert '<script src="/static/js/session.js" defer></script>' in page
    assert re.search(r'<div[^>]*id="timeout-warning"[^>]*role="alert"[^>]*hidden>', page)
    assert "Stay signed in" in page
    # Strict CSP: no inline script anywhere on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_the_script_keeps_drafts_on_the_server_only(client):
    script = client.get("/static/js/session.js").get_data(as_text=True)
    assert "sendBeacon" in script and "data-draft-url" in script
    assert "localStorage." not in script and "sessionStorage." not in script


def test_stay_signed_in_restarts_the_idle_time(client, worker, login, now):
    login(worker)
    record = db.session.scalar(select(UserSession))
    record.last_seen_at -= dt.timedelta(minutes=27)
    db.session.commit()
    assert client.post("/session/keep-alive").status_code == 204
    db.session.refresh(record)
    assert now - record.last_seen_at < dt.timedelta(minutes=1)
    record.last_seen_at -= dt.timedelta(minutes=29)  # 29 minutes since "Stay signed in": still in
    db.session.commit()
    assert client.get("/account/password").status_code == 200


def test_stay_signed_in_after_the_time_out_is_too_late(client, worker, login):
    login(worker)
    record = db.session.scalar(select(UserSession))
    record.last_seen_at -= dt.timedelta(minutes=31)
    db.session.commit()
    answer = client.post("/session/keep-alive")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_autosave_and_stay_signed_in_need_the_csrf_token(app, client, worker, family, login):
    login(worker)
    app.config["WTF_CSRF_ENABLED"] = True  # conftest restores the settings
    page = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    token = re.search(r'data-csrf-token="([^"]+)"', page).group(1)
    assert client.post(f"/drafts/{key(family)}", data=draft_of(family)).status_code == 400
    assert client.post("/session/keep-alive").status_code == 400
    assert drafts() == []
    # The script sends the page's token in a header (fetch) or the form's own field (sendBeacon).
    without_field = {name: value for name, value in draft_of(family).items() if name != "csrf_token"}
    assert client.post(f"/drafts/{key(family)}", data=without_field, headers={"X-CSRFToken": token}).status_code == 204
    assert client.post(f"/drafts/{key(family)}", data=dict(draft_of(family), csrf_token=token)).status_code == 204
    assert client.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code == 204
