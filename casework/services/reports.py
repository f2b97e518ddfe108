"""Outcome reports, the way these services report them: percentages with the number behind
them, and counts of neglect by area with small numbers suppressed."""
from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import Counter, defaultdict

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..models import (
    CLOSURE_REASONS,
    OPEN_PHASES,
    Assessment,
    AssessmentScore,
    Child,
    Family,
    FamilyConcern,
    Goal,
    GoalRating,
    PhaseMove,
    User,
)
from .assessments import load_frameworks
from .errors import Forbidden
from .families import postcode_district

# Counts from 1 to this are never shown (statistical disclosure control).
SUPPRESS_AT_OR_BELOW = 4


def report_scope(actor: User, team_id: int | None = None):
    """Managers report on their own team (``team_id`` is ignored: never another team's),
    admins on the whole service, or on one team when ``team_id`` is given; workers not at all."""
    if actor.is_manager:
        return Family.team_id == actor.team_id
    if actor.is_admin:
        return Family.id.is_not(None) if team_id is None else Family.team_id == team_id
    raise Forbidden("Reports are for managers and administrators.")


def percentage(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def outcomes(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> dict:
    """Families closed in [start, end]: goals achieved and improved by outcome area, weeks in
    service, closure reasons. Withdrawn goals count nowhere; a goal is improved when its latest
    rating (by rating date) is above its baseline."""
    in_period = (report_scope(actor, team_id), Family.closed_on >= start, Family.closed_on <= end, Family.phase == "closed")
    families = session.execute(select(Family.id, Family.opened_on, Family.closed_on, Family.closure_reason).where(*in_period)).all()
    children = session.scalar(select(func.count(Child.id)).join(Family).where(*in_period))

    latest = (
        select(
            GoalRating.goal_id,
            GoalRating.rating,
            func.row_number()
            .over(partition_by=GoalRating.goal_id, order_by=(GoalRating.date.desc(), GoalRating.id.desc()))
            .label("n"),
        )
        .join(Goal)
        .join(Family)
        .where(*in_period)
        .subquery()
    )
    goals = session.execute(
        select(Goal.family_id, Goal.area, Goal.status, Goal.baseline, latest.c.rating)
        .join(Family)
        .outerjoin(latest, (latest.c.goal_id == Goal.id) & (latest.c.n == 1))
        .where(*in_period, Goal.status != "withdrawn")
    ).all()
    by_area: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    # Families with a goal in an area, and those where at least one such goal improved.
    area_families: dict[str, dict[int, bool]] = defaultdict(dict)
    achieved = 0
    for family_id, area, status, baseline, rating in goals:
        achieved += status == "achieved"
        improved = rating is not None and rating > baseline
        by_area[area][0] += 1
        by_area[area][1] += improved
        area_families[area][family_id] = area_families[area].get(family_id, False) or improved
    child_counts = dict(
        session.execute(select(Child.family_id, func.count(Child.id)).join(Family).where(*in_period).group_by(Child.family_id)).all()
    )
    order = {code: index for index, code in enumerate(current_app.config["CASEWORK_GOAL_AREAS"])}
    weeks = [(closed - opened).days / 7 for _, opened, closed, _ in families]
    reasons = Counter(reason for *_, reason in families)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "families_closed": len(families),
        "children": children,
        "goals": {"total": len(goals), "achieved": achieved, "pct_achieved": percentage(achieved, len(goals))},
        "areas": [
            _area_row(area, total, improved, area_families[area], child_counts)
            for area, (total, improved) in sorted(by_area.items(), key=lambda item: order.get(item[0], len(order)))
        ],
        "median_weeks_in_service": round(statistics.median(weeks), 1) if weeks else None,
        "median_weeks_in_phase": _median_weeks_in_phase(session, families),
        "expected_weeks": {**current_app.config["CASEWORK_PHASE_WEEKS"], "total": sum(current_app.config["CASEWORK_PHASE_WEEKS"].values())},
        "closure_reasons": {reason: reasons.get(reason, 0) for reason in CLOSURE_REASONS},
        **_assessment_outcomes(session, in_period, len(families)),
    }


def _area_row(area, total, improved, families: dict[int, bool], child_counts: dict[int, int]) -> dict:
    improved_families = [family_id for family_id, better in families.items() if better]
    children = sum(child_counts.get(family_id, 0) for family_id in families)
    children_improved = sum(child_counts.get(family_id, 0) for family_id in improved_families)
    return {
        "area": area, "goals": total, "improved": improved, "pct_improved": percentage(improved, total),
        "families": len(families), "families_improved": len(improved_families),
        "pct_families_improved": percentage(len(improved_families), len(families)),
        "children": children, "children_improved": children_improved,
        "pct_children_improved": percentage(children_improved, children),
    }


def _median_weeks_in_phase(session: Session, families) -> dict[str, float | None]:
    """Weeks each family spent in each phase (moves back and forth added up), the median."""
    ids = [family_id for family_id, *_ in families]
    moves = defaultdict(list)
    if ids:
        for family_id, date, to_phase in session.execute(
            select(PhaseMove.family_id, PhaseMove.date, PhaseMove.to_phase)
            .where(PhaseMove.family_id.in_(ids))
            .order_by(PhaseMove.family_id, PhaseMove.date, PhaseMove.id)
        ):
            moves[family_id].append((date, to_phase))
    spent = defaultdict(list)
    for family_id, opened_on, closed_on, _ in families:
        days = Counter()
        phase, since = "engagement", opened_on
        for date, to_phase in moves[family_id]:
            days[phase] += (date - since).days
            phase, since = to_phase, date
            if to_phase == "closed":
                break
        if phase != "closed":
            days[phase] += (closed_on - since).days
        for name in OPEN_PHASES:
            spent[name].append(days[name] / 7)
    return {name: round(statistics.median(spent[name]), 1) if spent[name] else None for name in OPEN_PHASES}


def _assessment_outcomes(session: Session, in_period, families_closed: int) -> dict:
    """Per framework domain: families whose closing (latest) assessment is better than their
    first, direction-aware; and how many closed families had both."""
    rows = session.execute(
        select(Assessment.family_id, Assessment.framework, Assessment.date, Assessment.id, Assessment.stage,
               AssessmentScore.domain, AssessmentScore.score)
        .join(Family, Family.id == Assessment.family_id)
        .join(AssessmentScore)
        .where(*in_period, Assessment.child_id.is_(None))
        .order_by(Assessment.family_id, Assessment.framework, Assessment.date, Assessment.id)
    ).all()
    per_family: dict[tuple[int, str], dict] = {}
    for family_id, framework, date, assessment_id, stage, domain, score in rows:
        entry = per_family.setdefault((family_id, framework), {"first": {}, "last": {}, "first_id": assessment_id, "last_id": None, "stages": set()})
        if assessment_id == entry["first_id"]:
            entry["first"][domain] = score
        if entry["last_id"] != assessment_id:
            entry["last_id"], entry["last"] = assessment_id, {}
        entry["last"][domain] = score
        entry["stages"].add(stage)
    frameworks = load_frameworks()
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    complete = set()
    for (family_id, code), entry in per_family.items():
        framework = frameworks.get(code)
        if framework is None or entry["first_id"] == entry["last_id"]:
            continue
        if "closing" in entry["stages"]:
            complete.add(family_id)
        for domain in framework.domains:
            before, after = entry["first"].get(domain.code), entry["last"].get(domain.code)
            if before is None or after is None:
                continue
            tallies[(code, domain.code)][0] += 1
            tallies[(code, domain.code)][1] += framework.improved(before, after)
    labels = {(f.code, d.code): d.label for f in frameworks.values() for d in f.domains}
    return {
        "assessment_domains": [
            {"framework": code, "domain": domain, "label": labels.get((code, domain), domain), "families": total,
             "improved": improved, "pct_improved": percentage(improved, total)}
            for (code, domain), (total, improved) in sorted(tallies.items(), key=lambda item: list(labels).index(item[0]) if item[0] in labels else 0)
        ],
        "data_completeness": {
            "families_closed": families_closed,
            "with_first_and_closing_assessment": len(complete),
            "pct": percentage(len(complete), families_closed),
        },
    }


def sustained_outcomes(session: Session, actor: User, today: dt.date, team_id: int | None = None) -> dict:
    """Of the families closed in the three months before 3, 6 and 12 months ago, how many have
    since been referred again (a later family linked to them through previous_family_id)."""
    later = aliased(Family)
    cohorts = []
    for months in (3, 6, 12):
        end = _months_before(today, months)
        start = _months_before(end, 3)
        closed = select(Family.id).where(report_scope(actor, team_id), Family.phase == "closed",
                                         Family.closed_on >= start, Family.closed_on < end)
        total = session.scalar(select(func.count()).select_from(closed.subquery()))
        re_referred = session.scalar(
            select(func.count(func.distinct(later.previous_family_id))).where(later.previous_family_id.in_(closed))
        )
        cohorts.append({"months": months, "closed_from": start.isoformat(), "closed_to": (end - dt.timedelta(days=1)).isoformat(),
                        "families_closed": total, "re_referred": re_referred,
                        "pct_re_referred": percentage(re_referred, total)})
    return {"as_of": today.isoformat(), "cohorts": cohorts}


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


def local_area(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> dict:
    """Families referred in [start, end] by postcode district and concern. Counts from 1 to 4
    are suppressed; empty cells are left out."""
    rows = session.execute(
        select(Family.postcode, FamilyConcern.code)
        .join(FamilyConcern, FamilyConcern.family_id == Family.id)
        .where(report_scope(actor, team_id), Family.referral_date >= start, Family.referral_date <= end)
    ).all()
    cells = Counter((postcode_district(postcode), concern) for postcode, concern in rows)
    return {"from": start.isoformat(), "to": end.isoformat(), "rows": _suppressed_rows(cells)}


def _suppressed_rows(cells: Counter) -> list[dict]:
    return [
        {"district": district, "concern": concern, "count": None if count <= SUPPRESS_AT_OR_BELOW else count,
         "suppressed": count <= SUPPRESS_AT_OR_BELOW}
        for (district, concern), count in sorted(cells.items())
    ]


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def local_area_by_quarter(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> dict:
    """The local-area counts for each calendar quarter that [start, end] touches (the first and
    last clipped to the period), each with its own rows suppressed as in ``local_area``. One
    query; the district and the quarter are worked out here. Quarters without referrals are
    listed with no rows."""
    found = session.execute(
        select(Family.postcode, FamilyConcern.code, Family.referral_date)
        .join(FamilyConcern, FamilyConcern.family_id == Family.id)
        .where(report_scope(actor, team_id), Family.referral_date >= start, Family.referral_date <= end)
    ).all()
    buckets: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for postcode, concern, referred in found:
        buckets[_quarter(referred)][(postcode_district(postcode), concern)] += 1
    quarters = []
    year, number = _quarter(start)
    while (year, number) <= _quarter(end):
        first = dt.date(year, 3 * number - 2, 1)
        last = dt.date(year + number // 4, 3 * number % 12 + 1, 1) - dt.timedelta(days=1)
        quarters.append({"quarter": f"{year} Q{number}", "from": max(first, start).isoformat(),
                         "to": min(last, end).isoformat(), "rows": _suppressed_rows(buckets[(year, number)])})
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return {"from": start.isoformat(), "to": end.isoformat(), "quarters": quarters}
