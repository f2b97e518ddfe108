"""Reviews of the family plan, held every six weeks or so."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .allocation import ProposalStatus
from .base import Timestamped, Versioned

if TYPE_CHECKING:
    from .allocation import ClosureProposal
    from .family import Child, Family
    from .user import User

REVIEW_DECISIONS = {
    "continue": "Continue",
    "step_up": "Step up to children's social care",
    "step_down": "Step down to universal services",
    "close": "Close",
}


class Review(Versioned, Timestamped, db.Model):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_family_held_on", "family_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(20))
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    recorded_by: Mapped[User] = relationship()
    closure_proposal: Mapped[ClosureProposal | None] = relationship(viewonly=True)
    views_not_gathered: Mapped[list[ReviewViewNotGathered]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewViewNotGathered.id")

    @property
    def pending_approval(self) -> bool:
        """A closing decision still waiting for the manager's approval."""
        return self.closure_proposal is not None and self.closure_proposal.status == ProposalStatus.PENDING


class ReviewViewNotGathered(db.Model):
    """Why a child's view was not gathered at a review (a baby, a child away that day): one per
    child at most, said for that child alone."""

    __tablename__ = "review_views_not_gathered"
    __table_args__ = (UniqueConstraint("review_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    # A child's own record (the subject access export of one child) reads by child.
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="views_not_gathered")
    child: Mapped[Child] = relationship()
