"""Who may use what: every route of the application, for every kind of caller.

The table (ROUTES in tests/route_policies.py) lists each route and method with the policy it
follows; a route missing from the table fails the suite, so a new page or endpoint cannot ship
without deciding who may use it. The world the requests are made in is the ``world`` fixture.
Each cell makes the real request, from a client of its own (an empty form or JSON body: authorisation comes before
validation) and checks the answer class: OK (anything but the refusals below), LOGIN (sent to
sign in, or 401 from the API), 403 (role not allowed) or 404 (outside the caller's scope)."""
import pytest

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
    nothing). Each caller a change is allowed to gets a world of its own."""
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


def _ask(app, people, role, method, rule, path):
    """The answer class ``role`` gets, from a browser (or API client) of its own."""
    client = app.test_client()
    is_api = rule.startswith("/api/")
    headers = {}
    if role != "anonymous":
        _db.session.commit()
        if is_api:
            token = client.post("/api/v1/tokens", json={"email": people[role].email, "password": PASSWORD})
            assert token.status_code == 201, token.get_data(as_text=True)
            headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        elif rule not in ("/login",):
            sign_in(client, people[role])
    kwargs = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json" if is_api else "data"] = {}
    response = client.open(path, method=method, **kwargs)
    return response.status_code, _answer_class(response, is_api)


@pytest.mark.parametrize("method, rule, roles", _cells())
def test_who_may_use_each_route(app, world, method, rule, roles):
    people, ids = world
    path = _path(rule, ids)
    wrong = []
    for role in roles:
        status, answer = _ask(app, people, role, method, rule, path)
        if answer != expected(method, rule, role):
            wrong.append(f"{role} {method} {path} answered {status}, expected {expected(method, rule, role)}")
    assert wrong == [], "\n".join(wrong)
