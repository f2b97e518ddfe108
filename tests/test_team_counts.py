"""A manager reaches what the numbers point at: every count on the Team page and the caseload
links to the list it counts, and that list shows the same number. Team families filters as the
team's CSV export does (the same filter code), unallocated families included."""
from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlsplit

import pytest

from casework.models import Flag
from casework.services.clock import current_time

from .factories import FamilyFactory, UserFactory, VisitFactory
from .helpers import page_text
from .test_caseload_pages import csv_rows


def _flag(db, family, rule, severity, status="open"):
    now = current_time()
    db.session.add(Flag(family=family, rule=rule, subject_key=f"{rule}:{family.id}", severity=severity,
                        message=f"{rule} on {family.reference}", raised_at=now, raised_on=now.date(), status=status))


@pytest.fixture
def busy_team(db, worker, colleague, manager, other_team, today):
    """Wendy: an overdue family with a high and a low flag and an unseen child; a family in
    making changes seen last week; a closed one. Colin: one in moving on with a medium flag
    (acknowledged). One unallocated family with an overdue review. Another team's family. A
    new worker's account waiting to be confirmed."""
    overdue = FamilyFactory(worker=worker, household_name="Adams household", opened_on=today - dt.timedelta(days=60))
    _flag(db, overdue, "review_overdue", "high")
    _flag(db, overdue, "phase_overrun", "low")
    seen = FamilyFactory(worker=worker, household_name="Baker household", phase="making_changes",
                         opened_on=today - dt.timedelta(days=35), phase_since=today - dt.timedelta(days=5))
    VisitFactory(family=seen, date=today - dt.timedelta(days=6))  # every child seen
    FamilyFactory(worker=worker, household_name="Closed household", phase="closed", closed_on=today)
    colins = FamilyFactory(worker=colleague, household_name="Carter household", phase="moving_on",
                           opened_on=today - dt.timedelta(days=20), phase_since=today - dt.timedelta(days=2))
    _flag(db, colins, "goal_stalled", "medium", status="acknowledged")
    FamilyFactory(worker=None, team=manager.team, household_name="Dunn household",
                  opened_on=today - dt.timedelta(days=50))
    FamilyFactory(worker=UserFactory(team=other_team), household_name="Elsewhere household")
    UserFactory(team=manager.team, role="worker", active=False, pending=True, name="Newly Added")
    db.session.commit()


def _links(body: str, container: str) -> list[tuple[str, str]]:
    """(visible number, href) of every link in ``container`` whose text starts with a number."""
    found = []
    for href, inner in re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)">(.*?)</a>', container, flags=re.S):
        words = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", inner, flags=re.S)
        number = re.match(r"\s*(?:<span[^>]*>)?\s*(\d+)", words)
        if number:
            found.append((number.group(1), html.unescape(href)))
    return found


def listed(client, href: str) -> int:
    """How many records the list at ``href`` says it shows (every page of it)."""
    response = client.get(href)
    assert response.status_code == 200, href
    text = page_text(response)
    path = urlsplit(href).path
    if path == "/families":
        if "No families match these filters" in text or "has no open families" in text:
            return 0
        return int(re.search(r"\b(\d+) famil(?:y|ies)\b", text).group(1))
    if path == "/team/flags":
        if "No open flags match these filters" in text or "has no open flags" in text:
            return 0
        return int(re.search(r"\b(\d+) open flags?\b", text).group(1))
    if path == "/team/closures":
        return response.get_data(as_text=True).count("Approve closure")
    if path == "/team/accounts":
        return response.get_data(as_text=True).count("Confirm<span")
    if path == "/team/transfers":
        return response.get_data(as_text=True).count('action="/team/transfers/') // 2
    raise AssertionError(f"no list known at {href}")


def test_every_count_on_the_team_page_links_to_a_list_of_as_many(client, login, manager, busy_team):
    login(manager)
    body = client.get("/team").get_data(as_text=True)
    counts = re.findall(
        r'<a class="govuk-link cw-count[^"]*" href="([^"]+)"><span class="cw-count__number">(\d+)</span>'
        r'<span class="cw-count__label">([^<]+)</span>', body)
    labels = {label: (int(number), html.unescape(href)) for href, number, label in counts}
    assert set(labels) == {"open families", "unallocated", "overdue reviews", "high flag", "medium flag",
                           "low flag", "closures awaiting approval", "transfers offered to your team",
                           "account to confirm"}
    assert labels["open families"][0] == 4 and labels["unallocated"][0] == 1 and labels["overdue reviews"][0] == 2
    assert labels["unallocated"][1] == "/families?worker=none"
    assert labels["overdue reviews"][1] == "/families?overdue=yes"
    for label, (number, href) in labels.items():
        assert listed(client, href) == number, (label, href)


def test_every_count_on_the_caseload_links_to_a_list_of_as_many(client, login, manager, worker, colleague,
                                                                busy_team):
    login(manager)
    body = client.get("/team/caseload").get_data(as_text=True)
    table = body[body.index("<table"):body.index("</table>")]
    links = _links(table, table)
    hrefs = [href for _, href in links]
    # Wendy's row: 2 open families (1 in engagement, 1 in making changes), 1 overdue review,
    # a high and a low flag, 1 family with a child not seen. Unallocated: 1 family, overdue.
    for expected in (f"/families?worker={worker.id}", f"/families?phase=making_changes&worker={worker.id}",
                     f"/families?overdue=yes&worker={worker.id}", f"/team/flags?severity=high&worker_id={worker.id}",
                     f"/families?seen=no&worker={worker.id}", f"/team/flags?severity=medium&worker_id={colleague.id}",
                     "/families?worker=none", "/families?overdue=yes&worker=none", "/families", "/families?overdue=yes",
                     "/team/flags?severity=low"):
        assert expected in hrefs, (expected, hrefs)
    assert len(links) >= 20
    for number, href in links:
        assert listed(client, href) == int(number), href


@pytest.mark.parametrize("query, expected", [
    ("", ["Adams household", "Baker household", "Carter household", "Dunn household"]),
    ("phase=making_changes", ["Baker household"]),
    ("phase=closed", ["Closed household"]),
    ("worker=none", ["Dunn household"]),
    ("flag=any", ["Adams household", "Carter household"]),
    ("flag=none", ["Baker household", "Dunn household"]),
    ("flag=high", ["Adams household"]),
    ("flag=medium", ["Carter household"]),
    ("overdue=yes", ["Adams household", "Dunn household"]),
    ("overdue=no", ["Baker household", "Carter household"]),
    ("seen=no", ["Adams household", "Dunn household"]),
    ("overdue=yes&worker=none&flag=none", ["Dunn household"]),
])
def test_team_families_filters_as_the_csv_export_does(client, login, manager, busy_team, query, expected):
    login(manager)
    response = client.get(f"/families?{query}")
    body = response.get_data(as_text=True)
    households = re.findall(r'<a class="govuk-link" href="/families/\d+">([^<]+)</a>', body)
    assert households == expected
    # The page offers the same families as a CSV, and the CSV lists the same households.
    csv_link = re.search(r'<a class="govuk-link" href="(/team/families\.csv[^"]*)">', body)
    assert csv_link, body
    rows = csv_rows(client.get(html.unescape(csv_link.group(1))))
    assert [row["Household"] for row in rows] == expected
    # The filters chosen stay chosen.
    for pair in filter(None, query.split("&")):
        name, value = pair.split("=")
        assert re.search(rf'<select class="govuk-select" id="{name}" name="{name}">.*?'
                         rf'<option value="{value}" selected>', body, flags=re.S), pair


def test_a_worker_has_no_unallocated_choice_and_sees_only_their_own(client, login, worker, busy_team):
    login(worker)
    body = client.get("/families?worker=none").get_data(as_text=True)
    assert "Unallocated" not in body
    assert re.findall(r'<a class="govuk-link" href="/families/\d+">([^<]+)</a>', body) == [
        "Adams household", "Baker household"]
    assert "families.csv" not in body
    # The flag and review filters work on My families too.
    body = client.get("/families?overdue=yes").get_data(as_text=True)
    assert re.findall(r'<a class="govuk-link" href="/families/\d+">([^<]+)</a>', body) == ["Adams household"]
