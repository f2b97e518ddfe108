"""Report pages and CSVs: who may see them, the figures, and suppression of small counts."""
import csv
import datetime as dt
import io

import pytest

from casework.views.reports import local_area_table

from .helpers import PERIOD, keep_outcomes, text_of


def test_outcomes_page_for_a_manager(login, manager, closed_in_period):
    keep_outcomes()
    response = login(manager).get("/reports/outcomes", query_string=PERIOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "families closed 1 Apr 2026 to 30 Jun 2026" in html and "North" in html
    assert text_of(html, "families-closed") == "1"
    assert text_of(html, "goals-achieved") == "50% (1 of 2)"
    assert "reports.css" in html and "outcomes/chart.svg" in html


def test_outcomes_for_an_admin_cover_the_service(login, admin, closed_in_period):
    keep_outcomes()
    html = login(admin).get("/reports/outcomes", query_string=PERIOD).get_data(as_text=True)
    assert '<dd class="govuk-summary-list__value" id="families-closed">2</dd>' in html
    assert "Whole service" in html


def test_workers_and_strangers_get_no_reports(client, login, worker):
    for path in ("/reports/outcomes", "/reports/outcomes.csv", "/reports/sustained", "/reports/local-area",
                 "/reports/local-area.csv", "/reports/outcomes/chart.svg"):
        assert client.get(path).status_code == 302
    login(worker)
    for path in ("/reports/outcomes", "/reports/local-area.csv", "/reports/sustained"):
        assert client.get(path).status_code == 403


def test_the_default_period_is_the_last_full_quarter(login, manager, today):
    html = login(manager).get("/reports/outcomes").get_data(as_text=True)
    quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = quarter - dt.timedelta(days=1)
    assert f"to {end.day} {end:%b %Y}" in html


@pytest.mark.parametrize("args", [{"from": "2026-02-30", "to": "2026-06-30"}, {"from": "yesterday"},
                                  {"from": "2026-07-01", "to": "2026-06-30"}])
def test_bad_dates_are_a_form_error(login, manager, args):
    client = login(manager)
    for path in ("/reports/outcomes", "/reports/local-area", "/reports/outcomes.csv", "/reports/local-area.csv"):
        response = client.get(path, query_string=args)
        assert response.status_code == 422, path
        assert "There is a problem" in response.get_data(as_text=True)


def test_outcomes_csv(login, manager, closed_in_period):
    keep_outcomes()
    response = login(manager).get("/reports/outcomes.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    by_measure = {row[0]: row[1:] for row in rows}
    assert by_measure["Families closed"][0] == "1"
    assert by_measure["Goals achieved"] == ["1", "2", "50.0"]
    assert by_measure["Median weeks in service"][:2] == ["22.0", "22"]


def test_outcomes_chart_is_svg_without_script(login, manager, closed_in_period):
    response = login(manager).get("/reports/outcomes/chart.svg", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "<svg" in body and "<script" not in body


def test_sustained_page(login, manager, admin):
    assert login(manager).get("/reports/sustained").status_code == 200
    assert login(admin).get("/reports/sustained").status_code == 200


def test_local_area_page_suppresses_cells_and_totals(login, manager, referrals):
    response = login(manager).get("/reports/local-area", query_string=PERIOD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;5" in html
    # LS6's row total would give away the hidden housing count (8 - 6): not shown; nor the
    # housing column total, nor the grand total.
    assert ">8<" not in html and ">2<" not in html and ">13<" not in html
    assert ">11<" in html  # neglect_physical column: no hidden cell in it


def test_local_area_csv_leaks_no_count(login, manager, referrals):
    """A CSV is shared beyond the team: even a manager's rounds counts of 5 or more to the
    nearest 5 (6 shows as 5), and its totals add up the rounded counts."""
    response = login(manager).get("/reports/local-area.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][2:4] == ["1 Apr 2026", "30 Jun 2026"]
    header = rows[1]
    table = {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows[2:]}
    housing = next(name for name in header if "ousing" in name)
    physical = next(name for name in header if name not in ("District", "Total", housing))
    assert table["LS6"][housing] == "<5" and table["LS6"]["Total"] == "suppressed"
    assert table["LS6"][physical] == "5" and table["LS7"][physical] == "5"
    assert table["LS7"]["Total"] == "5"
    assert table["Total"][housing] == "suppressed" and table["Total"]["Total"] == "suppressed"
    assert table["Total"][physical] == "10"
    assert all(cell not in ("2", "6", "8", "11", "13") for row in rows[2:] for cell in row[1:])


def test_secondary_suppression_rule():
    rows = [{"district": "A", "concern": "x", "count": 7, "suppressed": False},
            {"district": "A", "concern": "y", "count": None, "suppressed": True},
            {"district": "B", "concern": "x", "count": 9, "suppressed": False},
            {"district": "B", "concern": "y", "count": 5, "suppressed": False}]
    table = local_area_table(rows)
    assert table["row_totals"] == {"A": None, "B": 14}
    assert table["column_totals"] == {"x": 16, "y": None}
    assert table["grand_total"] is None
    assert table["cell"]("A", "y") == "<5" and table["cell"]("B", "y") == 5


def test_local_area_page_by_quarter(login, manager, quarterly):
    html = login(manager).get("/reports/local-area",
                              query_string={"from": "2026-03-01", "to": "2026-07-31"}).get_data(as_text=True)
    assert "By quarter" in html
    q1, q2, q3 = (html.split(f'id="local-area-2026-Q{n}"')[1].split("</table>")[0] for n in (1, 2, 3))
    assert "1 Mar 2026 to 31 Mar 2026" in q1 and "1 Jul 2026 to 31 Jul 2026" in q3
    assert q1.count(">5<") == 4  # the LS6 cell, its row total, column total and grand total
    # Q2: LS6 2 and 2 hidden, so LS6's row total (4), the columns (8, 2) and the grand total
    # (10) are not shown; LS7's 6 is, and so is its row total.
    assert q2.count("&lt;5") == 2 and q2.count(">6<") == 2
    assert all(f">{n}<" not in q2 for n in (2, 4, 8, 10))
    assert q3.count("&lt;5") == 1 and ">1<" not in q3


def test_admins_choose_a_team(login, admin, closed_in_period, other_team, team):
    client = login(admin)
    keep_outcomes()
    html = client.get("/reports/outcomes", query_string=PERIOD).get_data(as_text=True)
    assert '<select class="govuk-select" id="team" name="team">' in html and ">South</option>" in html
    html = client.get("/reports/outcomes", query_string={**PERIOD, "team": other_team.id}).get_data(as_text=True)
    assert '<dd class="govuk-summary-list__value" id="families-closed">1</dd>' in html
    assert f'<option value="{other_team.id}" selected>South</option>' in html
    assert f"team={other_team.id}" in html  # the CSV and chart links keep the team
    response = client.get("/reports/outcomes.csv", query_string={**PERIOD, "team": team.id})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][1] == "North" and {row[0]: row[1] for row in rows[2:]}["Families closed"] == "1"
    assert client.get("/reports/local-area", query_string={**PERIOD, "team": other_team.id}).status_code == 200
    assert client.get("/reports/sustained", query_string={"team": other_team.id}).status_code == 200
    for bad in ("999999", "north"):
        assert client.get("/reports/outcomes", query_string={**PERIOD, "team": bad}).status_code == 404


def test_a_manager_passing_another_team_gets_their_own(login, manager, closed_in_period, other_team):
    client = login(manager)
    keep_outcomes()
    html = client.get("/reports/outcomes", query_string={**PERIOD, "team": other_team.id}).get_data(as_text=True)
    assert text_of(html, "families-closed") == "1"  # still their own team
    assert 'name="team"' not in html and "North" in html
    response = client.get("/reports/outcomes.csv", query_string={**PERIOD, "team": other_team.id})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][1] == "North"
