"""What the web-side trust tests share: the populated world they run in, callers, paths, the
database checksum and a reader for the forms a page renders.

The world is the ``world`` fixture of ``tests/conftest.py`` (one family of team North held by
``worker``, with a goal, a rating, a visit, a flag, a notification, a child, a carer, and a
transfer offered to North) plus its mirror image in team South (``other_world``, in
``tests/trust/conftest.py``): the same kinds of record held by a South worker, and a North
family offered to South. Every route is tried on both: the caller's own objects and someone
else's."""
from __future__ import annotations

import hashlib
from html.parser import HTMLParser

from sqlalchemy import select

from casework.extensions import db as _db

from ..factories import PASSWORD
from ..route_policies import OK, POLICIES, ROUTES

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Who is asked for the other world's objects in place of whom: to a North worker a South
# family is like a colleague's (not theirs); to North's manager it is what North's records are
# to South's manager, and the other way round.
MIRROR = {"anonymous": "anonymous", "worker": "colleague", "colleague": "colleague",
          "manager": "other_manager", "other_manager": "manager", "admin": "admin"}


def app_routes(app) -> list[tuple[str, str]]:
    """Every (method, rule) the application answers, read from its URL map now."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def is_api(rule: str) -> bool:
    return rule.startswith("/api/")


def placeholders(rule: str) -> list[str]:
    names = []
    for part in rule.split("<")[1:]:
        names.append(part.split(">")[0].split(":")[-1])
    return names


def object_placeholders(rule: str) -> set[str]:
    """The parts of a rule that name a record (not a static file's name)."""
    return set(placeholders(rule)) - {"filename"}


def policy(method: str, rule: str) -> dict | None:
    name = ROUTES.get((method, rule))
    return POLICIES[name] if name else None


def allowed_role(method: str, rule: str, prefer=("worker", "manager", "admin")) -> str | None:
    """A signed-in role that ROUTES says may use this route on the world's own objects, or
    None when only strangers may (the sign-in page) or the route is not in the table."""
    found = policy(method, rule)
    if found is None:
        return "worker"
    if found["anonymous"] == OK:
        return None
    for role in prefer:
        if found.get(role) == OK:
            return role
    return None


# --- callers ----------------------------------------------------------------------------------


def signed_in_client(app, user, password=PASSWORD, remote_addr="127.0.0.1"):
    """A client of its own with ``user`` signed in (its own cookie jar)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote_addr
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], (
        f"could not sign in {user.email}: {response.status_code}")
    return client


def api_token(app, user, password=PASSWORD) -> str:
    response = app.test_client().post("/api/v1/tokens", json={"email": user.email, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie was set"
    return cookie.value


def client_with_cookie(app, value, remote_addr="127.0.0.1"):
    """A fresh client presenting only this session cookie: a replay from another browser at
    the same address (a session is bound to its address and browser: "strong" protection)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote_addr
    client.set_cookie("session", value)
    return client


def call(client, method, path, *, api=False, token=None, body=None):
    kwargs = {}
    if token:
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json" if api else "data"] = {} if body is None else body
    return client.open(path, method=method, **kwargs)


# --- the database as a whole -----------------------------------------------------------------

# Bookkeeping a read may legitimately write: reads of case records are audited (that is the
# point of the audit trail), a refused request is audited too, and a live session is touched
# (at most once a minute) so the idle time-out counts from the last request. Nothing else.
BOOKKEEPING_TABLES = {"audit_events", "login_attempts"}
BOOKKEEPING_COLUMNS = {("user_sessions", "last_seen_at")}


def checksum(session=None) -> str:
    """A digest of every row of every table but the bookkeeping above."""
    session = session or _db.session
    digest = hashlib.sha256()
    for table in _db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING_COLUMNS]
        order = list(table.primary_key.columns) or columns
        digest.update(table.name.encode())
        for row in session.execute(select(*columns).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def table_digests(session=None) -> dict[str, tuple]:
    """Per table, a digest (to say which table a change was in)."""
    session = session or _db.session
    found = {}
    for table in _db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING_COLUMNS]
        order = list(table.primary_key.columns) or columns
        rows = session.execute(select(*columns).order_by(*order)).all()
        found[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return found


# --- forms as rendered ------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The forms of a page: method, action, and each field's name with the values it offers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").upper(), "action": attrs.get("action") or "",
                          "fields": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            entry = fields.setdefault(name, {"kind": kind, "values": []})
            if attrs.get("value") not in (None, "") and kind not in ("password",):
                entry["values"].append(attrs["value"])
        elif tag == "textarea" and name:
            fields.setdefault(name, {"kind": "textarea", "values": []})
        elif tag == "select" and name:
            self._select = fields.setdefault(name, {"kind": "select", "values": []})
        elif tag == "option" and self._select is not None:
            self._select["values"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(html: str, method: str | None = None) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    return [form for form in reader.forms if method is None or form["method"] == method]


def post_forms(html: str) -> list[dict]:
    return page_forms(html, "POST")
