"""The bounds every request is held to, each defined once: the length of every list a body or
form may carry (here), and the size of a body (config.py's MAX_CONTENT_LENGTH). The forms
(casework/forms/) enforce the list bounds for the pages and the API alike, the OpenAPI document
publishes them as ``maxItems``, and ``init_app`` has a body over the size limit refused (413)
before anything else reads it."""
from __future__ import annotations

import io

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length

from .models import CONCERNS

# A family holds at most this many children and this many parents and carers (the contract).
MAX_CHILDREN = 20
MAX_CARERS = 20
# The children a visit saw (or saw on their own) are the family's children.
MAX_CHILDREN_SEEN = MAX_CHILDREN
# Goals talked about at one visit: a family plan holds a handful; twenty is already a lot.
MAX_GOALS_DISCUSSED = 20
# Concerns are chosen from a fixed list, each at most once.
MAX_CONCERNS = len(CONCERNS)
# Flags acknowledged at once from the team's queue: more than a team's queue ever holds.
MAX_FLAGS_AT_ONCE = 1000


def too_many(what: str, bound: int, verb: str = "add") -> str:
    """The message for a list over its bound: "Add at most 20 children."."""
    return f"{verb.capitalize()} at most {bound} {what}."


def refuse_large_bodies() -> None:
    """413 for a body over MAX_CONTENT_LENGTH, before any view, sign-in check or database work,
    on every route, signed in or not, whether or not it reads a body. A Content-Length over
    the limit is refused from the header, reading nothing. A chunked body without one is read
    here, to one byte past the limit at most, and handed on as a body of known length:
    werkzeug would otherwise cut it silently at the limit. A form of too many fields is refused
    too (``_count_form_fields``)."""
    environ = request.environ
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    length = get_content_length(environ)
    if length is None:
        _read_chunked(environ, limit)
    elif length > limit:
        raise RequestEntityTooLarge()
    _count_form_fields()


def _read_chunked(environ, limit: int) -> None:
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked or "wsgi.input_terminated" not in environ:
        return  # no length and no end the server vouches for: werkzeug reads no body at all
    body = _read_at_most(environ["wsgi.input"], limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    del environ["HTTP_TRANSFER_ENCODING"], environ["wsgi.input_terminated"]


def _count_form_fields() -> None:
    """An ordinary (url-encoded) form of more than MAX_FORM_PARTS fields answers 413 before it
    is parsed, as werkzeug answers a multipart one: a megabyte of empty fields would otherwise
    take a second to parse."""
    if request.mimetype == "application/x-www-form-urlencoded":
        if request.get_data(cache=True).count(b"&") >= current_app.config["MAX_FORM_PARTS"]:
            raise RequestEntityTooLarge()


def _read_at_most(stream, size: int) -> bytes:
    body = bytearray()
    while len(body) < size:
        chunk = stream.read(min(64 * 1024, size - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def init_app(app: Flask) -> None:
    # First of all (CSRFProtect's check, which parses the form, comes before the app's own).
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_large_bodies)
