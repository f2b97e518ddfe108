"""An administrator's account management, kept apart from case work (separation of duties):
an administrator manages accounts and can never get into case records through one.

- An account an administrator adds for a worker or a manager is *pending*: it cannot sign in
  or get a token until a manager of its team confirms it, or, for a team without an active
  manager, an administrator other than the one who added it. Reactivating such an account
  makes it pending again. An administrator's account is active at once.
- Nobody chooses a password for someone else: a new account, and a reset, come with a
  one-time setup link (services/setup_links.py) with which the person chooses their own.
- A reset ends every session and token of the person and makes their old password stop
  working; the link is e-mailed to them where e-mail is set up (otherwise shown once to the
  administrator); they and their team's managers are told; the audit names the administrator.

The admin pages (views/admin.py), the manager's page (views/accounts.py) and the API
(views/api/users.py) call these same functions. The server operator's ``create-user``
command (services/accounts.py) still creates active accounts with a password."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import CASE_ROLES, USER_STATUSES, Role, Team, User, UserStatus
from . import accounts, audit, mail, setup_links
from .clock import day_text
from .errors import Conflict, Forbidden, ValidationFailed
from .notifications import managers_of, notify

NOT_YOURS_TO_CONFIRM = ("Only a manager of the account's team can confirm it (for a team without an active "
                        "manager, an administrator other than the one who added it).")


@dataclass
class Reset:
    """What the administrator is told after a reset: the link, unless it was e-mailed."""

    setup_url: str | None
    emailed: bool


def create_account(session: Session, admin: User, email: str, name: str, role: str, team_id: int | None,
                   agency: str | None, now: dt.datetime) -> tuple[User, str]:
    """A new account and its setup link. A worker or a manager waits to be confirmed (their
    team's managers, or the other administrators, are told); an administrator is active."""
    team = session.get(Team, team_id) if team_id else None
    problems = accounts.person_problems(session, email, name, role, has_team=team is not None, team_field="team_id")
    if team_id and team is None:
        problems["team_id"] = ["Choose one of the teams."]
    agency = " ".join((agency or "").split()) or None
    if agency and len(agency) > 120:
        problems["agency"] = ["An agency's name is at most 120 characters."]
    if problems:
        raise ValidationFailed("Check the user's details.", problems)
    pending = role in CASE_ROLES
    user = User(email=email.strip().lower(), name=name.strip(), role=role, team=team, agency=agency,
                password_hash=accounts.unusable_password(), active=not pending, pending=pending,
                requested_by_id=admin.id if pending else None)
    session.add(user)
    session.flush()
    secret = setup_links.issue(session, user, now)
    audit.record(session, "account_added", user_id=admin.id, record_type="users", record_id=user.id,
                 detail={"role": role, "team_id": team.id if team else None, "status": user.status})
    if pending:
        _ask_for_confirmation(session, admin, user, now)
    return user, setup_links.url(secret)


def _confirmers(session: Session, user: User) -> list[int]:
    """Who may confirm ``user``: the team's active managers, or, without one, every active
    administrator but the one who asked for the account."""
    managers = managers_of(session, user.team_id) if user.team_id else []
    if managers:
        return managers
    return list(session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True),
                                                      User.id != (user.requested_by_id or 0))))


def _ask_for_confirmation(session: Session, admin: User, user: User, now: dt.datetime) -> None:
    team = user.team.name if user.team else "no team"
    for confirmer in _confirmers(session, user):
        notify(session, confirmer, "account_pending", None,
               f"{admin.name} (an administrator) added a {user.role} account for {user.name} ({user.email}) in "
               f"{team}. It cannot be used until it is confirmed: confirm it only if you expect this person.",
               f"account_pending:{user.id}:{confirmer}:{now.isoformat()}", now)


def may_confirm(session: Session, actor: User, user: User) -> bool:
    if user.team_id is None or not actor.active:
        return False
    if actor.is_manager:
        return actor.team_id == user.team_id
    if actor.is_admin:
        return actor.id != user.requested_by_id and not managers_of(session, user.team_id)
    return False


def confirm(session: Session, actor: User, user: User, now: dt.datetime) -> User:
    """A pending account becomes active. Forbidden (403) to anyone but those ``may_confirm``
    names; Conflict (409) for an account that is not pending."""
    if not may_confirm(session, actor, user):
        raise Forbidden(NOT_YOURS_TO_CONFIRM)
    if not user.pending:
        raise Conflict(f"{user.name}'s account is {user.status}: there is nothing to confirm.")
    requested_by = user.requested_by_id
    user.pending, user.active, user.requested_by_id = False, True, None
    session.flush()
    audit.record(session, "account_confirmed", user_id=actor.id, record_type="users", record_id=user.id,
                 detail={"requested_by": requested_by})
    if requested_by:
        notify(session, requested_by, "account_confirmed", None,
               f"{actor.name} confirmed {user.name}'s {user.role} account.",
               f"account_confirmed:{user.id}:{now.isoformat()}", now)
    return user


def reset_password(session: Session, admin: User, user: User, now: dt.datetime) -> Reset:
    """Never a password the administrator knows: the old one stops working, every session and
    token ends, and the person chooses a new one with a setup link."""
    if user.id == admin.id:
        message = "Change your own password under Change your password."
        raise ValidationFailed(message)
    if user.status == UserStatus.DEACTIVATED:
        raise Conflict(f"{user.name}'s account is deactivated: reactivate it first.")
    user.password_hash = accounts.unusable_password()
    accounts.end_sessions(session, user)
    link = setup_links.url(setup_links.issue(session, user, now))
    emailed = mail.mail_configured() and mail.send_one(
        user.email, "casework: choose a new password",
        f"Hello {user.name.split()[0]},\n\nAn administrator of casework, {admin.name}, has reset your password. "
        f"Choose a new one within {setup_links.LINK_HOURS} hours with this link (it works once):\n\n{link}\n\n"
        "If you did not expect this, tell your manager.\n")
    day = day_text(now)
    notify(session, user.id, "password_reset", None,
           f"{admin.name} (an administrator) reset your password on {day}, and you were signed out everywhere. "
           "If you did not expect this, tell your manager.", f"password_reset:{user.id}:{now.isoformat()}", now)
    for manager in managers_of(session, user.team_id) if user.team_id else []:
        if manager != user.id:
            notify(session, manager, "password_reset", None,
                   f"{admin.name} (an administrator) reset the password of {user.name} ({user.email}) on {day}. "
                   "They choose a new one with a one-time link. If this was not expected, ask them.",
                   f"password_reset:{user.id}:{manager}:{now.isoformat()}", now)
    audit.record(session, "password_reset", user_id=admin.id, record_type="users", record_id=user.id,
                 detail={"emailed": emailed})
    return Reset(None if emailed else link, emailed)


def deactivate(session: Session, admin: User, user: User, now: dt.datetime) -> User:
    """The account stops working at once: sessions, tokens and setup links."""
    if user.id == admin.id:
        raise ValidationFailed("You cannot deactivate your own account.")
    user.active, user.pending, user.requested_by_id = False, False, None
    accounts.end_sessions(session, user)
    setup_links.retire(session, user, now)
    session.flush()
    audit.record(session, "account_deactivated", user_id=admin.id, record_type="users", record_id=user.id)
    return user


def reactivate(session: Session, admin: User, user: User, now: dt.datetime) -> User:
    """A deactivated administrator's account is active again; a worker's or a manager's waits
    to be confirmed, like a new one (an administrator alone never opens a way into case records)."""
    if user.status != UserStatus.DEACTIVATED:
        raise Conflict(f"{user.name}'s account is {user.status}, not deactivated.")
    if user.role in CASE_ROLES:
        user.pending, user.requested_by_id = True, admin.id
        _ask_for_confirmation(session, admin, user, now)
    else:
        user.active = True
    session.flush()
    audit.record(session, "account_reactivated", user_id=admin.id, record_type="users", record_id=user.id,
                 detail={"status": user.status})
    return user


def find_accounts(session: Session, *, team_id: int | None = None, role: str | None = None,
                  status: str | None = None) -> list[User]:
    """Accounts by name, with their teams; ``status`` one of USER_STATUSES."""
    query = select(User).options(selectinload(User.team)).order_by(User.name, User.id)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if role is not None:
        query = query.where(User.role == role)
    if status is not None:
        if status not in USER_STATUSES:
            raise ValueError(status)
        query = query.where(User.active.is_(status == UserStatus.ACTIVE))
        if status != UserStatus.ACTIVE:
            query = query.where(User.pending.is_(status == UserStatus.PENDING))
    return list(session.scalars(query))


def waiting_for(session: Session, manager: User) -> list[User]:
    """The pending accounts a manager may confirm: their own team's."""
    if not manager.is_manager or manager.team_id is None:
        return []
    return find_accounts(session, team_id=manager.team_id, status=UserStatus.PENDING)
