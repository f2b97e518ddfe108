"""What the answer models share: the base model, and the JSON forms of ids, counts, dates,
instants, versions and ratings."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ....models.goal import RATING_MAX, RATING_MIN
from ....services.clock import service_zone


class Answer(BaseModel):
    """A JSON answer of the API (or a part of one). Every answer is built through its model,
    so it cannot drift from what the OpenAPI document says of it."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    def dump(self) -> dict:
        return self.model_dump(mode="json")


def instant_text(value: dt.datetime) -> str:
    """An instant in the service's local time, with its offset, to the second."""
    return value.astimezone(service_zone()).isoformat(timespec="seconds")


Id = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
Version = Annotated[int, Field(ge=0, description="The version read. Optional on writes; a stale one answers 409.")]
Rating = Annotated[int, Field(ge=RATING_MIN, le=RATING_MAX)]
Day = Annotated[dt.date, Field(examples=["2026-03-02"])]
Instant = Annotated[
    dt.datetime,
    PlainSerializer(instant_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-03-02T18:30:00+00:00"}),
]
Percent = Annotated[float | None, Field(description="Rounded to one decimal; null without anything to count.")]
