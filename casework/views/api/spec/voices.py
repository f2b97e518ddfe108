"""The child's voice as the API answers with it (views/api/voices.py)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ....models import SCALE_MAX, SCALE_MIN, VOICE_HOWS
from .records import Correction, Person
from .types import Answer, Day, Id, Instant, Version

Scale = Annotated[int, Field(ge=SCALE_MIN, le=SCALE_MAX, description="How things are at home, as the child put it.")]


class Voice(Answer):
    """What a child said (in their own words), their scale and three houses; for a baby, what
    the worker observed."""

    id: Id
    child_id: Id
    family_id: Id
    date: Day
    how: Literal[tuple(VOICE_HOWS)]
    words: str | None = Field(description="The child's own words, not a summary.")
    scale: Scale | None
    worries: str | None
    good_things: str | None
    wishes: str | None
    shared_with_parents: bool = Field(description="The child agreed that their parents may read this.")
    visit_id: Id | None
    review_id: Id | None
    recorded_by: Person
    recorded_at: Instant
    corrections: list[Correction] = Field(description="Oldest first.")
    version: Version


class VoiceList(Answer):
    items: list[Voice] = Field(description="Newest first.")
