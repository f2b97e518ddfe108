"""A person's notifications: the unread count in the header, the list, marking them read."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from casework.extensions import db as _db
from casework.models import Notification

from .helpers import count_queries, page_text, signed_in, squash


def notify(user, message, created_at, family=None, read=False):
    note = Notification(
        user=user, kind="review_due", family_id=family.id if family else None, message=message,
        key=f"test:{user.id}:{message}", created_at=created_at, created_on=created_at.date(),
        read_at=created_at if read else None,
    )
    _db.session.add(note)
    _db.session.flush()
    return note


@pytest.fixture
def notes(worker, family, now):
    older = notify(worker, f"A review for {family.reference} is due on 27 Nov.", now - dt.timedelta(days=2), family)
    newer = notify(worker, f"{family.reference} has been allocated to you.", now - dt.timedelta(hours=1), family)
    read = notify(worker, "An old message, already read.", now - dt.timedelta(days=9), read=True)
    return older, newer, read


def header(response) -> str:
    body = squash(response)
    return body[body.index("<header"):body.index("</header>")]


def test_the_header_shows_the_unread_count(login, worker, notes):
    response = login(worker).get("/families")
    assert ('href="/notifications">Notifications (2<span class="govuk-visually-hidden"> unread</span>)</a>'
            in header(response))


def test_no_unread_notifications_no_number(login, manager, notes):
    assert 'href="/notifications">Notifications</a>' in header(login(manager).get("/families"))


def test_a_stranger_sees_no_notifications_and_costs_no_query(client):
    with count_queries() as queries:
        response = client.get("/login")
    assert "Notifications" not in page_text(response)
    assert not any("notifications" in statement for statement in queries)


def test_the_count_is_one_small_query(login, worker, notes):
    client = login(worker)
    with count_queries() as queries:
        client.get("/notifications")
    assert sum("count(notifications.id)" in statement.lower() for statement in queries) == 1


def test_the_list_is_newest_first_with_links_to_the_family(login, worker, family, notes):
    older, newer, read = notes
    response = login(worker).get("/notifications")
    assert response.status_code == 200
    text = page_text(response)
    assert "2 unread. Newest first." in text
    assert text.index(newer.message) < text.index(older.message) < text.index(read.message)
    body = squash(response)
    assert body.count(f'href="/families/{family.id}"') == 2
    assert f'action="/notifications/{newer.id}/read"' in body and f'action="/notifications/{read.id}/read"' not in body
    assert "Mark all as read" in text


def test_marking_one_as_read(login, worker, notes, db):
    older, newer, read = notes
    client = login(worker)
    response = client.post(f"/notifications/{newer.id}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    assert db.session.get(Notification, newer.id).read_at is not None
    assert db.session.get(Notification, older.id).read_at is None
    response = client.get("/notifications")
    assert "1 unread." in page_text(response)
    assert "Notifications (1<span" in header(response)


def test_marking_all_as_read(login, worker, manager, notes, now, db):
    theirs = notify(manager, "For the manager.", now)
    client = login(worker)
    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert all(db.session.get(Notification, note.id).read_at is not None for note in notes)
    assert db.session.get(Notification, theirs.id).read_at is None
    text = page_text(client.get("/notifications"))
    assert "All your notifications are marked as read." in text and "All read." in text
    assert "Mark all as read" not in text


def test_nobody_reads_anyone_elses(app, worker, colleague, manager, admin, notes, db):
    older, *_ = notes
    for user in (colleague, manager, admin):
        assert signed_in(app, user).post(f"/notifications/{older.id}/read").status_code == 404
        assert older.message not in page_text(signed_in(app, user).get("/notifications"))
    assert db.session.get(Notification, older.id).read_at is None


def test_an_empty_list(login, colleague):
    assert "You have no notifications." in page_text(login(colleague).get("/notifications"))


def test_a_stranger_is_sent_to_sign_in(client):
    assert "/login" in client.get("/notifications").headers["Location"]
    assert "/login" in client.post("/notifications/read").headers["Location"]


def test_mark_as_read_is_a_govuk_secondary_button(login, worker, notes):
    body = squash(login(worker).get("/notifications"))
    buttons = re.findall(r'<button type="submit" class="([^"]+)"[^>]*>Mark as read<', body)
    assert len(buttons) == 2  # one for each unread notification
    # A GOV.UK button (its own font and colours), not an unstyled <button> in the browser's serif.
    assert all(classes.split() == ["govuk-button", "govuk-button--secondary", "govuk-!-margin-bottom-0"]
               for classes in buttons), buttons
