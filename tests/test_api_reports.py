"""GET /api/v1/reports/outcomes and /local-area."""
import datetime as dt

import pytest

from casework.extensions import db
from casework.services import reports

from .helpers import PERIOD, keep_outcomes


def test_outcomes_is_the_service_report(api, manager, closed_in_period):
    keep_outcomes()
    response = api(manager).get("/api/v1/reports/outcomes", query_string=PERIOD)
    assert response.status_code == 200
    body = response.get_json()
    expected = reports.outcomes(db.session, manager, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert body == expected
    assert body["families_closed"] == 1 and body["goals"] == {"total": 2, "achieved": 1, "pct_achieved": 50.0}
    assert body["median_weeks_in_service"] == 22.0


def test_admin_sees_the_whole_service(api, admin, closed_in_period):
    keep_outcomes()
    body = api(admin).get("/api/v1/reports/outcomes", query_string=PERIOD).get_json()
    assert body["families_closed"] == 2


def test_workers_get_403_and_strangers_401(api, client, worker):
    for path in ("/api/v1/reports/outcomes", "/api/v1/reports/local-area"):
        assert client.get(path).status_code == 401
        assert api(worker).get(path, query_string={"from": "nonsense"}).status_code == 403


def test_missing_dates_default_to_the_last_full_quarter(api, manager, today):
    body = api(manager).get("/api/v1/reports/outcomes").get_json()
    start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = start - dt.timedelta(days=1)
    assert body["to"] == end.isoformat() and body["from"] == dt.date(end.year, end.month - 2, 1).isoformat()


@pytest.mark.parametrize("args, field", [({"from": "2026-13-01", "to": "2026-06-30"}, "from"),
                                         ({"from": "2026-04-01", "to": "soon"}, "to"),
                                         ({"from": "2026-07-01", "to": "2026-06-30"}, "to")])
def test_bad_dates_are_422(api, manager, args, field):
    for path in ("/api/v1/reports/outcomes", "/api/v1/reports/local-area"):
        response = api(manager).get(path, query_string=args)
        assert response.status_code == 422
        body = response.get_json()
        assert body["error"] and field in body["fields"]


def test_local_area_rows(api, manager, referrals):
    response = api(manager).get("/api/v1/reports/local-area", query_string=PERIOD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == "2026-04-01" and body["to"] == "2026-06-30"
    assert {"district": "LS6", "concern": "housing", "count": None, "suppressed": True} in body["rows"]
    assert {"district": "LS7", "concern": "neglect_physical", "count": 5, "suppressed": False} in body["rows"]
    assert all(set(row) == {"district", "concern", "count", "suppressed"} for row in body["rows"])


def test_the_openapi_document_lists_reports(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/reports/outcomes"] and "get" in paths["/api/v1/reports/local-area"]
