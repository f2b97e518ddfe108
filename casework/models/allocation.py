"""Who holds a family: allocations within a team and transfers between teams."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Family
    from .user import Team, User


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ProposalStatus(enum.StrEnum):
    """Where a closure proposal stands."""

    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"  # moot: the family was closed another way meanwhile


class Decided:
    """A request a manager decides on (a transfer, a closure proposal): what they decided, who
    and when, and their comment when they give one."""

    def decide(self, status: str, by: User, at: dt.datetime, comment: str | None = None) -> None:
        self.status, self.decided_by_id, self.decided_at = status, by.id, at
        if comment is not None:
            self.comment = comment


class Allocation(db.Model):
    """Every (re)allocation of a family to a worker, with who decided and why."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_family_made_on", "family_id", "made_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    from_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    made_on: Mapped[dt.date] = mapped_column(Date)

    from_worker: Mapped[User | None] = relationship(foreign_keys=[from_worker_id])
    to_worker: Mapped[User | None] = relationship(foreign_keys=[to_worker_id])
    by: Mapped[User] = relationship(foreign_keys=[by_id])


class Transfer(Decided, Versioned, db.Model):
    """A family offered to another team. Until the receiving manager accepts, the sending team
    keeps it."""

    __tablename__ = "transfers"
    __table_args__ = (
        Index("ix_transfers_to_team_status", "to_team_id", "status"),
        Index("ix_transfers_family_status", "family_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    from_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    to_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    family: Mapped[Family] = relationship()
    from_team: Mapped[Team] = relationship(foreign_keys=[from_team_id])
    to_team: Mapped[Team] = relationship(foreign_keys=[to_team_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ClosureProposal(Decided, Versioned, db.Model):
    """A worker's proposal to close a family (by a phase move or a review), waiting for their
    manager's approval."""

    __tablename__ = "closure_proposals"
    __table_args__ = (Index("ix_closure_proposals_family_status", "family_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    family: Mapped[Family] = relationship()
    by: Mapped[User] = relationship(foreign_keys=[by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
