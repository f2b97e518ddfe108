"""The benchmark: ``scripts/bench`` (or ``python -m casework.bench``).

For each database (SQLite, PostgreSQL) and each size (default 1,000 and 50,000 families) it
loads a fresh demo service into a throw-away database (seed-demo's generator, fixed seed),
times the first daily sweep on it (which raises every flag the data calls for) and a second
one at the same moment, then starts casework under gunicorn (2 sync workers, the probe of
``casework.bench.probe`` counting each request's SQL statements) and loads each page from a
few client processes of its own for a fixed time:

- worker home (``GET /families``, a worker's "My families"), the family page (each of the
  worker's open families in turn; it writes an audit row), the visit log (``POST`` a completed
  home visit, every child seen), ``GET /api/v1/families`` (the worker's, with an API token);
- a manager's caseload (``/team/caseload``) and flag queue (``/team/flags``);
- the outcomes report for the whole service over the last 365 days, as the administrator.

Each client process signs in as a different worker (of a different team where there are
enough) and that team's manager. It prints one table per database: p50 and p95 latency,
requests per second, SQL statements per request, the SQL floor (the same statements replayed
alone on one connection, median) and how many times the floor the whole request takes; the
growth from the smallest size to the largest; the sweep's open families per second and the
web workers' peak memory (VmHWM); each against its target, with the gap when missed.

Timings depend on the machine and on what else it runs: the load generator shares the machine
with gunicorn and the database. ``--quick`` (a few hundred families, a second per page) is
what CI runs, to prove the benchmark works, not to measure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from .client import Client, Target, load
from .database import DATABASES, bench_database

ROOT = Path(__file__).resolve().parents[2]

# The targets (issue 8). Pages are "per user" (their cost is the user's own caseload, or the
# team's, never the size of the database) except the whole-service outcomes report.
PAGE_P95_MS = 50.0
GROWTH_MAX = 1.3
FLOOR_RATIO_MAX = 5.0
QUERIES_MAX = 15
SWEEP_RATE_MIN = 5000.0
OUTCOMES_MS = 1000.0
FAMILY_PAGE_RPS_MIN = 150.0
RSS_MB_MAX = 150.0

PAGES = (
    ("worker home", "worker"),
    ("family page", "worker"),
    ("visit log POST", "worker"),
    ("caseload", "manager"),
    ("flag queue", "manager"),
    ("outcomes report", "admin"),
    ("GET /api/v1/families", "api"),
)
PER_USER = {"worker home", "family page", "visit log POST", "caseload", "flag queue", "GET /api/v1/families"}


@dataclass
class PageResult:
    name: str
    latencies: list[float]
    queries: list[int]
    seconds: float
    errors: list[str]
    error_count: int
    floor_ms: float | None = None
    floor_queries: int | None = None
    floor_note: str = ""
    slowest: list = field(default_factory=list)
    skipped: int = 0  # statements of the request that could not be replayed
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
class SizeResult:
    database: str
    families: int
    rows: int
    seed_seconds: float
    open_families: int
    sweep_first: float
    sweep_second: float
    flags_raised: int
    pages: dict[str, PageResult] = field(default_factory=dict)
    rss_mb: float | None = None
    worker_rss_mb: list[float] = field(default_factory=list)

    @property
    def sweep_rate(self):
        return self.open_families / self.sweep_first

    @property
    def sweep_rate_again(self):
        return self.open_families / self.sweep_second


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """casework under gunicorn, as in production (``-w 2``, sync workers), with the probe."""

    def __init__(self, database_url: str, capture_dir: str, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="casework-bench-gunicorn-", suffix=".log", delete=False)
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": database_url,
            "SECRET_KEY": "casework-bench-" + os.urandom(8).hex(),
            "CASEWORK_BENCH_CAPTURE_DIR": capture_dir,
            "MAIL_SERVER": "",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        })
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120", "casework.bench.wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers = workers
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 90.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped (exit {self.process.returncode}):\n{self.output()}")
            try:
                answer = Client("127.0.0.1", self.port).request("GET", "/healthz")
                if answer.status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident set size (VmHWM), in MB."""
        found = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        found.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


# --- the people, the pages ------------------------------------------------------------------


@dataclass
class Person:
    email: str
    team_id: int | None
    families: list[int] = field(default_factory=list)
    children: dict[int, list[int]] = field(default_factory=dict)


def pick_people(app, clients: int) -> tuple[list[Person], dict[int, Person], Person]:
    """``clients`` workers holding open families, from as many different teams as there are;
    the manager of each of their teams; the administrator."""
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
        db.session.remove()
    return people, managers, Person(admin, None)


@dataclass
class ClientSetup:
    """What one client process needs for each kind of page: signed-in cookies, tokens."""

    worker: Person
    worker_cookies: dict
    csrf: str
    api_token: str
    manager_cookies: dict
    admin_cookies: dict


def sign_in_clients(port: int, people, managers, admin, password: str) -> list[ClientSetup]:
    setups = []
    for person in people:
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
                                  dict(boss.cookies)))
        for c in (worker, api, manager, boss):
            c.close()
    return setups


def targets_for(page: str, setup: ClientSetup, today: dt.date) -> tuple[dict, str | None, list[Target]]:
    person = setup.worker
    if page == "worker home":
        return setup.worker_cookies, None, [Target("GET", "/families")]
    if page == "family page":
        return setup.worker_cookies, None, [Target("GET", f"/families/{f}") for f in person.families]
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
    result.floor_queries = captured.get("queries")
    result.slowest = captured.get("slowest", [])
    result.skipped = len(captured.get("skipped") or [])
    result.captured = captured
    if "error" in captured:
        result.floor_note = captured["error"]


# --- one database, one size ------------------------------------------------------------------


def time_sweep(app) -> tuple[int, float, float, int]:
    from casework.extensions import db
    from casework.services import clock
    from casework.services.sweep import run_sweep

    with app.app_context():
        now = clock.sweep_time(clock.local_date(clock.current_time()))
        took, summaries = [], []
        for _ in range(2):
            db.session.expunge_all()
            started = time.perf_counter()
            summary = run_sweep(db.session, now)
            db.session.commit()
            took.append(time.perf_counter() - started)
            summaries.append(summary)
        if db.engine.dialect.name == "postgresql":
            # The first sweep wrote tens of thousands of flags and notifications: what autovacuum
            # would soon notice; the planner's statistics should know of them.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    return summaries[0].families, took[0], took[1], summaries[0].flags_raised


def bench_size(kind: str, families: int, options) -> SizeResult:
    from casework.demo.staff import DEMO_PASSWORD

    pages = options.pages
    with bench_database(kind, families, options.seed, progress=not options.no_progress) as database:
        say(f"  {database.label} {families:,}: {database.rows:,} rows seeded in {database.seed_seconds:.1f} s; "
            "sweeping")
        open_families, first, second, raised = time_sweep(database.app)
        result = SizeResult(database.label, families, database.rows, database.seed_seconds, open_families,
                            first, second, raised)
        say(f"  sweep: {open_families:,} open families, first run {first:.2f} s ({result.sweep_rate:,.0f}/s, "
            f"{raised:,} flags), again {second:.2f} s")
        people, managers, admin = pick_people(database.app, options.clients)
        today = _today(database.app)
        with tempfile.TemporaryDirectory(prefix="casework-bench-capture-") as capture_dir:
            server = Server(database.url, capture_dir)
            try:
                setups = sign_in_clients(server.port, people, managers, admin, DEMO_PASSWORD)
                for page, _ in PAGES:
                    if page not in pages:
                        continue
                    outcome = run_page(server, page, setups, today, options.duration, options.warmup,
                                       options.repeats, capture_dir)
                    result.pages[page] = outcome
                    say(f"  {page}: {outcome.count} requests, p50 {_f(outcome.p50)} ms, p95 {_f(outcome.p95)} ms, "
                        f"{_f(outcome.rps)}/s, {outcome.max_queries} queries, floor {_f(outcome.floor_ms, 2)} ms"
                        + (f"; {outcome.error_count} errors: {outcome.errors[:3]}" if outcome.error_count else ""))
                result.worker_rss_mb = server.peak_rss_mb()
                result.rss_mb = max(result.worker_rss_mb) if result.worker_rss_mb else None
                if any(p.error_count for p in result.pages.values()):
                    say(f"  gunicorn's log (the end):\n{server.output()}")
            finally:
                server.stop()
    return result


def _today(app) -> dt.date:
    from casework.services import clock

    with app.app_context():
        return clock.local_date(clock.current_time())


# --- the table -------------------------------------------------------------------------------


def _f(value, digits=1, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def _gap(value, limit, upper=True, unit="", digits=1) -> str:
    """'✓ p95 ≤ 50' or '✗ 61 > 50 (+22%)'."""
    if value is None:
        return "? (not measured)"
    ok = value <= limit if upper else value >= limit
    sign = "≤" if upper else "≥"
    if ok:
        return f"✓ {sign} {limit:,.{digits}f}{unit}"
    by = (value / limit - 1) * 100 if upper else (1 - value / limit) * 100
    return (f"✗ {value:,.{digits}f}{unit} {'>' if upper else '<'} {limit:,.{digits}f}{unit} "
            f"({'+' if upper else '-'}{by:.0f}%)")


def page_checks(page: str, large: PageResult, small: PageResult | None) -> list[tuple[str, str]]:
    checks = []
    if page == "outcomes report":
        checks.append(("p50", _gap(large.p50, OUTCOMES_MS, unit=" ms", digits=0)))
    else:
        checks.append(("p95", _gap(large.p95, PAGE_P95_MS, unit=" ms", digits=0)))
    checks.append(("×floor", _gap(large.over_floor, FLOOR_RATIO_MAX)))
    checks.append(("queries", _gap(large.max_queries, QUERIES_MAX, digits=0)))
    if page == "family page":
        checks.append(("req/s", _gap(large.rps, FAMILY_PAGE_RPS_MIN, upper=False, digits=0)))
    if small is not None and page in PER_USER:
        checks.append(("growth", _gap(_ratio(large.p50, small.p50), GROWTH_MAX, digits=2)))
    return checks


def _size(families: int) -> str:
    return f"{families // 1000}k" if families >= 1000 and families % 1000 == 0 else f"{families:,}"


def _ratio(a, b):
    return a / b if a is not None and b else None


def render(results: list[SizeResult], options) -> str:
    lines = []
    small, large = results[0], results[-1]
    sizes = " and ".join(f"{r.families:,}" for r in results)
    lines.append(f"### {large.database}: {sizes} families")
    lines.append("")
    header = ("| page | families | p50 ms | p95 ms | req/s | queries | SQL floor ms | p50 ÷ floor | "
              f"targets at {large.families:,} families |")
    lines.append(header)
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for page, _ in PAGES:
        if page not in large.pages:
            continue
        for r in results:
            p = r.pages[page]
            note = ""
            if r is large:
                note = "; ".join(f"{name} {text}" for name, text
                                 in page_checks(page, p, small.pages.get(page) if len(results) > 1 else None))
            if p.error_count:
                note += f"; **{p.error_count} errors** ({p.errors[0]})"
            lines.append(f"| {page} | {r.families:,} | {_f(p.p50)} | {_f(p.p95)} | {_f(p.rps, 0)} | "
                         f"{_f(p.max_queries, 0)} | {_f(p.floor_ms, 2)} | {_f(p.over_floor)} | {note} |")
        if len(results) > 1:
            a, b = large.pages[page], small.pages[page]
            lines.append(f"| {page} | growth {_size(large.families)}/{_size(small.families)}"
                         f" | {_f(_ratio(a.p50, b.p50), 2)} | {_f(_ratio(a.p95, b.p95), 2)}"
                         f" | {_f(_ratio(a.rps, b.rps), 2)} | "
                         f"{_f(_ratio(a.max_queries, b.max_queries), 2)}"
                         f" | {_f(_ratio(a.floor_ms, b.floor_ms), 2)} | | |")
    lines.append("")
    lines.append("| measure | " + " | ".join(f"{r.families:,} families" for r in results)
                 + (" | growth" if len(results) > 1 else "") + f" | target at {large.families:,} families |")
    lines.append("|---|" + "---:|" * len(results) + ("---:|" if len(results) > 1 else "") + "---|")

    def row(label, values, check, digits=0):
        growth = f" | {_f(_ratio(values[-1], values[0]), 2)}" if len(values) > 1 else ""
        lines.append(f"| {label} | " + " | ".join(_f(v, digits) for v in values) + f"{growth} | {check} |")

    row("daily sweep, first run: open families/s", [r.sweep_rate for r in results],
        _gap(large.sweep_rate, SWEEP_RATE_MIN, upper=False, digits=0))
    row("daily sweep, first run: seconds", [r.sweep_first for r in results], "", 2)
    row("daily sweep, again the same day: open families/s", [r.sweep_rate_again for r in results], "")
    row("web worker peak RSS (VmHWM), MB", [r.rss_mb for r in results],
        _gap(large.rss_mb, RSS_MB_MAX, unit=" MB", digits=0))
    row("seed-demo: seconds", [r.seed_seconds for r in results], "", 1)
    row("seed-demo: rows", [r.rows for r in results], "")
    notes = []
    for page, _ in PAGES:
        skipped = {r.pages[page].skipped for r in results if page in r.pages} - {0}
        if skipped:
            notes.append(f"{page}: its floor leaves out {max(skipped)} statement(s) that fail when repeated "
                         "(a second row with a key the first one took).")
        for r in results:
            if page in r.pages and r.pages[page].floor_note:
                notes.append(f"{page} at {r.families:,}: {r.pages[page].floor_note}")
    if notes:
        lines.append("")
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def describe_machine(options, load_before, load_after) -> str:
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    if "postgresql" in options.databases:
        try:
            from sqlalchemy import create_engine, text

            from .database import pg_url

            with create_engine(pg_url()).connect() as connection:
                versions.append("PostgreSQL " + connection.execute(text("SHOW server_version")).scalar().split()[0])
        except Exception:  # pragma: no cover - described, not needed
            pass
    return (
        f"{os.cpu_count()} CPUs, {', '.join(versions)}; gunicorn 2 sync workers; {options.clients} client "
        f"processes on the same machine, {options.duration:g} s per page after {options.warmup} warm-up "
        f"requests each; SQL floor = median of {options.repeats} replays; seed {options.seed}. "
        f"Load average before {load_before}, after {load_after}."
    )


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def parse(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="Load-test casework's pages under gunicorn and time the daily sweep.",
        epilog="Subcommands for the service-level timings: 'scripts/bench sweep --help', "
               "'scripts/bench reports --help'.",
    )
    parser.add_argument("--families", default="1000,50000",
                        help="sizes, comma-separated (default 1000,50000); growth is largest/smallest")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per page (default 15)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per client per page (default 5)")
    parser.add_argument("--repeats", type=int, default=15, help="replays of a page's SQL for its floor (default 15)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pages", help="only these pages (comma-separated names, as in the table)")
    parser.add_argument("--quick", action="store_true",
                        help="CI scale: 100 and 300 families, 1 s per page (proves it runs; measures nothing)")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar while seeding")
    options = parser.parse_args(argv)
    if options.quick:
        if "--families" not in (argv or sys.argv):
            options.families = "100,300"
        options.duration, options.warmup, options.repeats = min(options.duration, 1.0), 1, 3
    options.sizes = sorted({int(x.replace("_", "")) for x in options.families.split(",") if x.strip()})
    options.databases = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    names = [page for page, _ in PAGES]
    options.pages = names if not options.pages else [p.strip() for p in options.pages.split(",")]
    unknown = set(options.pages) - set(names)
    if unknown:
        parser.error(f"unknown pages {sorted(unknown)}; choose from {names}")
    return options


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("sweep", "reports"):
        from . import services

        return services.main(argv[0], argv[1:])
    options = parse(argv)
    if "postgresql" in options.databases:
        from sqlalchemy import create_engine

        from .database import pg_url

        try:
            with create_engine(pg_url()).connect():
                pass
        except Exception as error:
            print(f"PostgreSQL is not reachable at {pg_url()} ({type(error).__name__}). Set BENCH_PG_URL to a "
                  "database the benchmark may create a schema in, or run it with --database sqlite.", file=sys.stderr)
            return 2
    load_before = _load_average()
    tables, figures = [], []
    for kind in options.databases:
        results = []
        for families in options.sizes:
            say(f"{DATABASES[kind]}, {families:,} families")
            results.append(bench_size(kind, families, options))
        tables.append(render(results, options))
        figures.append(results)
    load_after = _load_average()
    print()
    print("\n\n".join(tables))
    print()
    print(describe_machine(options, load_before, load_after))
    if options.json_path:
        Path(options.json_path).write_text(
            json.dumps([[_as_dict(r) for r in results] for results in figures], indent=1))
    errors = sum(p.error_count for results in figures for r in results for p in r.pages.values())
    if errors:
        print(f"\n{errors} requests failed: see the notes in the table.", file=sys.stderr)
        return 1
    return 0


def _as_dict(result: SizeResult) -> dict:
    return {
        "database": result.database, "families": result.families, "rows": result.rows,
        "seed_seconds": result.seed_seconds, "open_families": result.open_families,
        "sweep_first_seconds": result.sweep_first, "sweep_again_seconds": result.sweep_second,
        "flags_raised": result.flags_raised, "rss_mb": result.rss_mb,
        "pages": {
            name: {"requests": p.count, "p50_ms": p.p50, "p95_ms": p.p95, "rps": p.rps, "queries": p.max_queries,
                   "floor_ms": p.floor_ms, "errors": p.error_count}
            for name, p in result.pages.items()
        },
    }
