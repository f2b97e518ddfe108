"""``Idempotency-Key`` on every ``POST`` under /api/v1 (CONTRACT.md, "Field work"): the same key
from the same user with the same body within 24 hours answers the same status and body again
and creates nothing more; the same key with another body answers 422.

The key is claimed in the transaction that creates the record (a ``before_commit`` hook adds
its row, services.submissions), so a record and its key are kept together or not at all; the
commit with which ``begin_write`` ends the view's read claims nothing (database.py). The answer
is stored once it is known, sealed (services.submissions: some answers carry a secret), in a
short write of its own. Two requests racing with one key: the
second's commit meets the unique (user, key) and it answers what the first did."""
from __future__ import annotations

import hashlib

from flask import Response, current_app, g, has_request_context, request
from sqlalchemy import event, inspect, update
from sqlalchemy.exc import IntegrityError

from ...database import begin_write, end_read, ending_read
from ...extensions import db
from ...models import Submission
from ...services import submissions
from . import bp
from .core import PUBLIC_ENDPOINTS, api_now, api_user, error_response

HEADER = "Idempotency-Key"
HASH_FIELD = "request_hash"


def _digest() -> str:
    hashed = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data(cache=True)):
        hashed.update(len(part).to_bytes(8, "big") + part)
    return hashed.hexdigest()


def _replay(earlier: Submission):
    if earlier.response_status is None:  # claimed by a request still under way
        return error_response(409, "A request with this Idempotency-Key is still being processed; "
                                   "try again in a moment.", headers={"Retry-After": "1"})
    body = submissions.open_answer(current_app.config["SECRET_KEY"], earlier.user_id, earlier.key,
                                   earlier.response_body or "") if earlier.response_body else ""
    if body is None:
        return error_response(409, f"The answer to this {HEADER} can no longer be repeated; "
                                   "check whether the first request was saved, then use a new key.")
    response = Response(body, status=earlier.response_status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.before_request
def _repeat_or_claim():
    """After authentication: a repeat answers what the first request did; a new key is noted,
    to be claimed with the first commit of this request."""
    g.idempotency = None
    if request.method != "POST" or request.endpoint in PUBLIC_ENDPOINTS or HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not key or len(key) > submissions.KEY_LIMIT:
        message = f"An {HEADER} is 1 to {submissions.KEY_LIMIT} characters."
        return error_response(422, message, {HEADER: [message]})
    digest = _digest()
    earlier = submissions.find(db.session, api_user(), key, api_now())
    end_read()
    if earlier is None:
        g.idempotency = {"key": key, "digest": digest, "claim": None}
        return None
    if earlier.request_hash != digest:
        message = f"This {HEADER} was already used for another request; use a new key."
        return error_response(422, message, {HEADER: [message]})
    return _replay(earlier)


def _claim(session):
    """``before_commit``: the first commit of a request's write with a new key claims it."""
    if not has_request_context() or ending_read():
        return
    pending = g.get("idempotency")
    if not pending or pending["claim"] is not None:
        return
    submissions.purge_stale(session, api_now())
    pending["user_id"] = api_user().id
    pending["claim"] = Submission(user_id=pending["user_id"], key=pending["key"], created_at=api_now(),
                                  **{HASH_FIELD: pending["digest"]})
    session.add(pending["claim"])


def install() -> None:
    if not event.contains(db.session, "before_commit", _claim):
        event.listen(db.session, "before_commit", _claim)


@bp.after_request
def _keep_answer(response):
    pending = g.get("idempotency")
    g.idempotency = None  # no later commit of this request (the audit's, say) claims the key
    claim = pending["claim"] if pending else None
    if claim is not None and inspect(claim).persistent and response.status_code < 500:
        # The claim's row, expired by the commit, is not read again: its id and what sealed it are known.
        (claim_id,) = inspect(claim).identity
        sealed = submissions.seal_answer(current_app.config["SECRET_KEY"], pending["user_id"], pending["key"],
                                         response.get_data(as_text=True))
        db.session.rollback()
        begin_write()
        db.session.execute(
            update(Submission).where(Submission.id == claim_id)
            .values(response_status=response.status_code, response_body=sealed)
        )
        db.session.commit()
    return response


@bp.errorhandler(IntegrityError)
def _raced(error):
    """Another request with the same key committed first: nothing of this one is kept."""
    pending = g.get("idempotency")
    db.session.rollback()
    if not pending:
        raise error
    g.idempotency = None
    earlier = submissions.find(db.session, api_user(), pending["key"], api_now())
    if earlier is None:
        raise error
    if earlier.request_hash != pending["digest"]:
        message = f"This {HEADER} was already used for another request; use a new key."
        return error_response(422, message, {HEADER: [message]})
    return _replay(earlier)
