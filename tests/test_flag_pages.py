"""Flags on the family page (acknowledge, resolve, the resolved ones tucked away) and on My
families / Team families."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from casework.extensions import db as _db
from casework.models import Family, Flag
from casework.services import flags as flags_service

from . import factories
from .helpers import (
    assert_every_input_labelled,
    count_queries,
    fresh_session,
    page_text,
    signed_in,
    squash,
)


def raise_flag(family, rule="no_access", severity="medium", message="Two visits in a row without access.",
               raised_on=None, subject="family", **extra):
    flag = Flag(family=family, rule=rule, subject_key=subject, severity=severity, message=message,
                raised_on=raised_on or family.opened_on, **extra)
    _db.session.add(flag)
    _db.session.flush()
    return flag


@pytest.fixture
def flags(family, today):
    stalled = raise_flag(family, rule="goal_stalled", severity="low", message="A goal has not moved in 8 weeks.",
                         raised_on=today - dt.timedelta(days=3), subject="goal:1")
    no_access = raise_flag(family, severity="high", raised_on=today - dt.timedelta(days=2))
    return no_access, stalled


def flags_section(response) -> str:
    """The words of the family page's Flags section."""
    body = response.get_data(as_text=True)
    section = body[body.index('id="flags"'):body.index('id="plan"')]
    return page_text_of(section)


# --- On the family page -----------------------------------------------------------------------


def test_open_flags_show_rule_severity_in_words_message_and_date(login, worker, family, flags, today):
    no_access, stalled = flags
    response = login(worker).get(f"/families/{family.id}")
    text = flags_section(response)
    raised = today - dt.timedelta(days=2)
    assert (f"No access Severity: High Two visits in a row without access. "
            f"Raised on {raised.day} {raised:%b %Y}.") in text
    assert "Goal stalled Severity: Low A goal has not moved in 8 weeks." in text
    # Most severe first.
    assert text.index("No access") < text.index("Goal stalled")
    assert "2 open flags" in page_text(response)
    body = squash(response)
    assert body.count('action="/flags/') == 2  # one Acknowledge each, no Resolve for a worker
    assert f'action="/flags/{no_access.id}/acknowledge"' in body
    assert f'action="/flags/{no_access.id}/resolve"' not in body
    assert f'name="next" value="/families/{family.id}#flags"' in body


def test_a_worker_acknowledges_a_flag_and_is_brought_back(login, worker, family, flags, db):
    no_access, _ = flags
    client = login(worker)
    response = client.post(f"/flags/{no_access.id}/acknowledge", data={"next": f"/families/{family.id}#flags"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}#flags")
    assert db.session.get(Flag, no_access.id).status == "acknowledged"
    response = client.get(f"/families/{family.id}")
    text = flags_section(response)
    assert "Acknowledged by Wendy Worker on" in text
    # Acknowledged is still open, but not acknowledged twice.
    assert f'action="/flags/{no_access.id}/acknowledge"' not in squash(response)


def test_a_manager_resolves_a_flag_with_a_note(login, manager, family, flags, today, db):
    no_access, stalled = flags
    client = login(manager)
    page = client.get(f"/families/{family.id}")
    body = squash(page)
    assert f'action="/flags/{no_access.id}/resolve"' in body
    assert f'name="resolve-{no_access.id}-note"' in body
    assert_every_input_labelled(page)
    response = client.post(f"/flags/{no_access.id}/resolve", data={
        f"resolve-{no_access.id}-note": "Visits moved to mornings.", "next": f"/families/{family.id}#flags"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family.id}#flags")
    flag = db.session.get(Flag, no_access.id)
    assert (flag.status, flag.resolution, flag.resolved_by_id) == ("resolved", "Visits moved to mornings.", manager.id)

    response = client.get(f"/families/{family.id}")
    body = squash(response)
    text = page_text(response)
    assert "1 open flag" in text
    resolved = body[body.index('<details class="govuk-details">'):]
    assert "1 resolved flag" in resolved
    assert f"Resolved on {today.day} {today:%b %Y} by Mina Manager: Visits moved to mornings." in page_text_of(resolved)


def page_text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip())


def test_a_family_without_flags_says_so(login, worker, family):
    text = page_text(login(worker).get(f"/families/{family.id}"))
    assert "No open flags." in text and "resolved flag" not in text


def test_the_family_page_takes_the_same_number_of_queries_with_many_flags(login, worker, family, flags, today):
    family_id = family.id
    client = login(worker)
    fresh_session()
    with count_queries() as few:
        assert client.get(f"/families/{family_id}").status_code == 200
    family = _db.session.get(Family, family_id)
    for i in range(6):
        raise_flag(family, rule="child_not_seen", subject=f"child:{i}", severity="high", raised_on=today,
                   status="acknowledged", acknowledged_by_id=family.worker_id,
                   acknowledged_at=dt.datetime.now(dt.UTC))
        raise_flag(family, rule="phase_overrun", subject=f"old:{i}", raised_on=today, status="resolved",
                   resolved_on=today, resolution="Done.", resolved_by_id=family.worker_id)
    fresh_session()
    with count_queries() as many:
        response = client.get(f"/families/{family_id}")
    assert "8 open flags" in page_text(response)
    assert len(many) == len(few)


def test_a_familys_flags_are_ordered_open_by_severity_then_resolved(family, flags, today, db):
    no_access, stalled = flags
    done = raise_flag(family, rule="phase_overrun", status="resolved", resolved_on=today, subject="x")
    by_date_raised = sorted([no_access, stalled, done], key=lambda flag: (flag.raised_on, flag.id))
    assert flags_service.flag_order(by_date_raised) == [no_access, stalled, done]


# --- My families / Team families ------------------------------------------------------------


def test_my_families_shows_each_familys_open_flags_and_highest_severity(login, worker, family, flags, today, db):
    calm = factories.FamilyFactory(worker=worker, household_name="Calm household")
    raise_flag(calm, status="resolved", resolved_on=today)
    response = login(worker).get("/families")
    text = page_text(response)
    assert "Open flags" in text
    row = text[text.index(family.household_name):]
    row = row[:row.index("Calm household")] if text.index("Calm household") > text.index(family.household_name) else row
    assert "2 open flags for" in row and "highest: high" in row
    calm_row = text[text.index("Calm household"):]
    assert "None" in calm_row.split(family.reference)[0]


def test_open_flag_summaries_in_one_query(family, flags, worker, db):
    other = factories.FamilyFactory(worker=worker)
    raise_flag(other, severity="low", rule="goal_stalled")
    with count_queries() as queries:
        summaries = flags_service.open_flag_summaries(db.session, [family.id, other.id])
    assert len(queries) == 1
    assert (summaries[family.id].open_flags, summaries[family.id].highest_severity) == (2, "high")
    assert (summaries[other.id].open_flags, summaries[other.id].highest_severity) == (1, "low")


def test_who_may_see_the_flags(app, worker, colleague, manager, outsider, admin, family, flags):
    no_access, _ = flags
    assert signed_in(app, colleague).post(f"/flags/{no_access.id}/acknowledge").status_code == 404
    assert signed_in(app, outsider).post(f"/flags/{no_access.id}/acknowledge").status_code == 404
    assert signed_in(app, admin).post(f"/flags/{no_access.id}/acknowledge").status_code == 403
    response = signed_in(app, worker).post(f"/flags/{no_access.id}/resolve", data={f"resolve-{no_access.id}-note": "x"})
    assert response.status_code == 403
    assert _db.session.get(Flag, no_access.id).status == "open"


def test_the_family_page_flag_forms_carry_their_csrf_tokens(app, login, manager, family, flags, db):
    no_access, stalled = flags
    client = login(manager)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        body = client.get(f"/families/{family.id}").get_data(as_text=True)

        def token(name):
            return re.search(rf'name="{re.escape(name)}" value="([^"]+)"', body).group(1)

        response = client.post(f"/flags/{stalled.id}/acknowledge", data={
            "csrf_token": token("csrf_token"), "next": f"/families/{family.id}#flags"})
        assert response.status_code == 302
        response = client.post(f"/flags/{no_access.id}/resolve", data={
            f"resolve-{no_access.id}-csrf_token": token(f"resolve-{no_access.id}-csrf_token"),
            f"resolve-{no_access.id}-note": "Visits moved to mornings.", "next": f"/families/{family.id}#flags"})
        assert response.status_code == 302, page_text(response)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.get(Flag, stalled.id).status == "acknowledged"
    assert db.session.get(Flag, no_access.id).status == "resolved"
