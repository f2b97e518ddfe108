"""The figures of the outcomes report, family by family, worked out from the records: for the
closed families asked for, each figure (goals achieved, improved by outcome area, change by
assessment domain, weeks in service and in each phase, closure reasons, data completeness)
keeps what each family adds to it. This is the one place each measure is defined: the copy
kept for the report (services/outcome_store.py) is written from it when a family closes, and
the report (services/reports.py) and the families behind each figure are read from that copy."""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from ..models import (
    CLOSURE_REASONS,
    OPEN_PHASES,
    Assessment,
    AssessmentScore,
    Child,
    Family,
    Goal,
    GoalRating,
    GoalStatus,
    Phase,
    PhaseMove,
    User,
)
from .assessments import load_frameworks
from .scope import report_scope
from .voice_measures import child_voice_measures


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
    # A median over children rather than families: each family's children's values.
    samples: dict[int, list[float]] = field(default_factory=dict)

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
        pooled = [value for values in self.samples.values() for value in values] or list(self.values.values())
        return round(statistics.median(pooled), 1) if pooled else None

    @property
    def families(self) -> list[int]:
        return list(self.values or self.samples) if self.kind == "median" else list(self.whole)


class Measures(dict):
    """The report's measures by key, each made on first use."""

    def __call__(self, key: str, unit: str, kind: str = "share") -> Measure:
        if key not in self:
            self[key] = Measure(key, unit, kind)
        return self[key]


@dataclass
class Figure:
    """One figure of the outcomes report as a total (from the kept measures,
    services/outcome_figures.py): what the report shows of a ``Measure``, without its families."""
    key: str
    n: int = 0
    count: int = 0
    median: float | None = None

    @property
    def about(self) -> list[str]:
        return self.key.split(":")

    @property
    def pct(self) -> float | None:
        return percentage(self.count, self.n)


def closed_in_period(actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> tuple:
    """The families closed in [start, end] that ``actor`` reports on: conditions on ``Family``."""
    return (report_scope(actor, team_id), Family.closed_on >= start, Family.closed_on <= end,
            Family.phase == Phase.CLOSED)


def outcome_measures(session: Session, *closed) -> Measures:
    """Every figure of the outcomes report for the closed families ``closed`` (conditions on
    ``Family``) says, family by family, from their records: a few queries for all of them."""
    in_period = (*closed, Family.phase == Phase.CLOSED)
    # Read below through the connection: plain rows, without the ORM's handling of each one
    # (the demo works out tens of thousands of families); what the session holds goes first.
    session.flush()
    families = session.connection().execute(
        select(Family.id, Family.opened_on, Family.closed_on, Family.closure_reason).where(*in_period)
    ).all()
    child_counts = dict(
        session.connection().execute(
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
    child_voice_measures(session, in_period, measures)
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
    goals = session.connection().execute(
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
        return session.connection().execute(
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


def _weeks_in_phase(session: Session, families, in_period) -> dict[str, dict[int, float]]:
    """Weeks each family spent in each phase (moves back and forth added up)."""
    moves = defaultdict(list)
    # The period's families by a join, not a list of ids: tens of thousands of bound
    # parameters cost more than the query.
    for family_id, date, to_phase in session.connection().execute(
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
