"""The audit trail, sign-in attempts and server-side sessions."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User


class AuditEvent(db.Model):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migration).

    Personal fields (names, notes, dates of birth, addresses) are never copied here, only the
    names of those that changed, so anonymising a family never needs to touch the audit."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_family_at", "family_id", "at"),
        Index("ix_audit_events_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))  # view, create, update, delete, sign_in, ...
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None]
    family_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept in the database so throttling holds across workers and hosts."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)


class UserSession(db.Model):
    """A signed-in browser session, kept on the server so that it can be ended from anywhere."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_ended", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class PendingSignIn(db.Model):
    """The password step of a two-step sign-in, passed in one browser. The browser holds only a
    random token; this row, found by the token's hash, is used up by the code step (or by a
    lock) and lasts a few minutes, so a copied cookie cannot start a second session."""

    __tablename__ = "pending_sign_ins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    next_path: Mapped[str] = mapped_column(String(2000), default="")  # where to go once signed in

    user: Mapped[User] = relationship()


class Draft(db.Model):
    """Unsaved form text kept on the server (never in a shared device's browser storage), so a
    long visit write-up survives the idle time-out. One draft per user and form."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(200))  # e.g. "visit:new:family:12"
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
