"""Assessment frameworks are data, not code: one JSON file per framework gives its domains, its
scale (and which end is better), labels and when it falls due. casework ships an open default;
a service holding a licence for another tool loads its own file from
``instance/frameworks/`` (casework never ships licensed wording)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ASSESSMENT_STAGES, OPEN_PHASES, Assessment, AssessmentScore, Family, FrameworkTraining, User
from .clock import local_date
from .editing import ensure_open
from .errors import Forbidden, ValidationFailed

BUILT_IN = Path(__file__).resolve().parent.parent / "frameworks"


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Framework:
    code: str
    name: str
    description: str
    subject: str  # "family", "child" or "both"
    scale_min: int
    scale_max: int
    higher_is_better: bool
    labels: dict[int, str]
    domains: tuple[Domain, ...]
    initial_within_days: int | None
    review_every_days: int | None
    at_closure: bool
    restricted_to_trained: bool

    def improved(self, before: int, after: int) -> bool:
        """Direction-aware: on a scale where 1 is best, going down is better."""
        return after > before if self.higher_is_better else after < before

    def label(self, score: int) -> str:
        return self.labels.get(score, str(score))

    @property
    def best(self) -> int:
        return self.scale_max if self.higher_is_better else self.scale_min

    @property
    def worst(self) -> int:
        return self.scale_min if self.higher_is_better else self.scale_max

    @property
    def points(self) -> int:
        return self.scale_max - self.scale_min + 1

    def goodness(self, score: int) -> int:
        """How far ``score`` is from the worst end of the scale, from 1 (the worst score) to
        ``points`` (the best), whichever end of the scale is better: what a chart plots, so
        that "better" is always outward (or longer)."""
        return score - self.worst + 1 if self.higher_is_better else self.worst - score + 1

    def scale_explained(self) -> str:
        """"Scores run from 1 to 5; lower is better (1: Needs fully met, 5: ...)"."""
        better = "higher" if self.higher_is_better else "lower"
        return (f"Scores run from {self.scale_min} to {self.scale_max}; {better} is better "
                f"({self.best}: {self.label(self.best)}; {self.worst}: {self.label(self.worst)})")


class FrameworkError(ValueError):
    """A framework file that cannot be used, with the reason."""


def parse_framework(data: dict, source: str = "framework") -> Framework:
    try:
        scale = data["scale"]
        low, high = int(scale["min"]), int(scale["max"])
        better = scale.get("better", "high")
        domains = tuple(
            Domain(d["code"], d["label"], d.get("description", ""))
            for item in data["domains"]
            for d in ([item] + [{**sub, "code": f"{item['code']}.{sub['code']}"} for sub in item.get("subdomains", [])])
        )
        due = data.get("due", {})
        framework = Framework(
            code=data["code"],
            name=data["name"],
            description=data.get("description", ""),
            subject=data.get("subject", "family"),
            scale_min=low,
            scale_max=high,
            higher_is_better=better == "high",
            labels={int(k): v for k, v in scale.get("labels", {}).items()},
            domains=domains,
            initial_within_days=due.get("initial_within_days"),
            review_every_days=due.get("review_every_days"),
            at_closure=bool(due.get("at_closure", False)),
            restricted_to_trained=bool(data.get("restricted_to_trained", False)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise FrameworkError(f"{source}: missing or malformed {error}") from None
    if low >= high or better not in ("high", "low") or framework.subject not in ("family", "child", "both"):
        raise FrameworkError(f"{source}: the scale or subject is not valid")
    if not domains or len({d.code for d in domains}) != len(domains):
        raise FrameworkError(f"{source}: domains must be present and their codes unique")
    return framework


def load_frameworks() -> dict[str, Framework]:
    """The built-in frameworks and any in the service's own folder (``CASEWORK_FRAMEWORKS_DIR``,
    by default the instance's ``frameworks``), which win."""
    cache = current_app.extensions.setdefault("casework.frameworks", {})
    if cache:
        return cache
    own = current_app.config.get("CASEWORK_FRAMEWORKS_DIR") or Path(current_app.instance_path) / "frameworks"
    folders = [BUILT_IN, Path(own)]
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            framework = parse_framework(json.loads(path.read_text()), path.name)
            cache[framework.code] = framework
    return cache


def frameworks_for(session: Session, user: User) -> list[Framework]:
    """The frameworks ``user`` may record: restricted ones only once trained in them."""
    trained = set(session.scalars(select(FrameworkTraining.framework).where(FrameworkTraining.user_id == user.id)))
    return [f for f in load_frameworks().values() if not f.restricted_to_trained or f.code in trained]


def get_framework(code: str) -> Framework:
    framework = load_frameworks().get(code)
    if framework is None:
        raise ValidationFailed("Choose an assessment framework.", {"framework": ["Choose an assessment framework."]})
    return framework


def record_assessment(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Assessment:
    """``data``: framework, stage, date, child_id?, scores {domain: score}, evidence {domain: text}."""
    ensure_open(family)
    framework = get_framework(data["framework"])
    if framework not in frameworks_for(session, actor):
        raise Forbidden(f"You are not recorded as trained in {framework.name}.")
    problems: dict[str, list[str]] = {}
    if data["stage"] not in ASSESSMENT_STAGES:
        problems["stage"] = ["Choose initial, review or closing."]
    if data["date"] > local_date(now):
        problems["date"] = ["An assessment cannot be dated in the future."]
    child_id = data.get("child_id")
    if child_id is not None and child_id not in {c.id for c in family.children}:
        problems["child_id"] = ["Choose a child of this family."]
    if framework.subject == "child" and child_id is None:
        problems["child_id"] = ["This framework assesses one child: choose the child."]
    scores = data.get("scores") or {}
    for domain in framework.domains:
        score = scores.get(domain.code)
        if score is None:
            problems[f"score-{domain.code}"] = [f"Score {domain.label.lower()}."]
        elif not framework.scale_min <= score <= framework.scale_max:
            problems[f"score-{domain.code}"] = [f"Score from {framework.scale_min} to {framework.scale_max}."]
    unknown = set(scores) - {d.code for d in framework.domains}
    if unknown:
        problems["scores"] = [f"Not domains of this framework: {', '.join(sorted(unknown))}."]
    if problems:
        raise ValidationFailed("Check the assessment.", problems)
    evidence = data.get("evidence") or {}
    assessment = Assessment(
        family=family, child_id=child_id, framework=framework.code, stage=data["stage"], date=data["date"],
        recorded_by=actor,
        scores=[AssessmentScore(domain=d.code, score=scores[d.code], evidence=(evidence.get(d.code) or "").strip())
                for d in framework.domains],
    )
    session.add(assessment)
    session.flush()
    return assessment


@dataclass
class DomainChange:
    domain: Domain
    first: int | None
    latest: int | None
    improved: bool
    worse: bool


def _ordered(session: Session, family: Family, framework_code: str, subject) -> list[Assessment]:
    return session.scalars(
        select(Assessment)
        .where(Assessment.family_id == family.id, Assessment.framework == framework_code, subject)
        .order_by(Assessment.date, Assessment.id)
    ).all()


def _changes(
    framework: Framework, assessments: list[Assessment]
) -> tuple[Assessment | None, Assessment | None, list[DomainChange]]:
    """The first and the latest of ``assessments`` (in date order) and each domain's change."""
    if not assessments:
        return None, None, []
    first, latest = assessments[0], assessments[-1]
    changes = []
    for domain in framework.domains:
        before, after = first.score_of(domain.code), latest.score_of(domain.code)
        both = before is not None and after is not None and latest is not first
        changes.append(DomainChange(domain, before, after, both and framework.improved(before, after),
                                    both and framework.improved(after, before)))
    return first, latest, changes


def change_since_first(
    session: Session, family: Family, framework_code: str, child_id: int | None = None
) -> tuple[Assessment | None, Assessment | None, list[DomainChange]]:
    """The first and the latest assessment of the family (or one child) and the change in each
    domain, direction-aware."""
    framework = get_framework(framework_code)
    subject = Assessment.child_id.is_(None) if child_id is None else Assessment.child_id == child_id
    return _changes(framework, _ordered(session, family, framework_code, subject))


@dataclass
class FamilyChange:
    """The family page's view of its assessments: the framework last used for the whole family,
    its first and latest assessment, and how many domains got better or worse."""

    framework: Framework
    first: Assessment
    latest: Assessment
    changes: list[DomainChange]

    @property
    def compared(self) -> int:
        """Domains scored in both the first and the latest assessment."""
        return sum(change.first is not None and change.latest is not None for change in self.changes)

    @property
    def better(self) -> int:
        return sum(change.improved for change in self.changes)

    @property
    def worse(self) -> int:
        return sum(change.worse for change in self.changes)


def family_change(assessments: list[Assessment]) -> FamilyChange | None:
    """The change since the first assessment in the framework the family was last assessed in
    as a whole, or None when it has no such assessment yet: of the family's whole-family
    ``assessments`` in date order, with their scores."""
    frameworks = load_frameworks()
    framework_code = assessments[-1].framework if assessments else None
    if framework_code not in frameworks:
        return None
    first, latest, changes = _changes(get_framework(framework_code),
                                      [a for a in assessments if a.framework == framework_code])
    return FamilyChange(frameworks[framework_code], first, latest, changes)


@dataclass
class ChildChange:
    child: object
    first: Assessment
    latest: Assessment
    changes: list[DomainChange]


def change_for_each_child(session: Session, family: Family, framework_code: str) -> list[ChildChange]:
    """Each child of the family assessed on their own in this framework (in the family's order
    of children): their first and latest assessment and the change in each domain."""
    framework = get_framework(framework_code)
    by_child: dict[int, list[Assessment]] = {}
    for assessment in _ordered(session, family, framework_code, Assessment.child_id.is_not(None)):
        by_child.setdefault(assessment.child_id, []).append(assessment)
    return [ChildChange(child, *_changes(framework, by_child[child.id]))
            for child in family.children if child.id in by_child]


def assessments_due(session: Session, today: dt.date) -> list[tuple[int, str, dt.date, str]]:
    """``(family_id, framework, due date, stage)`` for open families whose initial or next
    review assessment falls due within the reminder window or is overdue. Family-level
    frameworks only; child frameworks are reminded by their initial due date."""
    ahead = dt.timedelta(days=current_app.config["CASEWORK_REVIEW_REMINDER_DAYS"])
    due = []
    latest = dict(
        ((family_id, framework), (count, last))
        for family_id, framework, count, last in session.execute(
            select(Assessment.family_id, Assessment.framework, func.count(Assessment.id), func.max(Assessment.date))
            .join(Family)
            .where(Family.phase.in_(OPEN_PHASES), Assessment.date <= today)
            .group_by(Assessment.family_id, Assessment.framework)
        )
    )
    families = session.execute(
        select(Family.id, Family.opened_on).where(Family.phase.in_(OPEN_PHASES), Family.opened_on <= today)
    ).all()
    for framework in load_frameworks().values():
        if framework.subject == "child":
            continue
        for family_id, opened_on in families:
            count, last = latest.get((family_id, framework.code), (0, None))
            if count == 0 and framework.initial_within_days is not None:
                when, stage = opened_on + dt.timedelta(days=framework.initial_within_days), "initial"
            elif count and framework.review_every_days is not None:
                when, stage = last + dt.timedelta(days=framework.review_every_days), "review"
            else:
                continue
            if when - today <= ahead:
                due.append((family_id, framework.code, when, stage))
    return due
