"""The demo service that ``seed-demo`` writes: believable, internally consistent, and with
something in it for the flag rules to find."""
from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from casework.config import GOAL_AREAS
from casework.demo.seed import seed_demo
from casework.demo.staff import DEMO_DOMAIN, DEMO_PASSWORD
from casework.models import (
    CONCERNS,
    Assessment,
    Child,
    Family,
    Goal,
    GoalStatusChange,
    PhaseMove,
    ReferenceCounter,
    Review,
    Team,
    User,
    Visit,
    VisitChild,
    VisitGoal,
)
from casework.services.errors import ValidationFailed
from casework.services.referrals import next_reference

from . import factories
from .helpers import assert_refused

HASH = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
FAMILIES = 400


def seed(db, today, families=FAMILIES, seed=7):
    result = seed_demo(db.session, today, random.Random(seed), families=families, password_hash=HASH)
    db.session.commit()
    return result


@pytest.fixture
def seeded(db, today):
    return seed(db, today)


def test_teams_of_about_eight_workers_and_a_manager_holding_ten_to_fifteen_families(db, seeded):
    teams = db.session.scalars(select(Team)).all()
    assert len(teams) == len(seeded.teams) == 3  # 320 open families, 26 workers
    for team in teams:
        roles = Counter(member.role for member in team.members)
        assert roles["manager"] == 1
        assert 6 <= roles["worker"] <= 10
    admins = db.session.scalars(select(User).where(User.role == "admin")).all()
    assert [a.email for a in admins] == [f"admin@{DEMO_DOMAIN}"]
    loads = db.session.execute(
        select(Family.worker_id, func.count())
        .where(Family.phase != "closed", Family.worker_id.is_not(None))
        .group_by(Family.worker_id)
    ).all()
    workers = db.session.scalar(select(func.count()).where(User.role == "worker"))
    assert len(loads) == workers
    # 10 to 15 each; one less where a new referral waits for allocation.
    assert all(9 <= n <= 15 for _, n in loads), loads
    # Every family's worker belongs to the family's team.
    mismatched = db.session.scalar(
        select(func.count()).select_from(Family).join(User, Family.worker_id == User.id)
        .where(User.team_id != Family.team_id)
    )
    assert mismatched == 0
    # Every demo user shares the one password hash.
    assert set(db.session.scalars(select(User.password_hash))) == {HASH}


def test_families_across_every_phase_and_every_way_of_closing(db, seeded, today):
    families = db.session.scalars(select(Family)).all()
    assert len(families) == FAMILIES
    phases = Counter(f.phase for f in families)
    assert set(phases) == {"engagement", "making_changes", "moving_on", "closed"}
    assert phases["making_changes"] > phases["engagement"] > 0
    assert 0.1 < phases["closed"] / FAMILIES < 0.3
    reasons = Counter(f.closure_reason for f in families if f.phase == "closed")
    assert set(reasons) == {"step_down", "step_up", "disengaged", "moved_away"}
    for family in families:
        closed = family.phase == "closed"
        assert (family.closed_on is not None) == closed
        assert (family.closure_reason is not None) == closed
        assert family.referral_date <= family.opened_on <= today
        assert family.closed_on is None or family.opened_on < family.closed_on <= today
        assert 1 <= len(family.children) <= 4
        assert all(child.date_of_birth < family.referral_date for child in family.children)
        assert 1 <= len(family.carers) <= 2
        assert family.concerns and set(family.concerns) <= set(CONCERNS)
        assert any(code.startswith("neglect_") for code in family.concerns)
        assert re.fullmatch(r"[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}", family.postcode)
        assert family.household_name.endswith(" household")


def test_phase_moves_follow_the_rules_and_phase_since_agrees(db, seeded, today):
    for family in db.session.scalars(select(Family)):
        moves = sorted(family.phase_moves, key=lambda m: (m.date, m.id))
        assert [m.id for m in moves] == [m.id for m in family.phase_moves]  # ids in date order
        phase, since = "engagement", family.opened_on
        for move in moves:
            assert move.from_phase == phase
            assert since <= move.date <= today
            if move.to_phase == "making_changes" and move.from_phase == "engagement":
                # Consent and an active goal were in place.
                assert family.consent_recorded_on and family.consent_recorded_on <= move.date
                goals = db.session.scalars(select(Goal).where(Goal.family_id == family.id)).all()
                assert any(
                    g.start_date <= move.date and (g.status_changed_on is None or g.status_changed_on > move.date)
                    for g in goals
                )
            if move.to_phase == "closed":
                assert move.reason == family.closure_reason and move.date == family.closed_on
                if move.from_phase != "moving_on":
                    assert move.by.role == "manager"  # only a manager closes from other phases
            phase, since = move.to_phase, move.date
        assert (family.phase, family.phase_since) == (phase, since)
    back_moves = db.session.scalar(
        select(func.count()).where(PhaseMove.from_phase == "making_changes", PhaseMove.to_phase == "engagement")
    )
    assert back_moves > 0


def test_visits_record_which_children_were_seen(db, seeded, today):
    children_of = defaultdict(set)
    for family_id, child_id in db.session.execute(select(Child.family_id, Child.id)):
        children_of[family_id].add(child_id)
    seen_at = defaultdict(set)
    for visit_id, child_id in db.session.execute(select(VisitChild.visit_id, VisitChild.child_id)):
        seen_at[visit_id].add(child_id)
    families = {f.id: f for f in db.session.scalars(select(Family))}
    outcomes = Counter()
    for visit in db.session.scalars(select(Visit)):
        family = families[visit.family_id]
        assert family.opened_on <= visit.date <= (family.closed_on or today)
        assert visit.recorded_by_id == family.worker_id
        seen = seen_at[visit.id]
        assert seen <= children_of[visit.family_id]
        if visit.outcome != "completed":
            assert not seen
        assert visit.all_children_seen == (children_of[visit.family_id] <= seen)
        outcomes[visit.outcome, visit.all_children_seen] += 1
    total = sum(outcomes.values())
    assert outcomes["completed", True] / total > 0.6  # mostly every child seen
    assert outcomes["completed", False] > 0  # sometimes a child was not
    assert outcomes["no_access", False] > 0 and outcomes["cancelled", False] > 0
    # Goals discussed at a visit are the family's own.
    foreign = db.session.scalar(
        select(func.count()).select_from(VisitGoal)
        .join(Visit, Visit.id == VisitGoal.visit_id).join(Goal, Goal.id == VisitGoal.goal_id)
        .where(Goal.family_id != Visit.family_id)
    )
    assert foreign == 0


def test_goals_have_baselines_targets_and_regular_ratings(db, seeded, today):
    families = {f.id: f for f in db.session.scalars(select(Family))}
    improving = stalled = 0
    for goal in db.session.scalars(select(Goal)):
        family = families[goal.family_id]
        assert goal.area in GOAL_AREAS
        assert 1 <= goal.baseline < goal.target <= 10
        assert family.opened_on <= goal.start_date <= goal.target_date
        end = goal.status_changed_on or family.closed_on or today
        dates = [r.date for r in goal.ratings]
        assert all(goal.start_date < d <= end for d in dates)
        assert all(14 <= (b - a).days <= 21 for a, b in zip(dates, dates[1:], strict=False))
        assert all(1 <= r.rating <= 10 for r in goal.ratings)
        if goal.status == "achieved":
            assert goal.ratings[-1].rating >= goal.target
        if len(goal.ratings) >= 4:
            values = [r.rating for r in goal.ratings]
            improving += values[-1] > goal.baseline
            stalled += len(set(values[-3:])) == 1 and values[-1] < goal.target
    assert improving > stalled > 0


def test_goals_achieved_or_withdrawn_say_when_and_who_in_the_chronology(db, seeded):
    families = {f.id: f for f in db.session.scalars(select(Family))}
    changed = 0
    for goal in db.session.scalars(select(Goal)):
        if goal.status == "active":
            assert goal.status_changes == [] and goal.status_changed_on is None
            continue
        changed += 1
        [change] = goal.status_changes
        assert (change.status, change.date, change.family_id) == (goal.status, goal.status_changed_on, goal.family_id)
        assert change.by_id == families[goal.family_id].worker_id and change.reason
    assert changed > 0
    assert db.session.scalar(select(func.count(GoalStatusChange.id))) == changed


def test_reviews_about_every_six_weeks(db, seeded, today):
    families = {f.id: f for f in db.session.scalars(select(Family))}
    held = defaultdict(list)
    for review in db.session.scalars(select(Review).order_by(Review.held_on)):
        assert review.decision == "continue"
        family = families[review.family_id]
        assert family.opened_on < review.held_on <= (family.closed_on or today)
        held[review.family_id].append(review.held_on)
    for dates in held.values():
        assert all(36 <= (b - a).days <= 42 for a, b in zip(dates, dates[1:], strict=False))
    overdue = [
        f for f in families.values()
        if f.phase != "closed" and (held[f.id][-1] if held[f.id] else f.opened_on) + dt.timedelta(days=42) < today
    ]
    assert overdue  # some reviews are overdue
    assert len(overdue) < len(families) / 5  # but not most


def test_assessments_open_and_close_the_work_so_the_outcomes_report_has_domains(db, seeded, today):
    from casework.services import reports

    families = {f.id: f for f in db.session.scalars(select(Family))}
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.date)).all()
    by_family = defaultdict(list)
    for assessment in assessments:
        family = families[assessment.family_id]
        assert family.opened_on < assessment.date <= (family.closed_on or today)
        assert len(assessment.scores) == 7 and all(1 <= s.score <= 5 for s in assessment.scores)
        if assessment.child_id is None:
            by_family[family.id].append(assessment)
    assert all(found[0].stage == "initial" for found in by_family.values())
    assert any(a.child_id is not None for a in assessments)  # some children assessed on their own
    closing = [f for f in families.values() if any(a.stage == "closing" for a in by_family[f.id])]
    assert closing and all(f.closure_reason in ("step_down", "step_up") for f in closing)

    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    report = reports.outcomes(db.session, admin, today - dt.timedelta(days=365), today)
    assert report["data_completeness"]["with_first_and_closing_assessment"] == len(closing)
    domains = report["assessment_domains"]
    assert domains and all(0 < d["improved"] < d["families"] for d in domains)  # mostly better, not all


def test_some_open_families_show_patterns_the_flag_rules_look_for(db, seeded, today):
    window = today - dt.timedelta(days=28)
    no_access = db.session.execute(
        select(Visit.family_id, func.count())
        .join(Family, Family.id == Visit.family_id)
        .where(Family.phase != "closed", Visit.date > window, Visit.outcome.in_(["no_access", "cancelled"]))
        .group_by(Visit.family_id)
        .having(func.count() >= 3)
    ).all()
    assert no_access
    overrun = db.session.scalar(
        select(func.count()).where(Family.phase == "engagement", Family.phase_since < today - dt.timedelta(days=42))
    )
    assert overrun > 0
    # A child not seen at any visit for the last five weeks, while the family was visited.
    recent = today - dt.timedelta(days=35)
    visited = set(db.session.scalars(
        select(Visit.family_id).join(Family, Family.id == Visit.family_id)
        .where(Visit.date > recent, Visit.outcome == "completed", Family.phase != "closed")
    ))
    seen_recently = set(db.session.scalars(
        select(VisitChild.child_id).join(Visit, Visit.id == VisitChild.visit_id).where(Visit.date > recent)
    ))
    unseen = db.session.scalars(
        select(Child.id).where(Child.family_id.in_(visited), Child.id.not_in(seen_recently))
    ).all()
    assert unseen


def test_references_are_unique_and_the_counter_continues_them(db, seeded, today):
    references = db.session.scalars(select(Family.reference)).all()
    assert len(set(references)) == len(references)
    last = defaultdict(int)
    for reference in references:
        prefix, year, number = reference.split("-")
        assert prefix == "FP" and len(number) >= 4
        last[int(year)] = max(last[int(year)], int(number))
    counters = {c.year: c.last_number for c in db.session.scalars(select(ReferenceCounter))}
    assert counters == dict(last)
    assert next_reference(db.session, "FP", today.year) == f"FP-{today.year}-{last[today.year] + 1:04d}"
    # References follow the order families were opened.
    ordered = db.session.scalars(select(Family.reference).order_by(Family.opened_on, Family.id)).all()
    for year in last:
        numbers = [int(r.split("-")[2]) for r in ordered if r.split("-")[1] == str(year)]
        assert numbers == sorted(numbers)


def test_rows_added_afterwards_get_fresh_ids(db, seeded):
    """On PostgreSQL the sequences are moved on past the ids the demo chose."""
    team = factories.TeamFactory(name="Later team")
    worker = factories.UserFactory(team=team, email="later@example.org")
    family = factories.FamilyFactory(worker=worker, reference="FP-1999-0001")
    factories.VisitFactory(family=family)
    db.session.commit()
    assert family.id == db.session.scalar(select(func.max(Family.id)))


def test_adds_alongside_existing_data_and_refuses_a_second_demo(db, today):
    existing = factories.FamilyFactory(
        reference=f"FP-{today.year}-0003", opened_on=today, worker__team__name="Leeds North"
    )
    db.session.commit()
    result = seed(db, today, families=60)
    names = [t.name for t in result.teams]
    assert "Leeds North" not in names
    references = db.session.scalars(select(Family.reference)).all()
    assert len(set(references)) == len(references) == 61
    new = [r for r in references if r != existing.reference and r.startswith(f"FP-{today.year}-")]
    assert min(int(r.split("-")[2]) for r in new) == 4  # numbering continues past the one in use

    with assert_refused(ValidationFailed, match="already loaded"):
        seed(db, today, families=10)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Family.id))) == 61


def test_a_tiny_service_still_works(db, today):
    result = seed(db, today, families=3)
    assert result.counts["families"] == 3
    assert len(result.teams) == 1 and len(result.teams[0].workers) == 1
    assert {f.phase for f in db.session.scalars(select(Family))} == {"engagement", "making_changes", "moving_on"}


def test_the_daily_sweep_finds_every_kind_of_trouble_in_the_demo(db, seeded, now):
    """``scripts/demo`` runs the sweep once after seeding: the demo opens with flags of every
    rule, on some families but not most, and notifications for the workers."""
    from casework.models import Flag, Notification
    from casework.services.sweep import run_sweep

    summary = run_sweep(db.session, now)
    db.session.commit()
    rules = Counter(db.session.scalars(select(Flag.rule)))
    assert set(rules) == {"review_overdue", "goal_stalled", "phase_overrun", "no_access", "child_not_seen",
                          "action_overdue", "child_voice_missing"}, rules
    flagged = db.session.scalar(select(func.count(func.distinct(Flag.family_id))))
    assert 0.1 * summary.families < flagged < 0.5 * summary.families
    assert summary.flags_raised == sum(rules.values())
    assert summary.notifications == db.session.scalar(select(func.count(Notification.id))) > 0
    again = run_sweep(db.session, now)
    assert (again.flags_raised, again.notifications) == (0, 0)


def test_the_sweep_raises_exactly_what_the_rules_find_one_family_at_a_time(db, seeded, now):
    """The sweep asks the whole service at once; the same rules asked about each open family
    alone (as when a record just saved may clear a flag) find the same flags, word for word."""
    from casework.models import OPEN_PHASES, Flag
    from casework.services.clock import local_date
    from casework.services.flag_rules import evaluate, restart_days
    from casework.services.sweep import run_sweep

    run_sweep(db.session, now)
    db.session.commit()
    raised = {
        (f.family_id, f.rule, f.subject_key, f.severity, f.message, f.escalated)
        for f in db.session.scalars(select(Flag).where(Flag.status != "resolved"))
    }
    today = local_date(now)
    one_at_a_time = set()
    for family_id in db.session.scalars(select(Family.id).where(Family.phase.in_(OPEN_PHASES))):
        one_at_a_time |= {
            (f.family_id, f.rule, f.subject_key, f.severity, f.message, f.escalate)
            for f in evaluate(db.session, today, restart_days(db.session, [family_id]), family_ids=[family_id])
        }
    assert len(raised) > 50
    assert raised == one_at_a_time


def seeded_now(today):
    return dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)


def test_the_demo_has_a_team_around_some_families_and_partner_logins(db, seeded, today):
    from casework.models import Consent, MeetingAction, Partner, User
    from casework.services.consent import consent_status
    from casework.services.partners import partner_access

    partners = db.session.scalars(select(User).where(User.role == "partner")).all()
    assert len(partners) == 3 and all(p.agency for p in partners)
    assert db.session.scalar(select(func.count(Partner.id))) > 10
    statuses = Counter(consent_status(c, seeded_now(today)) for c in db.session.scalars(select(Consent)))
    assert statuses["active"] and statuses["withdrawn"]
    actions = db.session.scalars(select(MeetingAction)).all()
    assert any(a.status == "done" for a in actions) and any(a.status == "open" and a.due_on < today for a in actions)
    assert all(partner_access(db.session, p, seeded_now(today)) for p in partners)
