"""The child's voice: what a child said (in their own words), how they scored things at home
on a 0-10 scale, their three houses (worries, good things, wishes), or, for a baby, what the
worker observed; and whether the child agreed to share it with their parents."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Child, Family
    from .review import Review
    from .user import User
    from .visit import Visit


class VoiceHow(enum.StrEnum):
    VISIT = "visit"
    REVIEW = "review"
    DIRECT_WORK = "direct_work"
    OBSERVATION = "observation"
    OTHER = "other"


VOICE_HOWS = {
    "visit": "At a visit",
    "review": "At a review",
    "direct_work": "Direct work",
    "observation": "Observed (a baby or a child not yet talking)",
    "other": "Other",
}
# The lowest and highest point of the scale ("how are things at home?").
SCALE_MIN, SCALE_MAX = 0, 10
# The three houses of Signs of Safety practice.
HOUSES = ("worries", "good_things", "wishes")


class Voice(Versioned, db.Model):
    __tablename__ = "voices"
    __table_args__ = (
        # A child's voices newest first, and each child's latest voice (family page, family JSON,
        # the flag rule's "last heard").
        Index("ix_voices_child_date", "child_id", "date"),
        # The voices of a family (chronology, subject access, handoff, reports).
        Index("ix_voices_family_date", "family_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    # Denormalised from the child, so a family's voices are read without joining its children.
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    how: Mapped[str] = mapped_column(String(20))
    words: Mapped[str | None] = mapped_column(Text)
    scale: Mapped[int | None]
    worries: Mapped[str | None] = mapped_column(Text)
    good_things: Mapped[str | None] = mapped_column(Text)
    wishes: Mapped[str | None] = mapped_column(Text)
    # The child agreed that their parents may read this: only then does the parents' plan, or the
    # copy of the record released to the family, show it.
    shared_with_parents: Mapped[bool] = mapped_column(default=False, server_default=false())
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    child: Mapped[Child] = relationship()
    family: Mapped[Family] = relationship()
    visit: Mapped[Visit | None] = relationship()
    review: Mapped[Review | None] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def houses(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in HOUSES}
