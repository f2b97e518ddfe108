"""What the whole HTML application shares that belongs to no one page: the error pages, ids
and NUL characters in what is sent, and keeping search terms out of the request log.

The JSON API registers its own error handlers on its blueprint, which win for its routes; an
unknown /api/ path still answers JSON here, as the contract says every API error does."""
from __future__ import annotations

import logging
import re

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict

from ..extensions import db
from ..forms.fields import bounded_id, limit_of
from ..services.submissions import AlreadySubmitted
from .helpers import submitted_again

ERROR_MESSAGES = {
    400: "Bad request.",
    403: "Your role does not allow this.",
    404: "Not found.",
    413: "The request body is too large.",
    500: "Something went wrong.",
}


def _error_answer(status: int, template: str, **context):
    if request.path.startswith("/api/"):
        return jsonify(error=ERROR_MESSAGES[status], fields={}), status
    return render_template(template, **context), status


def csrf_refused(error):
    return _error_answer(400, "errors/400.html", csrf=True)


def bad_request(error):
    return _error_answer(400, "errors/400.html", csrf=False)


def forbidden(error):
    return _error_answer(403, "errors/403.html")


def not_found(error):
    return _error_answer(404, "errors/404.html")


def too_large(error):
    """A body over MAX_CONTENT_LENGTH, refused before it was read (casework/limits.py)."""
    megabytes = current_app.config["MAX_CONTENT_LENGTH"] / 1_000_000
    return _error_answer(413, "errors/413.html", limit=f"{megabytes:g} MB")


def server_error(error):
    # Whatever was half-written is abandoned; the page itself must not fail on it.
    db.session.rollback()
    return _error_answer(500, "errors/500.html")


class RedactSearchTerms(logging.Filter):
    """The development server logs each request line, query string included; the search box
    puts a family's name there. This blanks ``q=`` before the line is written. (gunicorn's
    access log is configured outside the app: its format must leave out the query string.)"""

    PATTERN = re.compile(r"([?&]q=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.PATTERN.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def bound_ids(endpoint, values):
    """An id in a URL (the pages' and the API's) larger than any id names nothing: read as 0
    (see ``forms.fields.MAX_ID``)."""
    for name, value in (values or {}).items():
        if isinstance(value, int):
            values[name] = bounded_id(value)


def refuse_nul_characters():
    """A NUL character is nothing anyone typed, and PostgreSQL cannot store it in text. A
    query string has its NULs dropped (a search for "Amy\\0" is a search for "Amy"); a form
    carrying one is refused (400) before any view reads it. (The API refuses one in a JSON
    body itself: ``api.core.read_body``.)"""
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        request.args = ImmutableMultiDict(
            (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in request.args.items(multi=True))
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            abort(400)


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(bound_ids)
    app.before_request(refuse_nul_characters)
    app.add_template_global(limit_of, "text_limit")
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(400, bad_request)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(413, too_large)
    app.register_error_handler(500, server_error)
    app.register_error_handler(AlreadySubmitted, submitted_again)
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactSearchTerms) for existing in logger.filters):
        logger.addFilter(RedactSearchTerms())
