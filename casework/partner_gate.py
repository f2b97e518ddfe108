"""What a partner (someone of another agency) may ask for, for every route of the pages and the
API at once: a short list of endpoints; anything else answers 404 when it is about a family not
shared with them and 403 otherwise (services/partners.py ``refuse_partner``). Deny by default,
so a route added later is closed to partners until it is listed here."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from .extensions import db
from .models import Carer, Child, Consent, Flag, Goal, GoalRating, MeetingAction, PlannedVisit, Transfer, Visit, Voice
from .services import clock
from .services.errors import Forbidden, ServiceError
from .services.partners import refuse_partner

PARTNER_ENDPOINTS = frozenset({
    # open to anyone, and their own account
    "main.healthz", "auth.login", "auth.login_code", "auth.setup", "api.create_token", "api.openapi",
    "main.home", "auth.logout", "auth.change_password", "auth.two_factor", "auth.disable_two_factor",
    "auth.keep_alive", "notifications.index", "notifications.read_all", "notifications.read",
    "api.me", "api.revoke_current_token", "api.change_password", "api.list_notifications",
    "api.read_notification", "offline.service_worker",
    # a calendar feed's secret address: whoever holds it (no one's session counts there)
    "diary.calendar_feed",
    # the families shared with them and the actions they own
    "api.list_families", "api.get_family", "api.update_action",
    "partners.shared", "partners.shared_family", "partners.action_done",
})

# The id in a URL that names a record of a family, and that record's model.
RECORDS = {"carer_id": Carer, "visit_id": Visit, "goal_id": Goal, "child_id": Child, "flag_id": Flag,
           "consent_id": Consent, "action_id": MeetingAction, "transfer_id": Transfer,
           "planned_visit_id": PlannedVisit, "voice_id": Voice}


def _family_named(view_args: dict) -> int | None:
    if "family_id" in view_args:
        return view_args["family_id"]
    if "rating_id" in view_args:
        rating = db.session.get(GoalRating, view_args["rating_id"])
        return rating.goal.family_id if rating else None
    for name, model in RECORDS.items():
        if name in view_args:
            record = db.session.get(model, view_args[name])
            return record.family_id if record else None
    return None


def check(user, endpoint: str | None, view_args: dict | None, now) -> None:
    """Raise the refusal (a ServiceError) for a partner asking for what they may not see."""
    if not getattr(user, "is_partner", False) or endpoint in PARTNER_ENDPOINTS or endpoint == "static":
        return
    if not view_args or not (set(view_args) & (set(RECORDS) | {"family_id", "rating_id"})):
        raise Forbidden("A partner may not use this.")
    refuse_partner(db.session, user, _family_named(view_args), now)


def _pages_gate():
    if request.blueprint == "api" or not current_user.is_authenticated:
        return None
    try:
        check(current_user, request.endpoint, request.view_args, clock.current_time())
    except ServiceError as error:
        db.session.rollback()
        abort(error.status)
    return None


def init_app(app) -> None:
    app.before_request(_pages_gate)
