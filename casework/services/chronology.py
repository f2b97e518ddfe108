"""The chronology: every recorded event of a family's case in date order, the document a
social worker or a court asks for."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    CLOSURE_REASONS,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
    Allocation,
    Correction,
    Family,
    Flag,
    Goal,
    GoalRating,
    PhaseMove,
    Review,
    Visit,
)

KINDS = ("visit", "phase", "review", "rating", "correction", "flag", "allocation")


@dataclass
class Entry:
    date: dt.date
    kind: str
    summary: str
    ref_id: int


def _visit_summary(visit: Visit, children: dict[int, str]) -> str:
    text = f"{VISIT_KINDS[visit.kind]}, {VISIT_OUTCOMES[visit.outcome].lower()}"
    if visit.outcome == "completed" and children:
        not_seen = [name for cid, name in children.items() if cid not in visit.children_seen_ids]
        text += ": all children seen" if not not_seen else ": not seen: " + ", ".join(not_seen)
    return text


def _phase_summary(move: PhaseMove) -> str:
    if move.to_phase == "closed":
        text = f"Closed: {CLOSURE_REASONS.get(move.reason, move.reason or '').lower()}"
    elif move.from_phase == "closed":
        text = "Reopened, back to engagement"
    else:
        text = f"Moved from {PHASE_LABELS[move.from_phase].lower()} to {PHASE_LABELS[move.to_phase].lower()}"
    return f"{text}. {move.note}" if move.note else text


def _review_summary(review: Review) -> str:
    text = f"Review held: {REVIEW_DECISIONS[review.decision].lower()}"
    if review.decision == "close" and review.reason:
        text += f" ({CLOSURE_REASONS[review.reason].lower()})"
    return text


def chronology(session: Session, family: Family, kind: str | None = None) -> list[Entry]:
    """Newest first; ``kind`` limits it to one of KINDS. A fixed number of queries."""
    wanted = (kind,) if kind else KINDS
    entries: list[Entry] = []
    if "visit" in wanted:
        children = {child.id: child.first_name for child in family.children}
        visits = session.scalars(
            select(Visit).where(Visit.family_id == family.id).options(selectinload(Visit.children_seen))
        )
        entries += [Entry(v.date, "visit", _visit_summary(v, children), v.id) for v in visits]
    if "phase" in wanted:
        moves = session.scalars(select(PhaseMove).where(PhaseMove.family_id == family.id))
        entries += [Entry(m.date, "phase", _phase_summary(m), m.id) for m in moves]
    if "review" in wanted:
        reviews = session.scalars(select(Review).where(Review.family_id == family.id))
        entries += [Entry(r.held_on, "review", _review_summary(r), r.id) for r in reviews]
    if "rating" in wanted:
        ratings = session.execute(
            select(GoalRating, Goal.title).join(Goal).where(Goal.family_id == family.id)
        )
        entries += [
            Entry(r.date, "rating", f"Progress rated {r.rating} out of 10: {title}", r.id) for r, title in ratings
        ]
    if "correction" in wanted:
        corrections = session.scalars(select(Correction).where(Correction.family_id == family.id))
        entries += [
            Entry(
                c.made_on,
                "correction",
                f"{c.record_type.capitalize()} corrected ({', '.join(sorted(c.old_values))}): {c.note}",
                c.id,
            )
            for c in corrections
        ]
    if "flag" in wanted:
        for flag in session.scalars(select(Flag).where(Flag.family_id == family.id)):
            entries.append(Entry(flag.raised_on, "flag", f"Flag raised ({flag.severity}): {flag.message}", flag.id))
            if flag.status == "resolved" and flag.resolved_on is not None:
                text = f"Flag resolved: {flag.rule_label.lower()}"
                entries.append(Entry(flag.resolved_on, "flag",
                                     f"{text}. {flag.resolution}" if flag.resolution else text, flag.id))
    if "allocation" in wanted:
        allocations = session.scalars(
            select(Allocation).where(Allocation.family_id == family.id)
            .options(selectinload(Allocation.to_worker), selectinload(Allocation.by))
        )
        for allocation in allocations:
            text = f"Allocated to {allocation.to_worker.name}" if allocation.to_worker else "Left unallocated"
            text += f" by {allocation.by.name}"
            entries.append(Entry(allocation.made_on, "allocation",
                                 f"{text}. {allocation.reason}" if allocation.reason else text, allocation.id))
    entries.sort(key=lambda e: (e.date, KINDS.index(e.kind), e.ref_id), reverse=True)
    return entries
