"""The benchmark: ``scripts/bench`` (or ``python -m benchmarks``).

For each database (SQLite, PostgreSQL) and each size (default 1,000 and 100,000 families) it
loads a fresh demo service into a throw-away database (seed-demo's generator, fixed seed),
times the first daily sweep on it (which raises every flag the data calls for) and a second
one at the same moment, then starts casework under gunicorn (2 sync workers, the probe of
``benchmarks.probe`` counting each request's SQL statements) and loads each page from a
few client processes of its own for a fixed time:

- a worker's "My families" (``GET /families``), the family page (each of the worker's open
  families in turn; it writes an audit row), the diary (``/diary``), the visit log (``POST`` a
  completed home visit, every child seen), ``GET /api/v1/families`` (the worker's, with an API
  token);
- a manager's home (``/team``), caseload (``/team/caseload``) and flag queue (``/team/flags``);
- a partner's view (``/partners/families``) and a shared family's page
  (``/partners/families/<id>``, each family an active consent shares in turn; both log the read);
- the outcomes report for the whole service over the last 365 days, as the administrator.

Each client process signs in as a different worker (of a different team where there are
enough) and that team's manager. It prints one table per database: p50 and p95 latency,
requests per second, SQL statements per request, the SQL floor (the same statements replayed
alone on one connection, median) and how many times the floor the whole request takes; the
growth from the smallest size to the largest; the web workers' peak memory (VmHWM) after each
page; the sweep's open families per second and the seeding time; each against its target
(issue 18), with the gap when missed.

Timings depend on the machine and on what else it runs: the load generator shares the machine
with gunicorn and the database. ``--quick`` (a few hundred families, a second per page) is
what CI runs, to prove the benchmark works, not to measure.

The pages and what is measured of them: ``pages``; gunicorn: ``server``; the table: ``report``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from .database import DATABASES, bench_database
from .pages import PAGES, pick_people, run_page, sign_in_clients
from .report import SizeResult, as_dict, describe_machine, fmt, load_average, render
from .server import Server


def time_sweep(app) -> tuple[int, float, float, int]:
    from casework.extensions import db
    from casework.scheduler import cycle_collector_paused
    from casework.services import clock
    from casework.services.sweep import run_sweep

    with app.app_context():
        now = clock.sweep_time(clock.local_date(clock.current_time()))
        took, summaries = [], []
        for _ in range(2):
            db.session.expunge_all()
            started = time.perf_counter()
            with cycle_collector_paused():  # as the daily job runs it
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
        # Seeding 100,000 families can leave a gigabyte written but not yet on disk: written
        # back while the pages load, it would slow their commits (and the machine) at that size
        # only. Every size's pages start with nothing waiting to be written.
        os.sync()
        people, managers, admin, partners = pick_people(database.app, options.clients)
        today = _today(database.app)
        with tempfile.TemporaryDirectory(prefix="casework-bench-capture-") as capture_dir:
            server = Server(database.url, capture_dir)
            try:
                setups = sign_in_clients(server.port, people, managers, admin, partners, DEMO_PASSWORD)
                for page, _ in PAGES:
                    if page not in pages:
                        continue
                    outcome = run_page(server, page, setups, today, options.duration, options.warmup,
                                       options.repeats, capture_dir)
                    outcome.rss_mb = max(server.peak_rss_mb(), default=None)
                    result.pages[page] = outcome
                    say(f"  {page}: {outcome.count} requests, p50 {fmt(outcome.p50)} ms, p95 {fmt(outcome.p95)} ms, "
                        f"{fmt(outcome.rps)}/s, {outcome.max_queries} queries, floor {fmt(outcome.floor_ms, 2)} ms, "
                        f"RSS {fmt(outcome.rss_mb)} MB"
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


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="Load-test casework's pages under gunicorn and time the daily sweep.",
        epilog="Subcommands for the service-level timings: 'scripts/bench sweep --help', "
               "'scripts/bench reports --help'.",
    )
    parser.add_argument("--families", default="1000,100000",
                        help="sizes, comma-separated (default 1000,100000); growth is largest/smallest")
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
    load_before = load_average()
    tables, figures = [], []
    for kind in options.databases:
        results = []
        for families in options.sizes:
            say(f"{DATABASES[kind]}, {families:,} families")
            results.append(bench_size(kind, families, options))
        tables.append(render(results, options))
        figures.append(results)
    load_after = load_average()
    print()
    print("\n\n".join(tables))
    print()
    print(describe_machine(options, load_before, load_after))
    if options.json_path:
        Path(options.json_path).write_text(
            json.dumps([[as_dict(r) for r in results] for results in figures], indent=1))
    errors = sum(p.error_count for results in figures for r in results for p in r.pages.values())
    if errors:
        print(f"\n{errors} requests failed: see the notes in the table.", file=sys.stderr)
        return 1
    return 0
