"""What every escalation rule (services/flag_rules.py, flag_rules_children.py) shares: the
``Finding`` a rule answers, the settings it reads, and the ``Context`` loaded once per sweep
(the open families, the day, the clocks restarted by a person resolving a flag)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from ..models import OPEN_PHASES, Family
from .child_seen import child_seen_days


@dataclass(frozen=True)
class Finding:
    family_id: int
    rule: str
    subject_key: str
    severity: str
    message: str
    # Tell the manager as well as the worker (once per flag).
    escalate: bool = False


@dataclass
class Settings:
    review_escalate_days: int
    stall_days: int
    stall_escalate_days: int
    phase_weeks: dict[str, int]
    overrun_factor: float
    child_seen_days: int

    @classmethod
    def from_config(cls) -> Settings:
        config = current_app.config
        return cls(
            review_escalate_days=config["CASEWORK_REVIEW_ESCALATE_DAYS"],
            stall_days=config["CASEWORK_STALL_DAYS"],
            stall_escalate_days=config["CASEWORK_STALL_ESCALATE_DAYS"],
            phase_weeks=dict(config["CASEWORK_PHASE_WEEKS"]),
            overrun_factor=config["CASEWORK_OVERRUN_FACTOR"],
            child_seen_days=child_seen_days(),
        )


@dataclass
class OpenFamily:
    id: int
    opened_on: dt.date
    phase: str
    phase_since: dt.date


@dataclass
class Context:
    """What every rule needs, loaded once per sweep."""

    today: dt.date
    settings: Settings
    families: dict[int, OpenFamily]
    # (family_id, rule, subject_key) -> the day a flag on it was last resolved
    restarts: dict[tuple[int, str, str], dt.date] = field(default_factory=dict)
    # The families looked at: None for the whole service (the sweep).
    family_ids: frozenset[int] | None = None

    def within(self, column):
        """A condition limiting ``column`` (a family id) to the families looked at."""
        return true() if self.family_ids is None else column.in_(self.family_ids)

    def since(self, family_id: int, rule: str, subject_key: str, natural: dt.date) -> dt.date:
        restarted = self.restarts.get((family_id, rule, subject_key))
        return max(natural, restarted) if restarted else natural


def load_context(session: Session, today: dt.date, restarts=None, family_ids=None, families=None) -> Context:
    """``families``: the rows of ``family_ids``, when they are in hand (not read again)."""
    scope = None if family_ids is None else frozenset(family_ids)
    ctx = Context(today, Settings.from_config(), {}, restarts or {}, scope)
    if families is None:
        families = session.execute(
            select(Family.id, Family.opened_on, Family.phase, Family.phase_since).where(
                Family.phase.in_(OPEN_PHASES), Family.opened_on <= today, ctx.within(Family.id)
            )
        )
    else:
        families = [family for family in families if family.phase in OPEN_PHASES and family.opened_on <= today]
    ctx.families = {row.id: OpenFamily(row.id, row.opened_on, row.phase, row.phase_since) for row in families}
    return ctx


