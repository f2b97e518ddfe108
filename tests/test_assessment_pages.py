"""Recording an assessment and the change since the first, as a table and a chart."""
import datetime as dt

from casework.extensions import db
from casework.models import Assessment, AssessmentScore

DOMAINS = ("physical_care", "safety_supervision", "emotional_warmth", "stimulation_education",
           "guidance_boundaries", "home_conditions", "parental_wellbeing")


def _form(date, stage="initial", score=3, **overrides):
    data = {"framework": "family-functioning", "stage": stage, "date": date.isoformat()}
    for domain in DOMAINS:
        data[f"score-{domain}"] = str(score)
    data.update(overrides)
    return data


def test_the_form_shows_the_scale_labels(login, worker, family):
    response = login(worker).get(f"/families/{family.id}/assessments/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 – Needs fully met" in html and "Physical care" in html


def test_recording_an_assessment(login, worker, family, today):
    client = login(worker)
    data = _form(today, **{"evidence-home_conditions": "Kitchen clean, beds made."})
    response = client.post(f"/families/{family.id}/assessments/new", data=data)
    assert response.status_code == 302
    assessment = db.session.scalars(db.select(Assessment)).one()
    assert assessment.stage == "initial" and assessment.score_of("home_conditions") == 3
    assert any(s.evidence == "Kitchen clean, beds made." for s in assessment.scores)


def test_a_missing_score_keeps_the_input(login, worker, family, today):
    data = _form(today, **{"evidence-physical_care": "Fridge full"})
    del data["score-home_conditions"]
    response = login(worker).post(f"/families/{family.id}/assessments/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Score home conditions." in html and "Fridge full" in html
    assert 'value="3" checked' in html or "checked" in html
    future = _form(today + dt.timedelta(days=3))
    response = login(worker).post(f"/families/{family.id}/assessments/new", data=future)
    assert response.status_code == 422 and "future" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Assessment)).first() is None


def _assess(family, worker, date, stage, home, warmth):
    db.session.add(Assessment(family=family, framework="family-functioning", stage=stage, date=date, recorded_by=worker,
                              scores=[AssessmentScore(domain="home_conditions", score=home),
                                      AssessmentScore(domain="emotional_warmth", score=warmth),
                                      AssessmentScore(domain="physical_care", score=2)]))


def test_change_since_the_first(login, worker, manager, family, today):
    _assess(family, worker, today - dt.timedelta(days=20), "initial", 4, 2)
    _assess(family, worker, today - dt.timedelta(days=2), "review", 2, 3)  # lower is better
    for user in (worker, manager):
        html = login(user).get(f"/families/{family.id}/assessments").get_data(as_text=True)
        assert "better" in html and "worse" in html and "no change" in html
        assert 'alt="Scores on' in html and "Home conditions 4 to 2" in html
    response = login(worker).get(f"/families/{family.id}/assessments/chart.svg?framework=family-functioning")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.get_data(as_text=True)


def test_scope(client, login, colleague, outsider, admin, family):
    assert client.get(f"/families/{family.id}/assessments").status_code == 302
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        client.post("/logout")
        login(user)
        assert client.get(f"/families/{family.id}/assessments").status_code == status
        assert client.get(f"/families/{family.id}/assessments/new").status_code == status
        assert client.get(f"/families/{family.id}/assessments/chart.svg").status_code == status


def test_the_family_page_links_to_assessments(login, worker, family):
    html = login(worker).get(f"/families/{family.id}").get_data(as_text=True)
    assert f"/families/{family.id}/assessments" in html
    assert "No assessment of the family as a whole yet." in html


def test_the_family_page_shows_the_change_since_the_first_assessment(login, worker, family, today):
    _assess(family, worker, today - dt.timedelta(days=20), "initial", 4, 2)
    _assess(family, worker, today - dt.timedelta(days=2), "review", 2, 3)  # lower is better
    html = login(worker).get(f"/families/{family.id}").get_data(as_text=True)
    assert "better in 1 of 3 domains and worse in 1" in html
    assert f"/families/{family.id}/assessments/chart.svg?framework=family-functioning" in html
    assert "Home conditions 4 to 2" in html  # the chart's text alternative


def _assess_all(family, worker, date, stage, child=None, **scores):
    values = {domain: 3 for domain in DOMAINS}
    values.update(scores)
    db.session.add(Assessment(family=family, child=child, framework="family-functioning", stage=stage, date=date,
                              recorded_by=worker,
                              scores=[AssessmentScore(domain=d, score=s) for d, s in values.items()]))


def _radii(svg: str) -> list[list[float]]:
    """For each series of a radar (first, latest), each domain's distance from the centre."""
    import math
    import re

    centre = tuple(map(float, re.search(r'class="axis x web"><g class="guides"><path d="M([\d.]+) ([\d.]+)',
                                        svg).groups()))
    series = []
    for index in (0, 1):
        path = re.search(rf'<g class="series serie-{index} color-{index}"><path d="M([^"]+?) Z"', svg).group(1)
        numbers = [float(n) for n in path.replace("L", " ").split()]
        points = list(zip(numbers[0::2], numbers[1::2], strict=True))
        series.append([round(math.dist(point, centre), 1) for point in points])
    return series


def test_the_radar_puts_better_outward_whichever_end_is_better(login, worker, family, today):
    # The casework profile: 1 (needs fully met) is best. Home conditions 5 -> 1 (better),
    # emotional warmth 1 -> 5 (worse), the rest 3 -> 3.
    _assess_all(family, worker, today - dt.timedelta(days=20), "initial", home_conditions=5, emotional_warmth=1)
    _assess_all(family, worker, today - dt.timedelta(days=2), "review", home_conditions=1, emotional_warmth=5)
    client = login(worker)
    html = client.get(f"/families/{family.id}/assessments").get_data(as_text=True)
    assert "the further from the centre, the better, for every domain: the outer ring is 1 (Needs fully met)" in html
    assert "lower is better" in html
    svg = client.get(f"/families/{family.id}/assessments/chart.svg").get_data(as_text=True)
    assert 'class="pygal-chart"' in svg and "<script" not in svg
    first, latest = _radii(svg)
    home, warmth, physical = (DOMAINS.index("home_conditions"), DOMAINS.index("emotional_warmth"),
                              DOMAINS.index("physical_care"))
    assert latest[home] > first[home]  # better: further out
    assert latest[warmth] < first[warmth]  # worse: nearer the centre
    assert latest[physical] == first[physical]
    assert first[warmth] == latest[home] and first[home] == latest[warmth]  # 1 is the outer ring, 5 the inner


def test_each_child_assessed_on_their_own(login, worker, family, today):
    amy, ben = family.children
    _assess_all(family, worker, today - dt.timedelta(days=20), "initial", amy, home_conditions=4)
    _assess_all(family, worker, today - dt.timedelta(days=2), "review", amy, home_conditions=2)
    _assess_all(family, worker, today - dt.timedelta(days=10), "initial", ben)
    client = login(worker)
    html = client.get(f"/families/{family.id}/assessments").get_data(as_text=True)
    assert "Each child assessed on their own" in html
    amy_table = html.split(f'id="child-{amy.id}">')[1].split("</table>")[0]
    assert "Amy: First: initial on" in amy_table and "Latest: review on" in amy_table
    home_row = amy_table.split("Home conditions</th>")[1].split("</tr>")[0]
    assert "4 – Many needs not met" in home_row and "2 – Needs mostly met" in home_row and "better" in home_row
    ben_table = html.split(f'id="child-{ben.id}">')[1].split("</table>")[0]
    assert "only one assessment" in ben_table
    assert "No casework family functioning profile assessment has been recorded for the family as a whole" in html
    # One child's own page: their change and chart.
    html = client.get(f"/families/{family.id}/assessments?child={amy.id}").get_data(as_text=True)
    assert "Assessments: Amy" in html and f"chart.svg?framework=family-functioning&amp;child={amy.id}" in html
    assert "Home conditions 4 to 2" in html  # the chart's text alternative
    assert client.get(f"/families/{family.id}/assessments?child=999999").status_code == 404


def test_recording_an_assessment_of_one_child(login, worker, family, today):
    amy = family.children[0]
    response = login(worker).post(f"/families/{family.id}/assessments/new", data=_form(today, child_id=str(amy.id)))
    assert response.status_code == 302 and f"child={amy.id}" in response.headers["Location"]
    assessment = db.session.scalars(db.select(Assessment)).one()
    assert assessment.child_id == amy.id


def test_the_chart_of_a_family_not_yet_assessed_is_an_empty_image(login, worker, family):
    response = login(worker).get(f"/families/{family.id}/assessments/chart.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "<script" not in response.get_data(as_text=True)
