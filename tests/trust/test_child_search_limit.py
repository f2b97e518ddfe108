"""Trust check, round two, item 12: asking whether a child is known to the service is audited
and limited.

As found: ``GET /api/v1/children/matches`` was neither audited nor rate-limited, so a worker
could quietly ask whether any named child is known anywhere in the service. Now each search
(the API's, and each child a referral page checks) writes an audit row: who, when, how many
matches, and never the name or date of birth asked about; and after 30 searches by one user in
15 minutes the next answers 429 until the oldest leaves the window. The count is kept in the
database, so it holds across web workers: here, two separately built applications (as two
gunicorn workers are) share it.

Figures: searches answered before the refusal (30), audit rows written, audit rows holding a
name or a date of birth (0)."""
from __future__ import annotations

import datetime as dt
import json

import time_machine
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AuditEvent, Family
from casework.services import child_search

from ..factories import FamilyFactory
from ..helpers import assert_error, sign_in
from .figures import record
from .processes import child_app, database_spec


def test_searches_are_audited_and_the_31st_in_15_minutes_is_refused(app, api, worker, outsider, colleague, today):
    FamilyFactory(worker=outsider)  # Amy, born 1 March 2018, is known to another team
    _db.session.commit()
    # A second application on the same database, as a second gunicorn worker would be.
    second = child_app(database_spec(app)).test_client()
    caller = api(worker)
    token = caller.headers
    known = {"first_name": "amy", "date_of_birth": "2018-03-01"}
    unknown = {"first_name": "Nobody", "date_of_birth": "2019-01-01"}
    answered = 0
    for n in range(child_search.SEARCH_LIMIT):
        client = caller if n % 2 else second  # alternate between the two "workers"
        kwargs = {"headers": token} if client is second else {}
        response = client.get("/api/v1/children/matches", query_string=known if n % 3 else unknown, **kwargs)
        assert response.status_code == 200, (n, response.get_data(as_text=True))
        answered += 1
    refused = assert_error(second.get("/api/v1/children/matches", query_string=known, headers=token), 429)
    assert "30 times in 15 minutes" in refused["error"]
    assert_error(caller.get("/api/v1/children/matches", query_string=known), 429)
    # Another user is not held back by this one's searches.
    assert api(colleague).get("/api/v1/children/matches", query_string=known).status_code == 200
    rows = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == child_search.SEARCHED)).all()
    mine = [row for row in rows if row.user_id == worker.id]
    assert len(mine) == child_search.SEARCH_LIMIT
    assert {row.detail["matches"] for row in mine} == {0, 1} and {row.detail["via"] for row in mine} == {"api"}
    leaked = [row for row in rows if any(secret in json.dumps(row.detail).lower() + str(row.record_id)
                                         for secret in ("amy", "nobody", "2018-03-01", "2019-01-01"))]
    assert leaked == []
    # Fifteen minutes after the first, searching is possible again.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert caller.get("/api/v1/children/matches", query_string=known).status_code == 200
    record("child searches audited and limited (#13.12)", answered_before_refusal=answered,
           limit=f"{child_search.SEARCH_LIMIT} in {child_search.SEARCH_WINDOW.seconds // 60} min",
           audit_rows=len(rows), audit_rows_with_a_name_or_date=len(leaked),
           bound_ok=answered == child_search.SEARCH_LIMIT and not leaked)


def test_the_referral_pages_known_child_check_counts_and_is_refused_too(app, client, worker, outsider, today):
    FamilyFactory(worker=outsider)
    _db.session.commit()
    sign_in(client, worker)
    form = {"household_name": "Smith household", "postcode": "LS6 2AB", "referral_date": today.isoformat(),
            "concerns": "housing", "children-0-first_name": "Amy", "children-0-date_of_birth": "2018-03-01",
            "children-1-first_name": "Ben", "children-1-date_of_birth": "2021-07-09"}
    for _ in range(child_search.SEARCH_LIMIT // 2):  # two children: two searches each time
        response = client.post("/families/new", data=form)
        assert response.status_code == 200 and "may already be known" in response.get_data(as_text=True)
    refused = client.post("/families/new", data=form)
    assert refused.status_code == 429 and "30 times in 15 minutes" in refused.get_data(as_text=True)
    rows = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == child_search.SEARCHED)).all()
    assert len(rows) == child_search.SEARCH_LIMIT and {row.detail["via"] for row in rows} == {"referral"}


def test_answering_whether_it_is_the_known_family_searches_no_more(app, client, worker, outsider, today):
    """A referral of many children, some already known: the question is asked once (one search
    per child) and answering it searches nothing more, so a large family is not held up."""
    earlier = FamilyFactory(worker=outsider)
    _db.session.commit()
    sign_in(client, worker)
    form = {"household_name": "Smith household", "postcode": "LS6 2AB", "referral_date": today.isoformat(),
            "concerns": "housing", "children-0-first_name": "Amy", "children-0-date_of_birth": "2018-03-01"}
    for n in range(1, 20):
        form[f"children-{n}-first_name"] = f"Child{n}"
        form[f"children-{n}-date_of_birth"] = "2016-01-01"
    assert "may already be known" in client.post("/families/new", data=form).get_data(as_text=True)
    answered = client.post("/families/new", data={**form, "known_checked": "1", "same_family": str(earlier.id)})
    assert answered.status_code == 302
    searches = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == child_search.SEARCHED)).all()
    assert len(searches) == 20
    linked = _db.session.scalar(select(Family).where(Family.previous_family_id == earlier.id))
    assert linked is not None and len(linked.children) == 20
