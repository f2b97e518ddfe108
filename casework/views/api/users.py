"""Account management for administrators, so that a service can provision accounts from its
HR system: the same rules as the admin pages, from the same service (services/provisioning.py).

A worker's or a manager's account added here is pending until a manager of its team confirms
it (``POST /users/{id}/confirm``; for a team without an active manager, an administrator other
than the one who added it); no password is ever set here: the answer carries a one-time
``setup_url`` with which the person chooses their own."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.accounts import TeamForm, UserForm
from ...forms.fields import MAX_ID
from ...models import USER_STATUSES, Role, Team, User
from ...services import accounts, provisioning
from ...services.errors import Forbidden, NotFound, ValidationFailed
from . import bp, schemas
from .core import VALUE, api_now, api_user, check_form, created, query_int, read_body

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


def _choice(name: str, allowed) -> str | None:
    value = (request.args.get(name) or "").strip()
    if value and value not in allowed:
        message = f"{name} must be one of: {', '.join(allowed)}."
        raise ValidationFailed(message, {name: [message]})
    return value or None


@bp.get("/users")
def list_users():
    _admin()
    team_id = query_int("team_id", None, minimum=1, maximum=MAX_ID, message="team_id must be a team's id.")
    role = _choice("role", [r.value for r in Role])
    status = _choice("status", USER_STATUSES)
    people = provisioning.find_accounts(db.session, team_id=team_id, role=role, status=status)
    return jsonify(items=[schemas.account(person) for person in people])


@bp.post("/users")
def create_user():
    admin = _admin()
    body = read_body({"email": VALUE, "name": VALUE, "role": VALUE, "team_id": VALUE, "agency": VALUE})
    form = check_form(from_json(UserForm, body))
    begin_write()
    user, setup_url = provisioning.create_account(db.session, admin, form.email.data, form.name.data,
                                                  form.role.data, form.team_id.data, form.agency.data, api_now())
    db.session.commit()
    return created({**schemas.account(user), "setup_url": setup_url})


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
    response = jsonify(setup_url=reset.setup_url, emailed=reset.emailed)
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
    return jsonify(items=[schemas.team(team) for team in teams])


@bp.post("/teams")
def create_team():
    _admin()
    form = check_form(from_json(TeamForm, read_body({"name": VALUE})))
    begin_write()
    team = accounts.create_team(db.session, form.name.data)
    db.session.commit()
    return created(schemas.team(team))


def openapi_schemas(obj, ref, nullable, id_schema) -> dict:
    """This module's schemas for the OpenAPI document (views/api/openapi.py passes its helpers)."""
    text = {"type": "string"}
    account = obj({
        "id": id_schema, "email": text, "name": text,
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "team": nullable(ref("Team")), "agency": nullable(text),
        "status": {"type": "string", "enum": list(USER_STATUSES)},
        "totp_enabled": {"type": "boolean"},
    }, ["id", "email", "name", "role", "team", "agency", "status", "totp_enabled"])
    setup_url = {"type": "string", "format": "uri", "description": "A one-time link (24 hours) where the person "
                 "chooses their password: GET and POST /setup/{token}."}
    return {
        "Account": account,
        "AccountList": obj({"items": {"type": "array", "items": ref("Account")}}, ["items"]),
        "AccountCreated": {"allOf": [ref("Account"), obj({"setup_url": setup_url}, ["setup_url"])]},
        "AccountInput": obj({
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "name": {"type": "string", "maxLength": 120},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "team_id": nullable({**id_schema, "description": "Required for a worker or a manager."}),
            "agency": nullable({"type": "string", "maxLength": 120}),
        }, ["email", "name", "role"]),
        "PasswordReset": obj({
            "setup_url": nullable({**setup_url, "description": "The link, for the administrator to give to the "
                                   "person; null when it was e-mailed to them."}),
            "emailed": {"type": "boolean"},
        }, ["setup_url", "emailed"]),
        "TeamList": obj({"items": {"type": "array", "items": ref("Team")}}, ["items"]),
        "TeamInput": obj({"name": {"type": "string", "maxLength": 120}}, ["name"]),
    }


def openapi_paths(operation, answer, path_id, query, error, json_body) -> dict:
    """This module's paths for the OpenAPI document."""
    refused = {"401": error("Unauthorised"), "403": answer("Not an administrator.", "Error")}
    user_id = path_id("user_id", "user")
    one_user = {**refused, "404": error("NotFound")}
    return {
        "/api/v1/users": {
            "get": operation("listUsers", "Every account, by name", {
                "200": answer("The accounts.", "AccountList"), **refused, "422": error("Unprocessable"),
            }, tag="accounts", parameters=[
                query("team_id", "Only this team's.", {"type": "integer", "minimum": 1}),
                query("role", "Only this role.", {"type": "string", "enum": [r.value for r in Role]}),
                query("status", "Only accounts in this state.", {"type": "string", "enum": list(USER_STATUSES)}),
            ]),
            "post": operation("createUser", "Add an account (no password: a setup link)", {
                "201": answer("The account, with its setup_url. A worker or a manager is pending until confirmed; "
                              "an admin is active.", "AccountCreated"),
                **refused, "400": error("BadRequest"), "422": error("Unprocessable"),
            }, tag="accounts", body=json_body("AccountInput")),
        },
        "/api/v1/users/{user_id}/confirm": {
            "parameters": [user_id],
            "post": operation("confirmUser", "Confirm a pending account", {
                "200": answer("The account, now active.", "Account"),
                "401": error("Unauthorised"),
                "403": answer("Neither a manager of the account's team nor (for a team without an active "
                              "manager) an administrator other than the one who added it.", "Error"),
                "404": error("NotFound"),
                "409": answer("The account is not pending.", "Error"),
            }, tag="accounts"),
        },
        "/api/v1/users/{user_id}/password-reset": {
            "parameters": [user_id],
            "post": operation("resetPassword", "Reset a password: never to one the administrator knows", {
                "202": answer("Every session and token of the person has ended and their old password no longer "
                              "works; they and their team's managers are told.", "PasswordReset"),
                **one_user, "409": answer("The account is deactivated.", "Error"),
                "422": answer("Your own account: change your password instead.", "Error"),
            }, tag="accounts"),
        },
        "/api/v1/users/{user_id}/deactivate": {
            "parameters": [user_id],
            "post": operation("deactivateUser", "Deactivate an account", {
                "200": answer("The account, deactivated: every session, token and setup link has ended.", "Account"),
                **one_user, "422": answer("Your own account.", "Error"),
            }, tag="accounts"),
        },
        "/api/v1/teams": {
            "get": operation("listTeams", "Every team, by name", {
                "200": answer("The teams.", "TeamList"), **refused,
            }, tag="accounts"),
            "post": operation("createTeam", "Add a team", {
                "201": answer("The team.", "Team"), **refused, "400": error("BadRequest"),
                "422": answer("No name, or a name like an existing team's (in any case, with or without "
                              "accents).", "Error"),
            }, tag="accounts", body=json_body("TeamInput")),
        },
    }
