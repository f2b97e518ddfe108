"""What every API call shares: bearer-token authentication, the request's ``now``, reading
and type-checking the JSON body, query parameters, and JSON errors.

Errors always answer ``{"error": "message", "fields": {...}}``. Services raise
``ServiceError`` subclasses (422, 404, 403, 409); this module adds 400 and 401 beside them."""
from __future__ import annotations

import json
import re

from flask import g, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from ... import partner_gate
from ...database import end_read
from ...extensions import db
from ...forms.fields import NOTE_LIMIT, bounded_id, too_long
from ...services import accounts, audit, totp
from ...services.clock import current_time
from ...services.corrections import NOTE_MESSAGE
from ...services.errors import Forbidden, ServiceError, StaleVersion, ValidationFailed
from ...services.scope import require_case_role
from . import bp

# Endpoints anyone may call: the token exchange itself and the OpenAPI document.
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}

class MalformedBody(ServiceError):
    """The body is not JSON, not an object, or a value has the wrong JSON type (400)."""

    status = 400


class Unauthorised(ServiceError):
    """No token, or one that is unknown, expired or revoked (401)."""

    status = 401


# --- who is calling, and when -----------------------------------------------------------------


def api_user():
    """The user whose bearer token authenticated this request."""
    return g.api_user


def case_user():
    """The caller, who must be a worker or a manager (an admin gets 403)."""
    user = g.api_user
    require_case_role(user)
    return user


def manager_user(message: str = "Only a manager can do this."):
    """The caller, who must be a manager (a worker or an admin gets 403)."""
    user = case_user()
    if not user.is_manager:
        raise Forbidden(message)
    return user


def api_now():
    """The time of this request: read from the clock once and passed to every rule."""
    return g.api_now


@bp.before_request
def _authenticate():
    g.api_now = current_time()
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorised("Send an API token: Authorization: Bearer TOKEN.")
    found = accounts.token_user(db.session, token, g.api_now)
    if found is None:
        raise Unauthorised("The API token is not valid: it is unknown, expired or revoked.")
    g.api_user, g.api_token = found
    audit.set_actor(g.api_user.id, request.remote_addr)
    if totp.enrolment_required(g.api_user):  # a token issued before the service required it
        raise Forbidden("Administrators must set up two-step sign-in before using casework: "
                        "sign in on the web and follow the steps.")
    partner_gate.check(g.api_user, request.endpoint, request.view_args, g.api_now)
    end_read()  # the view parses and validates what was sent holding no transaction
    return None


# --- errors -----------------------------------------------------------------------------------


def error_response(status: int, message: str, fields: dict | None = None, headers=None):
    response = jsonify(error=message, fields=fields or {})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


HTTP_MESSAGES = {
    400: "The request could not be understood.",
    401: "Send an API token: Authorization: Bearer TOKEN.",
    403: "Your role does not allow this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "This record was changed by someone else since you read it.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    429: "Too many attempts; wait a while and try again.",
    500: "Something went wrong on our side; the error has been logged.",
}


def _http_error(error: HTTPException):
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 429 and error.response is not None and "Retry-After" in error.response.headers:
        headers["Retry-After"] = error.response.headers["Retry-After"]
    message = HTTP_MESSAGES.get(error.code) or error.name
    return error_response(error.code or 500, message, headers=headers)


@bp.before_app_request
def _unknown_api_path():
    """An /api/... path that matches no route (404) or not with this method (405) answers
    JSON. Routing fails before any blueprint is chosen, so blueprint error handlers never see
    it; answering here leaves the app-level (HTML) error handlers to the pages."""
    error = request.routing_exception
    if error is None or isinstance(error, RequestRedirect):
        return None
    if not (request.path == "/api" or request.path.startswith("/api/")):
        return None
    if isinstance(error, HTTPException):
        return _http_error(error)
    return None


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    db.session.rollback()
    return error_response(error.status, error.message, error.fields)


@bp.errorhandler(StaleDataError)
def _stale_row(_error):
    # Two requests raced on the same row: the loser's UPDATE matched no row at its version.
    db.session.rollback()
    stale = StaleVersion()
    return error_response(409, stale.message, stale.fields)


@bp.errorhandler(InternalServerError)
def _server_error(error):
    # Flask has already logged the exception (path and method only, never the query string).
    db.session.rollback()
    return error_response(500, HTTP_MESSAGES[500])


def _register_http_handlers():
    # Code-specific handlers: an app-level handler for, say, 404 would otherwise win over a
    # blueprint handler registered for HTTPException in general.
    for code in (400, 401, 403, 404, 405, 413, 415, 429):
        bp.register_error_handler(code, _http_error)
    bp.register_error_handler(HTTPException, _http_error)


_register_http_handlers()


# --- the request body -------------------------------------------------------------------------

VALUE = "value"  # a JSON string, number, boolean or null
LIST = "list"  # a JSON array of values (null counts as an empty array)
OBJECTS = "objects"  # a JSON array of objects whose members are values (null: empty array)

_SCALARS = (str, int, float, bool, type(None))
_EXPECTED = {
    VALUE: "Expected a string, number, boolean or null.",
    LIST: "Expected an array of values.",
    OBJECTS: "Expected an array of objects.",
}


def _fits(value, kind) -> bool:
    if kind == VALUE:
        return isinstance(value, _SCALARS)
    if kind == LIST:
        return value is None or (
            isinstance(value, list) and all(isinstance(item, _SCALARS) for item in value)
        )
    if kind == OBJECTS:
        return value is None or isinstance(value, list) and all(
            isinstance(item, dict) and all(isinstance(v, _SCALARS) for v in item.values())
            for item in value
        )
    raise ValueError(kind)


def read_body(spec: dict[str, str], *, optional: bool = False) -> dict:
    """The JSON object sent, limited to the members ``spec`` names, each checked to be of the
    JSON kind it names (else 400). Members not in ``spec`` are ignored. With ``optional``, an
    empty body reads as ``{}``."""
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    try:
        body = json.loads(raw)
        # "\ud800" (half a character) is valid JSON but no text that a database can store.
        text = json.dumps(body, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, RecursionError):
        raise MalformedBody("The request body is not valid JSON.") from None
    if "\\u0000" in text:  # nor is a NUL character (PostgreSQL refuses it in text)
        raise MalformedBody("The request body contains a NUL character, which is not text.")
    if not isinstance(body, dict):
        raise MalformedBody("The request body must be a JSON object.")
    problems = {
        name: [_EXPECTED[kind]]
        for name, kind in spec.items()
        if name in body and not _fits(body[name], kind)
    }
    if problems:
        raise MalformedBody("Some values in the request body have the wrong type.", problems)
    picked = {name: body[name] for name in spec if name in body}
    for name, kind in spec.items():
        if kind in (LIST, OBJECTS) and name in picked and picked[name] is None:
            picked[name] = []
    return picked


def check_form(form):
    """The form's data, or a 422 naming every field the form refused."""
    if not form.validate():
        raise ValidationFailed(summary_message(form.flat_errors()), form.flat_errors())
    return form


def summary_message(fields: dict[str, list[str]]) -> str:
    if len(fields) == 1:
        (messages,) = fields.values()
        if messages:
            return messages[0]
    return "Check the details sent; each problem is listed in fields."


def read_version(body: dict) -> int | None:
    """The optional ``version`` the caller read, as an int (422 when it is not a number)."""
    value = body.get("version")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        message = "Send the version you read: a whole number."
        raise ValidationFailed(message, {"version": [message]})
    return value


def body_text(body: dict, name: str, *, limit: int | None = None) -> str:
    """A text member of the body, stripped ("" when absent or null). A number or boolean is
    read as its text, as the forms read it. Longer than ``limit``: 422 naming it (never cut)."""
    value = body.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    if limit is not None and len(text) > limit:
        message = too_long(name.replace("_", " ").capitalize(), limit, len(text))
        raise ValidationFailed(message, {name: [message]})
    return text


def read_correction(form, body: dict, sent: dict) -> tuple[dict, str]:
    """A correction's changes (the fields ``sent``, as ``form`` read them with the rest of the
    record) and its note; or a 422 naming every problem at once, the missing note among them."""
    problems = {} if form.validate() else form.flat_errors()
    note = body_text(body, "correction_note", limit=NOTE_LIMIT)
    if not note:
        problems["correction_note"] = [NOTE_MESSAGE]
    if problems:
        raise ValidationFailed(summary_message(problems), problems)
    return {name: getattr(form, name).data for name in sent}, note


def body_id(body: dict, name: str, message: str, *, required: bool = True) -> int | None:
    """An id member of the body (a whole number, or its digits as a string). Absent, null or
    empty reads as None unless ``required``; anything else that is not an id answers 422."""
    value = body.get(name)
    if isinstance(value, str) and value.strip() == "":
        value = None
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(message, {name: [message]})
    return bounded_id(value)


# --- the query string -------------------------------------------------------------------------


def query_int(name: str, default: int | None, *, minimum: int, maximum: int | None = None,
              message: str) -> int | None:
    """An integer query parameter, or a 422 with ``message``."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    try:
        value = int(raw, 10)
    except ValueError:
        raise ValidationFailed(message, {name: [message]}) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationFailed(message, {name: [message]})
    return value


# --- answers ----------------------------------------------------------------------------------


def created(payload: dict, location: str | None = None):
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response
