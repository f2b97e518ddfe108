"""Trust check, round two, items 1 and 11: every body and every list is bounded.

- A body over 1 MB answers 413 before it is read: under /api/v1 in the JSON error shape, on the
  pages as a plain page in the site's layout; signed in or not (the sign-in page, the token
  exchange); with a Content-Length header or chunked without one. The test counts the bytes the
  application takes from the request's stream: a 100 MB password is never read into memory.
- Every bounded list (casework/limits.py) at its bound is taken, and one item more answers 422
  naming the field, on the API and on the pages, with nothing saved.
- Reading a form takes work in proportion to its size: the form layer used to walk all the
  form data again for every child of a referral (2,500 children took 11.9 s).
- One request cannot make the daily sweep raise thousands of flags: the largest family the
  service takes raises one flag per child at most.

Figures: the largest body taken (bytes); 413s and the bytes read of the largest refused body;
lists tried at and over their bound; form reads per child; flags raised for the largest family.
The timing of the largest body beside a concurrent reader is measured on a real server, in
test_write_lock.py."""
from __future__ import annotations

import datetime as dt
import io
import json
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from casework import limits
from casework.extensions import db as _db
from casework.forms.case import ReferralForm
from casework.models import Child, Family, Flag, Visit
from casework.services.clock import sweep_time
from casework.services.sweep import run_sweep

from ..factories import FamilyFactory
from ..helpers import assert_error, referral
from .figures import record
from .web import signed_in_client

MB = 1_000_000
_figures: dict = {}


def _limit(app) -> int:
    return app.config["MAX_CONTENT_LENGTH"]


def _people(count: int, kind: str) -> list[dict]:
    if kind == "children":
        return [{"first_name": f"Child{n}", "date_of_birth": f"2015-01-{n % 28 + 1:02d}"} for n in range(count)]
    return [{"first_name": f"Carer{n}", "relationship": "Aunt"} for n in range(count)]


def largest_referral(today) -> dict:
    """The largest referral the service takes: every list at its bound, every text at its
    longest (the forms' own limits)."""
    children = [{"first_name": f"{'C' * 70}{n:02d}", "last_name": "L" * 80, "date_of_birth": "2016-02-29",
                 "school": "S" * 120} for n in range(limits.MAX_CHILDREN)]
    carers = [{"first_name": f"{'P' * 70}{n:02d}", "last_name": "L" * 80, "relationship": "R" * 80}
              for n in range(limits.MAX_CARERS)]
    return referral(today, household_name="H" * 120, referral_source="R" * 120, concerns=list(_concerns()),
                    children=children, carers=carers)


def _concerns():
    from casework.models import CONCERNS

    return CONCERNS


# --- the size of a body -------------------------------------------------------------------------


class Endless(io.RawIOBase):
    """A request body that is made as it is read (nothing is held), counting what was read."""

    def __init__(self, size: int, head: bytes = b""):
        self.size, self.head, self.read_bytes = size, head, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        left = self.size - self.read_bytes
        if left <= 0:
            return 0
        count = min(len(buffer), left)
        start = self.read_bytes
        chunk = (self.head[start:start + count] if start < len(self.head) else b"")
        chunk += b"a" * (count - len(chunk))
        buffer[:count] = chunk
        self.read_bytes += count
        return count


def _huge(app, path, head: bytes, size: int, content_type: str, chunked: bool):
    """POST a body of ``size`` bytes starting with ``head``, made as it is read, straight to the
    WSGI application (in an application context of its own, as each request runs); the answer
    and how many bytes the application read."""
    stream = Endless(size, head)
    environ = EnvironBuilder(path=path, method="POST", content_type=content_type).get_environ()
    environ["wsgi.input"] = stream
    environ["REMOTE_ADDR"] = "10.13.13.13"
    if chunked:  # no Content-Length: the server says it ends the stream itself (as gunicorn does)
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(size)
    _db.session.commit()
    with app.app_context():
        body, status, headers = run_wsgi_app(app, environ, buffered=True)
        response = Response(b"".join(body), status=status, headers=headers)
    return response, stream.read_bytes


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_100_mb_password_is_refused_before_it_is_read(app, world, chunked):
    """Signed in or not: the sign-in page and the token exchange refuse it (413) having read
    nothing (a Content-Length over the limit) or no more than the limit (chunked)."""
    limit = _limit(app)
    size = 100 * MB
    reads = []
    response, read = _huge(app, "/login", b"email=wendy%40example.org&password=", size,
                           "application/x-www-form-urlencoded", chunked)
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "too large" in response.get_data(as_text=True) and 'class="govuk-header' in response.get_data(as_text=True)
    reads.append(read)
    response, read = _huge(app, "/api/v1/tokens", b'{"email": "wendy@example.org", "password": "',
                           size, "application/json", chunked)
    assert_error(response, 413)
    reads.append(read)
    assert max(reads) <= (0 if not chunked else limit + 64 * 1024), reads
    # A body inside the limit, sent the same way, is read whole and answered on its merits.
    small = b'{"email": "wendy@example.org", "password": "not the password"}'
    response, read = _huge(app, "/api/v1/tokens", small, len(small), "application/json", chunked)
    assert_error(response, 401)
    assert read == len(small)
    _figures[f"password_100mb_{'chunked' if chunked else 'sized'}_bytes_read"] = max(reads)


def test_a_body_over_the_limit_answers_413_everywhere(app, world, api, today):
    """Just over the limit: 413 on every kind of route; at the limit, the route's own answer."""
    people, ids = world
    limit = _limit(app)
    token_client = api(people["worker"])
    pages = signed_in_client(app, people["worker"])
    padding = "x" * limit
    over = {"household_name": padding}
    answers = {
        "api write": token_client.post("/api/v1/families", json=over),
        "api patch": token_client.patch(f"/api/v1/families/{ids['family_id']}", json=over),
        "api no body expected": token_client.post(f"/api/v1/flags/{ids['flag_id']}/acknowledge", json=over),
        "unknown api path": token_client.post("/api/v1/nowhere", json=over),
        "page": pages.post("/families/new", data=over),
        "sign in": app.test_client().post("/login", data={"email": "a@b.c", "password": padding}),
        "token": app.test_client().post("/api/v1/tokens", json={"email": "a@b.c", "password": padding}),
    }
    fields = app.config["MAX_FORM_PARTS"]
    answers["a form of too many fields"] = pages.post("/families/new", data=b"a=&" * fields,
                                                      content_type="application/x-www-form-urlencoded")
    started = time.monotonic()
    answers["a megabyte of empty fields"] = app.test_client().post("/login", data=b"a=&" * (limit // 3),
                                                                   content_type="application/x-www-form-urlencoded")
    _figures["empty_fields_refused_seconds"] = round(time.monotonic() - started, 3)
    for name, response in answers.items():
        assert response.status_code == 413, (name, response.status_code)
        if name.startswith(("api", "unknown", "token")):
            assert assert_error(response, 413)["error"] == "The request body is too large.", name
        else:
            assert response.mimetype == "text/html" and "too large" in response.get_data(as_text=True), name
    # At the limit, the body is read and answered on its merits (not 413).
    at_limit = json.dumps({"household_name": ""}).encode()
    at_limit = at_limit[:-1] + b" " * (limit - len(at_limit)) + b"}"
    assert len(at_limit) == limit
    response = token_client.patch(f"/api/v1/families/{ids['family_id']}", data=at_limit,
                                  content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    response = pages.post("/families/new", data=b"a=&" * (fields - 1), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422  # as many fields as a form may have: read, and found wanting
    assert _db.session.scalar(select(func.count(Family.id))) == 2  # nothing saved
    _figures["bodies_over_limit_refused"] = sum(r.status_code == 413 for r in answers.values())
    _figures["limit_bytes"] = limit


# --- the length of every list -------------------------------------------------------------------


def test_a_family_of_the_largest_size_is_taken_and_one_more_is_refused(app, api, worker, today):
    caller = api(worker)
    body = largest_referral(today)
    size = len(json.dumps(body).encode())
    assert size < _limit(app) / 5, size  # far inside the body limit
    created = caller.post("/api/v1/families", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)[:500]
    assert len(created.get_json()["children"]) == limits.MAX_CHILDREN
    assert len(created.get_json()["carers"]) == limits.MAX_CARERS
    families = _db.session.scalar(select(func.count(Family.id)))
    tried = 0
    for name, bound in (("children", limits.MAX_CHILDREN), ("carers", limits.MAX_CARERS)):
        over = {**body, name: _people(bound + 1, name)}
        refused = assert_error(caller.post("/api/v1/families", json=over), 422)
        assert list(refused["fields"]) == [name] and str(bound) in refused["fields"][name][0]
        tried += 1
    # 2,500 children (the report's 139 KB body) and 5,000: refused at once, by name.
    for count in (2_500, 5_000):
        refused = assert_error(caller.post("/api/v1/families", json={**body, "children": _people(count, "children")}),
                               422)
        assert "children" in refused["fields"]
        tried += 1
    concerns = list(_concerns()) + ["housing"]
    refused = assert_error(caller.post("/api/v1/families", json={**body, "concerns": concerns}), 422)
    assert "concerns" in refused["fields"]
    assert _db.session.scalar(select(func.count(Family.id))) == families  # nothing more saved
    _figures["largest_referral_bytes"] = size
    _figures["lists_over_bound_refused"] = tried + 1


def test_a_visit_names_at_most_as_many_children_and_goals_as_a_family_holds(api, worker, today):
    family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))
    caller = api(worker)
    visit = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed"}
    child_ids = [child.id for child in family.children]
    for name, bound in (("children_seen", limits.MAX_CHILDREN_SEEN), ("seen_alone", limits.MAX_CHILDREN_SEEN),
                        ("goals_discussed", limits.MAX_GOALS_DISCUSSED)):
        refused = assert_error(caller.post(f"/api/v1/families/{family.id}/visits",
                                           json={**visit, name: [child_ids[0]] * (bound + 1)}), 422)
        assert list(refused["fields"]) == [name], refused
    assert _db.session.scalar(select(func.count(Visit.id))) == 0
    taken = caller.post(f"/api/v1/families/{family.id}/visits", json={**visit, "children_seen": child_ids})
    assert taken.status_code == 201


def test_the_pages_refuse_a_list_over_its_bound_with_a_form_error(app, world, today):
    people, ids = world
    worker = signed_in_client(app, people["worker"])
    form = {"household_name": "Smith household", "postcode": "LS6 2AB", "referral_date": today.isoformat(),
            "concerns": "housing"}
    for n in range(limits.MAX_CHILDREN + 1):
        form[f"children-{n}-first_name"] = f"Child{n}"
        form[f"children-{n}-date_of_birth"] = "2016-01-01"
    before = _db.session.scalar(select(func.count(Family.id)))
    for extra in ({}, {"add_child": "1"}):
        response = worker.post("/families/new", data={**form, **extra})
        assert response.status_code == 422
        assert f"Add at most {limits.MAX_CHILDREN} children." in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(Family.id))) == before
    # A family already holding the most children takes no more.
    full = FamilyFactory(worker=people["worker"], children=[
        Child(first_name=f"Child{n}", date_of_birth=dt.date(2016, 1, 1)) for n in range(limits.MAX_CHILDREN)])
    _db.session.commit()
    response = worker.post(f"/families/{full.id}/children/new", data={"first_name": "One more",
                                                                      "date_of_birth": "2020-01-01"})
    assert response.status_code == 422 and "already holds 20 children" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(Child.id)).where(Child.family_id == full.id)) == limits.MAX_CHILDREN
    # A manager acknowledges at most MAX_FLAGS_AT_ONCE flags at once.
    manager = signed_in_client(app, people["manager"])
    response = manager.post("/team/flags/acknowledge",
                            data=MultiDict([("flag_ids", str(ids["flag_id"]))] * (limits.MAX_FLAGS_AT_ONCE + 1)))
    assert response.status_code == 422
    assert f"Acknowledge at most {limits.MAX_FLAGS_AT_ONCE} flags at once." in response.get_data(as_text=True)
    assert _db.session.get(Flag, ids["flag_id"]).status == "open"


# --- the form layer reads in proportion to what was sent ----------------------------------------


class CountedMultiDict(MultiDict):
    """Form data that counts each value and key the form layer reads."""

    reads = 0

    def getlist(self, key, type=None):  # noqa: A002 - MultiDict's own signature
        values = super().getlist(key, type)
        CountedMultiDict.reads += max(1, len(values))
        return values

    def __iter__(self):
        for key in super().__iter__():
            CountedMultiDict.reads += 1
            yield key

    def items(self, multi=False):
        for pair in super().items(multi):
            CountedMultiDict.reads += 1
            yield pair


def _form_reads(app, children: int) -> int:
    data = CountedMultiDict({"household_name": "Smith", "postcode": "LS6 2AB", "referral_date": "2026-01-01",
                             "concerns": "housing"})
    for n in range(children):
        data.add(f"children-{n}-first_name", f" Child{n} ")
        data.add(f"children-{n}-date_of_birth", "2016-01-01")
    CountedMultiDict.reads = 0
    with app.test_request_context():
        form = ReferralForm(formdata=data, meta={"csrf": False})
        assert form.validate(), form.flat_errors()
        assert form.children.entries[-1].form.first_name.data == f"Child{children - 1}"  # stripped
    return CountedMultiDict.reads


def test_reading_a_referral_takes_work_in_proportion_to_its_children(app):
    small, large = _form_reads(app, 5), _form_reads(app, limits.MAX_CHILDREN)
    # Linear: four times the children, about four times the reads (it was sixteen times).
    assert large / small < 4.5, (small, large)
    _figures["form_reads_per_child"] = round((large - small) / (limits.MAX_CHILDREN - 5), 1)


# --- the sweep ----------------------------------------------------------------------------------


def test_one_request_cannot_make_the_sweep_raise_thousands_of_flags(app, api, worker, today):
    caller = api(worker)
    body = largest_referral(today)
    body["opened_on"] = body["referral_date"] = (today - dt.timedelta(days=200)).isoformat()
    created = caller.post("/api/v1/families", json=body)
    assert created.status_code == 201
    refused = caller.post("/api/v1/families", json={**body, "children": _people(5_000, "children")})
    assert refused.status_code == 422
    family_id = created.get_json()["id"]
    run_sweep(_db.session, sweep_time(today))
    _db.session.commit()
    raised = _db.session.scalar(select(func.count(Flag.id)).where(Flag.family_id == family_id))
    per_child = _db.session.scalar(select(func.count(Flag.id)).where(Flag.family_id == family_id,
                                                                   Flag.rule == "child_not_seen"))
    # One flag per child not seen and one per child not heard, plus the family's own (review
    # overdue, phase overrun).
    assert per_child == limits.MAX_CHILDREN and raised <= 2 * limits.MAX_CHILDREN + 3, raised
    assert _db.session.scalar(select(func.count(Flag.id))) == raised  # the refused one raised none
    _figures["sweep_flags_for_largest_family"] = raised


def test_request_limit_figures(app):
    """Runs after the checks above: their figures, for scripts/trust-report."""
    expected = {"limit_bytes", "bodies_over_limit_refused", "empty_fields_refused_seconds",
                "largest_referral_bytes", "lists_over_bound_refused",
                "form_reads_per_child", "sweep_flags_for_largest_family", "password_100mb_sized_bytes_read",
                "password_100mb_chunked_bytes_read"}
    missing = expected - set(_figures)
    record("request limits (#13.1, #13.11)", **{name: _figures.get(name) for name in sorted(expected)},
           bound_ok=not missing)
    assert not missing, f"not measured: {sorted(missing)}"

