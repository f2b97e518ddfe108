"""Who may use what: every route of the application, for every kind of caller.

The table lists each route and method with the policy it follows; a route missing from the
table fails the suite, so a new page or endpoint cannot ship without deciding who may use it.
Each cell makes the real request (an empty form or JSON body: authorisation comes before
validation) and checks the answer class: OK (anything but the refusals below), LOGIN (sent to
sign in, or 401 from the API), 403 (role not allowed) or 404 (outside the caller's scope)."""
import pytest

from .factories import FamilyFactory, GoalFactory, RatingFactory, UserFactory, VisitFactory

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404
ROLES = ("anonymous", "worker", "colleague", "manager", "other_manager", "admin")

POLICIES = {
    # everyone, signed in or not
    "public": dict(anonymous=OK, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=OK),
    # anyone signed in
    "signed_in": dict(anonymous=LOGIN, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=OK),
    # case work, within the caller's own scope (lists and new referrals)
    "case_work": dict(anonymous=LOGIN, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=FORBIDDEN),
    # one family's record: its worker and their manager only
    "family_record": dict(anonymous=LOGIN, worker=OK, colleague=NOT_FOUND, manager=OK, other_manager=NOT_FOUND, admin=FORBIDDEN),
    # users and teams
    "administration": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=FORBIDDEN, other_manager=FORBIDDEN, admin=OK),
}

ROUTES = {
    ("GET", "/static/<path:filename>"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/"): "signed_in",
    ("POST", "/logout"): "signed_in",
    ("GET", "/account/password"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("GET", "/admin/users"): "administration",
    ("GET", "/admin/users/new"): "administration",
    ("POST", "/admin/users/new"): "administration",
    ("POST", "/admin/teams"): "administration",
    ("POST", "/admin/users/<int:user_id>/activate"): "administration",
    ("POST", "/admin/users/<int:user_id>/deactivate"): "administration",
    ("GET", "/admin/users/<int:user_id>/password"): "administration",
    ("POST", "/admin/users/<int:user_id>/password"): "administration",
    ("GET", "/families"): "case_work",
    ("GET", "/families/new"): "case_work",
    ("POST", "/families/new"): "case_work",
    ("GET", "/families/<int:family_id>"): "family_record",
    ("GET", "/families/<int:family_id>/edit"): "family_record",
    ("POST", "/families/<int:family_id>/edit"): "family_record",
    ("GET", "/families/<int:family_id>/phase"): "family_record",
    ("POST", "/families/<int:family_id>/phase"): "family_record",
    ("GET", "/families/<int:family_id>/visits/new"): "family_record",
    ("POST", "/families/<int:family_id>/visits/new"): "family_record",
    ("GET", "/families/<int:family_id>/goals/new"): "family_record",
    ("POST", "/families/<int:family_id>/goals/new"): "family_record",
    ("GET", "/goals/<int:goal_id>"): "family_record",
    ("GET", "/goals/<int:goal_id>/chart.svg"): "family_record",
    ("GET", "/goals/<int:goal_id>/edit"): "family_record",
    ("POST", "/goals/<int:goal_id>/edit"): "family_record",
    ("POST", "/goals/<int:goal_id>/ratings"): "family_record",
    ("POST", "/goals/<int:goal_id>/status"): "family_record",
    # The JSON API
    ("GET", "/api/v1/openapi.json"): "public",
    ("POST", "/api/v1/tokens"): "public",
    ("DELETE", "/api/v1/tokens/current"): "signed_in",
    ("GET", "/api/v1/me"): "signed_in",
    ("GET", "/api/v1/families"): "case_work",
    ("POST", "/api/v1/families"): "case_work",
    ("GET", "/api/v1/families/<int:family_id>"): "family_record",
    ("PATCH", "/api/v1/families/<int:family_id>"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/phase"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/visits"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/visits"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/goals"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/goals"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/reviews"): "family_record",
    ("GET", "/api/v1/visits/<int:visit_id>"): "family_record",
    ("PATCH", "/api/v1/goals/<int:goal_id>"): "family_record",
    ("POST", "/api/v1/goals/<int:goal_id>/progress"): "family_record",
}


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


@pytest.fixture
def world(db, worker, colleague, manager, admin, other_team):
    """One family held by ``worker``, with a goal, a rating and a visit."""
    family = FamilyFactory(worker=worker)
    goal = GoalFactory(family=family)
    RatingFactory(goal=goal)
    visit = VisitFactory(family=family)
    other_manager = UserFactory(team=other_team, role="manager", email="otto@example.org")
    people = dict(worker=worker, colleague=colleague, manager=manager, other_manager=other_manager, admin=admin)
    ids = dict(family_id=family.id, goal_id=goal.id, visit_id=visit.id, user_id=colleague.id, filename="casework.css")
    db.session.commit()
    return people, ids


def _path(rule, ids):
    path = rule
    for name, value in ids.items():
        for converter in ("int", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    return path


def _answer_class(response, api):
    # Flask-Login sends a stranger to /login?next=...; signing out also ends at /login, but
    # without ``next``.
    sent_to_sign_in = response.status_code == 302 and "/login?next=" in response.headers["Location"]
    if response.status_code == 401 or (not api and sent_to_sign_in):
        return LOGIN
    if response.status_code in (403, 404):
        return response.status_code
    return OK


@pytest.mark.parametrize("role", ROLES)
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
    expected = POLICIES[ROUTES[(method, rule)]][role]
    assert _answer_class(response, is_api) == expected, (
        f"{role} {method} {path} answered {response.status_code}, expected {expected}"
    )
