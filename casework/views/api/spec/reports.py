"""The team's caseloads and the reports, as the API answers with them."""
from __future__ import annotations

from pydantic import Field, create_model

from ....models import OPEN_PHASES, SEVERITIES
from .types import Answer, Count, Day, Percent

ByPhase = create_model("ByPhase", __base__=Answer, **{phase: (Count, ...) for phase in OPEN_PHASES})
BySeverity = create_model("BySeverity", __base__=Answer, **{severity: (Count, ...) for severity in SEVERITIES})


class Load(Answer):
    open_families: Count
    by_phase: ByPhase
    weighted_load: float = Field(description="Families weighted by phase, plus high flags.")
    overdue_reviews: Count
    open_flags: Count
    open_flags_by_severity: BySeverity
    families_with_child_not_seen: Count
    visits_last_28_days: Count
    longest_days_since_visit: Count | None


class WorkerLoad(Load):
    id: Count = Field(description="0 for unallocated families.")
    name: str


class Caseload(Answer):
    workers: list[WorkerLoad] = Field(description="Active workers of the team by name, then unallocated "
                                                  "families (id 0) if any.")
    totals: Load


class GoalsAchieved(Answer):
    total: Count
    achieved: Count
    pct_achieved: Percent


class AreaOutcome(Answer):
    area: str
    goals: Count
    improved: Count
    pct_improved: Percent
    families: Count
    families_improved: Count
    pct_families_improved: Percent
    children: Count
    children_improved: Count
    pct_children_improved: Percent


class DomainOutcome(Answer):
    """Families whose latest family assessment is better than their first (direction-aware),
    and the children of those families."""

    framework: str
    domain: str
    label: str
    families: Count
    improved: Count
    pct_improved: Percent
    children: Count
    children_improved: Count
    pct_children_improved: Percent


class ChildDomainOutcome(Answer):
    """Children assessed on their own: latest better than first (direction-aware)."""

    framework: str
    domain: str
    label: str
    children: Count
    improved: Count
    pct_improved: Percent


class Completeness(Answer):
    families_closed: Count
    with_first_and_closing_assessment: Count
    pct: Percent


class ChildVoice(Answer):
    """The children aged 4 or over on the day their family closed: how often they were heard.
    Exact counts."""

    children: Count
    heard: Count = Field(description="Children whose voice was recorded at least once.")
    heard_twice: Count = Field(description="Children heard on two different dates or more.")
    with_two_scales: Count = Field(description="Children who gave the 0-10 scale at least twice.")
    scale_rose: Count = Field(description="Of those, children whose latest scale is above their first.")
    median_first_scale: float | None = Field(description="The median of each child's first scale, among the "
                                                         "children who gave it; null when none did.")
    median_latest_scale: float | None = Field(description="The median of each child's latest scale, likewise.")


Outcomes = create_model(
    "Outcomes", __base__=Answer,
    __doc__="Families closed in [from, to]: goals, areas, weeks, reasons.",
    **{"from": (Day, ...), "to": (Day, ...)},
    families_closed=(Count, ...),
    children=(Count, ...),
    goals=(GoalsAchieved, ...),
    areas=(list[AreaOutcome], Field(description="Areas with goals only.")),
    median_weeks_in_service=(float | None, ...),
    median_weeks_in_phase=(dict[str, float | None], ...),
    expected_weeks=(dict[str, Count], ...),
    closure_reasons=(dict[str, Count], ...),
    assessment_domains=(list[DomainOutcome], ...),
    child_assessment_domains=(list[ChildDomainOutcome], ...),
    data_completeness=(Completeness, ...),
    child_voice=(ChildVoice, ...),
)


class LocalAreaCell(Answer):
    district: str
    concern: str
    count: Count | None = Field(description="null when suppressed (1 to 4); in an admin's answer, 5 or more "
                                            "rounded to the nearest 5; a manager's own team: exact.")
    suppressed: bool


LocalArea = create_model(
    "LocalArea", __base__=Answer,
    __doc__="District x concern cells; counts from 1 to 4 suppressed; an admin's rounded to the nearest 5.",
    **{"from": (Day, ...), "to": (Day, ...)},
    rows=(list[LocalAreaCell], ...),
    stepped_down_from_social_care=(Count | None, Field(description=(
        "Families stepped down to early help by children's social care (referral_source social_care_step_down); "
        "null when suppressed (1 to 4), rounded as the cells are."))),
)
