"""The audit trail: every view of a family record, every change, sign-ins, refusals, exports.

Changes are captured for every model in one place (a session ``after_flush`` hook), so no view
can forget. The rows of a transaction's flushes are written together as it commits, in one
INSERT (those of a savepoint's flushes at once: they go if it is rolled back); they are not
in the table before that. For personal fields (names, notes, dates of birth, addresses) only
the fact that they changed is kept, never their values: anonymising a family never touches
the audit."""
from __future__ import annotations

import datetime as dt

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from ..models import (
    AuditEvent,
    Draft,
    EmailDigest,
    LoginAttempt,
    Notification,
    PendingSignIn,
    ReferenceCounter,
    Submission,
    User,
    UserSession,
)
from ..models.base import utcnow
from .bulk import write_rows

# Column names whose values are personal and never copied into the audit.
PERSONAL_FIELDS = frozenset({
    "household_name", "postcode", "referral_source", "first_name", "last_name", "date_of_birth", "school",
    "relationship", "notes", "note", "title", "attendees", "evidence", "message", "resolution", "reason",
    "comment", "name", "email", "password_hash", "token_hash", "old_values",
    "totp_secret",  # a second factor's shared secret: never in the audit
    "legal_hold_reason", "data",  # a legal hold's reason; a draft's unsaved form text
    "next_step",  # a goal's next step, written for the family
    # the Team Around the Family: partners' contact details, consent and actions
    "contact_name", "phone", "given_by", "child_view", "withdrawal_note", "action", "agency",
    "external_reference",
    # the child's voice: what a child said, never copied anywhere, the audit included
    "words", "scale", "worries", "good_things", "wishes",
    # a visit held as "Could not be recorded": as typed on the device, and what a manager did about it
    "payload", "resolution_note",
})
# Rows that are themselves bookkeeping: auditing them would only add noise. A draft (autosaved
# every half a minute) would also copy unsaved notes into the append-only audit; a submission
# key keeps a copy of an answer (with its notes) for a day.
NOT_AUDITED = (AuditEvent, LoginAttempt, UserSession, PendingSignIn, Notification, EmailDigest, ReferenceCounter,
               Draft, Submission)

def set_actor(user_id: int | None, ip: str | None) -> None:
    """Who is acting in this request, set at the edge (the sign-in check)."""
    g.audit_actor = (user_id, ip)


def _actor() -> tuple[int | None, str | None]:
    # Outside a request (the scheduler, the CLI) the system acts.
    return g.get("audit_actor", (None, None)) if has_request_context() else (None, None)


def record(session: Session, action: str, *, user_id=None, record_type=None, record_id=None,
           family_id=None, detail=None, ip=None, at: dt.datetime | None = None) -> None:
    """One audit row; ``at`` when a rule counts these rows against its ``now`` (otherwise the
    clock's time)."""
    actor_id, actor_ip = _actor()
    session.add(AuditEvent(
        at=at or utcnow(), user_id=user_id if user_id is not None else actor_id, ip=ip or actor_ip, action=action,
        record_type=record_type, record_id=record_id, family_id=family_id, detail=detail or {},
    ))


def viewed(session: Session, family_id: int, what: str = "family") -> None:
    record(session, "view", record_type=what, record_id=family_id, family_id=family_id)


def inserted(session: Session, record_type: str, rows: dict[int, dict]) -> None:
    """The audit rows of records inserted in bulk (``{id: the columns set}``), which the flush
    hook never sees: what it writes for any new row, the columns set (a personal one only
    named), in one statement."""
    actor_id, ip = _actor()
    at = utcnow()
    audit_rows = []
    # The columns set -> (those shown, the personal ones only named): sorted out once for
    # rows alike (the sweep inserts tens of thousands of flags, all with the same columns).
    named: dict[tuple, tuple[list[str], list[str]]] = {}
    for record_id, values in rows.items():
        columns = tuple(values)
        if columns not in named:
            named[columns] = ([name for name in columns if name not in PERSONAL_FIELDS and name != "version"],
                              sorted(name for name in columns if name in PERSONAL_FIELDS))
        shown, personal = named[columns]
        detail = {"changed": {name: [None, _plain(values[name])] for name in shown}}
        if personal:
            detail["personal_fields_changed"] = personal
        audit_rows.append({"at": at, "user_id": actor_id, "ip": ip, "action": "create", "record_type": record_type,
                           "record_id": record_id, "family_id": values.get("family_id"), "detail": detail})
    write_rows(session.connection(), AuditEvent.__table__, audit_rows)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def _family_of(obj) -> int | None:
    if obj.__tablename__ == "families":
        return obj.id
    return getattr(obj, "family_id", None)


def _changes(obj) -> dict:
    state = inspect(obj)
    changed, personal = {}, []
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        name = attr.columns[0].name
        if name in PERSONAL_FIELDS:
            personal.append(name)
        elif name != "version":
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changed[name] = [_plain(old), _plain(new)]
    detail = {"changed": changed} if changed else {}
    if personal:
        detail["personal_fields_changed"] = sorted(personal)
    return detail


# session.info: the audit rows of this transaction's flushes still to write; whether it is committing.
_PENDING, _COMMITTING = "casework_audit_rows", "casework_audit_committing"


def _after_flush(session: Session, _context) -> None:
    actor_id, ip = _actor()
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, NOT_AUDITED) or not hasattr(obj, "__tablename__"):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            detail = _changes(obj) if action != "delete" else {}
            if action == "update" and not detail:
                continue
            key = inspect(obj).mapper.primary_key_from_instance(obj)
            rows.append({
                "at": utcnow(), "user_id": actor_id, "ip": ip, "action": action,
                "record_type": obj.__tablename__,
                "record_id": key[0] if len(key) == 1 and isinstance(key[0], int) else None,
                "family_id": _family_of(obj), "detail": detail,
            })
    if not rows:
        return
    if session.in_nested_transaction() or session.info.get(_COMMITTING):
        session.connection().execute(insert(AuditEvent), rows)
    else:
        session.info.setdefault(_PENDING, []).extend(rows)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: the transaction goes on
        return
    session.flush()
    session.info[_COMMITTING] = True  # a later flush of this commit writes its rows at once
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing is carried to the next
        session.info.pop(_PENDING, None)
        session.info.pop(_COMMITTING, None)


_HOOKS = {"after_flush": _after_flush, "before_commit": _before_commit,
          "after_transaction_end": _after_transaction_end}


def install(session_factory) -> None:
    """Capture changes on every session the application makes."""
    for name, hook in _HOOKS.items():
        if not event.contains(session_factory, name, hook):
            event.listen(session_factory, name, hook)


def who_opened(session: Session, family_id: int, limit: int = 50) -> list[tuple[dt.datetime, User | None, str]]:
    """Who has viewed this family's record, newest first (for the manager)."""
    return session.execute(
        select(AuditEvent.at, User, AuditEvent.record_type)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.family_id == family_id, AuditEvent.action == "view")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
