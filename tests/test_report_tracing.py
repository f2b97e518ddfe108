"""Every number of the outcomes report traceable to the families behind it; change for children
(of the families assessed, and assessed on their own); the report printed for a board."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import Assessment, AssessmentScore, Family, Voice
from casework.services import reports
from casework.services.errors import Forbidden

from .factories import GoalFactory, RatingFactory
from .helpers import END, PERIOD, START, assert_refused, closed_family, keep_outcomes, text_of

FW = "family-functioning"


def assess(family, worker, date, stage, child=None, **scores):
    db.session.add(Assessment(family=family, child=child, framework=FW, stage=stage, date=date, recorded_by=worker,
                              scores=[AssessmentScore(domain=domain, score=score) for domain, score in scores.items()]))


@pytest.fixture
def traced(worker, outsider):
    """Worked out by hand (the casework profile: 1 to 5, lower is better):

    A (FP-A, 2 children: Amy, Ben): closed 8 Jun, 22 weeks, stepped down. Goals: family
      routine 3 -> 6, achieved (improved); home conditions from 2, never rated. Family
      assessments: initial home 4, warmth 2; closing home 2 (better), warmth 3 (worse). Amy on
      her own: home 5 -> 3 (better); Ben once only (not compared).
    B (FP-B, 2 children: Amy, Ben): closed 4 May, 13 weeks, disengaged. Goal: home conditions
      2 -> 5, achieved (improved). Family assessments, both reviews (no closing): home 3 -> 3
      (no change), warmth 2 -> 1 (better). Amy on her own: home 4 -> 4, warmth 3 -> 2.
    C: another team's family closed in the period; D: closed before the period.

    So: 2 families, 4 children; goals 2 of 3 achieved; family routine 1 of 1 goal, 1 of 1
    family, 2 of 2 children; home conditions 1 of 2 goals, 1 of 2 families, 2 of 4 children.
    Family assessments: home 1 of 2 families better (2 of 4 children), warmth 1 of 2 (2 of 4).
    Children on their own: home 1 of 2 (Amy of A), warmth 1 of 1 (Amy of B). Completeness 1 of
    2. Median weeks 17.5."""
    a = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))
    a.reference = "FP-A"
    routine = GoalFactory(family=a, area="family_routine", baseline=3, status="achieved")
    RatingFactory(goal=routine, date=dt.date(2026, 3, 1), rating=6)
    GoalFactory(family=a, area="home_conditions", baseline=2)
    assess(a, worker, dt.date(2026, 1, 20), "initial", home_conditions=4, emotional_warmth=2)
    assess(a, worker, dt.date(2026, 6, 1), "closing", home_conditions=2, emotional_warmth=3)
    assess(a, worker, dt.date(2026, 1, 21), "initial", a.children[0], home_conditions=5)
    assess(a, worker, dt.date(2026, 5, 21), "review", a.children[0], home_conditions=3)
    assess(a, worker, dt.date(2026, 5, 21), "review", a.children[1], home_conditions=1)

    b = closed_family(worker, dt.date(2026, 2, 2), dt.date(2026, 5, 4), "disengaged")
    b.reference = "FP-B"
    home = GoalFactory(family=b, area="home_conditions", baseline=2, status="achieved")
    RatingFactory(goal=home, date=dt.date(2026, 4, 1), rating=5)
    assess(b, worker, dt.date(2026, 2, 10), "review", home_conditions=3, emotional_warmth=2)
    assess(b, worker, dt.date(2026, 4, 10), "review", home_conditions=3, emotional_warmth=1)
    assess(b, worker, dt.date(2026, 2, 11), "initial", b.children[0], home_conditions=4, emotional_warmth=3)
    assess(b, worker, dt.date(2026, 4, 11), "review", b.children[0], home_conditions=4, emotional_warmth=2)

    c = closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 1))
    c.reference = "FP-OTHER"
    GoalFactory(family=c, area="home_conditions", baseline=2, status="achieved")
    assess(c, outsider, dt.date(2026, 1, 20), "initial", home_conditions=4)
    assess(c, outsider, dt.date(2026, 5, 20), "closing", home_conditions=1)
    d = closed_family(worker, dt.date(2025, 9, 1), dt.date(2026, 3, 31))
    d.reference = "FP-EARLIER"
    keep_outcomes()
    return a, b


def test_children_by_domain_hand_computed(manager, traced):
    report = reports.outcomes(db.session, manager, START, END)
    assert report["families_closed"] == 2 and report["children"] == 4
    assert report["goals"] == {"total": 3, "achieved": 2, "pct_achieved": 66.7}
    domains = {row["domain"]: row for row in report["assessment_domains"]}
    assert set(domains) == {"home_conditions", "emotional_warmth"}
    for code in ("home_conditions", "emotional_warmth"):
        row = domains[code]
        assert (row["families"], row["improved"], row["pct_improved"]) == (2, 1, 50.0)
        assert (row["children"], row["children_improved"], row["pct_children_improved"]) == (4, 2, 50.0)
    assert report["child_assessment_domains"] == [
        {"framework": FW, "domain": "emotional_warmth", "label": "Emotional warmth", "children": 1, "improved": 1,
         "pct_improved": 100.0},
        {"framework": FW, "domain": "home_conditions", "label": "Home conditions", "children": 2, "improved": 1,
         "pct_improved": 50.0},
    ]
    assert report["data_completeness"] == {"families_closed": 2, "with_first_and_closing_assessment": 1, "pct": 50.0}


def test_the_families_behind_figures_hand_computed(manager, traced):
    a, b = traced

    def listed(key):
        measure, families = reports.outcome_families(db.session, manager, START, END, key)
        return {reference: (measure.whole.get(fid), measure.part.get(fid), measure.values.get(fid))
                for fid, reference in families}

    assert listed("goals_achieved") == {"FP-A": (2, 1, None), "FP-B": (1, 1, None)}
    assert listed("area:home_conditions:children") == {"FP-A": (2, 0, None), "FP-B": (2, 2, None)}
    assert listed(f"domain:{FW}:emotional_warmth:families") == {"FP-A": (1, 0, None), "FP-B": (1, 1, None)}
    assert listed(f"child_domain:{FW}:home_conditions") == {"FP-A": (1, 1, None), "FP-B": (1, 0, None)}
    assert listed("closure:disengaged") == {"FP-B": (1, 0, None)}
    assert listed("weeks_in_service") == {"FP-A": (None, None, 22.0), "FP-B": (None, None, 13.0)}
    assert listed("data_completeness") == {"FP-A": (1, 1, None), "FP-B": (1, 0, None)}
    assert reports.outcome_families(db.session, manager, START, END, "area:nowhere:goals") is None


def test_only_managers_see_the_families_behind_figures(admin, worker, traced):
    for user in (admin, worker):
        with assert_refused(Forbidden):
            reports.outcome_families(db.session, user, START, END, "goals_achieved")


def _links(html):
    """(link text, href) of every figure linked to its families."""
    found = re.findall(r'<a class="govuk-link" href="(/reports/outcomes/families\?[^"]+)">(.*?)</a>', html)
    return [(re.sub(r"<[^>]+>", "", re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", text)).strip(),
             href.replace("&amp;", "&")) for href, text in found]


def _cells(part):
    return [int(n) for n in re.findall(r'govuk-table__cell--numeric">(?:<strong>)?(\d+)', part)]


def test_every_figure_links_to_families_that_add_up_to_it(login, manager, traced):
    client = login(manager)
    html = client.get("/reports/outcomes", query_string=PERIOD).get_data(as_text=True)
    links = _links(html)
    keys = {re.search(r"measure=([^&]+)", href).group(1) for _, href in links}
    # Every figure on the page, each kind of measure included.
    assert {"families_closed", "children", "goals_achieved", "weeks_in_service", "data_completeness",
            "area:home_conditions:goals", "area:family_routine:children", f"domain:{FW}:home_conditions:children",
            f"child_domain:{FW}:emotional_warmth", "closure:step_down", "weeks_in:engagement",
            "child_voice:children", "child_voice:heard"} <= keys
    for text, href in links:
        page = client.get(href)
        assert page.status_code == 200, href
        body = page.get_data(as_text=True)
        assert "FP-OTHER" not in body and "FP-EARLIER" not in body
        rows = body.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0] if "<tbody" in body else ""
        shares = re.fullmatch(r"(\d+) of (\d+)(?: families)?", text)
        if shares:  # "1 of 2": the list's totals and the sums of its rows
            part, whole = int(shares.group(1)), int(shares.group(2))
            total = body.split('id="total">')[1].split("</tr>")[0]
            assert _cells(total) == [whole, part], href
            cells = _cells(rows)
            assert (sum(cells[0::2]), sum(cells[1::2])) == (whole, part), href
            assert text_of(body, "figure").startswith(f"{part} of {whole} "), href
        elif "." in text:  # a median of weeks
            assert text_of(body, "figure").startswith(f"Median {text} weeks"), href
            weeks = sorted(float(w) for w in re.findall(r'numeric">(\d+\.\d)</td>', rows))
            middle = len(weeks) // 2
            assert f"{(weeks[middle] if len(weeks) % 2 else (weeks[middle - 1] + weeks[middle]) / 2):.1f}" == text
        else:  # a count
            assert sum(_cells(rows)) == int(text), href
            assert text_of(body, "figure").startswith(f"{text} "), href


def test_the_list_of_families_names_them_by_reference_with_links(login, manager, traced):
    a, b = traced
    body = login(manager).get("/reports/outcomes/families",
                              query_string={**PERIOD, "measure": "goals_achieved"}).get_data(as_text=True)
    assert f'href="/families/{a.id}">FP-A</a>' in body and f'href="/families/{b.id}">FP-B</a>' in body
    assert text_of(body, "figure") == "2 of 3 goals (66.7%), in 2 families."
    assert "Household" not in body and "Smith" not in body  # references only: no names


def test_admins_and_workers_get_403_on_the_families_behind_a_figure(client, login, admin, worker, traced):
    args = {**PERIOD, "measure": "goals_achieved"}
    assert client.get("/reports/outcomes/families", query_string=args).status_code == 302
    for user in (admin, worker):
        client.post("/logout")
        assert login(user).get("/reports/outcomes/families", query_string=args).status_code == 403
    client.post("/logout")
    html = login(admin).get("/reports/outcomes", query_string=PERIOD).get_data(as_text=True)
    assert "/reports/outcomes/families" not in html  # figures only, no links
    assert text_of(html, "goals-achieved") == "75% (3 of 4)"  # the whole service, FP-OTHER included


def test_another_managers_list_never_holds_this_teams_families(login, other_team, traced):
    from .factories import UserFactory

    other = UserFactory(team=other_team, role="manager", email="olga@example.org")
    body = login(other).get("/reports/outcomes/families",
                            query_string={**PERIOD, "measure": "families_closed"}).get_data(as_text=True)
    assert "FP-OTHER" in body and "FP-A" not in body and "FP-B" not in body
    # A team asked for in the query changes nothing for a manager.
    body = login(other).get("/reports/outcomes/families",
                            query_string={**PERIOD, "measure": "families_closed", "team": "1"}).get_data(as_text=True)
    assert "FP-A" not in body


@pytest.mark.parametrize("args, status", [({"measure": "nonsense"}, 400), ({}, 400),
                                          ({"measure": "goals_achieved", "from": "2026-02-30"}, 422)])
def test_a_figure_that_is_not_there_is_a_clear_error(login, manager, args, status):
    response = login(manager).get("/reports/outcomes/families", query_string={**PERIOD, **args})
    assert response.status_code == status


def test_the_board_print_has_every_section(login, manager, traced):
    response = login(manager).get("/reports/outcomes/print", query_string=PERIOD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for section in ("summary", "by-area", "by-domain", "voices", "time", "sustained", "local-area"):
        assert f'<section class="cw-board-section" aria-labelledby="{section}">' in html
    assert html.count("North · 1 Apr 2026 to 30 Jun 2026") == 7  # each section says its team and period
    assert "reports.css" in html and "@media print" not in html  # the print rules are in the stylesheet
    assert 'src="/reports/outcomes/chart.svg?from=2026-04-01&amp;to=2026-06-30"' in html
    assert 'src="/reports/outcomes/domains-chart.svg?from=2026-04-01&amp;to=2026-06-30"' in html
    assert text_of(html, "goals-achieved") == "66.7% (2 of 3)"  # the n beside every %
    footer = html.split('id="produced"')[1]
    assert "by Mina Manager (manager, North)" in footer
    assert "1 of 2 families closed had a first and a closing assessment (50%)" in footer
    assert "/reports/outcomes/families" not in html  # a board sees figures, not families


def test_one_click_from_reports_to_the_board_print(login, manager, admin, other_team):
    client = login(manager)
    response = client.get("/reports")
    assert response.status_code == 302 and response.headers["Location"].startswith("/reports/outcomes")
    html = client.get("/reports/outcomes", query_string=PERIOD).get_data(as_text=True)
    assert ('<a class="govuk-button" data-module="govuk-button" '
            'href="/reports/outcomes/print?from=2026-04-01&amp;to=2026-06-30">Print for the board</a>') in html
    client.post("/logout")
    html = login(admin).get("/reports/outcomes/print",
                            query_string={**PERIOD, "team": other_team.id}).get_data(as_text=True)
    assert "South · 1 Apr 2026 to 30 Jun 2026" in html and "by Ada Admin (admin)" in html


def test_reports_css_prints_each_section_on_its_own_page(client):
    css = client.get("/static/reports.css").get_data(as_text=True)
    rules = css.split("@media print", 1)[1]
    assert ".cw-board-section { break-before: page" in rules and ".govuk-header" in rules


def test_domains_chart_is_svg_without_script(login, manager, traced):
    response = login(manager).get("/reports/outcomes/domains-chart.svg", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert "<script" not in body and "Home conditions" in body


def test_csv_has_the_childrens_figures(login, manager, traced):
    import csv
    import io

    response = login(manager).get("/reports/outcomes.csv", query_string=PERIOD)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    by_measure = {row[0]: row[1:] for row in rows}
    assert by_measure[f"Assessment {FW}, Home conditions: children in families better"] == ["2", "4", "50.0"]
    assert by_measure[f"Assessment {FW}, Emotional warmth: children assessed on their own, better"] == [
        "1", "1", "100.0"]


def test_reports_keeps_only_the_period_and_team(login, manager):
    response = login(manager).get("/reports", query_string={**PERIOD, "_scheme": "http", "_external": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/outcomes?from=2026-04-01&to=2026-06-30"


def test_a_median_of_the_childrens_scales_lists_each_familys_scales(login, manager, traced, worker):
    family = db.session.scalars(select(Family).where(Family.reference == "FP-A")).one()
    child = family.children[0]
    for day, scale in ((family.opened_on, 3), (family.closed_on, 7)):
        db.session.add(Voice(child=child, family_id=family.id, date=day, how="visit", scale=scale,
                             recorded_by=worker))
    keep_outcomes()
    db.session.commit()
    page = login(manager).get("/reports/outcomes/families",
                              query_string={**PERIOD, "measure": "child_voice:latest_scale"})
    assert page.status_code == 200
    assert text_of(page.get_data(as_text=True), "figure").startswith("Median 7 on the scale of 0 to 10")
    assert "FP-A" in page.get_data(as_text=True)
