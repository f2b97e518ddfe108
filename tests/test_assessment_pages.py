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
    assert f"/families/{family.id}/assessments" in login(worker).get(f"/families/{family.id}").get_data(as_text=True)
