"""Data protection services: subject access exports (whole family, one child, redaction),
retention review, legal hold and anonymisation (which must remove every personal value and
leave the outcome and local-area figures as they were)."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import (
    Allocation,
    AssessmentScore,
    AuditEvent,
    Child,
    ClosureProposal,
    Correction,
    Draft,
    FamilyConcern,
    Flag,
    PhaseMove,
    Transfer,
    VisitChild,
)
from casework.services import reports, retention, subject_access
from casework.services.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed

from .factories import (
    AssessmentFactory,
    CarerFactory,
    FamilyFactory,
    GoalFactory,
    RatingFactory,
    ReviewFactory,
    UserFactory,
    VisitFactory,
)
from .trust.figures import record

YEARS = 6  # CASEWORK_RETENTION_YEARS, the default

# Every personal value the rich family holds; none may survive anonymisation anywhere in the
# database. Names are chosen so that nothing else in a test database could contain them.
NAMES = ("Zephyrine", "Thaddeus", "Marisol", "Ignatius", "Barrowcliffe", "Quenby", "Hartigan")
SCHOOLS = ("Hollybrook Primary", "Sunflower Nursery")
DATES_OF_BIRTH = (dt.date(2014, 8, 29), dt.date(2017, 2, 13))


def _json(export: dict) -> str:
    return json.dumps(subject_access.to_json(export))


def rich_family(worker, manager, other_team, today, closed_years_ago=YEARS + 1):
    """A closed family with one of every kind of record: two children, two carers, concerns,
    phase moves, visits (one seeing both children, one only Thaddeus, a no-access visit, one
    only Thaddeus that names Zephyrine), goals with ratings, a review, assessments of the family
    and of each child, corrections of a visit and of a rating, flags (one about Thaddeus),
    an allocation, a declined transfer, an approved closure proposal and a draft."""
    closed = retention.years_before(today, closed_years_ago)
    opened = closed - dt.timedelta(weeks=22)
    other_manager = UserFactory(team=other_team, role="manager", name="Oona Otherteam", email="oona@example.org")
    zephyrine = Child(first_name="Zephyrine", last_name="Quenby", date_of_birth=DATES_OF_BIRTH[0], school=SCHOOLS[0])
    thaddeus = Child(first_name="Thaddeus", last_name="Quenby", date_of_birth=DATES_OF_BIRTH[1], school=SCHOOLS[1])
    family = FamilyFactory(
        worker=worker, household_name="Quenby household", postcode="LS10 4QZ",
        referral_source="Dr Hartigan at Meadow Surgery", opened_on=opened, consent_recorded_on=opened,
        phase="closed", phase_since=closed, closed_on=closed, closure_reason="step_down",
        children=[zephyrine, thaddeus],
        concern_rows=[FamilyConcern(code="neglect_physical"), FamilyConcern(code="housing")],
    )
    marisol = CarerFactory(family=family, first_name="Marisol", last_name="Quenby", relationship_to_children="Mother")
    ignatius = CarerFactory(family=family, first_name="Ignatius", last_name="Barrowcliffe",
                            relationship_to_children="Mother's partner")
    day = lambda n: opened + dt.timedelta(days=n)  # noqa: E731
    db.session.add_all([
        PhaseMove(family=family, from_phase="engagement", to_phase="making_changes", date=day(21),
                  note="Marisol agreed the plan with Zephyrine's school", by=worker),
        PhaseMove(family=family, from_phase="making_changes", to_phase="moving_on", date=day(120),
                  note="Ignatius moved out; things calmer", by=worker),
        PhaseMove(family=family, from_phase="moving_on", to_phase="closed", date=closed, reason="step_down",
                  note="Stepped down: Marisol well supported", by=worker),
    ])
    goal = GoalFactory(family=family, title="Zephyrine gets to school on time", area="education", baseline=3,
                       target=8, status="achieved", start_date=day(10))
    rating = RatingFactory(goal=goal, date=day(60), rating=7, note="Marisol walks Zephyrine in every morning",
                           recorded_by=worker)
    home = GoalFactory(family=family, title="Marisol keeps the kitchen clean", area="home_conditions", baseline=2,
                       target=7, start_date=day(10))
    RatingFactory(goal=home, date=day(70), rating=5, note="Kitchen much better, says Ignatius", recorded_by=worker)
    both = VisitFactory(family=family, date=day(14), duration_minutes=60,
                        notes="Zephyrine showed me her room. Thaddeus napping. Ignatius present.",
                        children_seen=[VisitChild(child=zephyrine, seen_alone=True), VisitChild(child=thaddeus)])
    both.goals_discussed = [goal]
    only_thaddeus = VisitFactory(family=family, date=day(28), notes="Thaddeus had a rash; the GP saw him.",
                                 children_seen=[VisitChild(child=thaddeus)])
    no_access = VisitFactory(family=family, date=day(35), outcome="no_access", notes="Nobody home; left a card.")
    naming = VisitFactory(family=family, date=day(42), notes="Thaddeus at home; Zephyrine was at her swimming club.",
                          children_seen=[VisitChild(child=thaddeus)])
    review = ReviewFactory(family=family, held_on=day(42), attendees="Marisol, Ignatius and Wendy",
                           notes="Marisol says the mornings are calmer", recorded_by=worker)
    family_first = AssessmentFactory(family=family, date=day(12), recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=4, evidence="Fridge empty at first visit to the Quenby home"),
        AssessmentScore(domain="home_conditions", score=4, evidence="Ignatius smokes indoors"),
    ])
    AssessmentFactory(family=family, date=day(150), stage="closing", recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=2, evidence="Fridge stocked; Marisol batch cooks"),
        AssessmentScore(domain="home_conditions", score=3, evidence="Smoking outside now"),
    ])
    zephyrine_assessed = AssessmentFactory(family=family, child=zephyrine, date=day(15), recorded_by=worker, scores=[
        AssessmentScore(domain="emotional_warmth", score=2, evidence="Zephyrine chatty and proud of her drawings"),
    ])
    thaddeus_assessed = AssessmentFactory(family=family, child=thaddeus, date=day(15), recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=3, evidence="Nappy rash, clothes too small for the toddler"),
    ])
    db.session.flush()
    made_at = dt.datetime.combine(day(50), dt.time(12), tzinfo=dt.timezone.utc)
    db.session.add_all([
        Correction(family_id=family.id, record_type="visit", record_id=both.id, made_at=made_at, made_on=day(50),
                   by_id=worker.id, note="Corrected: Barrowcliffe was not shouting",
                   old_values={"notes": "Ignatius Barrowcliffe shouting at Zephyrine",
                               "children_seen": [zephyrine.id]}),
        Correction(family_id=family.id, record_type="rating", record_id=rating.id, made_at=made_at, made_on=day(50),
                   by_id=worker.id, note="Typo in the rating note", old_values={"note": "Marisol walks Zephrine in"}),
        Flag(family_id=family.id, rule="child_not_seen", subject_key=f"child:{thaddeus.id}", severity="medium",
             message="Thaddeus was last seen on 3 Feb.", raised_on=day(40), status="resolved", resolved_on=day(42),
             resolved_by_id=manager.id, resolution="Thaddeus seen at nursery"),
        Flag(family_id=family.id, rule="no_access", subject_key="family", severity="low",
             message="Two visits in a row without access.", raised_on=day(36), status="resolved",
             acknowledged_by_id=worker.id, resolved_on=day(37), resolved_by_id=manager.id,
             resolution="Marisol asked to rebook"),
        Allocation(family_id=family.id, from_worker_id=None, to_worker_id=worker.id, by_id=manager.id,
                   reason="Wendy already knows Marisol", made_at=made_at, made_on=opened),
        Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=other_team.id,
                 requested_by_id=manager.id, requested_at=made_at, reason="Marisol may move to the south side",
                 status="declined", decided_by_id=other_manager.id, decided_at=made_at,
                 comment="Declined: Marisol decided to stay"),
        ClosureProposal(family_id=family.id, proposed_on=closed, reason="step_down",
                        note="Zephyrine thriving at Hollybrook Primary", by_id=worker.id, status="approved",
                        decided_by_id=manager.id, decided_at=made_at),
        Draft(user_id=worker.id, form_key=f"visit:new:family:{family.id}", family_id=family.id,
              data={"notes": "Unsaved: Ignatius came back"}),
    ])
    db.session.flush()
    texts = [
        "Marisol agreed the plan with Zephyrine's school", "Ignatius moved out; things calmer",
        "Stepped down: Marisol well supported", "Zephyrine gets to school on time",
        "Marisol walks Zephyrine in every morning", "Marisol keeps the kitchen clean",
        "Kitchen much better, says Ignatius", "Zephyrine showed me her room", "Thaddeus had a rash",
        "Nobody home; left a card.", "Zephyrine was at her swimming club", "Marisol, Ignatius and Wendy",
        "Marisol says the mornings are calmer", "Fridge empty at first visit", "Ignatius smokes indoors",
        "Fridge stocked; Marisol batch cooks", "Smoking outside now", "Zephyrine chatty and proud",
        "Nappy rash, clothes too small", "Corrected: Barrowcliffe was not shouting",
        "Ignatius Barrowcliffe shouting at Zephyrine", "Typo in the rating note", "Marisol walks Zephrine in",
        "Thaddeus was last seen", "Thaddeus seen at nursery", "Marisol asked to rebook",
        "Wendy already knows Marisol", "Marisol may move to the south side", "Declined: Marisol decided to stay",
        "Zephyrine thriving", "Unsaved: Ignatius came back", "Mother's partner", "Meadow Surgery",
    ]
    return SimpleNamespace(
        family=family, zephyrine=zephyrine, thaddeus=thaddeus, marisol=marisol, ignatius=ignatius,
        goal=goal, rating=rating, both=both, only_thaddeus=only_thaddeus, no_access=no_access, naming=naming,
        review=review, family_first=family_first, zephyrine_assessed=zephyrine_assessed,
        thaddeus_assessed=thaddeus_assessed, other_manager=other_manager, opened=opened, closed=closed,
        texts=texts,
    )


@pytest.fixture
def rich(worker, manager, other_team, today):
    return rich_family(worker, manager, other_team, today)


# --- Subject access: the family -------------------------------------------------------------------


def test_a_family_export_holds_every_kind_of_record(rich, now):
    export = subject_access.family_export(db.session, rich.family, redact=False, now=now)
    assert export["subject"]["kind"] == "family" and export["redacted"] is False
    assert export["family"]["household_name"] == "Quenby household"
    assert export["family"]["postcode"] == "LS10 4QZ"
    assert export["family"]["referral_source"] == "Dr Hartigan at Meadow Surgery"
    assert export["family"]["family_worker"] == "Wendy Worker"
    assert [c["first_name"] for c in export["children"]] == ["Zephyrine", "Thaddeus"]
    assert export["children"][0]["date_of_birth"] == DATES_OF_BIRTH[0]
    assert [c["first_name"] for c in export["carers"]] == ["Marisol", "Ignatius"]
    assert {c["code"] for c in export["concerns"]} == {"neglect_physical", "housing"}
    assert [m["to_phase"] for m in export["phase_moves"]] == ["making_changes", "moving_on", "closed"]
    assert len(export["visits"]) == 4
    first = export["visits"][0]
    assert first["children_seen"] == ["Zephyrine", "Thaddeus"] and first["seen_alone"] == ["Zephyrine"]
    assert first["goals_discussed"] == ["Zephyrine gets to school on time"]
    assert first["recorded_by"] == "Wendy Worker"
    assert export["visits"][2]["outcome"] == "no_access" and export["visits"][2]["children_seen"] == []
    goal = export["goals"][0]
    assert goal["ratings"][0]["rating"] == 7 and goal["ratings"][0]["note"] == "Marisol walks Zephyrine in every morning"
    assert export["reviews"][0]["attendees"] == "Marisol, Ignatius and Wendy"
    assert [a["of"] for a in export["assessments"]] == ["the family", "Zephyrine", "Thaddeus", "the family"]
    assert export["assessments"][0]["scores"][0]["label"] == "Physical care"
    kinds = {c["record_type"]: c for c in export["corrections"]}
    assert set(kinds) == {"visit", "rating"}
    old = {v["field"]: v["value"] for v in kinds["visit"]["old_values"]}
    assert old == {"notes": "Ignatius Barrowcliffe shouting at Zephyrine", "children_seen": "Zephyrine"}
    assert {f["rule"] for f in export["flags"]} == {"child_not_seen", "no_access"}
    assert export["allocations"][0]["to_worker"] == "Wendy Worker" and export["allocations"][0]["by"] == "Mina Manager"
    assert export["transfers"][0]["status"] == "declined" and export["transfers"][0]["decided_by"] == "Oona Otherteam"
    assert export["closure_proposals"][0]["status"] == "approved"
    assert export["closure"]["closed_on"] == rich.closed and export["closure"]["reason"] == "step_down"
    # JSON-ready: dates as YYYY-MM-DD, instants with their offset.
    as_json = json.loads(_json(export))
    assert as_json["children"][0]["date_of_birth"] == DATES_OF_BIRTH[0].isoformat()
    assert as_json["generated_at"].endswith(("+00:00", "+01:00"))


def test_redacting_a_family_export_hides_staff_and_the_referral_source(rich, now):
    plain = _json(subject_access.family_export(db.session, rich.family, redact=False, now=now))
    redacted_export = subject_access.family_export(db.session, rich.family, redact=True, now=now)
    redacted = _json(redacted_export)
    for third_party in ("Wendy Worker", "Mina Manager", "Oona Otherteam", "Hartigan", "Meadow Surgery"):
        assert third_party in plain
        assert third_party not in redacted
    assert "Wendy" not in redacted  # also inside free text
    assert redacted_export["reviews"][0]["attendees"] == "Marisol, Ignatius and [redacted]"
    assert redacted_export["family"]["family_worker"] == "Family worker"
    assert redacted_export["allocations"][0]["by"] == "Manager"
    assert redacted_export["family"]["referral_source"] == "[redacted]"
    # The family's own people are the subject, not third parties.
    for own in ("Zephyrine", "Thaddeus", "Marisol", "Ignatius Barrowcliffe", "Quenby household"):
        assert own in redacted


# --- Subject access: one child --------------------------------------------------------------------


def test_a_child_export_holds_only_what_concerns_the_child(rich, now):
    export = subject_access.child_export(db.session, rich.zephyrine, redact=False, now=now)
    text = _json(export)
    assert export["subject"]["kind"] == "child"
    assert [c["first_name"] for c in export["children"]] == ["Zephyrine"]
    # Visits where she was seen, or named; not the visit only Thaddeus had, nor the no-access one.
    assert [v["id"] for v in export["visits"]] == [rich.both.id, rich.naming.id]
    assert export["visits"][0]["child_seen"] and export["visits"][0]["child_seen_alone"]
    assert export["visits"][1]["child_seen"] is False
    assert "children_seen" not in export["visits"][0]
    assert "Thaddeus had a rash" not in text and "Nobody home" not in text
    # Assessments of the family and of her, not of her brother; not the flag about him.
    assert [a["of"] for a in export["assessments"]] == ["the family", "Zephyrine", "the family"]
    assert "Nappy rash" not in text
    assert [f["rule"] for f in export["flags"]] == ["no_access"]
    assert "Thaddeus seen at nursery" not in text
    # Nothing of her brother's own record.
    assert DATES_OF_BIRTH[1].isoformat() not in text and "Sunflower Nursery" not in text
    # The family plan, reviews and the history of the case are hers too.
    assert len(export["goals"]) == 2 and len(export["reviews"]) == 1 and len(export["phase_moves"]) == 3
    assert {c["record_type"] for c in export["corrections"]} == {"visit", "rating"}
    old = {v["field"]: v["value"] for v in export["corrections"][0]["old_values"]}
    assert old["children_seen"] == "yes"
    assert export["carers"][0]["first_name"] == "Marisol"  # not redacted unless asked


def test_redacting_a_child_export_hides_everyone_but_the_child(rich, now):
    export = subject_access.child_export(db.session, rich.zephyrine, redact=True, now=now)
    text = _json(export)
    for third_party in ("Thaddeus", "Marisol", "Ignatius", "Barrowcliffe", "Wendy", "Mina Manager",
                        "Oona Otherteam", "Hartigan"):
        assert third_party not in text, third_party
    assert "Zephyrine" in text and "Quenby" in text  # her own name, which her mother shares
    assert export["carers"][0] == {"id": rich.marisol.id, "first_name": "[redacted]", "last_name": "[redacted]",
                                   "relationship": "Mother"}
    assert export["visits"][0]["notes"] == "Zephyrine showed me her room. [redacted] napping. [redacted] present."


def test_redaction_is_a_word_match_that_spares_the_subjects_own_names():
    redactor = subject_access.Redactor(True, third_parties=["Ann Smith", "Jo Lee-Park"], subject_names=["Amy Smith"])
    assert redactor.text("Ann and Annabel met Jo; Park, Lee-Park and Smith") == (
        "[redacted] and Annabel met [redacted]; [redacted], [redacted] and Smith")
    assert subject_access.Redactor(False, third_parties=["Ann"]).text("Ann") == "Ann"


# --- Retention ------------------------------------------------------------------------------------


def _closed(worker, closed_on, **kwargs):
    return FamilyFactory(worker=worker, opened_on=closed_on - dt.timedelta(weeks=20), phase="closed",
                         phase_since=closed_on, closed_on=closed_on, closure_reason="step_down", **kwargs)


def test_due_for_review_after_more_than_the_retention_period(worker, outsider, today):
    exactly = _closed(worker, retention.years_before(today, YEARS))
    day_more = _closed(worker, retention.years_before(today, YEARS) - dt.timedelta(days=1))
    held = _closed(worker, retention.years_before(today, YEARS + 2), legal_hold=True, legal_hold_reason="Court")
    done = _closed(worker, retention.years_before(today, YEARS + 3))
    done.anonymised_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    FamilyFactory(worker=worker, opened_on=retention.years_before(today, YEARS + 1))  # open, however old
    other_team = _closed(outsider, retention.years_before(today, YEARS + 1))
    db.session.flush()

    due = retention.due_for_review(db.session, today, team_id=worker.team_id)
    assert due == [held, day_more]  # longest closed first; the held one listed (with its hold)
    assert exactly not in due
    assert retention.due_for_review(db.session, today + dt.timedelta(days=1), team_id=worker.team_id)[-1] == exactly
    assert other_team in retention.due_for_review(db.session, today)
    assert retention.due_for_review(db.session, today, team_id=worker.team_id, years=YEARS + 5) == []
    assert retention.is_due(day_more, today) and not retention.is_due(exactly, today)


def test_a_leap_day_closure_counts_its_anniversary_on_28_february():
    assert retention.years_after(dt.date(2020, 2, 29), 6) == dt.date(2026, 2, 28)
    assert retention.years_before(dt.date(2028, 2, 29), 6) == dt.date(2022, 2, 28)


# --- Anonymisation --------------------------------------------------------------------------------


def _database_text() -> str:
    """Every row of every table, as text: what a dump of the database would hold."""
    rows = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            rows.append(" | ".join(str(value) for value in row))
    return "\n".join(rows)


def test_anonymising_removes_every_personal_value_and_keeps_the_figures(rich, manager, now):
    family = rich.family
    period = (rich.closed - dt.timedelta(days=1), rich.closed + dt.timedelta(days=1))
    referred = (family.referral_date, family.referral_date)
    db.session.commit()
    outcomes_before = reports.outcomes(db.session, manager, *period)
    area_before = reports.local_area(db.session, manager, *referred)
    audit_before = db.session.scalar(select(func.count(AuditEvent.id)))
    before = _database_text()
    for value in (*NAMES, *SCHOOLS, "LS10 4QZ", *(d.isoformat() for d in DATES_OF_BIRTH), *rich.texts):
        assert value.lower() in before.lower(), value  # the test would prove nothing otherwise

    retention.anonymise(db.session, family, manager, now)
    db.session.commit()

    after = _database_text()
    searched = (*NAMES, *SCHOOLS, "4QZ", *(d.isoformat() for d in DATES_OF_BIRTH), *rich.texts)
    remaining = [value for value in searched if value.lower() in after.lower()]
    assert remaining == []
    assert family.household_name == "Anonymised family" and family.postcode == "LS10"
    assert [(c.first_name, c.last_name, c.school, c.date_of_birth) for c in family.children] == [
        ("Child 1", None, None, dt.date(2014, 8, 1)), ("Child 2", None, None, dt.date(2017, 2, 1))]
    assert [c.first_name for c in family.carers] == ["Carer 1", "Carer 2"]
    assert family.anonymised_at is not None and family.referral_source is None
    assert rich.goal.title == "Goal 1: Education"
    assert db.session.scalar(select(func.count(Draft.id))) == 0
    # The reports count the family exactly as before.
    outcomes_after = reports.outcomes(db.session, manager, *period)
    area_after = reports.local_area(db.session, manager, *referred)
    record("anonymisation", personal_values_searched=len(searched), database_rows_searched=after.count("\n") + 1,
           personal_values_remaining=len(remaining), outcomes_unchanged=outcomes_after == outcomes_before,
           local_area_unchanged=area_after == area_before)
    assert outcomes_after == outcomes_before
    assert area_after == area_before
    assert outcomes_before["families_closed"] == 1 and area_before["rows"]
    assert area_before["rows"][0]["district"] == "LS10"
    # The audit trail only grew (its triggers refuse changes), with the anonymisation in it.
    assert db.session.scalar(select(func.count(AuditEvent.id))) > audit_before
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "anonymise")).one()
    assert (event.user_id, event.family_id) == (manager.id, family.id)
    # Non-personal facts stay: visits with the children seen, ratings, scores, flags.
    assert len(rich.both.children_seen) == 2 and rich.rating.rating == 7
    assert rich.family_first.scores[0].score == 4 and rich.family_first.scores[0].evidence == ""
    assert db.session.scalar(select(func.count(Flag.id)).where(Flag.family_id == family.id)) == 2


def test_an_export_of_an_anonymised_family_holds_nothing_personal(rich, manager, now):
    retention.anonymise(db.session, rich.family, manager, now)
    text = _json(subject_access.family_export(db.session, rich.family, redact=False, now=now))
    for value in (*NAMES, *SCHOOLS, *rich.texts):
        assert value.lower() not in text.lower(), value
    assert "Anonymised family" in text


def test_anonymising_is_refused_for_an_open_family(family, manager, now):
    with pytest.raises(Conflict, match="open"):
        retention.anonymise(db.session, family, manager, now)
    assert family.anonymised_at is None


def test_anonymising_is_refused_under_a_legal_hold(rich, manager, now):
    retention.place_legal_hold(db.session, manager, rich.family, "Care proceedings", now)
    with pytest.raises(Conflict, match="legal hold"):
        retention.anonymise(db.session, rich.family, manager, now)
    assert rich.family.household_name == "Quenby household"
    retention.lift_legal_hold(db.session, manager, rich.family, now)
    assert rich.family.legal_hold_reason is None
    retention.anonymise(db.session, rich.family, manager, now)
    assert rich.family.anonymised_at is not None
    with pytest.raises(Conflict, match="already"):
        retention.anonymise(db.session, rich.family, manager, now)


def test_anonymising_is_refused_within_the_retention_period(worker, manager, today, now):
    family = _closed(worker, retention.years_before(today, YEARS))
    with pytest.raises(Conflict, match="kept until"):
        retention.anonymise(db.session, family, manager, now)


def test_only_the_teams_manager_may_anonymise_or_hold(rich, worker, other_team, now):
    stranger = UserFactory(team=other_team, role="manager", email="stranger@example.org")
    with pytest.raises(Forbidden):
        retention.anonymise(db.session, rich.family, worker, now)
    with pytest.raises(NotFound):
        retention.anonymise(db.session, rich.family, stranger, now)
    with pytest.raises(Forbidden):
        retention.place_legal_hold(db.session, worker, rich.family, "Reason", now)
    assert rich.family.anonymised_at is None and not rich.family.legal_hold


def test_a_legal_hold_needs_a_reason_a_current_version_and_is_audited(rich, manager, now):
    with pytest.raises(ValidationFailed) as refused:
        retention.place_legal_hold(db.session, manager, rich.family, "  ", now)
    assert "reason" in refused.value.fields
    with pytest.raises(StaleVersion):
        retention.place_legal_hold(db.session, manager, rich.family, "Claim", now, version=rich.family.version - 1)
    retention.place_legal_hold(db.session, manager, rich.family, "Claim by the family's solicitor", now,
                               version=rich.family.version)
    with pytest.raises(Conflict):
        retention.place_legal_hold(db.session, manager, rich.family, "Again", now)
    retention.lift_legal_hold(db.session, manager, rich.family, now)
    with pytest.raises(Conflict):
        retention.lift_legal_hold(db.session, manager, rich.family, now)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.family_id == rich.family.id,
                                        AuditEvent.action.like("legal_hold%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["legal_hold_set", "legal_hold_lifted"]
    # The reason itself never reaches the audit trail.
    assert "solicitor" not in _database_text()


def test_typing_the_reference_confirms(rich):
    retention.check_confirmation(rich.family, f"  {rich.family.reference.lower()} ")
    with pytest.raises(ValidationFailed) as refused:
        retention.check_confirmation(rich.family, "FP-1999-0001")
    assert "confirm_reference" in refused.value.fields
