"""Visits that could not be recorded when a device sent them (the "Could not be recorded" list)."""
from __future__ import annotations

from pydantic import Field

from .records import Person
from .types import Answer, Id, Instant


class UnrecordedVisit(Answer):
    id: Id
    family_id: Id | None = Field(description="The family the visit was for (null if its record has gone).")
    family_reference: str
    payload: str = Field(description="The visit as the device sent it (JSON text), kept until it is dealt with.")
    status: int | None = Field(description="What the server answered when the visit was sent: 404, 409 or 422.")
    reason: str
    what_to_do: str
    recorded_by: Person
    device_recorded_at: Instant | None
    received_at: Instant
    resolved_at: Instant | None = Field(description="When a manager marked it dealt with.")


class UnrecordedVisitList(Answer):
    items: list[UnrecordedVisit] = Field(description="The caller's own (a worker) or their team's (a manager); "
                                                     "those not dealt with, oldest first.")
