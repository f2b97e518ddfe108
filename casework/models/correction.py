"""Corrections to what was recorded: the old values are kept, with who and when."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User

CORRECTED_RECORDS = {"visit": "Visit", "rating": "Rating", "voice": "Child's voice"}
# What each field a correction may change (a visit's, a rating's) is called, wherever its old
# value is shown: the visit and goal pages, the subject access export.
CORRECTED_FIELDS = {
    "date": "Date",
    "kind": "Kind of visit",
    "outcome": "Outcome",
    "duration_minutes": "Duration (minutes)",
    "notes": "Notes",
    "children_seen": "Children seen",
    "seen_alone": "Seen on their own",
    "goals_discussed": "Goals discussed",
    "rating": "Rating",
    "note": "Note",
    # A child's voice
    "how": "How it was heard",
    "words": "In their words",
    "scale": "Scale (0 to 10)",
    "worries": "Worries",
    "good_things": "Good things",
    "wishes": "Wishes",
    "shared_with_parents": "Shared with parents",
    "visit_id": "Visit",
    "review_id": "Review",
}


class Correction(db.Model):
    __tablename__ = "corrections"
    __table_args__ = (
        Index("ix_corrections_record", "record_type", "record_id"),
        Index("ix_corrections_family_made_at", "family_id", "made_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    made_on: Mapped[dt.date]  # the local date it was made, for the chronology
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text)
    # The values before the correction, as JSON-ready strings: {"date": "2026-03-02", ...}
    old_values: Mapped[dict] = mapped_column(JSON)

    by: Mapped[User] = relationship()
