"""Each closed family's outcome measures, kept so that the outcomes report over a year's
closures is a few aggregate queries instead of a walk through every goal, rating, assessment
and voice. The figures are worked out from the records by services/outcome_measures.py and
written by services/outcome_store.py when a family closes (deleted when it reopens): these
tables are a copy, never the record.

One row per closed family (``FamilyOutcome``), and beside it one per outcome area with goals
(``AreaOutcome``), per assessment domain compared (``DomainOutcome``) and per child who gave
the scale (``ChildScaleOutcome``, for the medians). Each of these repeats the family's team,
closing date (and number of children) so that the report sums it without a join (``Kept``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ..extensions import db


class FamilyOutcome(db.Model):
    __tablename__ = "family_outcomes"
    # The report's query: a team's (or the whole service's) families closed in a period; and
    # for each median, how many of them have each value, read in the value's order.
    __table_args__ = (
        Index("ix_family_outcomes_team_closed", "team_id", "closed_on"),
        Index("ix_family_outcomes_closed_on", "closed_on"),
        *(Index(f"ix_family_outcomes_{weeks}", weeks, "closed_on", "team_id")
          for weeks in ("weeks_in_service", "weeks_in_engagement", "weeks_in_making_changes", "weeks_in_moving_on")),
    )

    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    closed_on: Mapped[dt.date] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(String(20))
    children: Mapped[int]
    weeks_in_service: Mapped[float]
    weeks_in_engagement: Mapped[float]
    weeks_in_making_changes: Mapped[float]
    weeks_in_moving_on: Mapped[float]
    goals: Mapped[int]  # not withdrawn
    goals_achieved: Mapped[int]
    first_and_closing_assessment: Mapped[bool]
    # Children aged 4 or over on the closing day, and of them those heard, heard on two days,
    # who gave the scale twice, and whose latest scale is above their first.
    voice_children: Mapped[int]
    heard: Mapped[int]
    heard_twice: Mapped[int]
    with_two_scales: Mapped[int]
    scale_rose: Mapped[int]


class Kept:
    """What the rows beside a family's repeat of it: what the report selects and sums them by."""

    # The report's groups (``name: columns``): each an index led by what the report groups by,
    # then the period and the team, then what it sums. Once the planner has statistics
    # (``database.refresh_statistics``) it reads the period's rows from the index alone, in
    # the group's order (a skip-scan), without sorting them or visiting the table.
    report_groups: dict[str, tuple[str, ...]] = {}

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    closed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    children: Mapped[int]

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # A manager's report: their team's families closed in a period.
        return (Index(f"ix_{cls.__tablename__}_team_closed", "team_id", "closed_on"),
                *(Index(f"ix_{cls.__tablename__}_{name}", *columns) for name, columns in cls.report_groups.items()))


class AreaOutcome(Kept, db.Model):
    """A closed family's goals (not withdrawn) in one outcome area, and how many improved."""

    __tablename__ = "family_outcome_areas"
    report_groups = {"report": ("area", "closed_on", "team_id", "goals", "improved", "children")}

    family_id: Mapped[int] = mapped_column(ForeignKey("family_outcomes.family_id", ondelete="CASCADE"),
                                           primary_key=True)
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    goals: Mapped[int]
    improved: Mapped[int]


class DomainOutcome(Kept, db.Model):
    """One assessment domain of a closed family: whether its latest family assessment was
    better than its first (None: not compared), and of its children assessed on their own,
    how many were compared and how many were better."""

    __tablename__ = "family_outcome_domains"
    report_groups = {"report": ("framework", "domain", "closed_on", "team_id", "family_better", "children",
                                "children_compared", "children_better")}

    family_id: Mapped[int] = mapped_column(ForeignKey("family_outcomes.family_id", ondelete="CASCADE"),
                                           primary_key=True)
    framework: Mapped[str] = mapped_column(String(60), primary_key=True)
    domain: Mapped[str] = mapped_column(String(60), primary_key=True)
    family_better: Mapped[bool | None]
    children_compared: Mapped[int]
    children_better: Mapped[int]


class ChildScaleOutcome(Kept, db.Model):
    """The first and the latest scale of one child of a closed family (a child who gave it)."""

    __tablename__ = "family_outcome_scales"
    report_groups = {scale: (scale, "closed_on", "team_id") for scale in ("first_scale", "latest_scale")}

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family_outcomes.family_id", ondelete="CASCADE"), index=True)
    first_scale: Mapped[int]
    latest_scale: Mapped[int]
