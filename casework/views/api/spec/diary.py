"""The visit diary as the API answers with it: planned visits, and a calendar feed's address.
``views/api/diary.py`` builds these answers through these models."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ....forms.diary import TIME_PATTERN
from ....models import PLANNED_STATUSES, VISIT_KINDS
from .types import Answer, Day, Id

Time = Annotated[str, Field(pattern=TIME_PATTERN, examples=["14:30"], description="HH:MM, local time.")]


class PlannedVisit(Answer):
    """A visit planned in the diary: done once a visit is recorded for the family on its day."""

    id: Id
    family_id: Id
    date: Day
    time: Time | None = Field(description="HH:MM, local time; null for a visit on the day at any time.")
    kind: Literal[tuple(VISIT_KINDS)]
    note: str | None
    status: Literal[tuple(s.value for s in PLANNED_STATUSES)]
    visit_id: Id | None = Field(description="The visit recorded, once done.")


class PlannedVisitList(Answer):
    items: list[PlannedVisit] = Field(description="By day, those without a time first, then by time.")


class CalendarFeed(Answer):
    url: str = Field(description="The feed's secret address, shown once: use it exactly as it is (query string "
                                 "included). It answers text/calendar (RFC 5545) without any other authentication.")
