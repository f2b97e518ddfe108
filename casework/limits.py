"""The bounds every request is held to, each defined once: the length of every list a body or
form may carry (here), and the size of a body (config.py's MAX_CONTENT_LENGTH). The forms
(casework/forms/) enforce the list bounds for the pages and the API alike, the OpenAPI document
publishes them as ``maxItems``, and ``init_app`` has a body over the size limit refused (413)
before anything else reads it."""
from __future__ import annotations

from flask import Flask, request

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
# Flags acknowledged at once from the team's queue: more than a queue shows at a time.
MAX_FLAGS_AT_ONCE = 200


def too_many(what: str, bound: int, verb: str = "add") -> str:
    """The message for a list over its bound: "Add at most 20 children."."""
    return f"{verb.capitalize()} at most {bound} {what}."


def read_whole_body() -> None:
    """Read a request's body (at most MAX_CONTENT_LENGTH; werkzeug answers 413 beyond it,
    from the Content-Length header before reading anything, or once a chunked body without
    one passes the limit), before any view, sign-in check or database work: every route,
    signed in or not, whether or not it reads a body."""
    if request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked":
        request.get_data(cache=True)


def init_app(app: Flask) -> None:
    # First of all (CSRFProtect's check, which parses the form, comes before the app's own).
    app.before_request_funcs.setdefault(None, []).insert(0, read_whole_body)
