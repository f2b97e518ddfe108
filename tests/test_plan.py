"""The parents' plan never prints internal notes. It shows what was agreed with the family (each
goal, its area, where it started, the latest rating, the target and its date, and the next step
agreed with them) and nothing else: a marker planted in every internal text field of the
family's records appears nowhere in the printed plan."""
from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import (
    Allocation,
    AssessmentScore,
    ClosureProposal,
    Correction,
    Draft,
    Flag,
    Goal,
    GoalStatusChange,
    PhaseMove,
    Transfer,
)

from . import factories
from .helpers import page_text, signed_in

_numbers = itertools.count(1)


def marker(field: str) -> str:
    return f"MARKER{next(_numbers):03d}-{field}"


def test_no_internal_text_reaches_the_plan(app, worker, manager, other_team, today):
    planted: list[str] = []

    def plant(field):
        text = marker(field)
        planted.append(text)
        return text

    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    family = factories.FamilyFactory(worker=worker, opened_on=day(90), consent_recorded_on=day(90),
                                     phase="making_changes", phase_since=day(60),
                                     referral_source=plant("referral_source"), legal_hold_reason=plant("legal_hold"))
    carer = factories.CarerFactory(family=family, relationship_to_children=plant("carer_relationship"))
    goal = factories.GoalFactory(family=family, title="Bedtime by eight every school night",
                                 area="family_routine", baseline=3, target=8, start_date=day(80),
                                 target_date=today + dt.timedelta(days=40),
                                 next_step="Use the bedtime chart on the fridge.")
    rating = factories.RatingFactory(goal=goal, date=day(10), rating=6, note=plant("rating_note"))
    achieved = factories.GoalFactory(family=family, title="Mum registers with a GP", status="achieved",
                                     next_step=plant("achieved_goal_next_step_not_printed"))
    withdrawn = factories.GoalFactory(family=family, title=plant("withdrawn_goal_title"), status="withdrawn",
                                      next_step=plant("withdrawn_goal_next_step"))
    visit = factories.VisitFactory(family=family, date=day(5), notes=plant("visit_notes"))
    review = factories.ReviewFactory(family=family, held_on=day(30), notes=plant("review_notes"),
                                     attendees=plant("review_attendees"))
    assessment = factories.AssessmentFactory(
        family=family, date=day(70), scores=[AssessmentScore(domain="physical_care", score=3,
                                                             evidence=plant("assessment_evidence"))])
    _db.session.flush()
    made_at = dt.datetime.now(dt.UTC)
    _db.session.add_all([
        PhaseMove(family=family, from_phase="engagement", to_phase="making_changes", date=day(60),
                  note=plant("phase_note"), by=worker),
        Correction(family_id=family.id, record_type="visit", record_id=visit.id, made_at=made_at, made_on=day(4),
                   by_id=worker.id, note=plant("correction_note"), old_values={"notes": plant("corrected_old")}),
        Correction(family_id=family.id, record_type="rating", record_id=rating.id, made_at=made_at,
                   made_on=day(4), by_id=worker.id, note=plant("rating_correction_note"),
                   old_values={"note": plant("rating_old_note")}),
        Flag(family=family, rule="goal_stalled", subject_key=f"goal:{goal.id}", severity="medium",
             message=plant("flag_message"), raised_on=day(20), status="resolved", resolved_on=day(9),
             resolution=plant("flag_resolution")),
        Flag(family=family, rule="child_not_seen", subject_key="child:1", severity="high",
             message=plant("open_flag_message"), raised_on=day(2)),
        GoalStatusChange(goal=withdrawn, family_id=family.id, status="withdrawn", date=day(15),
                         reason=plant("withdrawal_reason"), made_at=made_at),
        GoalStatusChange(goal=achieved, family_id=family.id, status="achieved", date=day(12),
                         reason=plant("achieved_reason"), made_at=made_at),
        Allocation(family_id=family.id, to_worker_id=worker.id, by_id=manager.id, reason=plant("allocation_reason"),
                   made_at=made_at, made_on=day(90)),
        Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=other_team.id,
                 requested_by_id=manager.id, reason=plant("transfer_reason"), status="declined",
                 comment=plant("transfer_comment")),
        ClosureProposal(family_id=family.id, proposed_on=day(3), reason="step_down", note=plant("closure_note"),
                        by_id=worker.id, status="returned", comment=plant("closure_return_comment")),
        Draft(user_id=worker.id, form_key=f"visit:new:family:{family.id}", family_id=family.id,
              data={"notes": [plant("draft_notes")]}),
    ])
    family.concern_rows[0].code = "substance_misuse"
    _db.session.commit()
    assert carer.id and assessment.id and review.id

    response = signed_in(app, worker).get(f"/families/{family.id}/plan")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    leaked = [text for text in planted if text in body]
    assert leaked == []
    assert "MARKER" not in body
    # Concerns are internal too.
    assert "Substance misuse" not in page_text(response)

    # What was agreed with the family is there.
    text = page_text(response)
    assert "Bedtime by eight every school night" in text
    assert "Area Family routine" in text
    assert f"Where we started 3 out of 10, on {day(80).day} {day(80):%b %Y}" in text
    assert f"Where we are now 6 out of 10, on {day(10).day} {day(10):%b %Y}" in text
    target = today + dt.timedelta(days=40)
    assert f"Where we want to get to 8 out of 10, by {target.day} {target:%b %Y}" in text
    assert "Next step we agreed Use the bedtime chart on the fridge." in text
    assert "Mum registers with a GP" in text


def test_the_next_step_is_a_field_of_the_goal_on_its_form_and_page(login, worker, family, today):
    client = login(worker)
    form = client.get(f"/families/{family.id}/goals/new")
    assert "Next step agreed with the family (optional)" in page_text(form)
    response = client.post(f"/families/{family.id}/goals/new", data={
        "title": "Regular bedtimes", "area": "family_routine", "baseline": "3", "target": "7",
        "start_date": today.isoformat(), "target_date": (today + dt.timedelta(weeks=12)).isoformat(),
        "next_step": "Try the bath, book, bed routine this week."})
    assert response.status_code == 302
    goal_page = client.get(response.headers["Location"].split("#")[0])
    goal = _db.session.scalars(select(Goal).where(Goal.family_id == family.id)).one()
    assert goal.next_step == "Try the bath, book, bed routine this week."
    text = page_text(client.get(f"/goals/{goal.id}"))
    assert "Next step agreed with the family Try the bath, book, bed routine this week." in text
    edit = client.post(f"/goals/{goal.id}/edit", data={
        "title": "Regular bedtimes", "area": "family_routine", "baseline": "3", "target": "7",
        "start_date": today.isoformat(), "target_date": (today + dt.timedelta(weeks=12)).isoformat(),
        "next_step": "", "version": str(goal.version)})
    assert edit.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).next_step is None
    assert goal_page.status_code == 200


def test_the_api_takes_and_gives_the_next_step_and_the_ratings(api, worker, family, today):
    calls = api(worker)
    created = calls.post(f"/api/v1/families/{family.id}/goals", json={
        "title": "Regular bedtimes", "area": "family_routine", "baseline": 3, "target": 7,
        "start_date": today.isoformat(), "target_date": (today + dt.timedelta(weeks=12)).isoformat(),
        "next_step": "Bath, book, bed."})
    assert created.status_code == 201
    goal = created.get_json()
    assert goal["next_step"] == "Bath, book, bed." and goal["ratings"] == []
    calls.post(f"/api/v1/goals/{goal['id']}/progress", json={"date": today.isoformat(), "rating": 4, "note": "x"})
    calls.post(f"/api/v1/goals/{goal['id']}/progress", json={"date": today.isoformat(), "rating": 5})
    patched = calls.patch(f"/api/v1/goals/{goal['id']}", json={"next_step": "Bedtime chart."}).get_json()
    assert patched["next_step"] == "Bedtime chart."
    [listed] = calls.get(f"/api/v1/families/{family.id}/goals").get_json()["items"]
    assert [(r["rating"], r["note"]) for r in listed["ratings"]] == [(4, "x"), (5, "")]
    assert set(listed["ratings"][0]) >= {"id", "date", "rating", "note", "version"}
    assert listed["next_step"] == "Bedtime chart."
    cleared = calls.patch(f"/api/v1/goals/{goal['id']}", json={"next_step": None}).get_json()
    assert cleared["next_step"] is None
    too_long = calls.patch(f"/api/v1/goals/{goal['id']}", json={"next_step": "x" * 1001})
    assert too_long.status_code == 422 and "next_step" in too_long.get_json()["fields"]


def test_the_subject_access_export_holds_the_next_step_and_why_a_goal_was_withdrawn(app, api, worker, manager,
                                                                                    family):
    goal = factories.GoalFactory(family=family, next_step="Bath, book, bed.")
    _db.session.commit()
    api(worker).patch(f"/api/v1/goals/{goal.id}", json={"status": "withdrawn", "reason": "Mum asked to pause it."})
    export = signed_in(app, manager).get(f"/families/{family.id}/subject-access.json").get_json()
    [held] = [g for g in export["goals"] if g["id"] == goal.id]
    assert held["next_step"] == "Bath, book, bed."
    assert [(c["status"], c["reason"]) for c in held["status_changes"]] == [("withdrawn", "Mum asked to pause it.")]
    page = page_text(signed_in(app, manager).get(f"/families/{family.id}/subject-access"))
    assert "Next step agreed with the family: Bath, book, bed." in page and "Mum asked to pause it." in page
