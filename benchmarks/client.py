"""A small HTTP client for the benchmark: one connection, its cookies, sign-in with the CSRF
token, and a load loop that runs in a process of its own. Standard library only."""
from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
USER_AGENT = "casework-bench/1"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    @property
    def queries(self) -> int | None:
        value = self.headers.get("x-query-count")
        return int(value) if value is not None else None


@dataclass
class Client:
    host: str
    port: int
    cookies: dict = field(default_factory=dict)
    token: str | None = None
    # Off under load: a flashed "Visit recorded" would otherwise grow the session cookie at
    # every POST (a browser would show it on the next page, and the cookie would shrink again).
    keep_cookies: bool = True

    def __post_init__(self):
        self._connection = None

    def _connect(self):
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        return self._connection

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None,
                api: bool = False) -> Answer:
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json" if api else "text/html"}
        body = None
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if api and self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if form is not None:
            if api:
                body = json.dumps(form).encode()
                sent["Content-Type"] = "application/json"
            else:
                body = urllib.parse.urlencode(form, doseq=True).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        for attempt in (1, 2):
            connection = self._connect()
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException):
                # The server closed a kept-alive connection: open another, once.
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            break
        received = {k.lower(): v for k, v in response.getheaders()}
        for header, value in response.getheaders() if self.keep_cookies else ():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "expires=Thu, 01 Jan 1970" not in value:
                    self.cookies[name.strip()] = cookie_value
                else:
                    self.cookies.pop(name.strip(), None)
        if response.will_close:
            self.close()
        return Answer(response.status, received, data, seconds)

    def csrf_token(self, path: str) -> str:
        answer = self.request("GET", path)
        found = CSRF.search(answer.body.decode("utf-8", "replace"))
        if answer.status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {answer.status})")
        return found.group(1) or found.group(2)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        answer = self.request("POST", "/login", {"csrf_token": token, "email": email, "password": password})
        if answer.status != 302 or "/login" in answer.headers.get("location", ""):
            raise RuntimeError(f"could not sign in as {email} (HTTP {answer.status})")
        home = self.request("GET", "/")
        if home.status not in (200, 302):
            raise RuntimeError(f"signed in as {email} but / answered HTTP {home.status}")

    def api_token(self, email: str, password: str) -> None:
        answer = self.request("POST", "/api/v1/tokens", {"email": email, "password": password}, api=True)
        if answer.status != 201:
            raise RuntimeError(f"no API token for {email} (HTTP {answer.status}: {answer.body[:200]!r})")
        self.token = json.loads(answer.body)["token"]


@dataclass
class Target:
    """One request of a page's load: what to send and what a good answer is."""

    method: str
    path: str
    form: dict | None = None
    api: bool = False
    expect: int = 200


def load(host: str, port: int, cookies: dict, token: str | None, targets: list[Target],
         seconds: float, warmup: int, barrier, results) -> None:
    """Send ``targets`` round and round for ``seconds`` after ``warmup`` untimed requests, all
    the client processes starting together (``barrier``); put ``(latencies, queries, first
    errors, error count, seconds taken)`` on the ``results`` queue. Runs in a process of its own."""
    client = Client(host, port, dict(cookies), token, keep_cookies=False)
    latencies, queries, errors = [], [], []
    n, took = 0, 0.0
    try:
        for _ in range(warmup):
            target = targets[n % len(targets)]
            client.request(target.method, target.path, target.form, api=target.api)
            n += 1
        barrier.wait(timeout=600)
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            target = targets[n % len(targets)]
            n += 1
            answer = client.request(target.method, target.path, target.form, api=target.api)
            latencies.append(answer.seconds)
            if answer.queries is not None:
                queries.append(answer.queries)
            if answer.status != target.expect:
                errors.append(f"{target.method} {target.path}: HTTP {answer.status}")
        took = time.perf_counter() - started
    except Exception as error:  # report it; never leave the parent waiting
        errors.append(f"{type(error).__name__}: {error}")
        barrier.abort()
    finally:
        client.close()
        results.put((latencies, queries, errors[:20], len(errors), took))
