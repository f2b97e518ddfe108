"""Outcome reports, the way these services report them: percentages with the number behind
them (the figures and their families, read from each closed family's kept measures:
services/outcome_figures.py, defined in services/outcome_measures.py), families referred again
after closing, and counts of neglect by area with small numbers suppressed and, where published
or seen beyond one's own team, rounded (services/disclosure.py). Who may report on what:
``scope.report_scope``."""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..models import CLOSURE_REASONS, OPEN_PHASES, STEP_DOWN_SOURCE, Family, FamilyConcern, Phase, User
from .assessments import load_frameworks
from .disclosure import cell_rows, rounded_for, shown
from .errors import Forbidden
from .families import postcode_district
from .outcome_figures import figure_families, outcome_figures
from .outcome_measures import Figure, Measure, Measures, percentage
from .scope import report_scope
from .voice_measures import child_voice_block


def outcomes(session: Session, actor: User, start: dt.date, end: dt.date, team_id: int | None = None) -> dict:
    """Families closed in [start, end]: goals achieved and improved by outcome area, change by
    assessment domain (of families, of their children, of children assessed on their own),
    weeks in service and in each phase, closure reasons, data completeness, and how often the
    children were heard (``child_voice``)."""
    return outcomes_of(outcome_figures(session, actor, start, end, team_id), start, end)


def outcomes_of(measures: Measures, start: dt.date, end: dt.date) -> dict:
    """The outcomes report from its figures (``Figure`` totals, or ``Measure`` family by family)."""
    by_group = defaultdict(list)
    for measure in measures.values():
        by_group[measure.about[0]].append(measure)
    labels = {(f.code, d.code): d.label for f in load_frameworks().values() for d in f.domains}
    goals = measures["goals_achieved"]
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
        "child_voice": child_voice_block(measures),
    }


def _share(measure: Figure | Measure, whole: str, part: str, pct: str | None = None) -> dict:
    return {whole: measure.n, part: measure.count, pct or f"pct_{part}": measure.pct}


def outcome_families(
    session: Session, actor: User, start: dt.date, end: dt.date, key: str
) -> tuple[Measure, list[tuple[int, str]]] | None:
    """The families behind one figure of the outcomes report: the measure and ``(family id,
    reference)`` for each family it counts, by reference; None for a figure the report does not
    have. Managers only, their own team: administrators see aggregate figures, never families."""
    if not actor.is_manager:
        raise Forbidden("Only a manager sees the families behind a figure: administrators see the figures only.")
    measure = figure_families(session, actor, start, end, key)
    if measure is None:
        return None
    ids = measure.families
    references = dict(session.execute(
        select(Family.id, Family.reference).where(Family.id.in_(ids), report_scope(actor))
    ).all()) if ids else {}
    return measure, sorted(references.items(), key=lambda item: item[1])


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
    # Families stepped down to early help by children's social care (issue 16), disclosed as
    # every other count is.
    stepped_down = session.scalar(
        select(func.count(Family.id))
        .where(report_scope(actor, team_id), Family.referral_date >= start, Family.referral_date <= end,
               Family.referral_source == STEP_DOWN_SOURCE)
    )
    rounded = rounded_for(actor, published)
    return {"from": start.isoformat(), "to": end.isoformat(), "rows": cell_rows(cells, rounded),
            "stepped_down_from_social_care": shown(stepped_down, rounded)}


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
