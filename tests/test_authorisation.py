"""Who may use what: every route of the application, for every kind of caller.

The table lists each route and method with the policy it follows; a route missing from the
table fails the suite, so a new page or endpoint cannot ship without deciding who may use it.
Each cell makes the real request (an empty form or JSON body: authorisation comes before
validation) and checks the answer class: OK (anything but the refusals below), LOGIN (sent to
sign in, or 401 from the API), 403 (role not allowed) or 404 (outside the caller's scope)."""
import pytest

from casework.models import Carer, Flag, Notification, Transfer

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
    # a manager's decision on one family: scope first (a colleague or another team's manager
    # gets 404), then the role (the family's own worker gets 403)
    "manager_family": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=NOT_FOUND, manager=OK, other_manager=NOT_FOUND, admin=FORBIDDEN),
    # a manager's own team as a whole (caseloads, transfers offered to it)
    "manager_only": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=OK, admin=FORBIDDEN),
    # a manager's page about one record of their team (a family, a flag, a worker): any
    # worker 403 (the role first), another team's manager 404
    "manager_record": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=NOT_FOUND, admin=FORBIDDEN),
    # a transfer offered to the manager's team: only that team's manager may decide
    "incoming_transfer": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=NOT_FOUND, admin=FORBIDDEN),
    # something of the caller's own (a notification of the worker's): nobody else's, admins' included
    "own_record": dict(anonymous=LOGIN, worker=OK, colleague=NOT_FOUND, manager=NOT_FOUND, other_manager=NOT_FOUND, admin=NOT_FOUND),
    # reports: a manager's own team, an admin's whole service (aggregate only); workers 403
    "reports": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=OK, admin=OK),
    # users and teams
    "administration": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=FORBIDDEN, other_manager=FORBIDDEN, admin=OK),
}

ROUTES = {
    ("GET", "/static/<path:filename>"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/login/code"): "public",
    ("POST", "/login/code"): "public",
    ("GET", "/account/two-factor"): "signed_in",
    ("POST", "/account/two-factor"): "signed_in",
    ("POST", "/account/two-factor/disable"): "signed_in",
    ("POST", "/session/keep-alive"): "signed_in",
    ("POST", "/admin/users/<int:user_id>/two-factor/reset"): "administration",
    # Server-side drafts: a form of one family (form_key names it)
    ("POST", "/drafts/<form_key>"): "family_record",
    ("POST", "/drafts/<form_key>/discard"): "family_record",
    ("GET", "/"): "signed_in",
    ("POST", "/logout"): "signed_in",
    ("GET", "/account/password"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("GET", "/admin/users"): "administration",
    ("GET", "/admin/users/new"): "administration",
    ("POST", "/admin/users/new"): "administration",
    ("POST", "/admin/teams"): "administration",
    ("POST", "/admin/training"): "administration",
    ("POST", "/admin/training/remove"): "administration",
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
    ("GET", "/families/<int:family_id>/reviews/new"): "family_record",
    ("POST", "/families/<int:family_id>/reviews/new"): "family_record",
    ("POST", "/families/<int:family_id>/reopen"): "manager_family",
    ("GET", "/families/<int:family_id>/children/new"): "family_record",
    ("POST", "/families/<int:family_id>/children/new"): "family_record",
    ("GET", "/children/<int:child_id>/edit"): "family_record",
    ("POST", "/children/<int:child_id>/edit"): "family_record",
    ("GET", "/families/<int:family_id>/carers/new"): "family_record",
    ("POST", "/families/<int:family_id>/carers/new"): "family_record",
    ("GET", "/carers/<int:carer_id>/edit"): "family_record",
    ("POST", "/carers/<int:carer_id>/edit"): "family_record",
    ("GET", "/visits/<int:visit_id>/correct"): "family_record",
    ("POST", "/visits/<int:visit_id>/correct"): "family_record",
    ("GET", "/ratings/<int:rating_id>/correct"): "family_record",
    ("POST", "/ratings/<int:rating_id>/correct"): "family_record",
    ("GET", "/families/<int:family_id>/chronology"): "family_record",
    ("GET", "/families/<int:family_id>/plan"): "family_record",
    ("GET", "/notifications"): "signed_in",
    ("POST", "/notifications/read"): "signed_in",
    ("POST", "/notifications/<int:notification_id>/read"): "own_record",
    # A manager's pages (views/caseload.py)
    ("GET", "/team"): "manager_only",
    ("GET", "/team/caseload"): "manager_only",
    ("GET", "/team/caseload/chart.svg"): "manager_only",
    ("GET", "/team/families.csv"): "manager_only",
    ("GET", "/families/<int:family_id>/allocate"): "manager_record",
    ("POST", "/families/<int:family_id>/allocate"): "manager_record",
    ("GET", "/families/<int:family_id>/transfer"): "manager_record",
    ("POST", "/families/<int:family_id>/transfer"): "manager_record",
    ("GET", "/team/transfers"): "manager_only",
    ("POST", "/team/transfers/<int:transfer_id>/accept"): "incoming_transfer",
    ("POST", "/team/transfers/<int:transfer_id>/decline"): "incoming_transfer",
    ("GET", "/team/closures"): "manager_only",
    ("POST", "/families/<int:family_id>/closure/approve"): "manager_record",
    ("POST", "/families/<int:family_id>/closure/return"): "manager_record",
    ("GET", "/team/flags"): "manager_only",
    ("POST", "/team/flags/acknowledge"): "manager_only",
    ("POST", "/flags/<int:flag_id>/acknowledge"): "family_record",
    ("POST", "/flags/<int:flag_id>/resolve"): "manager_record",
    ("GET", "/team/workers/<int:user_id>"): "manager_record",
    # Assessments (views/assessments.py) and reports (views/reports.py)
    ("GET", "/families/<int:family_id>/assessments"): "family_record",
    ("GET", "/families/<int:family_id>/assessments/chart.svg"): "family_record",
    ("GET", "/families/<int:family_id>/assessments/new"): "family_record",
    ("POST", "/families/<int:family_id>/assessments/new"): "family_record",
    ("GET", "/reports/outcomes"): "reports",
    ("GET", "/reports/outcomes/chart.svg"): "reports",
    ("GET", "/reports"): "reports",
    ("GET", "/reports/outcomes/domains-chart.svg"): "reports",
    ("GET", "/reports/outcomes/print"): "reports",
    # the families behind a figure: a manager's own team; admins see figures only (403)
    ("GET", "/reports/outcomes/families"): "manager_only",
    ("GET", "/reports/outcomes.csv"): "reports",
    ("GET", "/reports/sustained"): "reports",
    ("GET", "/reports/local-area"): "reports",
    ("GET", "/reports/local-area.csv"): "reports",
    # Data protection (views/records.py): subject access, retention, legal hold, anonymising
    ("GET", "/families/<int:family_id>/subject-access"): "manager_record",
    ("GET", "/families/<int:family_id>/subject-access.json"): "manager_record",
    ("GET", "/children/<int:child_id>/subject-access"): "manager_record",
    ("GET", "/children/<int:child_id>/subject-access.json"): "manager_record",
    ("GET", "/records/retention"): "manager_only",
    ("GET", "/families/<int:family_id>/retention"): "manager_record",
    ("POST", "/families/<int:family_id>/legal-hold"): "manager_record",
    ("POST", "/families/<int:family_id>/legal-hold/lift"): "manager_record",
    ("POST", "/families/<int:family_id>/anonymise"): "manager_record",
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
    ("POST", "/api/v1/families/<int:family_id>/reviews"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/chronology"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/closure/approve"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/closure/return"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/reopen"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/allocation"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/transfer"): "manager_family",
    ("GET", "/api/v1/children/matches"): "case_work",
    ("PATCH", "/api/v1/visits/<int:visit_id>"): "family_record",
    ("PATCH", "/api/v1/ratings/<int:rating_id>"): "family_record",
    ("GET", "/api/v1/flags"): "case_work",
    ("POST", "/api/v1/flags/<int:flag_id>/acknowledge"): "family_record",
    ("POST", "/api/v1/flags/<int:flag_id>/resolve"): "manager_family",
    ("GET", "/api/v1/notifications"): "signed_in",
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): "own_record",
    ("GET", "/api/v1/caseload"): "manager_only",
    ("GET", "/api/v1/reports/outcomes"): "reports",
    ("GET", "/api/v1/reports/local-area"): "reports",
    ("GET", "/api/v1/families/<int:family_id>/subject-access"): "manager_family",
    ("GET", "/api/v1/children/<int:child_id>/subject-access"): "manager_family",
    ("GET", "/api/v1/transfers"): "manager_only",
    ("POST", "/api/v1/transfers/<int:transfer_id>/accept"): "incoming_transfer",
    ("POST", "/api/v1/transfers/<int:transfer_id>/decline"): "incoming_transfer",
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
    """One family held by ``worker``, with a goal, a rating, a visit, an open flag and a
    notification for the worker; and a family of another team offered to ``manager``'s team."""
    family = FamilyFactory(worker=worker)
    goal = GoalFactory(family=family)
    rating = RatingFactory(goal=goal)
    visit = VisitFactory(family=family)
    other_manager = UserFactory(team=other_team, role="manager", email="otto@example.org")
    flag = Flag(family=family, rule="no_access", subject_key="family", severity="medium",
                message="Two visits in a row without access.", raised_on=family.opened_on)
    notification = Notification(user=worker, kind="allocated", family_id=family.id, key="world",
                                message=f"{family.reference} has been allocated to you.",
                                created_on=family.opened_on)
    offered = FamilyFactory(worker=UserFactory(team=other_team, email="owen@example.org"))
    carer = Carer(family=family, first_name="Dana", relationship_to_children="Mother")
    db.session.add_all([flag, notification, carer])
    db.session.flush()
    transfer = Transfer(family_id=offered.id, from_team_id=other_team.id, to_team_id=manager.team_id,
                        requested_by_id=other_manager.id, reason="The family moved.")
    db.session.add(transfer)
    db.session.flush()
    people = dict(worker=worker, colleague=colleague, manager=manager, other_manager=other_manager, admin=admin)
    ids = dict(family_id=family.id, goal_id=goal.id, visit_id=visit.id, user_id=colleague.id, filename="casework.css",
               rating_id=rating.id, flag_id=flag.id, notification_id=notification.id, transfer_id=transfer.id,
               child_id=family.children[0].id, carer_id=carer.id, form_key=f"visit:new:family:{family.id}")
    db.session.commit()
    return people, ids


def _path(rule, ids):
    path = rule
    for name, value in ids.items():
        for converter in ("int", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
        path = path.replace(f"<{name}>", str(value))
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
