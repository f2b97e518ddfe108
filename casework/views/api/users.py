"""Account management for administrators, so that a service can provision accounts from its
HR system: the same rules as the admin pages, from the same service (services/provisioning.py).

A worker's or a manager's account added here is pending until a manager of its team confirms
it (``POST /users/{id}/confirm``; for a team without an active manager, an administrator other
than the one who added it); no password is ever set here: the answer carries a one-time
``setup_url`` with which the person chooses their own."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.accounts import TeamForm, UserForm
from ...forms.queries import UserListQuery
from ...models import Team, User
from ...services import accounts, provisioning
from ...services.errors import Forbidden, NotFound
from . import bp, schemas
from .core import api_now, api_user, check_form, created, read_body, read_query

ADMINS_ONLY = "Only an administrator can manage accounts."


def _admin():
    user = api_user()
    if not user.is_admin:
        raise Forbidden(ADMINS_ONLY)
    return user


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@bp.get("/users")
def list_users():
    _admin()
    query = read_query(UserListQuery)
    people = provisioning.find_accounts(db.session, team_id=query.team_id.data, role=query.role.data or None,
                                        status=query.status.data or None)
    return jsonify(schemas.account_list(people))


@bp.post("/users")
def create_user():
    admin = _admin()
    form = check_form(from_json(UserForm, read_body(UserForm)))
    begin_write()
    user, setup_url = provisioning.create_account(db.session, admin, form.email.data, form.name.data,
                                                  form.role.data, form.team_id.data, form.agency.data, api_now())
    db.session.commit()
    return created(schemas.account_created(user, setup_url))


@bp.post("/users/<int:user_id>/confirm")
def confirm_user(user_id: int):
    actor = api_user()
    if not (actor.is_manager or actor.is_admin):
        raise Forbidden(provisioning.NOT_YOURS_TO_CONFIRM)
    user = _user_or_404(user_id)
    begin_write()
    user = provisioning.confirm(db.session, actor, user, api_now())
    db.session.commit()
    return jsonify(schemas.account(user))


@bp.post("/users/<int:user_id>/password-reset")
def reset_password(user_id: int):
    admin = _admin()
    user = _user_or_404(user_id)
    begin_write()
    reset = provisioning.reset_password(db.session, admin, user, api_now())
    db.session.commit()
    response = jsonify(schemas.password_reset(reset))
    response.status_code = 202
    return response


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    admin = _admin()
    user = _user_or_404(user_id)
    begin_write()
    user = provisioning.deactivate(db.session, admin, user, api_now())
    db.session.commit()
    return jsonify(schemas.account(user))


@bp.get("/teams")
def list_teams():
    _admin()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return jsonify(schemas.team_list(teams))


@bp.post("/teams")
def create_team():
    _admin()
    form = check_form(from_json(TeamForm, read_body(TeamForm)))
    begin_write()
    team = accounts.create_team(db.session, form.name.data)
    db.session.commit()
    return created(schemas.team(team))
