"""Assessment frameworks as data, recording assessments, change since the first, reminders."""
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import FrameworkTraining, Notification
from casework.services import assessments
from casework.services.assessments import FrameworkError, parse_framework
from casework.services.errors import Forbidden, ValidationFailed
from casework.services.sweep import run_sweep

from .factories import FamilyFactory
from .helpers import assert_refused

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()
DEFAULT = "family-functioning"


def all_scores(value):
    return {d.code: value for d in assessments.get_framework(DEFAULT).domains}


def record(worker, family, on, scores, stage="initial", framework=DEFAULT, **extra):
    return assessments.record_assessment(
        db.session, worker, family, {"framework": framework, "stage": stage, "date": on, "scores": scores, **extra}, NOW
    )


@pytest.fixture
def family(worker):
    return FamilyFactory(worker=worker, opened_on=dt.date(2026, 3, 2))


def test_the_open_default_framework_loads(app):
    framework = assessments.get_framework(DEFAULT)
    assert len(framework.domains) == 7
    assert not framework.higher_is_better  # 1 is best
    assert framework.improved(4, 2) and not framework.improved(2, 4)


def test_a_malformed_framework_is_refused_with_a_reason():
    with pytest.raises(FrameworkError, match="scale"):
        parse_framework({"code": "x", "name": "X", "domains": [{"code": "a", "label": "A"}]}, "x.json")
    with pytest.raises(FrameworkError, match="unique"):
        parse_framework({"code": "x", "name": "X", "scale": {"min": 1, "max": 5},
                         "domains": [{"code": "a", "label": "A"}, {"code": "a", "label": "B"}]}, "x.json")


def test_a_service_loads_its_own_framework_restricted_to_trained_workers(app, monkeypatch, worker, family, tmp_path):
    monkeypatch.setitem(app.config, "CASEWORK_FRAMEWORKS_DIR", str(tmp_path))
    path = tmp_path / "licensed-test.json"
    path.write_text(json.dumps({
        "code": "licensed-test", "name": "Licensed tool", "restricted_to_trained": True,
        "scale": {"min": -3, "max": 2, "better": "high"},
        "domains": [{"code": "env", "label": "Environment", "subdomains": [{"code": "safety", "label": "Safety"}]}],
    }))
    app.extensions.pop("casework.frameworks", None)
    try:
        codes = [d.code for d in assessments.get_framework("licensed-test").domains]
        assert codes == ["env", "env.safety"]
        assert "licensed-test" not in [f.code for f in assessments.frameworks_for(db.session, worker)]
        with assert_refused(Forbidden):
            record(worker, family, TODAY, {"env": -1, "env.safety": 0}, framework="licensed-test")
        db.session.add(FrameworkTraining(user_id=worker.id, framework="licensed-test"))
        first = record(worker, family, dt.date(2026, 3, 10), {"env": -3, "env.safety": 0}, framework="licensed-test")
        record(worker, family, TODAY, {"env": 1, "env.safety": 0}, framework="licensed-test", stage="review")
        _, _, changes = assessments.change_since_first(db.session, family, "licensed-test")
        assert [(c.first, c.latest, c.improved, c.worse) for c in changes] == [
            (-3, 1, True, False), (0, 0, False, False)]
        assert first.score_of("env") == -3
    finally:
        app.extensions.pop("casework.frameworks", None)


def test_every_domain_is_scored_within_the_scale(worker, family):
    scores = all_scores(3)
    scores["home_conditions"] = 6
    del scores["physical_care"]
    with assert_refused(ValidationFailed, "score-home_conditions", "score-physical_care"):
        record(worker, family, TODAY, scores)


def test_change_since_first_is_direction_aware(worker, family):
    record(worker, family, dt.date(2026, 3, 20), all_scores(4))
    later = all_scores(4)
    later.update(home_conditions=2, emotional_warmth=5)
    record(worker, family, TODAY, later, stage="review")
    first, latest, changes = assessments.change_since_first(db.session, family, DEFAULT)
    by_domain = {c.domain.code: c for c in changes}
    assert by_domain["home_conditions"].improved
    assert by_domain["emotional_warmth"].worse
    assert not by_domain["physical_care"].improved and not by_domain["physical_care"].worse


def test_the_sweep_reminds_the_worker_when_an_assessment_falls_due(worker, family):
    run_sweep(db.session, NOW - dt.timedelta(days=100))  # before opening: nothing for this family
    run_sweep(db.session, dt.datetime(2026, 3, 23, 6, 0, tzinfo=ZoneInfo("Europe/London")))  # due 30 Mar
    [note] = db.session.scalars(select(Notification).where(Notification.kind == "assessment_due")).all()
    assert note.message == f"An initial assessment for {family.reference} is due on 30 Mar."
    record(worker, family, dt.date(2026, 3, 25), all_scores(3))
    run_sweep(db.session, dt.datetime(2026, 6, 12, 6, 0, tzinfo=ZoneInfo("Europe/London")))  # review due 17 Jun
    messages = db.session.scalars(select(Notification.message).where(Notification.kind == "assessment_due")).all()
    assert messages[-1].startswith("A review")


def test_charts_plot_better_further_out_on_either_kind_of_scale(app):
    low = assessments.get_framework(DEFAULT)  # 1 (best) to 5
    assert [low.goodness(score) for score in (1, 2, 5)] == [5, 4, 1]
    high = parse_framework({"code": "x", "name": "X",
                            "scale": {"min": -3, "max": 2, "better": "high",
                                      "labels": {"-3": "Serious problem", "2": "Clear strength"}},
                            "domains": [{"code": "a", "label": "A"}]})
    assert [high.goodness(score) for score in (-3, 0, 2)] == [1, 4, 6] and high.points == 6
    assert high.scale_explained() == (
        "Scores run from -3 to 2; higher is better (2: Clear strength; -3: Serious problem)")
