"""One-time submission keys: a form (or an API call with ``Idempotency-Key``) sent twice with
the same key creates its record once; the second time answers what the first created."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Submission(db.Model):
    """What one user's submission with one key created (kept 24 hours): the record and where
    it is shown (forms), or the answer given (the API)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_submissions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The API: a digest of the method, path and body, so a key reused for another request is
    # refused; and the answer given, replayed for a repeat.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    # Forms: what was created ("visit") and the page that shows it.
    record_type: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(500))
