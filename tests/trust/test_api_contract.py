"""Trust check: the API does what its OpenAPI document says, by every check schemathesis has
(``--checks all``: server errors, status codes, content types, response schemas and headers,
schema-valid requests accepted and schema-violating ones refused, missing headers, methods,
authentication, ...), in all its phases (coverage, fuzzing, stateful), run in-process as a
worker and as a manager of the ``world`` (in the ordinary suite, the manager on SQLite and the
worker on PostgreSQL; with CASEWORK_TRUST_FULL=1, both).

The document states the shape of a request: what is required, how long, which values, which
format, which bounds, which parameters repeat. What it cannot state is a rule of the practice
that depends on the records, on the caller or on today: a visit dated before the family opened,
a goal dated in the future, a child who is not the family's, a worker naming another worker. The
contract answers those 422 naming the field, so a schema-valid request refused that way is not a
finding when its rule is listed in PRACTICE below (each with why the document cannot say it);
every other finding fails the test. Figure: operations, cases, findings (0), refusals by the
practice's rules."""
from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from werkzeug.serving import make_server

from casework.extensions import db as _db
from casework.models import ReferenceCounter
from casework.services import accounts
from casework.services.clock import current_time, local_date

from .figures import full, record, scale

load_all_checks()

EXAMPLES = scale(5, 100)  # generated cases per operation and phase
# Why the document cannot say it. It depends on ...
TODAY = "today"  # ... today: a date in the future
RECORDS = "records"  # ... the records: which exist, belong together, are in which state, on which dates
CALLER = "caller"  # ... the caller: a worker acts on their own families; a password is theirs
DATES = "dates"  # ... two dates of one request (JSON Schema compares no two members)

# (field, message, why). Each is a rule of the practice, answered 422 naming the field
# (CONTRACT.md); "" is a refusal naming no field.
PRACTICE = [
    (".*", "in the future", TODAY),
    ("worker_id", "You can only (see your own families|allocate a family to yourself)", CALLER),
    ("worker_id", "Only a manager can leave a family unallocated", CALLER),
    ("worker_id", "The family is already (allocated to|unallocated)|Choose an active family worker in your team",
     RECORDS),
    ("current_password", "Your current password is not right", CALLER),
    ("previous_family_id", "No earlier case of this family has that id", RECORDS),
    ("children_seen|seen_alone|goals_discussed", ".* not (a )?valid choices? for this field", RECORDS),
    ("goals_discussed", "Choose goals (from this family's plan|still being worked on)", RECORDS),
    ("target_date", "The target date must be on or after the start date", DATES),
    ("to", "The end of the period must not be before its start|A report covers at most", DATES),
    ("target", "The target must be higher than the rating now", RECORDS),  # a change: the stored baseline
    ("date|held_on|opened_on", "before (the goal started|the family opened|.*when the current phase began)", RECORDS),
    ("opened_on", "The date opened cannot change once the family has moved phase", RECORDS),
    ("opened_on", "The date opened cannot be before the referral date", DATES),
    ("correction_note", "Change something before saving a correction", RECORDS),
    ("phase", "The family is already in|Only a closed family can be reopened", RECORDS),
    ("status|rating", "already resolved|only active goals are rated", RECORDS),
    ("to_team_id", "Choose another team", RECORDS),
    ("", "The family is closed; its record is read-only", RECORDS),
    # The Team Around the Family: the partners a consent or a meeting names are this family's.
    ("partner_ids|attendee_partner_ids", ".* not (a )?valid choices? for this field|this family's partners",
     RECORDS),
    ("actions-\\d+-owner", "An action's owner must be", RECORDS),
    ("actions-\\d+-owner", "Give an action one owner", DATES),  # one of two members: not stated
    ("held_on", "A meeting cannot be recorded before it is held", TODAY),
    ("expires_on", "Consent cannot end before it was given", DATES),
    ("date", "This consent was already withdrawn|before the consent was given", RECORDS),
    # The visit diary: a planned visit already recorded, or cancelled, stays as it is.
    ("date|time|status|cancelled_by", "This visit was (already recorded|cancelled)", RECORDS),
    ("to", "A diary covers at most", DATES),
    # The child's voice: the visit or review it was heard at is the child's family's, and
    # something was heard (words, the scale or a house: one of several members, not stated).
    ("visit_id|review_id", "Choose a (visit|review) of this family", RECORDS),
    ("words|scale", "Write down what the child said", DATES),
    ("device_recorded_at", "more than 31 days ago", TODAY),  # a visit kept on a device, saved there long ago
    # Why a child's view was not gathered at a review: a child of this family, each at most once.
    ("views_not_gathered(-\\d+-child_id)?", "only of the family's children", RECORDS),
    ("views_not_gathered", "at most once for each child", DATES),  # two members: not stated
]


ENDS_TOKENS = ("/api/v1/tokens/current", "/api/v1/me/password")


def _practice(fields: dict) -> str | None:
    """Why every field refused is a rule of the practice, or None when one is not."""
    reasons = set()
    for name, messages in fields.items():
        for message in messages:
            found = [why for field, text, why in PRACTICE
                     if re.fullmatch(field, re.sub(r"^children-\d+-", "", name)) and re.search(text, message)]
            if not found:
                return None
            reasons.add(found[0])
    return "_".join(sorted(reasons)) or None


@contextmanager
def _serving(app):
    """The app on a port of its own, as the CLI run meets it: each request in a thread of the
    server, with its own application context and database session."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _run(app, user, url: str) -> tuple[Counter, list[str]]:
    figures, findings = Counter(), []
    config = SchemathesisConfig.from_dict({
        "seed": 20261207, "workers": 1, "suppress-health-check": ["all"],
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
    })
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json", config=config)

    @schema.auth(refresh_interval=None)
    class Token:
        """The caller's token; a new one after a request that may end it (revoking it, or a wrong
        current password: the fifth in 15 minutes ends every token of the caller)."""

        token = None

        def get(self, case, context):
            if self.token is None:
                with app.app_context():
                    self.token, _ = accounts.issue_token(_db.session, _db.session.merge(user), current_time())
                    _db.session.commit()
            token = self.token
            if case.operation.path in ENDS_TOKENS:
                self.token = None
            return token

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    @schema.hook("filter_failure")
    def keep(context, failure, case, response):
        operation = f"{case.method.upper()} {case.operation.path}"
        if type(failure).__name__ == "RejectedPositiveData" and response.status_code == 422:
            answer = json.loads(response.content or b"{}")
            why = _practice(answer.get("fields") or {"": [answer.get("error", "")]})
            if why:
                figures[f"refused_{why}"] += 1
                return False
        findings.append(f"{operation}: {failure.title}: {response.status_code} {response.content[:300]!r} "
                        f"to {case.query or ''} {json.dumps(case.body, default=str)[:300] if case.body else ''}")
        return True

    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            figures["cases"] += len(event.recorder.cases)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            findings.append(f"schemathesis could not run {getattr(event, 'label', 'at all')}: "
                            f"{event.info.format()[:600] if hasattr(event, 'info') else event.exception!r}")
    figures["operations"] = len(list(schema.get_all_operations()))
    return figures, findings


# The ordinary suite (and CI, which runs it on both databases) asks as one role on each database,
# the two roles between them; with the full counts, both roles on whichever database is used.
ROLE_ON = {"sqlite": "manager", "postgresql": "worker"}


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_schemathesis_with_every_check_finds_nothing(app, world, role):
    if not full() and ROLE_ON[_db.engine.dialect.name] != role:
        pytest.skip(f"asked as the {role} on the other database (CASEWORK_TRUST_FULL=1 asks both here)")
    people, _ids = world
    # Referrals opened by the run number on from past the world's own references.
    _db.session.add(ReferenceCounter(year=local_date(current_time()).year, last_number=9000))
    _db.session.commit()
    started = time.monotonic()
    with _serving(app) as url:
        figures, findings = _run(app, people[role], url)
    record("api_contract", role=role, seconds=round(time.monotonic() - started, 1), findings=len(findings),
           bound_ok=not findings, **figures)
    assert figures["operations"] > 40 and figures["cases"] > figures["operations"]
    assert not findings, "\n".join(findings[:30])
