"""Trust check: the authorisation matrix. Every route and method of the application, for
every kind of caller (anonymous, a worker, another worker, a manager, another team's manager,
an admin, and a deactivated user), on the caller's own objects and on someone else's.

The routes and the policy each follows come from ``tests/route_policies.py`` (ROUTES and
POLICIES, read when this module is imported, so rows added there are tried here too).
``tests/test_authorisation.py`` asks each role about the world's own objects; this one adds:

- **someone else's objects**: the same kinds of record in another team (``other_world``). A
  role's answer there is the policy's answer for the role that stands to those records as it
  stands to its own (``MIRROR``): to North's manager a South family is what a North family is
  to South's manager.
- **a deactivated user**: a manager and an admin who signed in (and took an API token) while
  active, then were deactivated without their sessions being ended, so only the check on the
  account itself stands between them and the records. They must be treated as strangers.

With the full counts (CASEWORK_TRUST_FULL=1) it asks every cell: the six roles about their
own objects too (so the figure covers the whole matrix), both deactivated users, and strangers
about others' objects. The ordinary suite leaves the own-object cells to
``tests/test_authorisation.py``, which runs beside it, and asks only the deactivated manager,
and strangers only about the own objects.

Figure: routes covered (all of the application's), cases tried, unexpected allows (0)."""
from __future__ import annotations

import pytest

from casework.extensions import db as _db

from ..factories import UserFactory
from ..helpers import _answer_class, _path
from ..route_policies import OK, PARTNER_ROLES, POLICIES, ROLES, ROUTES
from ..route_policies import expected as expected_answer
from .figures import full, record
from .web import (
    MIRROR,
    api_token,
    app_routes,
    call,
    client_with_cookie,
    is_api,
    object_placeholders,
    session_cookie,
    signed_in_client,
)

# The admin last: an admin's allowed POST (deactivating a user, resetting a password) ends
# that user's sessions, which would spoil the cells of the roles asked after it.
ORDER = ("anonymous", "worker", "colleague", "manager", "other_manager", *PARTNER_ROLES, "deactivated", "admin")

_results = {"routes": set(), "cases": 0, "unexpected_allows": [], "mismatches": [], "no_other_object": set()}


def _deactivated_callers(app, people):
    """A manager of North and (with the full counts) an admin, signed in and holding tokens,
    then deactivated."""
    manager = people["manager"]
    callers = []
    identities = (("dee@example.org", "manager", manager.team), ("dan@example.org", "admin", None))
    for email, role, team in identities if full() else identities[:1]:
        user = UserFactory(email=email, role=role, team=team)
        _db.session.commit()
        browser = signed_in_client(app, user)
        cookie = session_cookie(browser)
        token = api_token(app, user)
        # The credentials work while the account is active: what refuses them below is the
        # deactivation alone.
        assert client_with_cookie(app, cookie).get("/account/password").status_code == 200
        assert call(app.test_client(), "GET", "/api/v1/me", token=token).status_code == 200
        user.active = False  # set directly: its sessions and tokens are deliberately left alive
        _db.session.commit()
        callers.append((email, cookie, token))
    return callers


@pytest.mark.parametrize("method, rule", sorted(ROUTES))
def test_every_caller_on_own_and_other_objects(app, world, other_world, method, rule):
    people, own_ids = world
    api = is_api(rule)
    allowed = POLICIES[ROUTES[(method, rule)]]
    names = object_placeholders(rule)
    objects = [("own", own_ids)]
    if names:
        if names <= set(other_world):
            objects.append(("other", other_world))
        else:
            _results["no_other_object"].add(rule)
    deactivated = _deactivated_callers(app, people)
    browsers, tokens = {}, {}

    def ask(role, path, cookie=None, token=None):
        if api:
            if role not in ("anonymous", "deactivated") and role not in tokens:
                tokens[role] = api_token(app, people[role])
            return call(app.test_client(), method, path, api=True, token=token or tokens.get(role))
        if cookie is not None:
            client = client_with_cookie(app, cookie)
        elif role == "anonymous" or rule == "/login":
            client = app.test_client()
        else:
            if role not in browsers:
                browsers[role] = signed_in_client(app, people[role])
            client = browsers[role]
        return call(client, method, path)

    mismatches = []
    for role in ORDER:
        for which, ids in objects:
            if not full() and role in ROLES + PARTNER_ROLES and which == "own":
                continue  # asked by tests/test_authorisation.py in the same suite
            if not full() and role in ("anonymous", "deactivated") and which == "other":
                continue  # refused before any record is looked up, as the own object shows
            path = _path(rule, ids)
            if role == "deactivated":
                cells = [(f"deactivated {email}", allowed["anonymous"], dict(cookie=cookie, token=token))
                         for email, cookie, token in deactivated]
            elif role in PARTNER_ROLES:
                # another family's objects are never shared with the world's partners
                cells = [(role, expected_answer(method, rule, role, shared=which == "own"), {})]
            else:
                answer = allowed[role] if which == "own" else allowed[MIRROR[role]]
                cells = [(role, answer, {})]
            for who, expected, credentials in cells:
                response = ask(role, path, **credentials)
                got = _answer_class(response, api)
                _results["cases"] += 1
                if got != expected:
                    line = f"{who} {method} {path} ({which} object): {response.status_code}, expected {expected}"
                    mismatches.append(line)
                    if got == OK:
                        _results["unexpected_allows"].append(line)
    _results["routes"].add((method, rule))
    _results["mismatches"].extend(mismatches)
    assert not mismatches, "\n".join(mismatches)


def test_the_matrix_covered_every_route(app):
    """Runs after the cells above: every route of the application was asked, no one was let
    in where the policy says no."""
    routes = set(app_routes(app))
    covered = routes & _results["routes"]
    record("authorisation", routes=f"{len(covered)}/{len(routes)}", cases=_results["cases"],
           unexpected_allows=len(_results["unexpected_allows"]), mismatches=len(_results["mismatches"]),
           routes_without_other_object=len(_results["no_other_object"]),
           bound_ok=covered == routes and not _results["unexpected_allows"])
    assert covered == routes, f"routes never asked: {sorted(routes - covered)}"
    assert not _results["unexpected_allows"], "\n".join(_results["unexpected_allows"])
    assert not _results["no_other_object"], (
        f"add these routes' ids to other_world in tests/trust/web.py: {sorted(_results['no_other_object'])}")
