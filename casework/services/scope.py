"""Who may see which records. Every query for case records goes through ``family_scope`` so a
worker sees only their caseload and a manager only their team's families."""
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from ..models import Family, Goal, User, Visit
from .errors import Forbidden, NotFound


def require_case_role(user: User) -> None:
    """Admins manage users and teams, never case records."""
    if not user.works_cases:
        raise Forbidden("Administrators do not have access to case records.")


def family_scope(user: User):
    """A WHERE clause limiting families to those ``user`` may see."""
    if user.is_worker:
        return Family.worker_id == user.id
    if user.is_manager and user.team_id is not None:
        return Family.team_id == user.team_id
    return false()


def get_family(session: Session, user: User, family_id: int) -> Family:
    require_case_role(user)
    family = session.scalar(select(Family).where(Family.id == family_id, family_scope(user)))
    if family is None:
        raise NotFound("Family not found.")
    return family


def get_goal(session: Session, user: User, goal_id: int) -> Goal:
    require_case_role(user)
    goal = session.scalar(
        select(Goal).join(Family).where(Goal.id == goal_id, family_scope(user))
    )
    if goal is None:
        raise NotFound("Goal not found.")
    return goal


def get_visit(session: Session, user: User, visit_id: int) -> Visit:
    require_case_role(user)
    visit = session.scalar(
        select(Visit).join(Family).where(Visit.id == visit_id, family_scope(user))
    )
    if visit is None:
        raise NotFound("Visit not found.")
    return visit
