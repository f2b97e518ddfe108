"""Outcome and local-area reports."""
import datetime as dt

from casework.extensions import db
from casework.models import FamilyConcern
from casework.services import reports
from casework.services.errors import Forbidden

from .factories import FamilyFactory, GoalFactory, RatingFactory, UserFactory
from .helpers import END, START, assert_refused, closed_family, keep_outcomes


def test_outcomes_for_families_closed_in_the_period(worker, manager, outsider):
    family = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))  # 22 weeks
    routine = GoalFactory(family=family, area="family_routine", baseline=3, status="achieved")
    RatingFactory(goal=routine, date=dt.date(2026, 3, 1), rating=6)
    flat = GoalFactory(family=family, area="family_routine", baseline=4)
    RatingFactory(goal=flat, date=dt.date(2026, 2, 1), rating=6)
    RatingFactory(goal=flat, date=dt.date(2026, 5, 1), rating=4)  # latest by date: not above baseline
    GoalFactory(family=family, area="home_conditions", baseline=2)  # never rated: not improved
    GoalFactory(family=family, area="safety", status="withdrawn")  # counts nowhere
    other = closed_family(worker, dt.date(2026, 2, 2), dt.date(2026, 5, 4), "disengaged")  # 13 weeks
    GoalFactory(family=other, area="home_conditions", baseline=2, status="achieved")
    closed_family(worker, dt.date(2025, 9, 1), dt.date(2026, 3, 31))  # before the period
    closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 1))  # another team
    FamilyFactory(worker=worker)  # still open

    keep_outcomes()
    report = reports.outcomes(db.session, manager, START, END)
    assert report["families_closed"] == 2
    assert report["children"] == 4
    assert report["goals"] == {"total": 4, "achieved": 2, "pct_achieved": 50.0}
    assert report["areas"] == [
        {"area": "family_routine", "goals": 2, "improved": 1, "pct_improved": 50.0,
         "families": 1, "families_improved": 1, "pct_families_improved": 100.0,
         "children": 2, "children_improved": 2, "pct_children_improved": 100.0},
        {"area": "home_conditions", "goals": 2, "improved": 0, "pct_improved": 0.0,
         "families": 2, "families_improved": 0, "pct_families_improved": 0.0,
         "children": 4, "children_improved": 0, "pct_children_improved": 0.0},
    ]
    assert report["median_weeks_in_service"] == 17.5
    assert report["closure_reasons"]["step_down"] == 1 and report["closure_reasons"]["disengaged"] == 1

    service = reports.outcomes(db.session, UserFactory(role="admin", team=None), START, END)
    assert service["families_closed"] == 3


def test_an_empty_period_has_no_percentages(manager):
    report = reports.outcomes(db.session, manager, START, END)
    assert report["goals"]["pct_achieved"] is None and report["median_weeks_in_service"] is None


def test_workers_do_not_see_reports(worker):
    with assert_refused(Forbidden):
        reports.outcomes(db.session, worker, START, END)


def test_local_area_suppresses_small_counts(worker, manager):
    for index in range(6):
        FamilyFactory(worker=worker, postcode=f"LS6 {index}AB", referral_date=dt.date(2026, 5, 1),
                      opened_on=dt.date(2026, 5, 2))
    family = FamilyFactory(worker=worker, postcode="BD3 9XY", referral_date=dt.date(2026, 5, 1),
                           opened_on=dt.date(2026, 5, 2))
    family.concern_rows.append(FamilyConcern(code="housing"))
    FamilyFactory(worker=worker, postcode="LS7 1AA", referral_date=dt.date(2025, 5, 1), opened_on=dt.date(2025, 5, 2))
    rows = reports.local_area(db.session, manager, START, END)["rows"]
    assert rows == [
        {"district": "BD3", "concern": "housing", "count": None, "suppressed": True},
        {"district": "BD3", "concern": "neglect_physical", "count": None, "suppressed": True},
        {"district": "LS6", "concern": "neglect_physical", "count": 6, "suppressed": False},
    ]


def test_weeks_in_each_phase_add_up_moves_back_and_forth(worker, manager):
    from casework.models import PhaseMove

    family = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))
    for date, old, new in [
        (dt.date(2026, 2, 2), "engagement", "making_changes"),  # 4 weeks engaging
        (dt.date(2026, 3, 2), "making_changes", "engagement"),  # 4 weeks making changes, then back
        (dt.date(2026, 3, 16), "engagement", "making_changes"),  # 2 more weeks engaging
        (dt.date(2026, 5, 11), "making_changes", "moving_on"),  # 8 more weeks making changes
        (dt.date(2026, 6, 8), "moving_on", "closed"),  # 4 weeks moving on
    ]:
        db.session.add(PhaseMove(family=family, from_phase=old, to_phase=new, date=date, by=worker))
    keep_outcomes()
    report = reports.outcomes(db.session, manager, START, END)
    assert report["median_weeks_in_phase"] == {"engagement": 6.0, "making_changes": 12.0, "moving_on": 4.0}
    assert report["expected_weeks"]["total"] == 22


def test_assessment_domains_first_against_closing(worker, manager):
    from casework.models import Assessment, AssessmentScore

    def assess(family, date, stage, home, warmth):
        db.session.add(Assessment(family=family, framework="family-functioning", stage=stage, date=date,
                                  recorded_by=worker,
                                  scores=[AssessmentScore(domain="home_conditions", score=home),
                                          AssessmentScore(domain="emotional_warmth", score=warmth)]))

    both = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))
    assess(both, dt.date(2026, 1, 20), "initial", 4, 2)
    assess(both, dt.date(2026, 3, 20), "review", 3, 2)
    assess(both, dt.date(2026, 6, 1), "closing", 2, 3)  # home better (lower), warmth worse
    only_first = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 9))
    assess(only_first, dt.date(2026, 1, 20), "initial", 5, 5)
    closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 10))  # never assessed
    keep_outcomes()
    report = reports.outcomes(db.session, manager, START, END)
    domains = {row["domain"]: row for row in report["assessment_domains"]}
    assert (domains["home_conditions"]["families"], domains["home_conditions"]["improved"]) == (1, 1)
    assert (domains["emotional_warmth"]["families"], domains["emotional_warmth"]["improved"]) == (1, 0)
    assert report["data_completeness"] == {"families_closed": 3, "with_first_and_closing_assessment": 1, "pct": 33.3}


def test_sustained_outcomes_count_re_referrals(worker, manager):
    today = dt.date(2026, 11, 25)
    earlier = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 7, 1))  # 3-month cohort: 25 May - 24 Aug
    closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 7, 20))
    FamilyFactory(worker=worker, previous_family=earlier, opened_on=dt.date(2026, 10, 1),
                  referral_date=dt.date(2026, 10, 1))
    closed_family(worker, dt.date(2025, 6, 1), dt.date(2025, 10, 1))  # in the 12-month cohort
    report = reports.sustained_outcomes(db.session, manager, today)
    cohorts = {c["months"]: c for c in report["cohorts"]}
    assert (cohorts[3]["families_closed"], cohorts[3]["re_referred"], cohorts[3]["pct_re_referred"]) == (2, 1, 50.0)
    assert cohorts[3]["closed_from"] == "2026-05-25" and cohorts[3]["closed_to"] == "2026-08-24"
    assert cohorts[12]["families_closed"] == 1 and cohorts[12]["re_referred"] == 0


def _shown(count):
    return {"count": None, "suppressed": True} if count <= 4 else {"count": count, "suppressed": False}


def test_local_area_by_quarter_from_a_hand_counted_fixture(manager, quarterly):
    from sqlalchemy import event

    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        report = reports.local_area_by_quarter(db.session, manager, dt.date(2026, 3, 15), dt.date(2026, 7, 10))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1  # one aggregate query

    def row(district, concern, count):
        return {"district": district, "concern": concern, **_shown(count)}

    assert report["from"] == "2026-03-15" and report["to"] == "2026-07-10"
    assert [(q["quarter"], q["from"], q["to"]) for q in report["quarters"]] == [
        ("2026 Q1", "2026-03-15", "2026-03-31"),
        ("2026 Q2", "2026-04-01", "2026-06-30"),
        ("2026 Q3", "2026-07-01", "2026-07-10"),
    ]
    q1, q2, q3 = (q["rows"] for q in report["quarters"])
    assert q1 == [row("LS6", "neglect_physical", 5)]
    assert q2 == [row("LS6", "housing", 2), row("LS6", "neglect_physical", 2), row("LS7", "neglect_physical", 6)]
    assert q3 == [row("BD3", "neglect_physical", 1)]
    # The whole period, unchanged: LS6 7 neglect (5 + 2), 2 housing; LS7 6; BD3 1.
    assert reports.local_area(db.session, manager, dt.date(2026, 3, 15), dt.date(2026, 7, 10))["rows"] == [
        row("BD3", "neglect_physical", 1), row("LS6", "housing", 2), row("LS6", "neglect_physical", 7),
        row("LS7", "neglect_physical", 6)]


def test_local_area_by_quarter_across_a_year_end(manager):
    report = reports.local_area_by_quarter(db.session, manager, dt.date(2025, 11, 1), dt.date(2026, 1, 31))
    assert [(q["quarter"], q["from"], q["to"], q["rows"]) for q in report["quarters"]] == [
        ("2025 Q4", "2025-11-01", "2025-12-31", []), ("2026 Q1", "2026-01-01", "2026-01-31", [])]


def test_admins_may_narrow_reports_to_one_team_managers_may_not(worker, outsider, manager, other_team, team):
    closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))
    closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 1))
    closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 2))
    FamilyFactory(worker=outsider, postcode="LS9 1AA", referral_date=dt.date(2026, 5, 1), opened_on=dt.date(2026, 5, 1))
    admin = UserFactory(role="admin", team=None)
    keep_outcomes()
    assert reports.outcomes(db.session, admin, START, END)["families_closed"] == 3  # default: the whole service
    assert reports.outcomes(db.session, admin, START, END, team_id=other_team.id)["families_closed"] == 2
    assert reports.outcomes(db.session, admin, START, END, team_id=team.id)["families_closed"] == 1
    # A manager's scope is their own team whatever team_id says.
    assert reports.outcomes(db.session, manager, START, END, team_id=other_team.id)["families_closed"] == 1
    rows = reports.local_area(db.session, admin, START, END, team_id=other_team.id)["rows"]
    assert [r["district"] for r in rows] == ["LS9"]
    assert reports.local_area(db.session, admin, START, END, team_id=team.id)["rows"] == []
    assert reports.local_area(db.session, manager, START, END, team_id=other_team.id)["rows"] == []
    quarters = reports.local_area_by_quarter(db.session, admin, START, END, team_id=other_team.id)["quarters"]
    assert [r["district"] for r in quarters[0]["rows"]] == ["LS9"]
    today = dt.date(2026, 9, 15)  # 3-month cohort: closed 15 Mar to 14 Jun
    cohort = lambda report: report["cohorts"][0]["families_closed"]  # noqa: E731
    assert cohort(reports.sustained_outcomes(db.session, admin, today)) == 3
    assert cohort(reports.sustained_outcomes(db.session, admin, today, team_id=other_team.id)) == 2
    assert cohort(reports.sustained_outcomes(db.session, manager, today, team_id=other_team.id)) == 1
