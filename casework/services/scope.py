"""Who may see which records. Every query for case records goes through ``family_scope`` so a
worker sees only their caseload and a manager only their team's families."""
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from ..models import Carer, Child, Family, Goal, User, Visit
from .errors import Forbidden, NotFound


def require_case_role(user: User) -> None:
    """Admins manage users and teams, never case records."""
    if not user.works_cases:
        raise Forbidden("Administrators do not have access to case records.")


def family_scope(user: User, team=Family.team_id):
    """A WHERE clause limiting families to those ``user`` may see (``team``: the column naming
    a family's team, for a table kept beside ``Family``)."""
    if user.is_worker:
        return Family.worker_id == user.id
    if user.is_manager and user.team_id is not None:
        return team == user.team_id
    return false()


def may_see(actor: User, family: Family) -> bool:
    """Whether ``family`` is in ``actor``'s scope (the rule of ``family_scope``, for a
    family already loaded, such as an earlier case linked from another team)."""
    if actor.is_worker:
        return family.worker_id == actor.id
    if actor.is_manager:
        return actor.team_id is not None and family.team_id == actor.team_id
    return False


def get_family(session: Session, user: User, family_id: int) -> Family:
    require_case_role(user)
    family = session.scalar(select(Family).where(Family.id == family_id, family_scope(user)))
    if family is None:
        raise NotFound("Family not found.")
    return family


def record_in_scope(session: Session, user: User, model, record_id: int, name: str):
    """One record (a goal, visit, child, carer, flag...) of a family ``user`` may see: 404
    naming it ("Goal not found.") otherwise, 403 for an admin."""
    require_case_role(user)
    record = session.scalar(select(model).join(Family).where(model.id == record_id, family_scope(user)))
    if record is None:
        raise NotFound(f"{name} not found.")
    return record


def get_goal(session: Session, user: User, goal_id: int) -> Goal:
    return record_in_scope(session, user, Goal, goal_id, "Goal")


def get_visit(session: Session, user: User, visit_id: int) -> Visit:
    return record_in_scope(session, user, Visit, visit_id, "Visit")


def get_child(session: Session, user: User, child_id: int) -> Child:
    return record_in_scope(session, user, Child, child_id, "Child")


def get_carer(session: Session, user: User, carer_id: int) -> Carer:
    return record_in_scope(session, user, Carer, carer_id, "Carer")


def report_scope(actor: User, team_id: int | None = None, team=Family.team_id):
    """Managers report on their own team (``team_id`` is ignored: never another team's),
    admins on the whole service, or on one team when ``team_id`` is given; workers not at all.
    (``team``: as for ``family_scope``.)"""
    if actor.is_manager:
        return family_scope(actor, team)
    if actor.is_admin:
        return team.is_not(None) if team_id is None else team == team_id
    raise Forbidden("Reports are for managers and administrators.")
