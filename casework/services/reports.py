"""Outcome reports, the way these services report them: percentages with the number behind
them, and counts of neglect by area with small numbers suppressed and, where published or seen
beyond one's own team, rounded (services/disclosure.py)."""
from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, or_, select
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
    GoalStatus,
    Phase,
    PhaseMove,
    User,
)
from .assessments import load_frameworks
from .disclosure import cell_rows, rounded_for
from .errors import Forbidden
from .families import postcode_district
from .scope import family_scope


def report_scope(actor: User, team_id: int | None = None):
    """Managers report on their own team (``team_id`` is ignored: never another team's),
    admins on the whole service, or on one team when ``team_id`` is given; workers not at all."""
    if actor.is_manager:
        return family_scope(actor)
    if actor.is_admin:
        return Family.id.is_not(None) if team_id is None else Family.team_id == team_id
    raise Forbidden("Reports are for managers and administrators.")


def percentage(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def measure_key(*parts: str) -> str:
    """A figure's name in the report's lists: ``measure_key("area", "safety", "goals")``."""
    return ":".join(parts)


@dataclass
class Measure:
    """One figure of the outcomes report with the families behind it, so that every number can
    be traced: for each family counted, what it adds to the whole (``n``: goals, families or
    children) and to the part (those achieved or improved); or, for a median, its value.

    ``key`` names the figure (``goals_achieved``, ``area:<area>:families``,
    ``domain:<framework>:<domain>:children``, ``child_domain:<framework>:<domain>``,
    ``closure:<reason>``, ``weeks_in:<phase>``, ...): ``about`` is the key's parts."""
    key: str
    unit: str  # what n counts: "goals", "families", "children" or "weeks"
    kind: str = "share"  # "share": part of n; "count": n alone; "median": of the values
    whole: dict[int, int] = field(default_factory=dict)
    part: dict[int, int] = field(default_factory=dict)
    values: dict[int, float] = field(default_factory=dict)

    @property
    def about(self) -> list[str]:
        return self.key.split(":")

    def add(self, family_id: int, whole: int, part: int = 0) -> None:
        self.whole[family_id] = self.whole.get(family_id, 0) + whole
        self.part[family_id] = self.part.get(family_id, 0) + part

    @property
    def n(self) -> int:
        return sum(self.whole.values())

    @property
    def count(self) -> int:
        return sum(self.part.values())

    @property
    def pct(self) -> float | None:
        return percentage(self.count, self.n)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.values.values()), 1) if self.values else None

    @property
    def families(self) -> list[int]:
        return list(self.values) if self.kind == "median" else list(self.whole)


class Measures(dict):
    """The report's measures by key, each made on first use."""

    def __call__(self, key: str, unit: str, kind: str = "share") -> Measure:
        if key not in self:
            self[key] = Measure(key, unit, kind)
        return self[key]


def _in_period(actor: User, start: dt.date, end: dt.date, team_id: int | None):
    return (report_scope(actor, team_id), Family.closed_on >= start, Family.closed_on <= end,
            Family.phase == Phase.CLOSED)


def outcome_measures(session: Session, actor: User, start: dt.date, end: dt.date,
                     team_id: int | None = None) -> Measures:
    """Every figure of the outcomes report for families closed in [start, end], family by
    family. The report (``outcomes``) and the lists of families behind each figure
    (``outcome_families``) are both read from this, so they cannot disagree."""
    in_period = _in_period(actor, start, end, team_id)
    families = session.execute(
        select(Family.id, Family.opened_on, Family.closed_on, Family.closure_reason).where(*in_period)
    ).all()
    child_counts = dict(
        session.execute(
            select(Child.family_id, func.count(Child.id)).join(Family).where(*in_period).group_by(Child.family_id)
        ).all()
    )
    measures = Measures()
    closed, children = measures("families_closed", "families", "count"), measures("children", "children", "count")
    weeks = measures("weeks_in_service", "weeks", "median")
    for reason in CLOSURE_REASONS:
        measures(f"closure:{reason}", "families", "count")
    for family_id, opened_on, closed_on, reason in families:
        closed.add(family_id, 1)
        children.add(family_id, child_counts.get(family_id, 0))
        weeks.values[family_id] = (closed_on - opened_on).days / 7
        if reason in CLOSURE_REASONS:
            measures[f"closure:{reason}"].add(family_id, 1)
    for phase, spent in _weeks_in_phase(session, families, in_period).items():
        measures(f"weeks_in:{phase}", "weeks", "median").values.update(spent)
    _goal_measures(session, in_period, measures, child_counts)
    _assessment_measures(session, in_period, measures, child_counts, [family_id for family_id, *_ in families])
    return measures


def _goal_measures(session: Session, in_period, measures: Measures, child_counts: dict[int, int]) -> None:
    """Goals achieved; per outcome area, goals improved and the families (and their children)
    with at least one goal improved. Withdrawn goals count nowhere; a goal is improved when its
    latest rating (by rating date) is above its baseline."""
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
        .where(*in_period, Goal.status != GoalStatus.WITHDRAWN)
    ).all()
    achieved = measures("goals_achieved", "goals")
    order = {code: index for index, code in enumerate(current_app.config["CASEWORK_GOAL_AREAS"])}
    area_families: dict[str, dict[int, bool]] = defaultdict(dict)
    for family_id, area, status, baseline, rating in sorted(goals, key=lambda goal: order.get(goal[1], len(order))):
        improved = rating is not None and rating > baseline
        achieved.add(family_id, 1, status == GoalStatus.ACHIEVED)
        measures(f"area:{area}:goals", "goals").add(family_id, 1, improved)
        area_families[area][family_id] = area_families[area].get(family_id, False) or improved
    for area, families in area_families.items():
        for family_id, better in families.items():
            measures(f"area:{area}:families", "families").add(family_id, 1, better)
            count = child_counts.get(family_id, 0)
            measures(f"area:{area}:children", "children").add(family_id, count, count if better else 0)


def _first_and_latest(rows) -> dict[tuple, dict]:
    """Scores of the first and the latest assessment, in date order, grouped by (subject,
    framework), and whether any of the subject's assessments was a closing one."""
    found: dict[tuple, dict] = {}
    for subject, family_id, framework, assessment_id, closing, domain, score in rows:
        entry = found.setdefault((subject, framework), {"family": family_id, "first": {}, "last": {},
                                                        "first_id": assessment_id, "last_id": None,
                                                        "closing": bool(closing)})
        if assessment_id == entry["first_id"]:
            entry["first"][domain] = score
        if entry["last_id"] != assessment_id:
            entry["last_id"], entry["last"] = assessment_id, {}
        entry["last"][domain] = score
    return found


def _compared(frameworks, found: dict[tuple, dict]):
    """``(subject, family_id, framework, domain, improved)`` for each domain scored in both the
    first and the latest of two or more assessments, direction-aware."""
    for (subject, code), entry in found.items():
        framework = frameworks.get(code)
        if framework is None or entry["first_id"] == entry["last_id"]:
            continue
        for domain in framework.domains:
            before, after = entry["first"].get(domain.code), entry["last"].get(domain.code)
            if before is not None and after is not None:
                yield subject, entry["family"], framework, domain, framework.improved(before, after)


def _assessment_measures(session: Session, in_period, measures: Measures, child_counts: dict[int, int],
                         closed: list[int]) -> None:
    """Per framework domain: families whose latest family assessment is better than their first
    (and the children of those families); children assessed on their own whose latest is better
    than their first; and how many closed families had a first and a closing assessment."""
    def scores(of_children: bool):
        # Only the first and the latest assessment of each subject are read with their scores
        # (the window functions pick them), not every review in between.
        if of_children:
            subject, which = Assessment.child_id, Assessment.child_id.is_not(None)
        else:
            subject, which = Assessment.family_id, Assessment.child_id.is_(None)
        per_subject = (subject, Assessment.framework)
        ranked = (
            select(
                subject.label("subject"), Assessment.family_id, Assessment.framework, Assessment.id, Assessment.date,
                func.row_number().over(partition_by=per_subject,
                                       order_by=(Assessment.date, Assessment.id)).label("from_first"),
                func.row_number().over(partition_by=per_subject,
                                       order_by=(Assessment.date.desc(), Assessment.id.desc())).label("from_last"),
                func.max(case((Assessment.stage == "closing", 1), else_=0))
                .over(partition_by=per_subject).label("closing"),
            )
            .join(Family, Family.id == Assessment.family_id)
            .where(*in_period, which)
            .subquery()
        )
        return session.execute(
            select(ranked.c.subject, ranked.c.family_id, ranked.c.framework, ranked.c.id, ranked.c.closing,
                   AssessmentScore.domain, AssessmentScore.score)
            .join(AssessmentScore, AssessmentScore.assessment_id == ranked.c.id)
            .where(or_(ranked.c.from_first == 1, ranked.c.from_last == 1))
            .order_by(ranked.c.subject, ranked.c.framework, ranked.c.date, ranked.c.id)
        )

    frameworks = load_frameworks()
    order = {(f.code, d.code): index
             for index, (f, d) in enumerate((f, d) for f in frameworks.values() for d in f.domains)}
    family_level = _first_and_latest(scores(of_children=False))
    for _, family_id, framework, domain, better in sorted(_compared(frameworks, family_level),
                                                          key=lambda c: order[(c[2].code, c[3].code)]):
        measures(f"domain:{framework.code}:{domain.code}:families", "families").add(family_id, 1, better)
        count = child_counts.get(family_id, 0)
        measures(f"domain:{framework.code}:{domain.code}:children", "children").add(
            family_id, count, count if better else 0)
    child_level = _first_and_latest(scores(of_children=True))
    for _, family_id, framework, domain, better in sorted(_compared(frameworks, child_level),
                                                          key=lambda c: order[(c[2].code, c[3].code)]):
        measures(f"child_domain:{framework.code}:{domain.code}", "children").add(family_id, 1, better)
    complete = {entry["family"] for (_, code), entry in family_level.items()
                if code in frameworks and entry["first_id"] != entry["last_id"] and entry["closing"]}
    completeness = measures("data_completeness", "families")
    for family_id in closed:
        completeness.add(family_id, 1, family_id in complete)


def outcomes(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> dict:
    """Families closed in [start, end]: goals achieved and improved by outcome area, change by
    assessment domain (of families, of their children, of children assessed on their own),
    weeks in service and in each phase, closure reasons, data completeness."""
    measures = outcome_measures(session, actor, start, end, team_id)
    by_group = defaultdict(list)
    for measure in measures.values():
        by_group[measure.about[0]].append(measure)
    labels = {(f.code, d.code): d.label for f in load_frameworks().values() for d in f.domains}
    goals = measures("goals_achieved", "goals")
    completeness = measures["data_completeness"]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "families_closed": measures["families_closed"].n,
        "children": measures["children"].n,
        "goals": {"total": goals.n, "achieved": goals.count, "pct_achieved": goals.pct},
        "areas": [
            {"area": area, **_share(measures[f"area:{area}:goals"], "goals", "improved"),
             **_share(measures[f"area:{area}:families"], "families", "families_improved", "pct_families_improved"),
             **_share(measures[f"area:{area}:children"], "children", "children_improved", "pct_children_improved")}
            for area in [m.about[1] for m in by_group["area"] if m.about[2] == "goals"]
        ],
        "median_weeks_in_service": measures["weeks_in_service"].median,
        "median_weeks_in_phase": {phase: measures[f"weeks_in:{phase}"].median for phase in OPEN_PHASES},
        "expected_weeks": {**current_app.config["CASEWORK_PHASE_WEEKS"],
                           "total": sum(current_app.config["CASEWORK_PHASE_WEEKS"].values())},
        "closure_reasons": {reason: measures[f"closure:{reason}"].n for reason in CLOSURE_REASONS},
        "assessment_domains": [
            {"framework": code, "domain": domain, "label": labels.get((code, domain), domain),
             **_share(m, "families", "improved"),
             **_share(measures[f"domain:{code}:{domain}:children"], "children", "children_improved",
                      "pct_children_improved")}
            for m in by_group["domain"] if m.about[3] == "families"
            for code, domain in [m.about[1:3]]
        ],
        "child_assessment_domains": [
            {"framework": code, "domain": domain, "label": labels.get((code, domain), domain),
             **_share(m, "children", "improved")}
            for m in by_group["child_domain"]
            for code, domain in [m.about[1:3]]
        ],
        "data_completeness": {
            "families_closed": completeness.n,
            "with_first_and_closing_assessment": completeness.count,
            "pct": completeness.pct,
        },
    }


def _share(measure: Measure, whole: str, part: str, pct: str | None = None) -> dict:
    return {whole: measure.n, part: measure.count, pct or f"pct_{part}": measure.pct}


def outcome_families(
    session: Session, actor: User, start: dt.date, end: dt.date, key: str
) -> tuple[Measure, list[tuple[int, str]]] | None:
    """The families behind one figure of the outcomes report: the measure and ``(family id,
    reference)`` for each family it counts, by reference; None for a figure the report does not
    have. Managers only, their own team: administrators see aggregate figures, never families."""
    if not actor.is_manager:
        raise Forbidden("Only a manager sees the families behind a figure: administrators see the figures only.")
    measure = outcome_measures(session, actor, start, end).get(key)
    if measure is None:
        return None
    ids = measure.families
    references = dict(session.execute(
        select(Family.id, Family.reference).where(Family.id.in_(ids), report_scope(actor))
    ).all()) if ids else {}
    return measure, sorted(references.items(), key=lambda item: item[1])


def _weeks_in_phase(session: Session, families, in_period) -> dict[str, dict[int, float]]:
    """Weeks each family spent in each phase (moves back and forth added up)."""
    moves = defaultdict(list)
    # The period's families by a join, not a list of ids: tens of thousands of bound
    # parameters cost more than the query.
    for family_id, date, to_phase in session.execute(
        select(PhaseMove.family_id, PhaseMove.date, PhaseMove.to_phase)
        .join(Family, Family.id == PhaseMove.family_id)
        .where(*in_period)
        .order_by(PhaseMove.family_id, PhaseMove.date, PhaseMove.id)
    ):
        moves[family_id].append((date, to_phase))
    spent: dict[str, dict[int, float]] = {name: {} for name in OPEN_PHASES}
    for family_id, opened_on, closed_on, _ in families:
        days = Counter()
        phase, since = Phase.ENGAGEMENT, opened_on
        for date, to_phase in moves[family_id]:
            days[phase] += (date - since).days
            phase, since = to_phase, date
            if to_phase == Phase.CLOSED:
                break
        if phase != Phase.CLOSED:
            days[phase] += (closed_on - since).days
        for name in OPEN_PHASES:
            spent[name][family_id] = days[name] / 7
    return spent


def sustained_outcomes(session: Session, actor: User, today: dt.date, team_id: int | None = None) -> dict:
    """Of the families closed in the three months before 3, 6 and 12 months ago, how many have
    since been referred again (a later family linked to them through previous_family_id)."""
    later = aliased(Family)
    cohorts = []
    for months in (3, 6, 12):
        end = _months_before(today, months)
        start = _months_before(end, 3)
        closed = select(Family.id).where(report_scope(actor, team_id), Family.phase == Phase.CLOSED,
                                         Family.closed_on >= start, Family.closed_on < end)
        total = session.scalar(select(func.count()).select_from(closed.subquery()))
        re_referred = session.scalar(
            select(func.count(func.distinct(later.previous_family_id))).where(later.previous_family_id.in_(closed))
        )
        cohorts.append({"months": months, "closed_from": start.isoformat(),
                        "closed_to": (end - dt.timedelta(days=1)).isoformat(),
                        "families_closed": total, "re_referred": re_referred,
                        "pct_re_referred": percentage(re_referred, total)})
    return {"as_of": today.isoformat(), "cohorts": cohorts}


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


def local_area(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None,
               published: bool = False) -> dict:
    """Families referred in [start, end] by postcode district and concern. Counts from 1 to 4
    are suppressed, and others rounded to 5 when ``published`` (a CSV, a print) or seen by an
    admin (services/disclosure.py); empty cells are left out."""
    rows = session.execute(
        select(Family.postcode, FamilyConcern.code)
        .join(FamilyConcern, FamilyConcern.family_id == Family.id)
        .where(report_scope(actor, team_id), Family.referral_date >= start, Family.referral_date <= end)
    ).all()
    cells = Counter((postcode_district(postcode), concern) for postcode, concern in rows)
    return {"from": start.isoformat(), "to": end.isoformat(),
            "rows": cell_rows(cells, rounded_for(actor, published))}


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def local_area_by_quarter(session: Session, actor: User, start: dt.date, end: dt.date,
                          team_id: int | None = None) -> dict:
    """The local-area counts for each calendar quarter that [start, end] touches (the first and
    last clipped to the period), each with its own rows suppressed (and rounded) as in
    ``local_area``. One query; the district and the quarter are worked out here. Quarters
    without referrals are listed with no rows."""
    found = session.execute(
        select(Family.postcode, FamilyConcern.code, Family.referral_date)
        .join(FamilyConcern, FamilyConcern.family_id == Family.id)
        .where(report_scope(actor, team_id), Family.referral_date >= start, Family.referral_date <= end)
    ).all()
    buckets: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for postcode, concern, referred in found:
        buckets[_quarter(referred)][(postcode_district(postcode), concern)] += 1
    quarters, rounded = [], rounded_for(actor)
    year, number = _quarter(start)
    while (year, number) <= _quarter(end):
        first = dt.date(year, 3 * number - 2, 1)
        last = dt.date(year, 3 * number, calendar.monthrange(year, 3 * number)[1])
        quarters.append({"quarter": f"{year} Q{number}", "from": max(first, start).isoformat(),
                         "to": min(last, end).isoformat(), "rows": cell_rows(buckets[(year, number)], rounded)})
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return {"from": start.isoformat(), "to": end.isoformat(), "quarters": quarters}
