"""Who may use what: every route of the application, for every kind of caller.

The table (ROUTES in tests/route_policies.py) lists each route and method with the policy it
follows; a route missing from the table fails the suite, so a new page or endpoint cannot ship
without deciding who may use it. The world the requests are made in is the ``world`` fixture.
Each cell makes the real request (an empty form or JSON body: authorisation comes before
validation) and checks the answer class: OK (anything but the refusals below), LOGIN (sent to
sign in, or 401 from the API), 403 (role not allowed) or 404 (outside the caller's scope)."""
import pytest

from .helpers import _answer_class, _path
from .route_policies import PARTNER_ROLES, ROLES, ROUTES, expected


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


@pytest.mark.parametrize("role", ROLES + PARTNER_ROLES)
@pytest.mark.parametrize("method, rule", sorted(ROUTES))
def test_who_may_use_each_route(app, client, login, api, world, method, rule, role):
    people, ids = world
    path = _path(rule, ids)
    is_api = rule.startswith("/api/")
    headers = {}
    if role != "anonymous":
        if is_api:
            headers = api(people[role]).headers
        elif rule not in ("/login",):
            login(people[role])
    kwargs = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json" if is_api else "data"] = {}
    response = client.open(path, method=method, **kwargs)
    answer = expected(method, rule, role)
    assert _answer_class(response, is_api) == answer, (
        f"{role} {method} {path} answered {response.status_code}, expected {answer}"
    )
