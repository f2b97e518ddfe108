"""The rules of the three phases, references and referrals, at the service level."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework.extensions import db
from casework.services import families as family_service
from casework.services import phases as phase_service
from casework.services import referrals as referral_service
from casework.services.errors import StaleVersion, ValidationFailed

from .factories import FamilyFactory, GoalFactory
from .helpers import assert_refused

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=LONDON)
TODAY = NOW.date()


@pytest.fixture
def open_family(worker):
    return FamilyFactory(worker=worker, opened_on=TODAY - dt.timedelta(days=35))


def move(actor, family, phase, on=TODAY, **kwargs):
    return phase_service.move_phase(db.session, actor, family, phase, on, NOW, **kwargs)


def ready_for_changes(family):
    family.consent_recorded_on = family.opened_on
    GoalFactory(family=family)


def test_making_changes_needs_consent_and_an_active_goal(worker, open_family):
    with assert_refused(ValidationFailed, "phase", unchanged=[open_family]) as refused:
        move(worker, open_family, "making_changes")
    assert "consent" in refused.value.message and "active goal" in refused.value.message
    open_family.consent_recorded_on = open_family.opened_on
    with assert_refused(ValidationFailed, "phase", match="no active goal", unchanged=[open_family]):
        move(worker, open_family, "making_changes")
    GoalFactory(family=open_family, status="withdrawn")
    with assert_refused(ValidationFailed, "phase", match="no active goal", unchanged=[open_family]):
        move(worker, open_family, "making_changes")
    GoalFactory(family=open_family)
    moved = move(worker, open_family, "making_changes", on=TODAY - dt.timedelta(days=3))
    assert open_family.phase == "making_changes"
    assert open_family.phase_since == TODAY - dt.timedelta(days=3)
    assert (moved.from_phase, moved.to_phase, moved.by) == ("engagement", "making_changes", worker)


def test_a_move_is_never_in_the_future_nor_before_the_current_phase_began(worker, open_family):
    ready_for_changes(open_family)
    with assert_refused(ValidationFailed, "date", unchanged=[open_family]) as future:
        move(worker, open_family, "making_changes", on=TODAY + dt.timedelta(days=1))
    assert "future" in future.value.fields["date"][0]
    with assert_refused(ValidationFailed, "date", unchanged=[open_family]) as early:
        move(worker, open_family, "making_changes", on=open_family.opened_on - dt.timedelta(days=1))
    assert "before" in early.value.fields["date"][0]
    move(worker, open_family, "making_changes", on=open_family.opened_on)  # the same day is fine


def test_today_is_the_local_date(worker, open_family):
    # 00:30 on 16 June in London is 23:30 on 15 June in UTC: a move dated 16 June is not in
    # the future, because the service's dates are London dates.
    ready_for_changes(open_family)
    just_after_midnight = dt.datetime(2026, 6, 16, 0, 30, tzinfo=LONDON)
    phase_service.move_phase(
        db.session, worker, open_family, "making_changes", dt.date(2026, 6, 16), just_after_midnight
    )
    assert open_family.phase_since == dt.date(2026, 6, 16)


def test_moving_back_needs_a_note(worker, open_family):
    ready_for_changes(open_family)
    move(worker, open_family, "making_changes", on=TODAY - dt.timedelta(days=10))
    with assert_refused(ValidationFailed, "note", unchanged=[open_family]):
        move(worker, open_family, "engagement", note="  ")
    move(worker, open_family, "engagement", note="New partner moved in; re-engaging.")
    assert open_family.phase == "engagement"
    assert [m.to_phase for m in open_family.phase_moves] == ["making_changes", "engagement"]


def test_moving_to_the_same_phase_is_refused(worker, open_family):
    with assert_refused(ValidationFailed, "phase", match="already in engagement", unchanged=[open_family]):
        move(worker, open_family, "engagement")


@pytest.mark.usefixtures("immediate_closing")
def test_a_worker_closes_only_from_moving_on(worker, open_family):
    with assert_refused(ValidationFailed, "phase", match="only from moving on", unchanged=[open_family]):
        move(worker, open_family, "closed", reason="step_down")
    ready_for_changes(open_family)
    move(worker, open_family, "moving_on", on=TODAY - dt.timedelta(days=5))
    with assert_refused(ValidationFailed, "reason", unchanged=[open_family]):
        move(worker, open_family, "closed")
    move(worker, open_family, "closed", reason="step_down", note="Nursery and health visitor carry on.")
    assert (open_family.phase, open_family.closed_on, open_family.closure_reason) == ("closed", TODAY, "step_down")


def test_a_manager_closes_from_any_phase(manager, open_family):
    move(manager, open_family, "closed", reason="moved_away", on=TODAY - dt.timedelta(days=1))
    assert open_family.closed_on == TODAY - dt.timedelta(days=1)


def test_a_closed_family_is_read_only(manager, open_family):
    move(manager, open_family, "closed", reason="disengaged")
    with assert_refused(ValidationFailed, match="closed", unchanged=[open_family]):
        move(manager, open_family, "engagement", note="Try again")
    with assert_refused(ValidationFailed, match="closed", unchanged=[open_family]):
        family_service.update_family(db.session, manager, open_family, {"household_name": "X"}, NOW)


def test_a_stale_version_is_refused(worker, open_family):
    db.session.flush()
    seen = open_family.version
    family_service.update_family(db.session, worker, open_family, {"postcode": "ls7 3aa", "version": seen}, NOW)
    assert open_family.postcode == "LS7 3AA"
    assert open_family.version == seen + 1
    with assert_refused(StaleVersion, "version", unchanged=[open_family]):
        family_service.update_family(db.session, worker, open_family, {"postcode": "LS6 1AA", "version": seen}, NOW)


def test_changing_only_the_concerns_still_moves_the_version(worker, open_family):
    db.session.flush()
    seen = open_family.version
    family_service.update_family(db.session, worker, open_family, {"concerns": ["housing"]}, NOW)
    assert open_family.concerns == ["housing"]
    assert open_family.version == seen + 1


# Referrals -----------------------------------------------------------------------------------

def referral(**overrides):
    data = {
        "household_name": "Smith household",
        "postcode": "ls6 2ab",
        "referral_date": TODAY - dt.timedelta(days=2),
        "concerns": ["neglect_physical", "housing"],
        "children": [referral_service.ReferralPerson("Amy", "Smith", dt.date(2019, 5, 4), "Park Primary")],
        "carers": [referral_service.ReferralPerson("Jo", "Smith", relationship="Mother")],
    }
    return {**data, **overrides}


def test_a_referral_opens_in_engagement_with_a_readable_reference(worker):
    family = referral_service.open_referral(db.session, worker, referral(), NOW, "FP")
    second = referral_service.open_referral(db.session, worker, referral(), NOW, "FP")
    assert family.reference == "FP-2026-0001"
    assert second.reference == "FP-2026-0002"
    assert (family.phase, family.phase_since, family.opened_on) == ("engagement", TODAY, TODAY)
    assert family.worker == worker and family.team == worker.team
    assert family.postcode == "LS6 2AB"
    assert family.concerns == ["housing", "neglect_physical"]
    assert [c.first_name for c in family.children] == ["Amy"]
    assert family.carers[0].relationship_to_children == "Mother"


def test_references_restart_each_year(worker):
    last_year = referral_service.open_referral(
        db.session, worker, referral(referral_date=dt.date(2025, 12, 1), opened_on=dt.date(2025, 12, 2)), NOW, "FP"
    )
    assert last_year.reference == "FP-2025-0001"
    assert referral_service.open_referral(db.session, worker, referral(), NOW, "FP").reference == "FP-2026-0001"


def test_a_referral_refuses_future_and_inconsistent_dates(worker):
    with assert_refused(ValidationFailed, "referral_date", "opened_on", "children-0-date_of_birth"):
        referral_service.open_referral(
            db.session,
            worker,
            referral(
                referral_date=TODAY + dt.timedelta(days=1),
                children=[referral_service.ReferralPerson("Amy", None, TODAY + dt.timedelta(days=9))],
            ),
            NOW,
            "FP",
        )
    with assert_refused(ValidationFailed, "opened_on"):
        referral_service.open_referral(db.session, worker, referral(opened_on=TODAY - dt.timedelta(days=5)), NOW, "FP")


def test_a_worker_cannot_allocate_to_a_colleague(worker, colleague):
    with assert_refused(ValidationFailed, "worker_id"):
        referral_service.open_referral(db.session, worker, referral(worker_id=colleague.id), NOW, "FP")


def test_a_manager_allocates_within_the_team_or_leaves_unallocated(manager, worker, outsider):
    allocated = referral_service.open_referral(db.session, manager, referral(worker_id=worker.id), NOW, "FP")
    assert allocated.worker == worker
    unallocated = referral_service.open_referral(db.session, manager, referral(), NOW, "FP")
    assert unallocated.worker is None and unallocated.team == manager.team
    with assert_refused(ValidationFailed, "worker_id"):
        referral_service.open_referral(db.session, manager, referral(worker_id=outsider.id), NOW, "FP")


def test_a_re_referral_links_to_an_earlier_case_even_in_another_team(worker, outsider):
    earlier = FamilyFactory(worker=outsider, phase="closed", closed_on=TODAY - dt.timedelta(days=200))
    # The earlier case holds Amy, born 1 March 2018 (the factory's children): the same child,
    # whatever the case of her name.
    amy = referral_service.ReferralPerson("AMY", None, dt.date(2018, 3, 1))
    family = referral_service.open_referral(
        db.session, worker, referral(previous_family_id=earlier.id, children=[amy]), NOW, "FP")
    assert family.previous_family == earlier
    refusals = []
    for previous_id in (99999, earlier.id):  # unknown; known but holding none of these children
        with assert_refused(ValidationFailed, "previous_family_id") as refused:
            referral_service.open_referral(db.session, worker, referral(previous_family_id=previous_id), NOW, "FP")
        refusals.append(refused.value.fields["previous_family_id"])
    assert refusals[0] == refusals[1] == [referral_service.NO_EARLIER_CASE]


# Listing ---------------------------------------------------------------------------------

def test_list_families_is_scoped_and_summarised(worker, colleague, manager, outsider):
    mine = FamilyFactory(worker=worker, household_name="Mine", opened_on=TODAY - dt.timedelta(days=70))
    FamilyFactory(worker=colleague, household_name="Colleague's")
    FamilyFactory(worker=outsider, household_name="Other team")
    from .factories import VisitFactory

    VisitFactory(family=mine, date=TODAY - dt.timedelta(days=20))
    VisitFactory(family=mine, date=TODAY - dt.timedelta(days=6), outcome="no_access")
    rows, total = family_service.list_families(db.session, worker, NOW)
    assert total == 1 and rows[0].family == mine
    assert rows[0].weeks_in_service == 10
    assert rows[0].last_visit_on == TODAY - dt.timedelta(days=6)
    assert rows[0].last_visit_all_seen is False
    assert rows[0].next_review_due == mine.opened_on + dt.timedelta(days=42)
    _, team_total = family_service.list_families(db.session, manager, NOW)
    assert team_total == 2
    rows, _ = family_service.list_families(db.session, manager, NOW, q="colleague")
    assert [r.family.household_name for r in rows] == ["Colleague's"]
    with assert_refused(ValidationFailed, "worker_id"):
        family_service.list_families(db.session, worker, NOW, worker_id=colleague.id)
