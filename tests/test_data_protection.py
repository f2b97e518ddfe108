"""Data protection services: subject access exports (whole family, one child, redaction),
retention review, legal hold and anonymisation (which must remove every personal value and
leave the outcome and local-area figures as they were)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import AuditEvent, Draft, Flag
from casework.services import redaction, reports, retention, subject_access
from casework.services.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed

from .factories import FamilyFactory, UserFactory
from .helpers import DATES_OF_BIRTH, NAMES, SCHOOLS, YEARS, assert_refused, keep_outcomes, rich_family
from .trust.figures import record


def _json(export: dict) -> str:
    return json.dumps(subject_access.to_json(export))


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
    assert goal["ratings"][0]["rating"] == 7
    assert goal["ratings"][0]["note"] == "Marisol walks Zephyrine in every morning"
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


def test_a_family_export_holds_the_diary_and_the_visits_that_could_not_be_recorded(rich, worker, now):
    export = subject_access.family_export(db.session, rich.family, redact=False, now=now)
    planned = export["planned_visits"]
    assert [(p["date"], p["status"], p["visit_id"]) for p in planned] == [
        (rich.both.date, "done", rich.both.id), (rich.planned_thaddeus.date, "cancelled", None)]
    assert planned[0]["note"] == "Ask Zephyrine about the sleepover with Wendy's leaflet"
    assert planned[0]["planned_by"] == "Wendy Worker" and planned[1]["cancelled_by"] == "family"
    held = export["unrecorded_visits"]
    assert [h["id"] for h in held] == [rich.held_zephyrine.id, rich.held_thaddeus.id]
    assert held[0]["as_sent"]["notes"] == "Zephyrine and Thaddeus baking with Wendy"
    assert held[0]["as_sent"]["children_seen"] == ["Zephyrine"] and held[0]["as_sent"]["seen_alone"] == ["Zephyrine"]
    assert held[0]["reason"] == "The family is closed." and held[0]["resolution_note"] == "Mina recorded it for Wendy"
    assert held[0]["recorded_by"] == "Wendy Worker" and held[0]["resolved_by"] == "Mina Manager"


def test_redacting_treats_the_diary_and_held_visits_as_other_free_text(rich, now):
    export = subject_access.family_export(db.session, rich.family, redact=True, now=now)
    planned, held = export["planned_visits"][0], export["unrecorded_visits"][0]
    assert planned["note"] == "Ask Zephyrine about the sleepover with [redacted]'s leaflet"
    assert planned["planned_by"] == "Family worker"
    assert held["as_sent"]["notes"] == "Zephyrine and Thaddeus baking with [redacted]"
    assert held["resolution_note"] == "[redacted] recorded it for [redacted]"
    assert held["recorded_by"] == "Family worker" and held["resolved_by"] == "Manager"
    assert "Wendy" not in _json(export) and "Mina" not in _json(export)


def test_a_child_export_holds_the_planned_and_held_visits_that_concern_the_child(rich, now):
    export = subject_access.child_export(db.session, rich.zephyrine, redact=False, now=now)
    # The planned visit that became a visit of hers; not the one only about her brother.
    assert [p["id"] for p in export["planned_visits"]] == [rich.planned_both.id]
    assert [h["id"] for h in export["unrecorded_visits"]] == [rich.held_zephyrine.id]
    assert "Thaddeus's nursery forms" not in _json(export) and "cough" not in _json(export)
    redacted = subject_access.child_export(db.session, rich.zephyrine, redact=True, now=now)
    assert redacted["unrecorded_visits"][0]["as_sent"]["notes"] == "Zephyrine and [redacted] baking with [redacted]"
    assert redacted["unrecorded_visits"][0]["as_sent"]["children_seen"] == ["Zephyrine"]


def test_why_a_childs_view_was_not_gathered_is_in_the_review_and_only_in_that_childs_export(rich, now):
    export = subject_access.family_export(db.session, rich.family, redact=True, now=now)
    assert export["reviews"][0]["views_not_gathered"] == [
        {"child": "Thaddeus", "reason": "Thaddeus napping; [redacted] asks later"}]
    assert export["reviews"][0]["notes"] == "Marisol says the mornings are calmer"
    assert subject_access.child_export(db.session, rich.thaddeus, redact=False, now=now)["reviews"][0][
        "views_not_gathered"] == [{"child": "Thaddeus", "reason": "Thaddeus napping; Wendy asks later"}]
    assert subject_access.child_export(db.session, rich.zephyrine, redact=False, now=now)["reviews"][0][
        "views_not_gathered"] == []


def test_a_held_visit_that_is_not_json_is_exported_as_text(rich, now):
    rich.held_thaddeus.payload = "notes=Wendy saw Zephyrine"
    export = subject_access.child_export(db.session, rich.zephyrine, redact=True, now=now)
    assert [h["as_sent"] for h in export["unrecorded_visits"]][-1] == "notes=[redacted] saw Zephyrine"


def test_redaction_is_a_word_match_that_spares_the_subjects_own_names():
    redactor = redaction.Redactor(True, third_parties=["Ann Smith", "Jo Lee-Park"], subject_names=["Amy Smith"])
    assert redactor.text("Ann and Annabel met Jo; Park, Lee-Park and Smith") == (
        "[redacted] and Annabel met [redacted]; [redacted], [redacted] and Smith")
    assert redaction.Redactor(False, third_parties=["Ann"]).text("Ann") == "Ann"


# --- Retention ------------------------------------------------------------------------------------


def _closed(worker, closed_on, **kwargs):
    return FamilyFactory(worker=worker, opened_on=closed_on - dt.timedelta(weeks=20), phase="closed",
                         phase_since=closed_on, closed_on=closed_on, closure_reason="step_down", **kwargs)


def test_due_for_review_after_more_than_the_retention_period(worker, outsider, today):
    exactly = _closed(worker, retention.years_before(today, YEARS))
    day_more = _closed(worker, retention.years_before(today, YEARS) - dt.timedelta(days=1))
    held = _closed(worker, retention.years_before(today, YEARS + 2), legal_hold=True, legal_hold_reason="Court")
    done = _closed(worker, retention.years_before(today, YEARS + 3))
    done.anonymised_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
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
    keep_outcomes()
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
    assert remaining == [], remaining
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
    with assert_refused(Conflict, match="open", unchanged=[family, *family.children, *family.carers]):
        retention.anonymise(db.session, family, manager, now)


def test_anonymising_is_refused_under_a_legal_hold(rich, manager, now):
    retention.place_legal_hold(db.session, manager, rich.family, "Care proceedings", now)
    kept = [rich.family, *rich.family.children, *rich.family.carers]
    with assert_refused(Conflict, match="legal hold", unchanged=kept):
        retention.anonymise(db.session, rich.family, manager, now)
    retention.lift_legal_hold(db.session, manager, rich.family, now)
    assert rich.family.legal_hold_reason is None
    retention.anonymise(db.session, rich.family, manager, now)
    assert rich.family.anonymised_at is not None
    with assert_refused(Conflict, match="already", unchanged=[rich.family]):
        retention.anonymise(db.session, rich.family, manager, now)


def test_anonymising_is_refused_within_the_retention_period(worker, manager, today, now):
    family = _closed(worker, retention.years_before(today, YEARS))
    with assert_refused(Conflict, match="kept until", unchanged=[family, *family.children, *family.carers]):
        retention.anonymise(db.session, family, manager, now)


def test_only_the_teams_manager_may_anonymise_or_hold(rich, worker, other_team, now):
    stranger = UserFactory(team=other_team, role="manager", email="stranger@example.org")
    kept = [rich.family, *rich.family.children, *rich.family.carers]
    with assert_refused(Forbidden, unchanged=kept):
        retention.anonymise(db.session, rich.family, worker, now)
    with assert_refused(NotFound, unchanged=kept):
        retention.anonymise(db.session, rich.family, stranger, now)
    with assert_refused(Forbidden, unchanged=kept):
        retention.place_legal_hold(db.session, worker, rich.family, "Reason", now)


def test_a_legal_hold_needs_a_reason_a_current_version_and_is_audited(rich, manager, now):
    with assert_refused(ValidationFailed, "reason", unchanged=[rich.family]):
        retention.place_legal_hold(db.session, manager, rich.family, "  ", now)
    with assert_refused(StaleVersion, "version", unchanged=[rich.family]):
        retention.place_legal_hold(db.session, manager, rich.family, "Claim", now, version=rich.family.version - 1)
    retention.place_legal_hold(db.session, manager, rich.family, "Claim by the family's solicitor", now,
                               version=rich.family.version)
    with assert_refused(Conflict, unchanged=[rich.family]):
        retention.place_legal_hold(db.session, manager, rich.family, "Again", now)
    retention.lift_legal_hold(db.session, manager, rich.family, now)
    with assert_refused(Conflict, unchanged=[rich.family]):
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
    with assert_refused(ValidationFailed, "confirm_reference", unchanged=[rich.family]):
        retention.check_confirmation(rich.family, "FP-1999-0001")
