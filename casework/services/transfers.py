"""Moving a family to another team: the sending manager offers it, the receiving team's
manager accepts (allocating it) or declines with a comment. Until then it stays where it is."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Family, Team, Transfer, TransferStatus, User
from .allocation import allocatable_worker, record_allocation
from .editing import check_version, ensure_open
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .notifications import managers_of, notify


def request_transfer(session: Session, actor: User, family: Family, to_team_id: int, reason: str,
                     now: dt.datetime, version: int | None = None) -> Transfer:
    """Offer a family to another team. Until that team's manager accepts, it stays here."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can transfer a family.")
    check_version(family, version)
    ensure_open(family)
    problems = {}
    if to_team_id == family.team_id or session.get(Team, to_team_id) is None:
        problems["to_team_id"] = ["Choose another team."]
    if not (reason or "").strip():
        problems["reason"] = ["Say why the family is moving to another team."]
    if problems:
        raise ValidationFailed("Check the transfer.", problems)
    if pending_transfer(session, family) is not None:
        raise Conflict("A transfer of this family is already waiting.")
    transfer = Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=to_team_id,
                        requested_by_id=actor.id, requested_at=now, reason=reason.strip(),
                        status=TransferStatus.PENDING)
    session.add(transfer)
    session.flush()
    for manager_id in managers_of(session, to_team_id):
        notify(session, manager_id, "transfer_offered", family.id,
               f"{family.reference} is offered to your team: accept or decline it.",
               f"transfer_offered:{transfer.id}:{manager_id}", now)
    return transfer


def offered_to(team_id: int | None) -> tuple:
    """The conditions on ``Transfer`` of the transfers waiting for the team to accept or
    decline them."""
    return Transfer.to_team_id == team_id, Transfer.status == TransferStatus.PENDING


def incoming_transfer(session: Session, actor: User, transfer_id: int) -> Transfer:
    """A pending transfer to the actor's team (404 for anyone else)."""
    transfer = session.scalar(select(Transfer).where(
        Transfer.id == transfer_id, *offered_to(actor.team_id)))
    if transfer is None or not actor.is_manager:
        raise NotFound("Transfer not found.")
    return transfer


def incoming_transfers(session: Session, actor: User) -> list[Transfer]:
    """Transfers waiting for ``actor``'s team to accept or decline them, oldest first (with the
    family and the teams loaded). Only a manager has any."""

    if not actor.is_manager or actor.team_id is None:
        return []
    return list(session.scalars(
        select(Transfer)
        .where(*offered_to(actor.team_id))
        .options(joinedload(Transfer.family), joinedload(Transfer.from_team), joinedload(Transfer.to_team),
                 joinedload(Transfer.requested_by))
        .order_by(Transfer.requested_at, Transfer.id)
    ))


def accept_transfer(session: Session, actor: User, transfer: Transfer, worker_id: int | None,
                    now: dt.datetime) -> Family:
    family = transfer.family
    ensure_open(family)
    worker = allocatable_worker(session, actor, worker_id)
    previous = family.worker
    family.team_id = transfer.to_team_id
    family.worker = worker
    transfer.decide(TransferStatus.ACCEPTED, actor, now)
    record_allocation(session, actor, family, previous, worker, f"Transferred from {transfer.from_team.name}.", now)
    notify(session, transfer.requested_by_id, "transfer_accepted", family.id,
           f"{family.reference} was accepted by {transfer.to_team.name}.", f"transfer_accepted:{transfer.id}", now)
    return family


def decline_transfer(session: Session, actor: User, transfer: Transfer, comment: str, now: dt.datetime) -> Transfer:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("Say why the transfer is declined.", {"comment": ["Say why the transfer is declined."]})
    transfer.decide(TransferStatus.DECLINED, actor, now, comment)
    notify(session, transfer.requested_by_id, "transfer_declined", transfer.family_id,
           f"{transfer.family.reference} was declined by {transfer.to_team.name}.", f"transfer_declined:{transfer.id}",
           now)
    session.flush()
    return transfer


def pending_transfer(session: Session, family: Family) -> Transfer | None:
    """The transfer of ``family`` to another team still waiting for an answer, if any."""
    return session.scalar(
        select(Transfer)
        .where(Transfer.family_id == family.id, Transfer.status == TransferStatus.PENDING)
        .options(joinedload(Transfer.to_team))
    )


def transfer_teams(session: Session, manager: User) -> list[Team]:
    """The teams a family may be offered to: every team but the manager's own, by name."""
    return list(session.scalars(select(Team).where(Team.id != manager.team_id).order_by(Team.name)))
