"""The pages the benchmark loads, who loads them, and what it measures of each: the people
(workers holding open families, their managers, the administrator), their signed-in clients,
the requests of each page, the load from several client processes, and the page's SQL floor."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from .client import Client, Target, load
from .server import Server

PAGES = (
    ("home", "manager"),  # a manager's home, /team (a worker's home is "my families")
    ("my families", "worker"),
    ("family page", "worker"),
    ("diary", "worker"),
    ("visit log POST", "worker"),
    ("caseload", "manager"),
    ("flag queue", "manager"),
    ("partner view", "partner"),
    ("partner's family page", "partner"),
    ("outcomes report", "admin"),
    ("GET /api/v1/families", "api"),
)
# Pages whose cost is the user's own caseload (or team's, or shared families), never the size
# of the database: the "per-user pages" (its targets: p95, statements, growth).
PER_USER = {"home", "my families", "family page", "diary", "caseload", "flag queue", "partner view",
            "partner's family page", "visit log POST", "GET /api/v1/families"}


@dataclass
class PageResult:
    name: str
    latencies: list[float]
    queries: list[int]
    seconds: float
    errors: list[str]
    error_count: int
    floor_ms: float | None = None
    floor_note: str = ""
    slowest: list = field(default_factory=list)
    skipped: int = 0  # statements of the request that could not be replayed
    rss_mb: float | None = None  # the web workers' peak RSS (VmHWM) once this page's load is over
    captured: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000

    @property
    def p50(self):
        return statistics.median(self.latencies) * 1000 if self.latencies else None

    @property
    def p95(self):
        return self.percentile(95)

    @property
    def rps(self):
        return self.count / self.seconds if self.seconds else None

    @property
    def max_queries(self):
        return max(self.queries) if self.queries else None

    @property
    def over_floor(self):
        return self.p50 / self.floor_ms if self.p50 and self.floor_ms else None


@dataclass
class Person:
    email: str
    team_id: int | None
    families: list[int] = field(default_factory=list)
    children: dict[int, list[int]] = field(default_factory=dict)


def pick_people(app, clients: int) -> tuple[list[Person], dict[int, Person], Person, list[Person]]:
    """``clients`` workers holding open families, from as many different teams as there are;
    the manager of each of their teams; the administrator; the partners (demo agencies) with
    the families an active consent shares with each."""
    from casework.demo.staff import DEMO_DOMAIN
    from casework.extensions import db
    from casework.models import OPEN_PHASES, Child, Family, User

    with app.app_context():
        demo_users = func.lower(User.email).like(f"%@{DEMO_DOMAIN}")
        held = dict(db.session.execute(
            select(Family.worker_id, func.count(Family.id))
            .where(Family.phase.in_(OPEN_PHASES), Family.worker_id.is_not(None)).group_by(Family.worker_id)
        ).all())
        workers = db.session.execute(
            select(User.id, User.email, User.team_id).where(demo_users, User.role == "worker", User.active.is_(True))
            .order_by(User.team_id, User.id)
        ).all()
        workers = [w for w in workers if held.get(w.id, 0) >= 3]
        chosen, teams_used = [], set()
        for w in workers:  # one per team first, then more from the same teams
            if w.team_id not in teams_used and len(chosen) < clients:
                chosen.append(w)
                teams_used.add(w.team_id)
        for w in workers:
            if len(chosen) >= clients:
                break
            if w not in chosen:
                chosen.append(w)
        if len(chosen) < clients:
            raise RuntimeError(f"only {len(chosen)} workers hold open families; use fewer clients")
        people = []
        for w in chosen:
            person = Person(w.email, w.team_id)
            person.families = list(db.session.scalars(
                select(Family.id).where(Family.worker_id == w.id, Family.phase.in_(OPEN_PHASES)).order_by(Family.id)
            ))
            for family_id, child_id in db.session.execute(
                select(Child.family_id, Child.id).where(Child.family_id.in_(person.families)).order_by(Child.id)
            ):
                person.children.setdefault(family_id, []).append(child_id)
            people.append(person)
        managers = {
            team_id: Person(email, team_id)
            for email, team_id in db.session.execute(
                select(User.email, User.team_id).where(demo_users, User.role == "manager", User.active.is_(True))
            )
        }
        admin = db.session.scalar(select(User.email).where(demo_users, User.role == "admin").limit(1))
        partners = _partners(db.session)
        db.session.remove()
    return people, managers, Person(admin, None), partners


def _partners(session) -> list[Person]:
    from casework.models import User
    from casework.services import clock
    from casework.services import partners as partner_service

    now = clock.current_time()
    found = []
    for user in session.scalars(select(User).where(User.role == "partner", User.active.is_(True)).order_by(User.id)):
        shared = sorted(partner_service.partner_access(session, user, now))
        if shared:
            found.append(Person(user.email, None, shared))
    if not found:
        raise RuntimeError("no partner has a family shared with them: is this seed-demo's service?")
    return found


@dataclass
class ClientSetup:
    """What one client process needs for each kind of page: signed-in cookies, tokens."""

    worker: Person
    worker_cookies: dict
    csrf: str
    api_token: str
    manager_cookies: dict
    admin_cookies: dict
    partner: Person
    partner_cookies: dict


def sign_in_clients(port: int, people, managers, admin, partners, password: str) -> list[ClientSetup]:
    setups = []
    for number, person in enumerate(people):
        partner = partners[number % len(partners)]
        outside = Client("127.0.0.1", port)
        outside.sign_in(partner.email, password)
        worker = Client("127.0.0.1", port)
        worker.sign_in(person.email, password)
        csrf = worker.csrf_token(f"/families/{person.families[0]}/visits/new")
        api = Client("127.0.0.1", port)
        api.api_token(person.email, password)
        manager = Client("127.0.0.1", port)
        manager.sign_in(managers[person.team_id].email, password)
        boss = Client("127.0.0.1", port)
        boss.sign_in(admin.email, password)
        setups.append(ClientSetup(person, dict(worker.cookies), csrf, api.token, dict(manager.cookies),
                                  dict(boss.cookies), partner, dict(outside.cookies)))
        for c in (worker, api, manager, boss, outside):
            c.close()
    return setups


def targets_for(page: str, setup: ClientSetup, today: dt.date) -> tuple[dict, str | None, list[Target]]:
    person = setup.worker
    if page == "home":
        return setup.manager_cookies, None, [Target("GET", "/team")]
    if page == "my families":
        return setup.worker_cookies, None, [Target("GET", "/families")]
    if page == "family page":
        return setup.worker_cookies, None, [Target("GET", f"/families/{f}") for f in person.families]
    if page == "diary":
        return setup.worker_cookies, None, [Target("GET", "/diary")]
    if page == "partner view":
        return setup.partner_cookies, None, [Target("GET", "/partners/families")]
    if page == "partner's family page":
        return setup.partner_cookies, None, [Target("GET", f"/partners/families/{f}") for f in setup.partner.families]
    if page == "visit log POST":
        return setup.worker_cookies, None, [
            Target("POST", f"/families/{f}/visits/new", {
                "csrf_token": setup.csrf, "date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
                "duration_minutes": "60", "children_seen": [str(c) for c in person.children.get(f, [])],
                "notes": "Home visit (benchmark). Children seen and well.",
            }, expect=302)
            for f in person.families
        ]
    if page == "caseload":
        return setup.manager_cookies, None, [Target("GET", "/team/caseload")]
    if page == "flag queue":
        return setup.manager_cookies, None, [Target("GET", "/team/flags")]
    if page == "outcomes report":
        start = today - dt.timedelta(days=365)
        return setup.admin_cookies, None, [
            Target("GET", f"/reports/outcomes?from={start.isoformat()}&to={today.isoformat()}")
        ]
    if page == "GET /api/v1/families":
        return {}, setup.api_token, [Target("GET", "/api/v1/families", api=True)]
    raise ValueError(page)


def run_page(server: Server, page: str, setups: list[ClientSetup], today: dt.date, seconds: float,
             warmup: int, repeats: int, capture_dir: str) -> PageResult:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    barrier = context.Barrier(len(setups))
    processes = []
    for setup in setups:
        cookies, token, targets = targets_for(page, setup, today)
        process = context.Process(target=load, args=(
            "127.0.0.1", server.port, cookies, token, targets, seconds, warmup, barrier, results))
        process.start()
        processes.append(process)
    collected = [results.get(timeout=seconds + 900) for _ in processes]
    for process in processes:
        process.join(30)
    latencies, queries, errors, error_count, elapsed = [], [], [], 0, []
    for lat, q, errs, n_errors, took in collected:
        latencies += lat
        queries += q
        errors += errs
        error_count += n_errors
        elapsed.append(took)
    result = PageResult(page, latencies, queries, statistics.mean(elapsed) if elapsed else 0.0, errors, error_count)
    _measure_floor(server, page, setups[0], today, repeats, capture_dir, result)
    return result


def _measure_floor(server, page, setup, today, repeats, capture_dir, result: PageResult) -> None:
    cookies, token, targets = targets_for(page, setup, today)
    target = targets[0]
    name = "floor-" + "".join(ch if ch.isalnum() else "-" for ch in page)
    client = Client("127.0.0.1", server.port, dict(cookies), token)
    answer = client.request(target.method, target.path, target.form, api=target.api,
                            headers={"X-Bench-Capture": name, "X-Bench-Repeats": str(repeats)})
    client.close()
    path = Path(capture_dir) / f"{name}.json"
    if answer.status != target.expect or not path.exists():
        result.floor_note = f"no floor (HTTP {answer.status})"
        return
    captured = json.loads(path.read_text())
    path.unlink()
    result.floor_ms = captured.get("floor_ms")
    result.slowest = captured.get("slowest", [])
    result.skipped = len(captured.get("skipped") or [])
    result.captured = captured
    if "error" in captured:
        result.floor_note = captured["error"]
