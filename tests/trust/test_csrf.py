"""Trust check: forged requests. Every state-changing page route (a POST, PUT, PATCH or
DELETE outside /api/, read from the application's URL map now) is sent by a signed-in user
who may use it, once without a CSRF token and once with a valid token from another person's
session: each must be refused with 400 and change nothing. Then the same request with the
user's own token must get past the check (so the refusals are the token's doing).

And no GET changes anything: every GET route of the pages and of the API, with the real ids
of a populated world, asked by every caller the policy lets in (and a stranger), leaves every
table as it was, apart from this bookkeeping (``web.BOOKKEEPING_*``): the audit trail (reads
of case records and refusals are audited on purpose), the sign-in attempts, and a session's
``last_seen_at`` (the idle time-out counts from the last request).

The JSON API is not tried for CSRF: no cookie authenticates it (tests/test_api_auth.py).

Figures: state-changing routes tried, forgeries accepted (0); GET routes tried, requests,
changes (0)."""
from __future__ import annotations

import re

import pytest

from casework.extensions import db as _db

from ..factories import PASSWORD
from ..helpers import _path
from ..route_policies import OK
from .figures import record
from .web import (
    MIRROR,
    STATE_CHANGING,
    app_routes,
    call,
    checksum,
    is_api,
    object_placeholders,
    policy,
    post_forms,
    signed_in_client,
    table_digests,
)

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
REFUSED_TITLE = "Your form could not be sent"


@pytest.fixture
def csrf_on(app):
    """The suite's configuration switches CSRF off; this switches it on for one test."""
    before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = before


def _token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = TOKEN.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


def _sign_in(app, user, remote_addr):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote_addr
    token = _token(client)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], response.status_code
    return client


def _form_body(client, path) -> dict:
    """What the page at ``path`` would post (first offered value of each field), when the
    route has a page; the forged request is then a real form minus a good token."""
    response = client.get(path)
    if response.status_code != 200 or "html" not in response.content_type:
        return {}
    forms = [form for form in post_forms(response.get_data(as_text=True))
             if form["action"] in ("", path) or form["action"].startswith(path + "?")]
    if not forms:
        return {}
    return {name: (field["values"][0] if field["values"] else "Forged")
            for name, field in forms[0]["fields"].items()
            if name != "csrf_token" and field["kind"] not in ("submit",)}


def _refused(response) -> bool:
    return response.status_code == 400 and REFUSED_TITLE in response.get_data(as_text=True)


def test_no_state_changing_page_accepts_a_missing_or_foreign_token(app, csrf_on, world):
    people, ids = world
    routes = [(m, r) for m, r in app_routes(app) if m in STATE_CHANGING and not is_api(r)]
    assert routes, "no state-changing page routes found"
    attacker = _sign_in(app, people["colleague"], "10.0.0.66")
    foreign = _token(attacker, "/account/password")
    failures, controls_refused = [], []
    for method, rule in routes:
        allowed = policy(method, rule)
        role = next((r for r in ("worker", "manager", "admin") if allowed and allowed[r] == OK), "worker")
        path = _path(rule, ids)
        if allowed and allowed["anonymous"] == OK:
            victim = app.test_client()
            own = _token(victim)
        else:
            victim = _sign_in(app, people[role], "10.0.0.1")
            own = _token(victim, "/account/password")
        body = _form_body(victim, path) if "<" not in path else {}
        for label, token in (("no token", None), ("another session's token", foreign)):
            data = dict(body)
            if token:
                data["csrf_token"] = token
            before = checksum()
            response = victim.open(path, method=method, data=data)
            changed = checksum() != before
            if not _refused(response) or changed:
                failures.append(f"{method} {path} with {label}: {response.status_code}"
                                + (", and the database changed" if changed else ""))
        # The control: the same request with the victim's own token is not refused for it.
        response = victim.open(path, method=method, data={**body, "csrf_token": own})
        if _refused(response):
            controls_refused.append(f"{method} {path}")
    record("csrf", routes=len(routes), attempts=2 * len(routes), accepted=len(failures),
           bound_ok=not failures and not controls_refused)
    assert not failures, "\n".join(failures)
    assert not controls_refused, f"refused even with the right token: {controls_refused}"


def test_no_get_changes_the_database(app, world, other_world):
    people, own_ids = world
    routes = [(m, r) for m, r in app_routes(app) if m == "GET"]
    browsers, tokens = {}, {}

    def caller(role, api):
        if role == "anonymous":
            return app.test_client(), None
        if api:
            if role not in tokens:
                response = app.test_client().post("/api/v1/tokens",
                                                  json={"email": people[role].email, "password": PASSWORD})
                tokens[role] = response.get_json()["token"]
            return app.test_client(), tokens[role]
        if role not in browsers:
            browsers[role] = signed_in_client(app, people[role])
        return browsers[role], None

    for role in ("worker", "colleague", "manager", "other_manager", "admin"):
        caller(role, True), caller(role, False)  # every sign-in before the first digest
    _db.session.commit()
    changes, crashes, requests = [], [], 0
    after = table_digests()
    for _, rule in routes:
        allowed = policy("GET", rule)
        objects = [("own", own_ids)]
        if object_placeholders(rule):
            objects.append(("other", other_world))
        for which, ids in objects:
            path = _path(rule, ids)
            for role in ("anonymous", "worker", "colleague", "manager", "other_manager", "admin"):
                asked = role if which == "own" else MIRROR[role]
                if role != "anonymous" and allowed is not None and allowed[asked] != OK:
                    continue  # a refusal is checked below, once, as a stranger's
                client, token = caller(role, is_api(rule))
                before = after
                try:
                    call(client, "GET", path, api=is_api(rule), token=token)
                except Exception as error:  # noqa: BLE001  (a crash is reported, the loop goes on)
                    _db.session.rollback()
                    crashes.append(f"{role} GET {path}: {error!r}")
                after = table_digests()
                requests += 1
                if after != before:
                    tables = sorted(name for name in before if before[name] != after.get(name))
                    changes.append(f"{role} GET {path}: changed {tables}")
    # The control: a POST that does change something shows in the digest.
    client, _ = caller("worker", False)
    before = table_digests()
    client.post("/notifications/read")
    assert table_digests()["notifications"] != before["notifications"], "the digest missed a change"
    record("get_changes_nothing", routes=len(routes), requests=requests, changes=len(changes),
           crashes=len(crashes), bound_ok=not changes and not crashes)
    assert not changes, "\n".join(changes)
    assert not crashes, "\n".join(crashes)
