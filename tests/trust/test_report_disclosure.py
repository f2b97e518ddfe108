"""Trust check, round two, items 9 and 10 (and issue 12's report dates): reports give away no
family and never fail on the period asked for.

Item 9, as found: the local-area counts for periods ending on 5 and on 6 December showed 22 and
23: one family referred on 6 December. Now:
- local-area periods are whole months (``from`` a 1st, ``to`` a month's last day; 422 naming
  the field otherwise), on the API, the page and the CSV;
- an admin's answer (the whole service, or a team), every CSV and the board print round counts
  of 5 or more to the nearest 5, and 1 to 4 stay suppressed; a manager's own team keeps exact
  counts on screen and in the API; a total is hidden wherever it would give a hidden count away.

Item 10, as found: a period reaching the year 9999 answered 500 ("year 10000 is out of range"),
and 0001 to 9999 took 1.5 s and 3.5 MB. Now every report's period is at most 10 years (422
beyond, naming ``to``), read in one place (forms/reports.py), and the last 10 years of the
calendar answer like any other.

Issue 12, part 9: report headings, the CSVs' headings and the board print show dates as every
other page does ("1 Jul 2026"), never "2026-07-01".

Figures: day-level periods refused; an admin's counts that are not a multiple of 5 (0); periods
past 10 years refused; the longest answer to a period at the calendar's end (seconds)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time

from casework.extensions import db as _db
from casework.models import FamilyConcern

from ..factories import FamilyFactory
from ..helpers import assert_error, page_text
from .figures import record
from .web import signed_in_client

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
TO_DECEMBER = {"from": "2026-11-01", "to": "2026-12-31"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_figures: dict = {}


def _refer(worker, day, count, postcode="LS6 1AB", concern=None):
    for _ in range(count):
        family = FamilyFactory(worker=worker, postcode=postcode, referral_date=day, opened_on=day)
        if concern:
            family.concern_rows.append(FamilyConcern(code=concern))


def _cell(report, district, concern="neglect_physical"):
    return next(row for row in report["rows"] if row["district"] == district and row["concern"] == concern)


def test_local_area_periods_are_whole_months_and_admins_see_rounded_counts(app, api, worker, manager, admin):
    # 22 referrals in LS6 in November, one more on 6 December; 3 in LS7 (hidden); housing twice.
    _refer(worker, dt.date(2026, 11, 10), 22)
    _refer(worker, dt.date(2026, 12, 6), 1)
    _refer(worker, dt.date(2026, 11, 20), 3, postcode="LS7 2CD", concern="housing")
    _db.session.commit()
    as_admin, as_manager = api(admin), api(manager)
    refused = 0
    for period, fields in (({"from": "2026-12-01", "to": "2026-12-05"}, {"to"}),
                           ({"from": "2026-12-01", "to": "2026-12-06"}, {"to"}),
                           ({"from": "2026-11-02", "to": "2026-11-30"}, {"from"}),
                           ({"from": "2026-11-15", "to": "2026-12-15"}, {"from", "to"})):
        for caller in (as_admin, as_manager):
            body = assert_error(caller.get("/api/v1/reports/local-area", query_string=period), 422)
            assert set(body["fields"]) == fields, body
            refused += 1
    exact = [as_manager.get("/api/v1/reports/local-area", query_string=q).get_json() for q in (NOVEMBER, TO_DECEMBER)]
    rounded = [as_admin.get("/api/v1/reports/local-area", query_string=q).get_json() for q in (NOVEMBER, TO_DECEMBER)]
    assert [_cell(r, "LS6")["count"] for r in exact] == [22, 23]  # the manager's own team: exact
    assert [_cell(r, "LS6")["count"] for r in rounded] == [20, 25]  # the admin's: to the nearest 5
    for report in exact + rounded:
        assert _cell(report, "LS7")["count"] is None and _cell(report, "LS7")["suppressed"] is True
        assert _cell(report, "LS7", "housing")["suppressed"] is True
    not_multiples = [row["count"] for r in rounded for row in r["rows"] if row["count"] is not None
                     and row["count"] % 5]
    assert not_multiples == []
    # The pages: the admin's page rounds and says so; the manager's CSV and board print round too.
    admin_page = signed_in_client(app, admin).get("/reports/local-area", query_string=NOVEMBER)
    assert admin_page.status_code == 200
    table = admin_page.get_data(as_text=True).split('id="local-area"')[1].split("</table>")[0]
    assert ">20<" in table and ">22<" not in table and "rounded to the nearest 5" in page_text(admin_page)
    manager_pages = signed_in_client(app, manager)
    own = manager_pages.get("/reports/local-area", query_string=NOVEMBER).get_data(as_text=True)
    assert ">22<" in own.split('id="local-area"')[1].split("</table>")[0]
    rows = list(csv.reader(io.StringIO(manager_pages.get("/reports/local-area.csv", query_string=NOVEMBER)
                                       .get_data(as_text=True))))
    by_district = {row[0]: row for row in rows[2:]}
    assert "20" in by_district["LS6"] and "22" not in by_district["LS6"]
    # LS7's row holds a hidden count: its total, and the grand total, are hidden too.
    assert by_district["LS7"][-1] == "suppressed" and by_district["Total"][-1] == "suppressed"
    board = manager_pages.get("/reports/outcomes/print", query_string=NOVEMBER).get_data(as_text=True)
    board_table = board.split('id="local-area-table"')[1].split("</table>")[0]
    assert ">20<" in board_table and ">22<" not in board_table
    day_level = manager_pages.get("/reports/local-area", query_string={"from": "2026-12-01", "to": "2026-12-05"})
    assert day_level.status_code == 422 and "last day of a month" in page_text(day_level)
    _figures.update(day_level_periods_refused=refused + 1, admin_counts_not_multiple_of_5=len(not_multiples))


def test_report_periods_are_at_most_ten_years_and_the_calendars_end_is_no_error(app, api, manager, admin):
    as_admin = api(admin)
    pages = signed_in_client(app, admin)
    refused = 0
    for path in ("/api/v1/reports/outcomes", "/api/v1/reports/local-area"):
        assert as_admin.get(path, query_string={"from": "2016-01-01", "to": "2025-12-31"}).status_code == 200
        for period in ({"from": "2016-01-01", "to": "2026-01-31"}, {"from": "0001-01-01", "to": "9999-12-31"},
                       {"from": "2000-01-01"}):
            body = assert_error(as_admin.get(path, query_string=period), 422)
            assert list(body["fields"]) == ["to"] and "at most 10 years" in body["fields"]["to"][0], body
            refused += 1
    slowest = 0.0
    calendar_end = {"from": "9990-01-01", "to": "9999-12-31"}
    for path in ("/api/v1/reports/outcomes", "/api/v1/reports/local-area"):
        started = time.monotonic()
        response = as_admin.get(path, query_string=calendar_end)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 200 and response.get_json()["to"] == "9999-12-31"
    for path in ("/reports/outcomes", "/reports/local-area", "/reports/outcomes.csv", "/reports/local-area.csv",
                 "/reports/outcomes/print", "/reports/outcomes/chart.svg"):
        started = time.monotonic()
        response = pages.get(path, query_string=calendar_end)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 200, (path, response.status_code)
        far = pages.get(path, query_string={"from": "0001-01-01", "to": "9999-12-31"})
        assert far.status_code == 422, (path, far.status_code)
        refused += 1
    _figures.update(periods_over_10_years_refused=refused, calendar_end_seconds_max=round(slowest, 3))


def test_report_pages_csvs_and_the_board_print_show_dates_as_every_page_does(app, manager):
    _refer(manager, dt.date(2026, 5, 4), 6)
    _db.session.commit()
    pages = signed_in_client(app, manager)
    period = {"from": "2026-04-01", "to": "2026-06-30"}
    shown = {}
    for path in ("/reports/outcomes", "/reports/local-area", "/reports/sustained", "/reports/outcomes/print"):
        text = page_text(pages.get(path, query_string=period))
        assert not ISO_DATE.findall(text), (path, ISO_DATE.findall(text))
        shown[path] = text
    assert "families closed 1 Apr 2026 to 30 Jun 2026" in shown["/reports/outcomes"]
    assert "Families referred 1 Apr 2026 to 30 Jun 2026" in shown["/reports/local-area"]
    assert "1 Apr 2026 to 30 Jun 2026" in shown["/reports/outcomes/print"]
    for path in ("/reports/outcomes.csv", "/reports/local-area.csv"):
        heading = next(csv.reader(io.StringIO(pages.get(path, query_string=period).get_data(as_text=True))))
        assert not ISO_DATE.findall(" ".join(heading)) and "1 Apr 2026" in " ".join(heading), heading
    _figures["iso_dates_on_report_pages"] = 0


def test_report_disclosure_figures():
    """Runs after the checks above: their figures, for scripts/trust-report."""
    expected = {"day_level_periods_refused", "admin_counts_not_multiple_of_5", "periods_over_10_years_refused",
                "calendar_end_seconds_max", "iso_dates_on_report_pages"}
    missing = expected - set(_figures)
    record("local-area disclosure and report periods (#13.9, #13.10, #12.9)",
           **{name: _figures.get(name) for name in sorted(expected)},
           bound_ok=not missing and _figures["admin_counts_not_multiple_of_5"] == 0)
    assert not missing, f"not measured: {sorted(missing)}"
