"""Who holds a family within its team: allocating it to a worker (or leaving it unallocated),
with who, when and why kept, and the workers told."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..models import Allocation, Family, Role, User
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .notifications import notify


def allocatable_worker(session: Session, actor: User, worker_id: int | None) -> User | None:
    """The worker a family may be allocated to by ``actor``, or a 422 naming ``worker_id``."""
    if worker_id is None:
        if actor.is_worker:
            return actor
        return None
    if actor.is_worker and worker_id != actor.id:
        raise ValidationFailed(
            "A family worker can only hold families themselves; ask your manager to allocate.",
            {"worker_id": ["You can only allocate a family to yourself."]},
        )
    worker = session.get(User, worker_id)
    if (
        worker is None
        or worker.team_id != actor.team_id
        or worker.role != Role.WORKER
        or not worker.active
    ):
        raise ValidationFailed(
            "Choose an active family worker in your team.",
            {"worker_id": ["Choose an active family worker in your team."]},
        )
    return worker


def team_workers(session: Session, actor: User) -> list[User]:
    """Every family worker of ``actor``'s team (active or not), by name."""
    if actor.team_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.team_id == actor.team_id, User.role == Role.WORKER)
            .order_by(User.name, User.id)
        )
    )


def allocatable_workers(session: Session, actor: User) -> list[User]:
    """The workers ``actor`` may allocate a family to: active workers of their team (a
    manager), or only themselves (a worker)."""
    if actor.is_worker:
        return [actor]
    return [user for user in team_workers(session, actor) if user.active]


def record_allocation(session, actor, family, from_worker, to_worker, reason, now) -> Allocation:
    """Keep who moved the family from whom to whom, when and why, and tell each worker it
    reaches or leaves (unless they did it themselves)."""
    allocation = Allocation(
        family_id=family.id, from_worker_id=from_worker.id if from_worker else None,
        to_worker_id=to_worker.id if to_worker else None, by_id=actor.id, reason=reason.strip(),
        made_at=now, made_on=local_date(now),
    )
    session.add(allocation)
    session.flush()
    if to_worker is not None and to_worker.id != actor.id:
        notify(session, to_worker.id, "allocated", family.id, f"{family.reference} has been allocated to you.",
               f"allocated:{allocation.id}", now)
    if from_worker is not None and from_worker != to_worker and from_worker.id != actor.id:
        notify(session, from_worker.id, "family_reallocated", family.id,
               f"{family.reference} is no longer allocated to you: it is now with another worker or team.",
               f"family_reallocated:{allocation.id}", now)
    return allocation


def allocate(session: Session, actor: User, family: Family, worker_id: int | None, reason: str,
             now: dt.datetime) -> Allocation:
    """(Re)allocate a family to a worker of its team, keeping who, when and why."""
    ensure_open(family)
    previous = family.worker
    family.worker = allocatable_worker(session, actor, worker_id)
    flag_modified(family, "worker_id")
    return record_allocation(session, actor, family, previous, family.worker, reason, now)


def reallocate(session: Session, actor: User, family: Family, worker_id: int | None, reason: str | None,
               now: dt.datetime, version: int | None = None) -> Allocation:
    """A manager's decision on who holds a family (the allocate page, and ``POST
    /api/v1/families/{id}/allocation``): another worker of the team, or none, and why."""
    check_version(family, version)
    ensure_open(family)
    problems: dict[str, list[str]] = {}
    if worker_id == family.worker_id:
        problems["worker_id"] = ["The family is already unallocated." if family.worker is None
                                 else f"The family is already allocated to {family.worker.name}."]
    else:
        try:
            allocatable_worker(session, actor, worker_id)
        except ValidationFailed as error:
            problems.update(error.fields)
    if not (reason or "").strip():
        problems["reason"] = ["Give the reason for the allocation."]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0] if len(problems) == 1
                               else "Check the allocation.", problems)
    return allocate(session, actor, family, worker_id, reason.strip(), now)
