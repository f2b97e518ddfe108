"""Keeping each closed family's outcome measures (models/outcome.py) for the outcomes report.

The measures are worked out from the records by services/outcome_measures.py (their one
definition) and written here, explicitly, by the services that change them: closing a family
(services/closures.py ``close_family``, which every way of closing goes through) writes its row,
reopening it deletes it, and anonymising a closed family's record writes it again (the children's
dates of birth move to the first of the month). A closed family's other records cannot be
changed (services/editing.py ``ensure_open``): a correction needs the family reopened, and its
closing again writes the measures anew.

``rebuild_outcomes`` writes them for many families at once, a few queries per batch of families:
the demo seeder calls it once, and ``init-db`` for closed families that have none (a database
closed families in before these tables existed)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from ..models import OPEN_PHASES, AreaOutcome, ChildScaleOutcome, DomainOutcome, Family, FamilyOutcome, Phase
from .bulk import write_rows
from .outcome_measures import Measures, outcome_measures

# Families worked out together: the records of this many families are read at once.
BATCH = 2000
TABLES = (ChildScaleOutcome, DomainOutcome, AreaOutcome, FamilyOutcome)  # children first


def computed_outcomes(session: Session, *closed) -> dict[str, list[dict]]:
    """The rows of each table of models/outcome.py, by table name, for the closed families
    ``closed`` (conditions on ``Family``) says, worked out from their records."""
    measures = outcome_measures(session, *closed)
    families = session.execute(
        select(Family.id, Family.team_id, Family.closed_on, Family.closure_reason)
        .where(*closed, Family.phase == Phase.CLOSED).order_by(Family.id)
    ).all()
    rows = [_family_row(measures, *family) for family in families]
    kept = {row["family_id"]: {name: row[name] for name in ("team_id", "closed_on", "children")} for row in rows}
    return {
        FamilyOutcome.__tablename__: rows,
        **{table.__tablename__: [{**row, **kept[row["family_id"]]} for row in beside]
           for table, beside in ((AreaOutcome, _area_rows(measures)), (DomainOutcome, _domain_rows(measures)),
                                 (ChildScaleOutcome, _scale_rows(measures)))},
    }


def _family_row(measures: Measures, family_id: int, team_id: int, closed_on, closure_reason) -> dict:
    def whole(key: str) -> int:
        return measures[key].whole.get(family_id, 0)

    def part(key: str) -> int:
        return measures[key].part.get(family_id, 0)

    return {
        "family_id": family_id, "team_id": team_id, "closed_on": closed_on, "closure_reason": closure_reason,
        "children": whole("children"),
        "weeks_in_service": measures["weeks_in_service"].values[family_id],
        **{f"weeks_in_{phase}": measures[f"weeks_in:{phase}"].values[family_id] for phase in OPEN_PHASES},
        "goals": whole("goals_achieved"), "goals_achieved": part("goals_achieved"),
        "first_and_closing_assessment": bool(part("data_completeness")),
        "voice_children": whole("child_voice:children"), "heard": part("child_voice:heard"),
        "heard_twice": part("child_voice:heard_twice"), "with_two_scales": part("child_voice:with_two_scales"),
        "scale_rose": part("child_voice:scale_rose"),
    }


def _area_rows(measures: Measures) -> list[dict]:
    return [
        {"family_id": family_id, "area": measure.about[1], "goals": goals, "improved": measure.part[family_id]}
        for measure in measures.values() if measure.about[0] == "area" and measure.about[2] == "goals"
        for family_id, goals in measure.whole.items()
    ]


def _domain_rows(measures: Measures) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for measure in measures.values():
        group, about = measure.about[0], measure.about
        if group == "domain" and about[3] == "families":
            for family_id, better in measure.part.items():
                _domain_row(rows, family_id, about[1], about[2])["family_better"] = bool(better)
        elif group == "child_domain":
            for family_id, compared in measure.whole.items():
                row = _domain_row(rows, family_id, about[1], about[2])
                row["children_compared"], row["children_better"] = compared, measure.part[family_id]
    return list(rows.values())


def _domain_row(rows: dict[tuple, dict], family_id: int, framework: str, domain: str) -> dict:
    return rows.setdefault((family_id, framework, domain), {
        "family_id": family_id, "framework": framework, "domain": domain,
        "family_better": None, "children_compared": 0, "children_better": 0})


def _scale_rows(measures: Measures) -> list[dict]:
    # Each child's first and latest scale were added side by side, child by child.
    latest = measures["child_voice:latest_scale"].samples
    return [
        {"family_id": family_id, "first_scale": first, "latest_scale": last}
        for family_id, firsts in measures["child_voice:first_scale"].samples.items()
        for first, last in zip(firsts, latest[family_id], strict=True)
    ]


def forget_outcome(session: Session, family_ids: Iterable[int]) -> None:
    """Delete the kept measures of these families (reopened, or about to be written again)."""
    ids = list(family_ids)
    for table in TABLES:
        session.execute(delete(table).where(table.family_id.in_(ids)))


def _write(session: Session, rows: dict[str, list[dict]]) -> None:
    for table in reversed(TABLES):  # the family's row before the rows that hang from it
        if rows[table.__tablename__]:
            # In bulk (services/bulk.py): the demo writes tens of thousands of families' rows at
            # once, and SQLAlchemy's parameters, row by row, cost more than the database's work.
            write_rows(session.connection(), table.__table__, rows[table.__tablename__])


def record_outcome(session: Session, family: Family) -> None:
    """Write the closed ``family``'s measures, replacing any kept before."""
    session.flush()
    forget_outcome(session, [family.id])
    _write(session, computed_outcomes(session, Family.id == family.id))


def rebuild_outcomes(session: Session, family_ids: Iterable[int] | None = None) -> int:
    """Write the measures of the closed families among ``family_ids`` (None: every closed
    family, and forget any others), in batches of consecutive families: a few queries each.
    Returns how many families were written."""
    session.flush()
    closed = list(session.scalars(select(Family.id).where(Family.phase == Phase.CLOSED).order_by(Family.id)))
    if family_ids is None:
        for table in TABLES:
            session.execute(delete(table))
    else:
        asked = set(family_ids)
        ordered = sorted(asked)
        for start in range(0, len(ordered), BATCH):
            forget_outcome(session, ordered[start:start + BATCH])
        closed = [family_id for family_id in closed if family_id in asked]
    for start in range(0, len(closed), BATCH):
        batch = closed[start:start + BATCH]
        # A range of ids, not a list of them: thousands of bound parameters cost more than the
        # query (families in the range that are open, or not asked for, are left out).
        within = (Family.id >= batch[0], Family.id <= batch[-1])
        if family_ids is not None:
            within = (*within, Family.id.in_(batch))
        _write(session, computed_outcomes(session, *within))
    if family_ids is None and session.get_bind().dialect.name == "postgresql":
        # Statistics for the planner after a bulk load, as autovacuum would make a while later.
        session.execute(text("ANALYZE " + ", ".join(table.__tablename__ for table in TABLES)))
    return len(closed)


def rebuild_missing_outcomes(session: Session) -> int:
    """Write the measures of the closed families that have none kept: what ``init-db`` runs
    after an upgrade, so that families closed before these tables existed are reported."""
    missing = session.scalars(
        select(Family.id).outerjoin(FamilyOutcome, FamilyOutcome.family_id == Family.id)
        .where(Family.phase == Phase.CLOSED, FamilyOutcome.family_id.is_(None))
    ).all()
    return rebuild_outcomes(session, missing) if missing else 0
