"""The record of one demo family, as rows: the family, its children, carers and concerns, the
dated shape of its work (phase moves, when consent and the plan came), then its goals, visits,
the children's voices, reviews and assessments (each in a module of its own). Rows wait in ``Rows`` and are written a
batch at a time, table by table in foreign-key order."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..models import (
    Assessment,
    AssessmentScore,
    Carer,
    Child,
    Family,
    FamilyConcern,
    Goal,
    GoalRating,
    GoalStatusChange,
    Phase,
    PhaseMove,
    Review,
    Visit,
    VisitChild,
    VisitGoal,
    Voice,
)
from ..services.bulk import write_rows
from .families import DAY, FamilyPlan
from .goals import goal_rows
from .reviews import assessment_rows, review_rows
from .visits import visit_rows
from .voices import voice_rows

# In foreign-key order: a batch is written table by table in this order.
TABLES = (
    Family.__table__,
    FamilyConcern.__table__,
    Child.__table__,
    Carer.__table__,
    PhaseMove.__table__,
    Goal.__table__,
    GoalRating.__table__,
    GoalStatusChange.__table__,
    Visit.__table__,
    VisitChild.__table__,
    VisitGoal.__table__,
    Review.__table__,
    Voice.__table__,
    Assessment.__table__,
    AssessmentScore.__table__,
)


class Rows:
    """Row dicts waiting to be written, and the next id of each table."""

    def __init__(self, next_ids: dict[str, int], stamp: Callable[[dt.date], dt.datetime]):
        self.next_ids = next_ids
        self.pending: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.stamp = stamp

    def next_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict, with_id: bool = True) -> dict:
        if with_id:
            row["id"] = self.next_id(table)
        self.pending[table].append(row)
        self.counts[table] += 1
        return row

    def write(self, session: Session) -> None:
        connection = session.connection()
        for table in TABLES:
            batch = self.pending.pop(table.name, None)
            if batch:
                write_rows(connection, table, batch)  # COPY on PostgreSQL


@dataclass
class Story:
    """The dated shape of a family's work: phase moves, the end of the record."""

    moves: list[tuple[dt.date, str, str, str | None, str | None, bool]]  # date, from, to, note, reason, by manager
    end: dt.date  # today, or the day the family closed
    consent_on: dt.date | None
    goals_on: dt.date | None
    revised_on: dt.date | None = None  # after a crisis, a new goal joins the plan

    def phase_on(self, day: dt.date) -> str:
        phase = Phase.ENGAGEMENT
        for date, _from, to, *_ in self.moves:
            if date <= day:
                phase = to
        return phase


def _story(rng, today, plan: FamilyPlan) -> Story:
    opened = plan.opened_on
    end = plan.closed_on or today
    span = (end - opened).days
    moves = []
    first_move = opened + rng.randint(21, 35) * DAY
    reached = Phase.ENGAGEMENT
    revised_on = None
    if plan.outcome in (Phase.MAKING_CHANGES, Phase.MOVING_ON, "step_down") or (
        plan.is_closed and first_move < end - 7 * DAY
    ):
        first_move = min(first_move, end - 2 * DAY)
        moves.append((first_move, Phase.ENGAGEMENT, Phase.MAKING_CHANGES,
                      "Consent recorded and the family plan agreed.", None, False))
        reached = Phase.MAKING_CHANGES
        if plan.outcome == Phase.MAKING_CHANGES and rng.random() < 0.12 and span - (first_move - opened).days > 50:
            back = first_move + rng.randint(20, (end - first_move).days - 30) * DAY
            again = back + rng.randint(10, 21) * DAY
            moves.append((back, Phase.MAKING_CHANGES, Phase.ENGAGEMENT,
                          rng.choice(["Eviction notice: revisiting the assessment and the plan.",
                                      "A new partner has moved in; back to getting to know the family.",
                                      "Mum in hospital for two weeks; the plan is on hold."]), None, False))
            moves.append((again, Phase.ENGAGEMENT, Phase.MAKING_CHANGES, "Plan revised with the family.", None, False))
            revised_on = back + rng.randint(1, (again - back).days) * DAY
    second_move = opened + rng.randint(112, 133) * DAY
    if plan.outcome == Phase.MOVING_ON:  # the last four weeks or so
        second_move = opened + rng.randint(max(112, span - 28), min(133, span - 1)) * DAY
    if plan.outcome in (Phase.MOVING_ON, "step_down") or (
        plan.is_closed and reached == Phase.MAKING_CHANGES and second_move < end - 7 * DAY
    ):
        second_move = min(second_move, end - DAY)
        moves.append((second_move, Phase.MAKING_CHANGES, Phase.MOVING_ON,
                      "Goals mostly met; planning support from school and the health visitor.", None, False))
        reached = Phase.MOVING_ON
    if plan.is_closed:
        by_manager = reached != Phase.MOVING_ON
        note = {
            "step_down": "Closing review held; stepped down to school and the health visitor.",
            "step_up": "Concerns have grown; referred to children's social care.",
            "disengaged": "The family stopped answering the door and calls; closed after a letter.",
            "moved_away": "The family has moved out of the area; the new area's early help service told.",
        }[plan.outcome]
        moves.append((plan.closed_on, reached, Phase.CLOSED, note, plan.outcome, by_manager))
    unallocated = plan.worker is None
    consent_on = None
    if not unallocated and span >= 3:
        consent_on = opened + rng.randint(2, min(10, span)) * DAY
        if moves:
            consent_on = min(consent_on, moves[0][0])
        if "phase_overrun" in plan.troubles and plan.outcome == Phase.ENGAGEMENT and rng.random() < 0.5:
            consent_on = None
    goals_on = None
    if not unallocated and span >= 12:
        goals_on = opened + rng.randint(10, 20) * DAY
        if moves and moves[0][2] == Phase.MAKING_CHANGES:
            goals_on = min(goals_on, moves[0][0])
        goals_on = min(goals_on, end)
    return Story(moves, end, consent_on, goals_on, revised_on)


def family_rows(rng, today, plan: FamilyPlan, rows: Rows, manager_id: int) -> None:
    story = _story(rng, today, plan)
    last_move = story.moves[-1] if story.moves else None
    worker_id = plan.worker.id if plan.worker else None
    acting_id = worker_id or manager_id
    rows.add("families", {
        "id": plan.id,
        "reference": plan.reference,
        "team_id": plan.team.id,
        "worker_id": worker_id,
        "opened_by_id": acting_id,
        "household_name": f"{plan.surname} household",
        "postcode": plan.postcode,
        "referral_date": plan.referral_date,
        "referral_source": plan.referral_source,
        "opened_on": plan.opened_on,
        "consent_recorded_on": story.consent_on,
        "phase": last_move[2] if last_move else Phase.ENGAGEMENT,
        "phase_since": last_move[0] if last_move else plan.opened_on,
        "closed_on": plan.closed_on,
        "closure_recorded_on": plan.closed_on,  # each closure recorded on its day
        "closure_reason": plan.outcome if plan.is_closed else None,
        "previous_family_id": plan.previous.id if plan.previous else None,
        "version": 1,
        "created_at": rows.stamp(plan.opened_on),
    }, with_id=False)
    for code in plan.concerns:
        rows.add("family_concerns", {"family_id": plan.id, "code": code})
    children = []
    for child in plan.children:
        row = rows.add("children", {
            "family_id": plan.id, "first_name": child.first_name, "last_name": child.last_name,
            "date_of_birth": child.date_of_birth, "school": child.school, "version": 1,
            "created_at": rows.stamp(plan.opened_on),
        })
        children.append((row["id"], child))
    for first, last, relationship in plan.carers:
        rows.add("carers", {
            "family_id": plan.id, "first_name": first, "last_name": last,
            "relationship": relationship, "version": 1, "created_at": rows.stamp(plan.opened_on),
        })
    for date, from_phase, to_phase, note, reason, by_manager in story.moves:
        rows.add("phase_moves", {
            "family_id": plan.id, "from_phase": from_phase, "to_phase": to_phase, "date": date,
            "note": note, "reason": reason, "by_id": manager_id if by_manager else acting_id,
            "made_at": rows.stamp(date),
        })
    if worker_id is None:
        return
    goals = goal_rows(rng, today, plan, story, rows, worker_id)
    visits = visit_rows(rng, today, plan, story, rows, worker_id, children, goals)
    voice_rows(plan, story, rows, worker_id, children, visits)
    review_rows(rng, today, plan, story, rows, worker_id)
    assessment_rows(rng, today, plan, story, rows, worker_id, children)
