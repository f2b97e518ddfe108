"""The outcomes report's figures read from the kept measures (models/outcome.py, written by
services/outcome_store.py): for the report, each figure's totals by a few aggregate queries
(``outcome_figures``); for the families behind one figure, what each family adds to it
(``figure_families``). Both read each figure through the same description (``_share_parts``,
``_area_parts``, ``_domain_parts``, ``_medians``), so a figure and its families cannot disagree."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import ColumnElement, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from ..models import CLOSURE_REASONS, OPEN_PHASES, AreaOutcome, ChildScaleOutcome, DomainOutcome, FamilyOutcome, User
from .assessments import load_frameworks
from .outcome_measures import Figure, Measure, Measures
from .scope import report_scope

F, A, D, S = FamilyOutcome, AreaOutcome, DomainOutcome, ChildScaleOutcome
ONE, NONE = literal_column("1"), literal_column("0")


def _kept(actor: User, start: dt.date, end: dt.date, team_id: int | None = None, table=F) -> tuple:
    """The kept rows (of ``table``) of the families closed in [start, end] ``actor`` reports on."""
    return report_scope(actor, team_id, team=table.team_id), table.closed_on >= start, table.closed_on <= end


def _counted(condition) -> ColumnElement:
    return case((condition, 1), else_=0)


def _share_parts() -> dict[str, tuple]:
    """The figures kept on each family's row: ``key: (unit, kind, whole, part, which families)``."""
    has_children = F.voice_children > 0
    return {
        "families_closed": ("families", "count", ONE, NONE, None),
        "children": ("children", "count", F.children, NONE, None),
        "goals_achieved": ("goals", "share", F.goals, F.goals_achieved, F.goals > 0),
        **{f"closure:{reason}": ("families", "count", ONE, NONE, F.closure_reason == reason)
           for reason in CLOSURE_REASONS},
        "data_completeness": ("families", "share", ONE, _counted(F.first_and_closing_assessment.is_(True)), None),
        "child_voice:children": ("children", "count", F.voice_children, NONE, has_children),
        **{f"child_voice:{key}": ("children", "share", F.voice_children, getattr(F, key), has_children)
           for key in ("heard", "heard_twice", "with_two_scales")},
        "child_voice:scale_rose": ("children", "share", F.with_two_scales, F.scale_rose, F.with_two_scales > 0),
    }


def _area_parts() -> dict[str, tuple]:
    """Per outcome area (``area:<area>:<part>``): ``part: (unit, whole, part, which rows)``."""
    improved = A.improved > 0
    return {"goals": ("goals", A.goals, A.improved, None),
            "families": ("families", ONE, _counted(improved), None),
            "children": ("children", A.children, case((improved, A.children), else_=0), None)}


def _domain_parts() -> dict[str, tuple]:
    """Per assessment domain: ``domain:<framework>:<domain>:families`` and ``...:children``,
    and ``child_domain:<framework>:<domain>`` (here "child")."""
    compared, better = D.family_better.is_not(None), D.family_better.is_(True)
    return {"families": ("families", ONE, _counted(better), compared),
            "children": ("children", D.children, case((better, D.children), else_=0), compared),
            "child": ("children", D.children_compared, D.children_better, D.children_compared > 0)}


def _medians() -> dict[str, tuple]:
    """The medians: ``key: (unit, the value, its table)``."""
    return {"weeks_in_service": ("weeks", F.weeks_in_service, F),
            **{f"weeks_in:{phase}": ("weeks", getattr(F, f"weeks_in_{phase}"), F) for phase in OPEN_PHASES},
            "child_voice:first_scale": ("children", S.first_scale, S),
            "child_voice:latest_scale": ("children", S.latest_scale, S)}


def _sums(whole, part, which) -> tuple[ColumnElement, ColumnElement]:
    if which is None:
        return func.coalesce(func.sum(whole), 0), func.coalesce(func.sum(part), 0)
    return (func.coalesce(func.sum(case((which, whole), else_=0)), 0),
            func.coalesce(func.sum(case((which, part), else_=0)), 0))


def _values(index: int, value, kept):
    """How many of the kept families (or their children) have each value: the median is read
    from these counts, a few dozen rows, rather than from a row per family."""
    return (select(literal_column(str(index)).label("figure"), value.label("value"), func.count().label("n"))
            .where(*kept).group_by(value))


def _median(counts: list[tuple]):
    """The median of the values counted in ``counts`` (``(value, how many)``), as
    ``statistics.median`` gives it: the middle one, or the mean of the middle two."""
    whole = sum(n for _, n in counts)
    if not whole:
        return None
    wanted, found, seen = ((whole - 1) // 2, whole // 2), [], 0
    for value, n in sorted(counts):
        found += [value] * sum(1 for place in wanted if seen <= place < seen + n)
        seen += n
    return found[0] if whole % 2 else (found[0] + found[1]) / 2


def outcome_figures(session: Session, actor: User, start: dt.date, end: dt.date,
                    team_id: int | None = None) -> Measures:
    """Every figure of the outcomes report for the families closed in [start, end] that
    ``actor`` reports on, as totals: four queries, however many families (the medians read
    from how many families have each value)."""
    period = (actor, start, end, team_id)
    kept = _kept(*period)
    figures = Measures()
    shares = _share_parts()
    totals = session.execute(
        select(*(column for _, _, whole, part, which in shares.values() for column in _sums(whole, part, which)))
        .where(*kept)
    ).one()
    for index, key in enumerate(shares):
        figures[key] = Figure(key, int(totals[2 * index]), int(totals[2 * index + 1]))
    medians = _medians()
    counts: dict[int, list[tuple]] = {index: [] for index in range(len(medians))}
    for index, value, n in session.execute(union_all(*(
        _values(index, value, _kept(*period, table=table)) for index, (_, value, table) in enumerate(medians.values())
    ))):
        counts[index].append((value, n))
    for index, (key, (_, value, _)) in enumerate(medians.items()):
        # Each as its column keeps it (the union may have made the children's scales decimal).
        median = _median([(value.type.python_type(found), n) for found, n in counts[index]])
        figures[key] = Figure(key, median=None if median is None else round(median, 1))
    _area_figures(session, _kept(*period, table=A), figures)
    _domain_figures(session, _kept(*period, table=D), figures)
    return figures


def _area_figures(session: Session, kept, figures: Measures) -> None:
    parts = _area_parts()
    rows = session.execute(
        select(A.area, *(column for _, whole, part, which in parts.values() for column in _sums(whole, part, which)))
        .where(*kept).group_by(A.area)
    ).all()
    order = {code: index for index, code in enumerate(current_app.config["CASEWORK_GOAL_AREAS"])}
    for area, *totals in sorted(rows, key=lambda row: (order.get(row[0], len(order)), row[0])):
        for index, name in enumerate(parts):
            key = f"area:{area}:{name}"
            figures[key] = Figure(key, int(totals[2 * index]), int(totals[2 * index + 1]))


def _domain_figures(session: Session, kept, figures: Measures) -> None:
    parts = _domain_parts()
    rows = session.execute(
        select(D.framework, D.domain,
               *(column for _, whole, part, which in parts.values() for column in _sums(whole, part, which)))
        .where(*kept).group_by(D.framework, D.domain)
    ).all()
    order = {(f.code, d.code): index
             for index, (f, d) in enumerate((f, d) for f in load_frameworks().values() for d in f.domains)}
    rows = sorted(rows, key=lambda row: (order.get((row[0], row[1]), len(order)), row[0], row[1]))
    for framework, domain, families, better, children, children_better, *_ in rows:
        if families:
            key = f"domain:{framework}:{domain}"
            figures[f"{key}:families"] = Figure(f"{key}:families", int(families), int(better))
            figures[f"{key}:children"] = Figure(f"{key}:children", int(children), int(children_better))
    for framework, domain, *_, compared, compared_better in rows:
        if compared:
            key = f"child_domain:{framework}:{domain}"
            figures[key] = Figure(key, int(compared), int(compared_better))


def figure_families(session: Session, actor: User, start: dt.date, end: dt.date, key: str) -> Measure | None:
    """One figure of the outcomes report with what each family adds to it (the families closed
    in [start, end] that ``actor`` reports on); None for a figure the report does not have."""
    about = key.split(":")
    medians = _medians()
    if key in medians:
        unit, value, table = medians[key]
        measure = Measure(key, unit, "median")
        source = select(table.family_id, value).where(*_kept(actor, start, end, table=table))
        for family_id, found in session.execute(source if table is F else source.order_by(table.id)):
            if table is F:
                measure.values[family_id] = found
            else:
                measure.samples.setdefault(family_id, []).append(found)
        return measure
    shares = _share_parts()
    if key in shares:
        unit, kind, whole, part, which = shares[key]
        return _measure(session, Measure(key, unit, kind), select(F.family_id, whole, part),
                        _kept(actor, start, end), which)
    if about[0] == "area" and len(about) == 3 and about[2] in _area_parts():
        unit, whole, part, which = _area_parts()[about[2]]
        query = select(A.family_id, whole, part).where(A.area == about[1])
        return _measure(session, Measure(key, unit), query, _kept(actor, start, end, table=A), which, exists=True)
    part_name = about[3] if about[0] == "domain" and len(about) == 4 else "child" if len(about) == 3 else None
    if about[0] in ("domain", "child_domain") and part_name in _domain_parts() and (part_name == "child") == (
            about[0] == "child_domain"):
        unit, whole, part, which = _domain_parts()[part_name]
        query = select(D.family_id, whole, part).where(D.framework == about[1], D.domain == about[2])
        return _measure(session, Measure(key, unit), query, _kept(actor, start, end, table=D), which, exists=True)
    return None


def _measure(session: Session, measure: Measure, query, kept, which, exists: bool = False) -> Measure | None:
    """``measure`` with each family ``query`` finds (``(family id, whole, part)``): None when
    ``exists`` and no family has the figure (the report would not show it)."""
    for family_id, whole, part in session.execute(query.where(*kept, *([] if which is None else [which]))):
        measure.add(family_id, int(whole), int(part))
    return None if exists and not measure.whole else measure

