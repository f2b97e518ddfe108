"""Trust check: hostile input. Generated input (Hypothesis) is sent to every form of the pages
and every body of the API, and the API is also tried by schemathesis against its own OpenAPI
description. The input is what a careless or hostile caller sends: nothing, only spaces,
megabytes, NUL bytes, emoji and right-to-left text, impossible dates, negative, huge and other
teams' ids, markup and script. Each route also gets bodies that are valid except for a script
payload in every free-text field, so a payload that is *saved* is then looked for on the pages
that show it.

The bounds are fuzzed too (casework/limits.py, config.py): every body at the size limit and one
byte over it (which must answer 413), every list at its maxItems and one item over it, every
form's repeated entries and checkbox groups past their bounds, and huge numbers.

Checked for every request:
- no server error (no 500, no exception escaping the app);
- a body one byte over the limit answers 413 (a ``limit_violation`` otherwise);
- an API error (400, 401, 403, 404, 409, 422, 429) is JSON ``{"error": str, "fields": {...}}``
  and a success is JSON; schemathesis checks status codes, content types and response bodies
  against ``/api/v1/openapi.json``: each departure is a schema violation;
- no page (HTML or SVG), neither the answer nor the pages showing what was saved, contains a
  payload unescaped.

Which fields a form has is read from the form classes each view uses (casework/forms/) and
from the forms the pages render (which carry the choices: children's ids, workers, phases).

Counts: ``scale(small, full)``: a few hundred inputs in the ordinary suite, more than 5,000
with CASEWORK_TRUST_FULL=1. Figure: inputs, server errors (0), schema violations (0),
unescaped payloads (0)."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import types
from collections import Counter
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete, update
from wtforms import Form
from wtforms import fields as wtf

from casework import limits
from casework.extensions import db as _db
from casework.models import LoginAttempt, User
from casework.services import accounts
from casework.services.clock import current_time

from ..factories import PASSWORD
from ..helpers import _path
from ..route_policies import ROUTES
from .figures import full, record, scale
from .web import (
    STATE_CHANGING,
    allowed_role,
    app_routes,
    is_api,
    page_forms,
    placeholders,
    signed_in_client,
)

FORM_EXAMPLES = scale(2, 45)  # generated bodies per page route (about 55 routes)
API_EXAMPLES = scale(3, 60)  # generated bodies per API write (about 25)
SCHEMATHESIS_EXAMPLES = scale(1, 25)  # per API operation (about 45), positive and negative each
MINIMUM_FULL = 5000

XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
)
NASTY = (
    "", " ", "   \t  ", "\x00", "Amy\x00Smith", "😀👨‍👩‍👧‍👦🏳️‍🌈", "\u202eSmith\u202c household",
    "مرحبا بالعالم", "שלום עולם", "Zoë Ñúñez-O'Brien", "\r\n\r\n", "%00", "../../etc/passwd",
    "' OR '1'='1' --", "Robert'); DROP TABLE families;--", "{{ 7*7 }}", "${7*7}", "None", "null",
    "2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "1900-01-01", "31/12/2026",
    "2026-02-29", "20260101", "-1", "0", "1.5", "1e309", "NaN", "Infinity", "-9223372036854775809",
    "9223372036854775808", "18446744073709551616", "99999999999999999999999999", *XSS,
)
# Megabytes take their time to encode and parse: only with the full counts.
BIG_SIZES = (300, 5_000, 70_000, 600_000) if full() else (300, 5_000)

_stats = Counter()
_failures: list[str] = []
_fuzzed: dict[str, set] = {"pages": set(), "api": set(), "operations": set()}


def _settings(examples):
    return settings(max_examples=examples, deadline=None, database=None, derandomize=not full(),
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _text():
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
        st.sampled_from(BIG_SIZES).map(lambda n: ("Ω\u202e<b>" * (n // 5 + 1))[:n]),
    )


def unescaped(text: str) -> list[str]:
    return [payload for payload in XSS if payload in text]


def test_the_payload_check_sees_a_raw_payload_and_not_an_escaped_one():
    assert unescaped("<p><script>alert(1)</script></p>")
    assert not unescaped("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")


def _note(kind: str, line: str):
    _stats[kind] += 1
    if len(_failures) < 200:
        _failures.append(f"{kind}: {line}")


def _check_page(response, where: str) -> None:
    kind = response.content_type or ""
    if "html" in kind or "svg" in kind:
        found = unescaped(response.get_data(as_text=True))
        if found:
            _note("unescaped", f"{where} shows {found[0]!r} unescaped")


# --- what a form is made of --------------------------------------------------------------------


def _form_classes(view) -> list[type]:
    """The WTForms classes a view function names (or the helpers of its module it calls do)."""
    view = inspect.unwrap(view)
    found, seen = [], set()

    def scan(code, namespace, depth):
        if code in seen:
            return
        seen.add(code)
        for name in code.co_names:
            value = namespace.get(name)
            if isinstance(value, type) and issubclass(value, Form) and value not in found:
                found.append(value)
            elif isinstance(value, types.FunctionType) and depth < 2 and value.__module__ == view.__module__:
                scan(value.__code__, value.__globals__, depth + 1)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                scan(const, namespace, depth)

    scan(view.__code__, view.__globals__, 0)
    return found


def _field_kind(field) -> str:
    if isinstance(field, wtf.DateField):
        return "date"
    if isinstance(field, (wtf.IntegerField, wtf.DecimalField, wtf.FloatField)):
        return "int"
    if isinstance(field, (wtf.SelectFieldBase, wtf.BooleanField, wtf.HiddenField)):
        return "choice"
    if isinstance(field, wtf.PasswordField):
        return "password"
    if isinstance(field, wtf.EmailField) or "email" in field.name:
        return "email"
    if isinstance(field, wtf.SubmitField):
        return "submit"
    return "text"


def _add(spec, name, kind, values=()):
    entry = spec.setdefault(name, {"kind": kind, "values": []})
    if entry["kind"] == "text" and kind != "text":
        entry["kind"] = kind
    entry["values"].extend(str(v) for v in values if v not in (None, "") and str(v) not in entry["values"])


def _fields_of(form, spec, prefix=""):
    for field in form:
        if isinstance(field, wtf.FieldList):
            inner = field.unbound_field
            if inner.field_class is wtf.FormField:
                for index in (0, 1):
                    _fields_of(inner.args[0](formdata=None), spec, f"{prefix}{field.name}-{index}-")
            else:
                _add(spec, f"{prefix}{field.name}-0", "text")
        elif isinstance(field, wtf.FormField):
            _fields_of(field.form, spec, f"{prefix}{field.name}-")
        elif field.name != "csrf_token":
            choices = []
            if getattr(field, "choices", None) and isinstance(field.choices, (list, tuple)):
                choices = [c[0] if isinstance(c, (list, tuple)) else c for c in field.choices]
            _add(spec, prefix + field.name, _field_kind(field), choices)


def _spec_from_forms(app, view) -> dict:
    spec = {}
    for form_class in _form_classes(view):
        with app.test_request_context():
            try:
                form = form_class(formdata=None, meta={"csrf": False})
            except TypeError:
                continue
            _fields_of(form, spec)
    return spec


# Pages on which forms of other routes are drawn (a rating on the goal's page, a flag's
# resolution on the team's flags, ...), and which show what was saved.
DISPLAY_RULES = (
    "/families/<int:family_id>", "/families/<int:family_id>/chronology", "/families/<int:family_id>/plan",
    "/goals/<int:goal_id>", "/goals/<int:goal_id>/chart.svg", "/families", "/team", "/team/caseload",
    "/team/flags", "/team/closures", "/team/transfers", "/notifications", "/admin/users",
    "/families/<int:family_id>/assessments", "/team/workers/<int:user_id>", "/visits/<int:visit_id>/correct",
)


def _spec_from_pages(client, path, method, ids) -> dict:
    spec = {}
    pages = [path] + [_path(rule, ids) for rule in DISPLAY_RULES]
    for page in dict.fromkeys(pages):
        if "<" in page or (spec and page != path):
            continue  # the route's own page drew its form: no need to look further
        try:
            response = client.get(page)
        except Exception as error:  # noqa: BLE001
            _db.session.rollback()
            _note("server_errors", f"GET {page} (reading its forms): {error!r}")
            continue
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        for form in page_forms(response.get_data(as_text=True), method):
            if form["action"].split("?")[0] not in ("", path) or (form["action"] == "" and page != path):
                continue
            for name, field in form["fields"].items():
                if name == "csrf_token":
                    continue
                kind = {"date": "date", "number": "int", "email": "email", "password": "password",
                        "submit": "submit", "textarea": "text", "text": "text",
                        "search": "text"}.get(field["kind"], "choice")
                _add(spec, name, kind, field["values"])
    return spec


def _valid_values(name, entry, today):
    if entry["values"]:
        return entry["values"]
    kind = entry["kind"]
    if kind == "date":
        return [today.isoformat(), (today - dt.timedelta(days=3)).isoformat()]
    if kind == "int":
        return ["1", "4", "8"]
    if kind == "email":
        return ["fuzz.person@example.org"]
    if kind == "password":
        return [PASSWORD, "quiet giraffe paints seven lanterns"]
    if "postcode" in name:
        return ["LS6 2AB"]
    if kind == "choice":
        return ["1", "y"]
    return ["Fuzzed text", "Amy"]


def _valid_body(spec, today, text) -> dict:
    """Every field valid but the free text, which is ``text``."""
    body = {}
    for name, entry in spec.items():
        if entry["kind"] == "submit":
            continue
        if entry["kind"] == "text" and "postcode" not in name:
            body[name] = text
        else:
            body[name] = _valid_values(name, entry, today)[0]
    return body


def _body_strategy(spec, today):
    def value(name, entry):
        valid = st.sampled_from(_valid_values(name, entry, today))
        single = st.one_of(valid, valid, _text())
        return st.one_of(single, st.lists(single, min_size=0, max_size=3))

    known = {name: value(name, entry) for name, entry in spec.items() if entry["kind"] != "submit"}
    extra = st.dictionaries(st.one_of(st.sampled_from(["junk", "children-99-first_name", "version", "next"]),
                                      st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)),
                            _text(), max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=known), extra).map(lambda pair: {**pair[1], **pair[0]})


def _id_strategy(names, ids, other_ids):
    def one(name):
        return st.one_of(st.just(ids[name]), st.just(ids[name]), st.just(ids[name]),
                         st.just(other_ids.get(name, ids[name])),
                         st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]))

    return st.fixed_dictionaries({name: one(name) for name in names})


def _fill(rule, values) -> str:
    path = rule
    for name, value in values.items():
        path = re.sub(rf"<[^>]*:{name}>|<{name}>", str(value), path)
    return path


def _send(client, method, path, where, **kwargs):
    _stats["inputs"] += 1
    try:
        response = client.open(path, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001  (counted, reported, and the loop goes on)
        _db.session.rollback()
        _note("server_errors", f"{where}: {error!r}")
        return None
    if response.status_code >= 500:
        _note("server_errors", f"{where}: {response.status_code}")
    return response


def _follow(client, response, where):
    """After a save: the page it leads to."""
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/") and "/login" not in location:
        try:
            _check_page(client.get(location), f"{location} after {where}")
        except Exception as error:  # noqa: BLE001
            _db.session.rollback()
            _note("server_errors", f"GET {location} after {where}: {error!r}")


def _crawl(app, people, ids, where, role):
    """Every page that shows saved data, as the caller (and, with the full counts, as the
    family's worker, the manager and the admin)."""
    roles = ("worker", "manager", "admin") if full() else (role,)
    for role in roles:
        client = signed_in_client(app, people[role], remote_addr="10.7.7.7")
        for rule in DISPLAY_RULES if full() else DISPLAY_RULES[:4]:
            page = _path(rule, ids)
            try:
                _check_page(client.get(page), f"{page} as {role} after {where}")
            except Exception as error:  # noqa: BLE001
                _db.session.rollback()
                _note("server_errors", f"GET {page} as {role} after {where}: {error!r}")


# --- the pages ----------------------------------------------------------------------------------

PAGE_WRITES = sorted((m, r) for m, r in ROUTES if not is_api(r) and m in STATE_CHANGING)


def _endpoint(app, method, rule):
    for candidate in app.url_map.iter_rules():
        if candidate.rule == rule and method in candidate.methods:
            return candidate.endpoint
    return None


@pytest.mark.parametrize("method, rule", PAGE_WRITES)
def test_page_forms_take_any_input(app, world, other_world, method, rule, today):
    _fuzz_page(app, world, other_world, method, rule, today)


def test_page_filters_take_any_input(app, world, other_world, today):
    """The GET forms (filters, report periods): reads change nothing (test_csrf.py), so one
    world serves them all."""
    for method, rule in sorted(r for r in ROUTES if r[0] == "GET" and not is_api(r[1])):
        _fuzz_page(app, world, other_world, method, rule, today)


def _fuzz_page(app, world, other_world, method, rule, today):
    people, ids = world
    endpoint = _endpoint(app, method, rule)
    if endpoint is None or endpoint == "static":
        return
    role = allowed_role(method, rule)
    if role is None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.9.9.9"  # its failed sign-ins lock no one else out
    else:
        client = signed_in_client(app, people[role])
    path = _path(rule, ids)
    spec = _spec_from_pages(client, path, method, ids)
    if method != "GET":
        for name, entry in _spec_from_forms(app, app.view_functions[endpoint]).items():
            _add(spec, name, entry["kind"], entry["values"])
    if method == "GET" and not spec:
        return  # a page without a filter form: its query string is read by nothing
    _fuzzed["pages"].add((method, rule))
    names = [n for n in placeholders(rule) if n in ids and n != "filename"]
    where = f"{method} {rule}"

    saved = []

    def attempt(body, values):
        target = _fill(rule, values) if values else path
        kwargs = {"query_string": body} if method == "GET" else {"data": body}
        response = _send(client, method, target, f"{where} {_brief(body)}", **kwargs)
        if response is not None:
            _check_page(response, f"{where} {_brief(body)}")
            _follow(client, response, where)
            if method != "GET" and response.status_code in (302, 303):
                saved.append(body)
                _stats["saved"] += 1

    if method != "GET":
        # Bodies at the size limit and one byte over it; every list past its bound.
        for size in _limit_sizes(app):
            response = _send(client, method, path, f"{where} a body of {size} bytes",
                             data=_padded_form(_valid_body(spec, today, "Fuzzed text"), size),
                             content_type="application/x-www-form-urlencoded")
            _check_limit(app, response, size, where)
        attempt(_long_lists(spec, today), {})
    # Valid forms carrying each payload in every free-text field; nothing at all; and the
    # hostile classics in every field at once.
    for text in _some(XSS + ("😀 \u202eSmith\u202c مرحبا", "Amy\x00Smith")):
        attempt(_valid_body(spec, today, text), {})
    for value in _some(("", "\x00", "2026-02-30", "-9223372036854775809", "x" * 70_000)):
        attempt({name: value for name in spec}, {})
    if names:  # ids beyond any database integer, and another team's
        attempt({}, {name: 2**64 for name in names})
        if full():
            attempt({}, {name: other_world.get(name, 0) for name in names})

    @_settings(FORM_EXAMPLES)
    @given(body=_body_strategy(spec, today), values=_id_strategy(names, ids, other_world))
    def generated(body, values):
        attempt(body, values)

    generated()
    if method != "GET" and role and (saved or full()):
        if rule in CURRENT_PASSWORD_RULES:
            _restore_password(people[role])
        _crawl(app, people, ids, where, role)
    _assert_clean(where)


def _limit_sizes(app) -> tuple[int, int]:
    return app.config["MAX_CONTENT_LENGTH"], app.config["MAX_CONTENT_LENGTH"] + 1


def _check_limit(app, response, size, where) -> None:
    if response is not None and size > app.config["MAX_CONTENT_LENGTH"] and response.status_code != 413:
        _note("limit_violations", f"{where}: a body of {size} bytes answered {response.status_code}, not 413")


def _padded_json(body: dict, size: int) -> bytes:
    """``body`` as JSON of exactly ``size`` bytes (an ignored member takes up the rest)."""
    padded = {**body, "fuzz_padding": ""}
    padded["fuzz_padding"] = "x" * max(0, size - len(json.dumps(padded).encode()))
    return json.dumps(padded).encode()


def _padded_form(body: dict, size: int) -> bytes:
    """``body`` url-encoded, exactly ``size`` bytes (an ignored field takes up the rest)."""
    encoded = urlencode(body, doseq=True).encode() + b"&fuzz_padding="
    return encoded + b"x" * max(0, size - len(encoded))


def _long_lists(spec, today) -> dict:
    """A valid form with every repeated entry and every choice sent past the largest bound."""
    body = _valid_body(spec, today, "Fuzzed text")
    over = max(limits.MAX_CHILDREN, limits.MAX_CARERS, limits.MAX_FLAGS_AT_ONCE) + 1
    for name, entry in spec.items():
        prefix, _, field = name.partition("-0-")
        if field:  # children-0-first_name: entries 0 to 20
            for index in range(limits.MAX_CHILDREN + 1):
                body[f"{prefix}-{index}-{field}"] = body.get(name, "Fuzzed text")
        elif entry["kind"] == "choice" and entry["values"]:
            body[name] = [entry["values"][0]] * over
    return body
# Routes that ask for the current password: a generated body can change it for real (the right
# current password and a strong new one), and five wrong ones lock the account (and end its
# sessions and tokens). Put both back before the pages are crawled as that user.
CURRENT_PASSWORD_RULES = ("/account/password", "/api/v1/me/password")


def _restore_password(user):
    _db.session.execute(update(User).where(User.id == user.id).values(password_hash=accounts.hash_password(PASSWORD)))
    _db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    _db.session.commit()


def _some(values):
    """All of them with the full counts; two in the ordinary suite."""
    return values if full() else values[:2]


def _brief(body) -> str:
    text = repr(body)
    return text if len(text) < 300 else text[:300] + "..."


def _assert_clean(where):
    mine = [line for line in _failures if where in line]
    assert not mine, "\n".join(mine[:20])


# --- the API, by hand ---------------------------------------------------------------------------

API_WRITES = sorted((m, r) for m, r in ROUTES if is_api(r) and m in ("POST", "PATCH", "PUT"))
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429)
RAW_BODIES = (b"", b"{", b"[]", b'"text"', b"null", b"1e999999", b"{}" * 3, "{\"x\": \"\u202e\"}".encode(),
              b"\xff\xfe\x00", b"[" * 50_000, b'{"a":' * 20_000, b'{"household_name": "\\ud800"}')


def _openapi_path(rule):
    return re.sub(r"<(?:[^>:]*:)?([^>]+)>", r"{\1}", rule)


def _resolve(schema, document, depth=0):
    if depth > 8:
        return {}
    if "$ref" in schema:
        target = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(target, document, depth + 1)
    return schema


def _json_strategy(schema, document, name, ids, other_ids, today, depth=0):
    schema = _resolve(schema, document)
    nasty_scalar = st.one_of(
        _text(), st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([0, -1, 2**31, 2**63, 2**64]), st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(), st.none(),
    )
    nasty = st.one_of(nasty_scalar, st.lists(nasty_scalar, max_size=3),
                      st.dictionaries(st.text(max_size=8), nasty_scalar, max_size=2))
    if depth > 3:
        return nasty
    kind = schema.get("type")
    if "enum" in schema:
        valid = st.sampled_from(schema["enum"])
    elif kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return st.one_of(
            st.fixed_dictionaries({}, optional={
                key: _json_strategy(sub, document, key, ids, other_ids, today, depth + 1) for key, sub in props.items()
            }),
            st.fixed_dictionaries({}, optional={
                key: _json_strategy(sub, document, key, ids, other_ids, today, depth + 1) for key, sub in props.items()
            }),
            nasty,
        )
    elif kind == "array":
        items = _json_strategy(schema.get("items", {}), document, name, ids, other_ids, today, depth + 1)
        lists = [st.lists(items, max_size=3), st.lists(items, max_size=3)]
        if "maxItems" in schema:  # at the bound, and one over it
            lists += [st.lists(items, min_size=size, max_size=size)
                      for size in (schema["maxItems"], schema["maxItems"] + 1)]
        return st.one_of(*lists, nasty)
    elif (kind == "integer" and name.endswith(("_id", "_ids", "seen", "alone", "discussed"))
          or name in ("children_seen", "seen_alone")):
        real = [v for k, v in {**ids}.items() if k != "filename"] + [v for k, v in other_ids.items() if k != "filename"]
        valid = st.sampled_from(real)
    elif kind == "integer":
        low, high = schema.get("minimum", 1), schema.get("maximum", 10)
        valid = st.integers(min_value=low, max_value=max(low, high))
    elif schema.get("format") == "date":
        valid = st.sampled_from([today.isoformat(), (today - dt.timedelta(days=10)).isoformat()])
    elif kind == "string":
        valid = st.one_of(st.sampled_from(XSS), st.just("Fuzzed text"))
    elif kind == "boolean":
        valid = st.booleans()
    else:
        valid = nasty
    return st.one_of(valid, valid, nasty)


def _valid_json(schema, document, name, ids, today, text, depth=0):
    """A body that keeps to the schema, with ``text`` in every free-text member."""
    schema = _resolve(schema, document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {key: _valid_json(sub, document, key, ids, today, text, depth + 1)
                for key, sub in schema.get("properties", {}).items() if key != "version"}
    if kind == "array":
        if name in ("children_seen", "seen_alone"):
            return [ids["child_id"]]
        item = _valid_json(schema.get("items", {}), document, name, ids, today, text, depth + 1)
        return [] if item is None else [item]
    if kind == "integer":
        if name.endswith("_id"):
            return ids.get(name)
        return max(schema.get("minimum", 1), min(schema.get("maximum", 5), 5))
    if schema.get("format") == "date":
        return today.isoformat()
    if kind == "string":
        return "LS6 2AB" if "postcode" in name else ("fuzz.person@example.org" if "email" in name else text)
    if kind == "boolean":
        return True
    return None


def _check_api_answer(response, where):
    status = response.status_code
    if status == 204:
        return
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        _note("schema_violations", f"{where}: {status} answered {response.content_type}, not JSON")
        return
    if status in ERROR_STATUSES:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("fields"), dict)
                and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["fields"].values())):
            _note("schema_violations", f"{where}: {status} error body is not {{error, fields}}: {str(body)[:200]}")
    elif status >= 400 and status < 500:
        _note("schema_violations", f"{where}: unexpected status {status}")


def _token(app, user):
    token, _ = accounts.issue_token(_db.session, user, current_time())
    _db.session.commit()
    return token


@pytest.mark.parametrize("method, rule", API_WRITES)
def test_api_bodies_take_any_input(app, client, world, other_world, method, rule, today):
    people, ids = world
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"].get(_openapi_path(rule), {}).get(method.lower(), {})
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    role = allowed_role(method, rule)
    headers = {"Authorization": f"Bearer {_token(app, people[role])}"} if role else {}
    if role is None:
        client.environ_base["REMOTE_ADDR"] = "10.9.9.8"
    path = _path(rule, ids)
    names = [n for n in placeholders(rule) if n in ids]
    where = f"{method} {rule}"
    _fuzzed["api"].add((method, rule))

    def attempt(data, values, content_type="application/json"):
        target = _fill(rule, values) if values else path
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        response = _send(client, method, target, f"{where} {_brief(data)}", data=data,
                         content_type=content_type, headers=headers)
        if response is not None:
            _check_api_answer(response, f"{where} {_brief(data)}")
            if response.status_code in (200, 201):
                saved.append(data)
                _stats["saved"] += 1

    saved = []

    for text in _some(XSS + ("😀 \u202eSmith\u202c مرحبا",)):
        attempt(_valid_json(schema, document, "", ids, today, text) if schema else {}, {})
    for raw in RAW_BODIES if full() else RAW_BODIES[-4:]:
        attempt(raw, {})
    valid = _valid_json(schema, document, "", ids, today, "Fuzzed text") if schema else {}
    for size in _limit_sizes(app):
        body = _padded_json(valid if isinstance(valid, dict) else {}, size)
        response = _send(client, method, path, f"{where} a body of {size} bytes", data=body,
                         content_type="application/json", headers=headers)
        _check_limit(app, response, size, where)
    if full():
        attempt(b'{"a": 1}', {}, content_type="text/plain")
        attempt(b"household_name=x", {}, content_type="application/x-www-form-urlencoded")
    if names:  # ids beyond any database integer, and another team's
        attempt({}, {name: 2**64 for name in names})
        if full():
            attempt({}, {name: other_world.get(name, 0) for name in names})

    @_settings(API_EXAMPLES)
    @given(body=_json_strategy(schema, document, "", ids, other_world, today),
           values=_id_strategy(names, ids, other_world))
    def generated(body, values):
        attempt(body, values)

    generated()
    if role and (saved or full()):
        if rule in CURRENT_PASSWORD_RULES:
            _restore_password(people[role])
        _crawl(app, people, ids, where, role)
    _assert_clean(where)


# --- the API, by schemathesis -------------------------------------------------------------------

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _flask_rule(app, method, openapi_path):
    for candidate_method, rule in app_routes(app):
        if candidate_method == method and _openapi_path(rule) == openapi_path:
            return rule
    return None


def _schemathesis_test(app, client, people, tokens, strategy, method, role, where, mode, asks_password=False):
    """The Hypothesis test for one operation in one generation mode (``@given`` takes no
    default arguments, so the loop's values are bound here)."""

    @_settings(SCHEMATHESIS_EXAMPLES)
    @given(case=strategy)
    def generated(case):
        if role and (method == "DELETE" or asks_password):  # revoking the token: a fresh one each time
            if asks_password:  # five wrong current passwords lock the account and end its tokens
                _restore_password(people[role])
            tokens[role] = _token(app, people[role])
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        _stats["inputs"] += 1
        try:
            response = case.call(session=client, app=app, headers=headers)
        except Exception as error:  # noqa: BLE001
            _db.session.rollback()
            _note("server_errors", f"{where}: {error!r}")
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as failure:  # noqa: BLE001  (schemathesis' FailureGroup)
            kind = "server_errors" if response.status_code >= 500 else "schema_violations"
            _note(kind, f"{where} ({mode.value}): {str(failure)[:600]}")

    return generated


def test_the_api_keeps_to_its_openapi_description(app, client, world, other_world):
    people, ids = world
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())
    tokens = {role: _token(app, people[role]) for role in ("worker", "manager", "admin")}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        rule = _flask_rule(app, method, operation.path)
        role = allowed_role(method, rule) if rule else "worker"
        where = f"schemathesis {method} {operation.path}"
        path_ids = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        operations += 1
        _fuzzed["operations"].add((method, operation.path))
        asks_password = rule in CURRENT_PASSWORD_RULES
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_ids)
            try:
                _schemathesis_test(app, client, people, tokens, strategy, method, role, where, mode, asks_password)()
            except Unsatisfiable:
                pass  # nothing to make negative (no parameters, no body)
        if asks_password and role:  # the operations after it need a live token and an unlocked account
            _restore_password(people[role])
            tokens[role] = _token(app, people[role])
    assert operations, "schemathesis found no operations"
    _assert_clean("schemathesis")


# --- the figure ---------------------------------------------------------------------------------


def test_fuzzing_figures(app):
    """Runs after the fuzzing above: every form and body was fuzzed, and the totals."""
    page_writes = {(m, r) for m, r in app_routes(app) if not is_api(r) and m in STATE_CHANGING}
    api_writes = {(m, r) for m, r in app_routes(app) if is_api(r) and m in ("POST", "PATCH", "PUT")}
    missed = sorted((page_writes - _fuzzed["pages"]) | (api_writes - _fuzzed["api"]))
    inputs = _stats["inputs"]
    ok = (not missed and not _stats["server_errors"] and not _stats["schema_violations"]
          and not _stats["unescaped"] and not _stats["limit_violations"] and (inputs >= MINIMUM_FULL or not full()))
    record("fuzzing", inputs=inputs, server_errors=_stats["server_errors"],
           schema_violations=_stats["schema_violations"], unescaped=_stats["unescaped"],
           limit_violations=_stats["limit_violations"],
           accepted_writes=_stats["saved"],
           page_routes=len(_fuzzed["pages"]), api_bodies=len(_fuzzed["api"]),
           api_operations=len(_fuzzed["operations"]), bound_ok=ok)
    assert not missed, f"not fuzzed: {missed}"
    assert not _failures, "\n".join(_failures[:40])
    if full():
        assert inputs >= MINIMUM_FULL, f"only {inputs} inputs"


# --- what the fuzzing found, kept as regression tests ------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("number", [2**31, 2**40, 2**64])
def test_an_id_beyond_any_row_is_not_found_not_a_crash(app, world, number):
    """SQLite cannot bind a number past 64 bits and PostgreSQL's INTEGER stops at 2**31-1;
    such an id in a page's or the API's URL answered 500."""
    people, ids = world
    worker = signed_in_client(app, people["worker"])
    assert worker.get(f"/families/{number}").status_code == 404
    assert worker.post(f"/goals/{number}/ratings", data={}).status_code == 404
    token = _token(app, people["worker"])
    response = app.test_client().get(f"/api/v1/families/{number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.get_json()["error"]


def test_ids_beyond_any_row_in_forms_and_queries_are_refused_not_a_crash(app, world, today):
    people, ids = world
    manager = signed_in_client(app, people["manager"])
    admin = signed_in_client(app, people["admin"])
    family_id, transfer_id = ids["family_id"], ids["transfer_id"]
    referral = {"household_name": "Smith household", "postcode": "LS6 2AB", "referral_date": today.isoformat(),
                "concerns": "housing", "children-0-first_name": "Amy", "children-0-date_of_birth": "2020-01-01",
                "worker_id": HUGE, "previous_family_id": HUGE}
    answers = {
        "allocate": manager.post(f"/families/{family_id}/allocate", data={"worker_id": HUGE, "reason": "Full."}),
        "transfer": manager.post(f"/families/{family_id}/transfer", data={"to_team_id": HUGE, "reason": "Moved."}),
        "accept": manager.post(f"/team/transfers/{transfer_id}/accept", data={f"accept-{transfer_id}-worker_id": HUGE}),
        "acknowledge": manager.post("/team/flags/acknowledge", data={"flag_ids": "-" + HUGE}),
        "referral": manager.post("/families/new", data=referral),
        "list": manager.get(f"/families?worker={HUGE}&page={HUGE}"),
        "report": admin.get(f"/reports/local-area?team={HUGE}"),
        "training": admin.post("/admin/training/remove", data={"person": HUGE, "framework": "x"}),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["list"] == 200 and statuses["report"] == 404 and statuses["allocate"] == 422, statuses


def test_json_text_that_is_no_text_is_a_malformed_body(api, worker, family):
    """``"\\ud800"`` is valid JSON but no character: saving it answered 500."""
    response = api(worker).patch(f"/api/v1/families/{family.id}", data=b'{"household_name": "\\ud800"}',
                                 content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "The request body is not valid JSON."


def test_a_long_passphrase_is_judged_not_a_crash(client, worker, login):
    """zxcvbn refuses more than 72 characters; a 100-character passphrase answered 500."""
    login(worker)
    long_passphrase = "correct horse battery staple " * 4
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": long_passphrase})
    assert response.status_code == 302


def test_a_nul_character_is_refused_not_a_crash(app, world, api, client):
    """PostgreSQL cannot store a NUL in text: in a form, a query or a JSON body it answered 500."""
    people, ids = world
    worker = signed_in_client(app, people["worker"])
    assert worker.get("/families?q=Amy%00").status_code == 200  # a search for "Amy"
    bearer = {"Authorization": f"Bearer {_token(app, people['worker'])}"}
    assert worker.get("/api/v1/families?q=Amy%00", headers=bearer).status_code == 200
    response = worker.post(f"/families/{ids['family_id']}/carers/new",
                           data={"first_name": "A\x00", "relationship": "Aunt"})
    assert response.status_code == 400
    assert app.test_client().post("/login", data={"email": "\x00", "password": "x"}).status_code == 400
    response = api(people["worker"]).patch(f"/api/v1/families/{ids['family_id']}", json={"household_name": "A\x00"})
    assert response.status_code == 400 and set(response.get_json()) == {"error", "fields"}


def test_an_e_mail_address_longer_than_any_is_refused_not_a_crash(app, world, client):
    """An e-mail longer than the column (254) answered 500 on PostgreSQL when signing in."""
    response = app.test_client().post("/login", data={"email": "a" * 300 + "@example.org", "password": "x"})
    assert response.status_code == 200
    assert "The e-mail address or password is not right." in response.get_data(as_text=True)
    response = client.post("/api/v1/tokens", json={"email": "a" * 300 + "@example.org", "password": "x"})
    assert response.status_code == 422
