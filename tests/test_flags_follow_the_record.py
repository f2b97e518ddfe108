"""Flags follow the record: a record saved that clears a flag's condition resolves the flag in
the same request (from the pages and from the API alike), with a resolution naming the record;
the sweep's own rules decide, for that one family. Saving never raises a flag; the sweep stays
idempotent and still resolves whatever is left."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Flag
from casework.services.sweep import run_sweep

from . import factories


def shown(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


@pytest.fixture
def overdue(worker, today, now):
    """Opened 60 days ago, consent given, a goal agreed 40 days ago and never rated, nobody
    seen or heard, no review held: the sweep flags the review, the phase, each child (not seen, not
    heard) and the goal."""
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60),
                                     consent_recorded_on=today - dt.timedelta(days=60))
    goal = factories.GoalFactory(family=family, start_date=today - dt.timedelta(days=40),
                                 target_date=today + dt.timedelta(days=60))
    _db.session.flush()
    run_sweep(_db.session, now)
    _db.session.commit()
    return family, goal


def open_flags(calls, family) -> dict[str, dict]:
    response = calls.get(f"/api/v1/flags?status=open&family_id={family.id}")
    assert response.status_code == 200
    return {f"{item['rule']}:{item['message'].split(' ')[0]}": item for item in response.get_json()["items"]}


def flag_of(family, rule, subject=None) -> Flag:
    _db.session.expire_all()
    query = select(Flag).where(Flag.family_id == family.id, Flag.rule == rule)
    if subject:
        query = query.where(Flag.subject_key == subject)
    return _db.session.scalars(query).one()


def rules_open(family) -> list[str]:
    _db.session.expire_all()
    return sorted(_db.session.scalars(select(Flag.rule).where(Flag.family_id == family.id,
                                                              Flag.status != "resolved")))


def test_the_sweep_flags_the_family_first(overdue):
    family, _ = overdue
    assert rules_open(family) == ["child_not_seen", "child_not_seen", "child_voice_missing", "child_voice_missing",
                                  "goal_stalled", "phase_overrun", "review_overdue"]


# --- Each record clears its own flags, from the API ---------------------------------------------


def test_a_review_held_clears_the_overdue_review_at_once(api, worker, overdue, today):
    family, _ = overdue
    calls = api(worker)
    assert any(item["rule"] == "review_overdue" for item in open_flags(calls, family).values())
    response = calls.post(f"/api/v1/families/{family.id}/reviews",
                          json={"held_on": today.isoformat(), "decision": "continue"})
    assert response.status_code == 201
    assert not any(item["rule"] == "review_overdue" for item in open_flags(calls, family).values())
    resolved = calls.get(f"/api/v1/flags?status=resolved&family_id={family.id}").get_json()["items"]
    [flag] = [item for item in resolved if item["rule"] == "review_overdue"]
    assert flag["resolution"] == f"Review held on {shown(today)}."
    assert flag["resolved_at"] is not None
    # Nothing else changed: the other flags are still open, and none was raised.
    assert rules_open(family) == ["child_not_seen", "child_not_seen", "child_voice_missing", "child_voice_missing",
                                  "goal_stalled", "phase_overrun"]


def test_a_completed_visit_clears_child_not_seen_for_the_children_seen(api, worker, overdue, today):
    family, _ = overdue
    amy, ben = family.children
    response = api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "home_visit", "outcome": "completed", "children_seen": [amy.id]})
    assert response.status_code == 201
    amy_flag = flag_of(family, "child_not_seen", f"child:{amy.id}")
    assert amy_flag.resolution == f"Amy seen at the visit on {shown(today)}."
    assert flag_of(family, "child_not_seen", f"child:{ben.id}").status == "open"


def test_a_phone_call_sees_no_child_and_clears_nothing(api, worker, overdue, today):
    family, _ = overdue
    amy, _ = family.children
    api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "phone", "outcome": "completed", "children_seen": [amy.id]})
    assert flag_of(family, "child_not_seen", f"child:{amy.id}").status == "open"


def test_a_visit_dated_too_long_ago_clears_nothing(api, worker, overdue, today):
    family, _ = overdue
    amy, _ = family.children
    api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": (today - dt.timedelta(days=35)).isoformat(), "kind": "home_visit", "outcome": "completed",
        "children_seen": [amy.id]})
    assert flag_of(family, "child_not_seen", f"child:{amy.id}").status == "open"


def test_a_completed_visit_clears_no_access_once_the_rule_no_longer_holds(api, worker, today, now):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=20))
    for days in (5, 3):
        factories.VisitFactory(family=family, date=today - dt.timedelta(days=days), outcome="no_access")
    run_sweep(_db.session, now)
    _db.session.commit()
    assert flag_of(family, "no_access").status == "open"
    api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
        "children_seen": [c.id for c in family.children]})
    flag = flag_of(family, "no_access")
    assert (flag.status, flag.resolution) == ("resolved", f"Visit completed on {shown(today)}.")


def test_no_access_stays_while_three_of_the_last_five_were_missed(api, worker, today, now):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=20))
    for days, outcome in ((9, "no_access"), (7, "cancelled"), (5, "completed"), (3, "no_access")):
        factories.VisitFactory(family=family, date=today - dt.timedelta(days=days), outcome=outcome)
    run_sweep(_db.session, now)
    _db.session.commit()
    api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "phone", "outcome": "completed"})
    assert flag_of(family, "no_access").status == "open"


def test_a_rating_above_the_best_so_far_clears_a_stalled_goal(api, worker, overdue, today):
    family, goal = overdue
    calls = api(worker)
    # At the baseline: no improvement, the goal is still stalled.
    calls.post(f"/api/v1/goals/{goal.id}/progress", json={"date": today.isoformat(), "rating": 3})
    assert flag_of(family, "goal_stalled").status == "open"
    calls.post(f"/api/v1/goals/{goal.id}/progress", json={"date": today.isoformat(), "rating": 5})
    flag = flag_of(family, "goal_stalled")
    assert (flag.status, flag.resolution) == ("resolved", f"Goal rated 5 out of 10 on {shown(today)}.")


@pytest.mark.parametrize("status", ["achieved", "withdrawn"])
def test_a_goal_achieved_or_withdrawn_clears_its_stalled_flag(api, worker, overdue, today, status):
    family, goal = overdue
    response = api(worker).patch(f"/api/v1/goals/{goal.id}", json={"status": status, "reason": "Agreed with mum."})
    assert response.status_code == 200
    flag = flag_of(family, "goal_stalled")
    assert (flag.status, flag.resolution) == ("resolved", f"Goal {status} on {shown(today)}.")


def test_a_phase_move_clears_the_overrun(api, worker, overdue, today):
    family, _ = overdue
    response = api(worker).post(f"/api/v1/families/{family.id}/phase",
                                json={"phase": "making_changes", "date": today.isoformat()})
    assert response.status_code == 200
    flag = flag_of(family, "phase_overrun")
    assert (flag.status, flag.resolution) == ("resolved", f"Moved to making changes on {shown(today)}.")


def test_a_back_dated_move_into_a_phase_already_overrun_clears_nothing(api, worker, today, now):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=200),
                                     consent_recorded_on=today - dt.timedelta(days=200),
                                     phase="making_changes", phase_since=today - dt.timedelta(days=150))
    factories.GoalFactory(family=family, target_date=today + dt.timedelta(days=30))
    run_sweep(_db.session, now)
    _db.session.commit()
    assert flag_of(family, "phase_overrun").status == "open"
    # Moving on is expected to take 4 weeks: dated 40 days ago, it has overrun too.
    response = api(worker).post(f"/api/v1/families/{family.id}/phase",
                                json={"phase": "moving_on", "date": (today - dt.timedelta(days=40)).isoformat()})
    assert response.status_code == 200
    assert flag_of(family, "phase_overrun").status == "open"


# --- The same from the pages --------------------------------------------------------------------


def test_a_review_held_on_the_page_clears_the_flag_from_the_api_at_once(login, api, worker, overdue, today):
    family, _ = overdue
    response = login(worker).post(f"/families/{family.id}/reviews/new",
                                  data={"held_on": today.isoformat(), "decision": "continue"})
    assert response.status_code == 302
    assert not any(item["rule"] == "review_overdue" for item in open_flags(api(worker), family).values())
    assert flag_of(family, "review_overdue").resolution == f"Review held on {shown(today)}."


def test_a_visit_logged_on_the_page_clears_the_children_seen(login, worker, overdue, today):
    family, _ = overdue
    response = login(worker).post(f"/families/{family.id}/visits/new", data={
        "date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
        "children_seen": [str(c.id) for c in family.children]})
    assert response.status_code == 302
    assert rules_open(family) == ["child_voice_missing", "child_voice_missing", "goal_stalled", "phase_overrun",
                                  "review_overdue"]
    page = login(worker).get(f"/families/{family.id}").get_data(as_text=True)
    assert f"Amy seen at the visit on {shown(today)}." in page


def test_a_rating_and_a_withdrawal_on_the_pages_clear_the_stalled_goal(login, worker, overdue, today):
    family, goal = overdue
    client = login(worker)
    client.post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "3"})
    assert flag_of(family, "goal_stalled").status == "open"
    client.post(f"/goals/{goal.id}/withdraw", data={"reason": "Mum wants to focus on school first."})
    assert flag_of(family, "goal_stalled").resolution == f"Goal withdrawn on {shown(today)}."


def test_a_phase_move_on_the_page_clears_the_overrun(login, worker, overdue, today):
    family, _ = overdue
    response = login(worker).post(f"/families/{family.id}/phase", data={
        "phase": "making_changes", "date": today.isoformat(), "version": str(family.version)})
    assert response.status_code == 302
    assert flag_of(family, "phase_overrun").resolution == f"Moved to making changes on {shown(today)}."


# --- Only the sweep raises; the sweep stays idempotent -------------------------------------------


def test_saving_a_record_never_raises_a_flag(api, worker, today):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60))
    factories.GoalFactory(family=family, start_date=today - dt.timedelta(days=40))
    _db.session.commit()
    api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "phone", "outcome": "no_access"})
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(Flag.id))) == 0


def test_the_sweep_after_a_save_raises_nothing_again_and_is_idempotent(api, worker, overdue, today, now):
    family, goal = overdue
    calls = api(worker)
    calls.post(f"/api/v1/families/{family.id}/reviews", json={"held_on": today.isoformat(), "decision": "continue"})
    calls.post(f"/api/v1/goals/{goal.id}/progress", json={"date": today.isoformat(), "rating": 6})
    first = run_sweep(_db.session, now)
    _db.session.commit()
    second = run_sweep(_db.session, now)
    _db.session.commit()
    assert (first.flags_raised, first.flags_resolved) == (0, 0)
    assert (second.flags_raised, second.flags_resolved) == (0, 0)
    assert rules_open(family) == ["child_not_seen", "child_not_seen", "child_voice_missing", "child_voice_missing",
                                  "phase_overrun"]


def test_the_sweep_still_resolves_what_is_left(worker, overdue, today, now):
    family, goal = overdue
    goal.status = "achieved"  # changed behind the services' back
    _db.session.commit()
    summary = run_sweep(_db.session, now)
    assert summary.flags_resolved == 1
    assert flag_of(family, "goal_stalled").resolution == "Goal achieved."
