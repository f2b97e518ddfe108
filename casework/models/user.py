"""Teams, the people who sign in, and their API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned


class Role(enum.StrEnum):
    WORKER = "worker"
    MANAGER = "manager"
    ADMIN = "admin"


# The roles that work cases: they belong to a team, and an account an administrator adds for
# one of them waits for confirmation (services/provisioning.py).
CASE_ROLES = frozenset({Role.WORKER, Role.MANAGER})


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # waiting to be confirmed
    DEACTIVATED = "deactivated"


USER_STATUSES = tuple(UserStatus)


class Team(Versioned, Timestamped, db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.name")


class User(UserMixin, Versioned, Timestamped, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    # May sign in. False while pending (below) and once deactivated.
    active: Mapped[bool] = mapped_column(default=True)
    # An account an administrator added (or reactivated) for a worker or a manager waits here
    # until a manager of its team, or another administrator, confirms it (separation of duties).
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The administrator who added or reactivated it: never the one to confirm it. A plain id
    # (users are deactivated, never deleted).
    requested_by_id: Mapped[int | None]
    agency: Mapped[str | None] = mapped_column(String(120))
    # TOTP second factor: the shared secret (base32) once enrolled, and the last 30-second step
    # accepted, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    team: Mapped[Team | None] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def status(self) -> UserStatus:
        if self.active:
            return UserStatus.ACTIVE
        return UserStatus.PENDING if self.pending else UserStatus.DEACTIVATED

    @property
    def is_worker(self) -> bool:
        return self.role == Role.WORKER

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def works_cases(self) -> bool:
        return self.role in CASE_ROLES


class ApiToken(Timestamped, db.Model):
    """A bearer token for the JSON API, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SetupLink(Timestamped, db.Model):
    """A one-time link with which a person chooses their own password: for a new account, or
    after an administrator's reset. Stored only as the SHA-256 hash of its secret; it works
    once, within 24 hours (services/setup_links.py)."""

    __tablename__ = "setup_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
