"""Who may use what: every route of the application, for every kind of caller.

The table (ROUTES in tests/route_policies.py) lists each route and method with the policy it
follows; a route missing from the table fails the suite, so a new page or endpoint cannot ship
without deciding who may use it. The world the requests are made in is the ``world`` fixture.
Each cell makes the real request, from a client of its own (an empty form or JSON body: authorisation comes before
validation) and checks the answer class: OK (anything but the refusals below), LOGIN (sent to
sign in, or 401 from the API), 403 (role not allowed) or 404 (outside the caller's scope).
The callers a POST, PATCH or DELETE must refuse share one world, and the world is checked
unchanged after them."""
import functools

import pytest
from sqlalchemy import String, cast, func, literal, null, select, union_all

from casework.extensions import db as _db

from .conftest import PASSWORD
from .helpers import _answer_class, _path, sign_in
from .route_policies import OK, PARTNER_ROLES, ROLES, ROUTES, expected


def _app_routes(app):
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_table(app):
    missing = sorted(_app_routes(app) - set(ROUTES))
    assert missing == [], f"decide who may use these, and add them to ROUTES: {missing}"
    stale = sorted(set(ROUTES) - _app_routes(app))
    assert stale == [], f"these routes no longer exist: {stale}"


def _cells():
    """The table's cells, grouped so that one world serves every cell that cannot change it: all
    the callers of a GET, and every caller a POST, PATCH or DELETE must refuse (a refusal changes
    nothing: the test checks it). Each caller a change is allowed to gets a world of its own."""
    for method, rule in sorted(ROUTES):
        roles = ROLES + PARTNER_ROLES
        if method == "GET":
            yield pytest.param(method, rule, roles, id=f"{method}-{rule}")
            continue
        refused = tuple(role for role in roles if expected(method, rule, role) != OK)
        if refused:
            yield pytest.param(method, rule, refused, id=f"{method}-{rule}-refused")
        for role in roles:
            if role not in refused:
                yield pytest.param(method, rule, (role,), id=f"{method}-{rule}-{role}")


def _caller(app, people, role, rule):
    """A browser (or API client) of ``role``'s own, signed in, and the headers it sends."""
    client = app.test_client()
    headers = {}
    if role != "anonymous":
        _db.session.commit()
        if rule.startswith("/api/"):
            token = client.post("/api/v1/tokens", json={"email": people[role].email, "password": PASSWORD})
            assert token.status_code == 201, token.get_data(as_text=True)
            headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        elif rule not in ("/login",):
            sign_in(client, people[role])
    return client, headers


def _ask(caller, method, rule, path):
    """The status and answer class a caller (from ``_caller``) gets."""
    client, headers = caller
    is_api = rule.startswith("/api/")
    kwargs = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json" if is_api else "data"] = {}
    response = client.open(path, method=method, **kwargs)
    return response.status_code, _answer_class(response, is_api)


# What a refused request may write: the audit trail records each refusal (security.py), and
# signing in, sessions and API tokens are written for any caller, refused or not. Every other
# table is the world a refusal must leave as it was.
MAY_WRITE = frozenset({"audit_events", "login_attempts", "user_sessions", "pending_sign_ins", "api_tokens"})


@functools.cache
def _fingerprint_statement():
    """One statement: each table's rows, highest id and sum of versions, which an insert, a
    delete or an update of a versioned row changes (as text: the tables' ids differ in type)."""
    def column(table, name, aggregate):
        return cast(aggregate(table.c[name]), String) if name in table.c else null()

    return union_all(*(
        select(literal(table.name), func.count(), column(table, "id", func.max), column(table, "version", func.sum))
        .select_from(table)
        for table in _db.metadata.sorted_tables if table.name not in MAY_WRITE))


def _fingerprint() -> dict[str, tuple]:
    with _db.engine.connect() as connection:
        return {name: tuple(rest) for name, *rest in connection.execute(_fingerprint_statement())}


@pytest.mark.parametrize("method, rule, roles", list(_cells()))
def test_who_may_use_each_route(app, world, method, rule, roles):
    people, ids = world
    path = _path(rule, ids)
    callers = {role: _caller(app, people, role, rule) for role in roles}  # signed in before the world is read
    refusing = method != "GET" and all(expected(method, rule, role) != OK for role in roles)
    before = _fingerprint() if refusing else None
    wrong = []
    for role, caller in callers.items():
        status, answer = _ask(caller, method, rule, path)
        if answer != expected(method, rule, role):
            wrong.append(f"{role} {method} {path} answered {status}, expected {expected(method, rule, role)}")
    assert wrong == [], "\n".join(wrong)
    if refusing:
        after = _fingerprint()
        changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        assert changed == {}, f"refused, {method} {path} still wrote (rows, highest id, versions): {changed}"
