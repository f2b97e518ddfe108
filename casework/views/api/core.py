"""What every API call shares: bearer-token authentication, the request's ``now``, reading
and type-checking the JSON body, query parameters, and JSON errors.

Errors always answer ``{"error": "message", "fields": {...}}``. Services raise
``ServiceError`` subclasses (422, 404, 403, 409); this module adds 400 and 401 beside them."""
from __future__ import annotations

import datetime as dt
import json

from flask import g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.routing import RequestRedirect
from wtforms.validators import ValidationError

from ... import partner_gate
from ...database import end_read
from ...extensions import db
from ...forms.fields import VERSION_MESSAGE
from ...forms.json_body import BOOLEAN, ENTRIES, INTEGER, INTEGERS, STRING, STRINGS, api_fields, from_json, json_kind
from ...services import accounts, audit, totp
from ...services.clock import current_time
from ...services.editing import check_version, ensure_open
from ...services.errors import Forbidden, ServiceError, StaleVersion, ValidationFailed
from ...services.scope import require_case_role
from . import bp

# Endpoints anyone may call: the token exchange itself and the OpenAPI document.
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}
# What the browser's outbox of visits saved offline (static/js/offline.js) sends with the
# signed-in session instead of a token, each request with the session's CSRF token in
# X-CSRFToken: no token is ever kept on the device, and a page of another site cannot send them.
BROWSER_ENDPOINTS = {"api.create_visit", "api.keep_unrecorded_visit"}

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
    browser = _browser_user() if "Authorization" not in request.headers else None
    if browser is not None:
        found = browser, None
    elif scheme.lower() != "bearer" or not token:
        raise Unauthorised("Send an API token: Authorization: Bearer TOKEN.")
    else:
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


def _browser_user():
    """The signed-in user of a browser call to one of BROWSER_ENDPOINTS that carries the
    session's CSRF token; None otherwise (the call then needs a token like any other)."""
    if request.endpoint not in BROWSER_ENDPOINTS or not request.headers.get("X-CSRFToken"):
        return None
    try:
        validate_csrf(request.headers["X-CSRFToken"])
    except ValidationError:
        return None
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


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


# --- the request body and the query string ---------------------------------------------------

VALUE = "value"  # a JSON string, number, boolean or null
LIST = "list"  # a JSON array of values (null counts as an empty array)
OBJECTS = "objects"  # a JSON array of objects whose members are values (null: empty array)

_SCALARS = (str, int, float, bool, type(None))
_EXPECTED = {
    VALUE: "Expected a string, number, boolean or null.",
    LIST: "Expected an array of values.",
    OBJECTS: "Expected an array of objects.",
}
_SHAPES = {STRING: VALUE, INTEGER: VALUE, BOOLEAN: VALUE, STRINGS: LIST, INTEGERS: LIST, ENTRIES: OBJECTS}


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


def body_members(form_class) -> dict[str, tuple[str, frozenset | None]]:
    """The members a body read through ``form_class`` may carry: the JSON shape of each, and
    for a list of entries the members an entry may carry. The form's fields, but not the page's
    own."""
    members = {}
    for field in api_fields(form_class(formdata=None, meta={"csrf": False})):
        kind = json_kind(field)
        entry = field.unbound_field.args[0](formdata=None) if kind == ENTRIES else None
        members[field.name] = (_SHAPES[kind], frozenset(f.name for f in entry) if entry else None)
    return members


def _picked(body: dict, members: dict) -> dict:
    """The members of ``body`` that the request reads (of each entry too); others are ignored,
    so that an edit may echo the record it read."""
    picked = {}
    for name, (_shape, entry) in members.items():
        if name not in body:
            continue
        value = body[name]
        if entry is not None and isinstance(value, list):
            value = [{k: v for k, v in item.items() if k in entry} if isinstance(item, dict) else item
                     for item in value]
        picked[name] = value
    return picked


def read_body(form_class, *also: str, optional: bool = False) -> dict:
    """The members of the JSON object sent that ``form_class`` reads (and ``also``), each
    checked to be of the JSON shape its field takes (else 400): an object, a list or a value.
    Other members are ignored. With ``optional``, an empty body reads as ``{}``."""
    members = {**body_members(form_class), **{name: (VALUE, None) for name in also}}
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise MalformedBody("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise MalformedBody("The request body must be a JSON object.")
    picked = _picked(body, members)
    try:
        # "\ud800" (half a character) is valid JSON but no text that a database can store.
        text = json.dumps(picked, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, RecursionError):
        raise MalformedBody("The request body is not valid JSON.") from None
    if "\\u0000" in text:  # nor is a NUL character (PostgreSQL refuses it in text)
        raise MalformedBody("The request body contains a NUL character, which is not text.")
    problems = {name: [_EXPECTED[shape]] for name, (shape, _entry) in members.items()
                if name in picked and not _fits(picked[name], shape)}
    if problems:
        raise MalformedBody("Some values in the request body have the wrong type.", problems)
    for name, (shape, _entry) in members.items():
        if shape in (LIST, OBJECTS) and name in picked and picked[name] is None:
            picked[name] = []
    return picked


def read_query(form_class):
    """The query string read through ``form_class``, or a 422 naming every parameter refused."""
    return check_form(form_class(formdata=request.args))


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


def as_sent(values: dict) -> dict:
    """A record's values as a client sends them (a day as YYYY-MM-DD), for a body to be merged
    into and the whole read through the record's form."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in values.items()}


def read_correction(form_class, record, family, body: dict, values: dict, fields, prepare=None):
    """What a PATCH correcting ``record`` (a visit, a rating, a child's voice) asks: the
    version sent checked (409 when stale), the family open (422), and the record's ``values``
    with the body merged in, read through ``form_class`` (``prepare``: readying the form first)
    as a new record would be (422 naming the fields). Answers the form and the changes: the
    ``fields`` sent, plus ``version``."""
    version = read_version(body)
    check_version(record, version)
    ensure_open(family)
    form = from_json(form_class, {**as_sent(values), **body})
    check_form(prepare(form) if prepare else form)
    changes = {name: getattr(form, name).data for name in fields if name in body}
    changes["version"] = version
    return form, changes


def read_version(body: dict) -> int | None:
    """The optional ``version`` the caller read (422 when it is not a whole number from 0)."""
    value = body.get("version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(VERSION_MESSAGE, {"version": [VERSION_MESSAGE]})
    return value


# --- answers ----------------------------------------------------------------------------------


def created(payload: dict, location: str | None = None):
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response
