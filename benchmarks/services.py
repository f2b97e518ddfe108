"""Service-level timings, without the web server:

``scripts/bench sweep [--families 1000,10000] [--database both] [--profile first|second]``
    times one full ``run_sweep`` at 06:00 today (the first run, which raises the flags) and a
    second at the same moment (which should change nothing), each with its commit; families/s
    counts the open families the sweep evaluates. (``scripts/bench-sweep`` runs this.)

``scripts/bench reports [--families 1000,10000] [--database both]``
    times, as the administrator (the whole service), ``reports.outcomes`` for a year's
    closures, ``local_area`` and ``local_area_by_quarter`` for a year's referrals and
    ``sustained_outcomes`` as at today: best of 3 each. (``scripts/bench-reports`` runs this.)

Both load a fresh demo service into a throw-away database per size (``benchmarks.database``)."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from .database import bench_database

REPEATS = 3


def _options(command: str, argv: list[str]):
    parser = argparse.ArgumentParser(prog=f"scripts/bench {command}",
                                     description=__doc__.split("\n\n")[1 if command == "sweep" else 2])
    parser.add_argument("--families", nargs="+", default=["1000,10000"],
                        help="sizes, comma- or space-separated (default 1000,10000)")
    parser.add_argument("--database", "--db", nargs="+", choices=["sqlite", "postgresql", "both"], default=["both"])
    parser.add_argument("--seed", type=int, default=2026)
    if command == "sweep":
        parser.add_argument("--profile", choices=["first", "second"],
                            help="profile that run with pyinstrument (pip install it into .venv first)")
    options = parser.parse_args(argv)
    options.sizes = sorted({int(x.replace("_", "")) for item in options.families for x in item.split(",") if x.strip()})
    options.databases = [d for d in ("sqlite", "postgresql") if d in options.database or "both" in options.database]
    return options


def main(command: str, argv: list[str]) -> int:
    options = _options(command, argv)
    rows = []
    for kind in options.databases:
        for families in options.sizes:
            with bench_database(kind, families, options.seed) as database:
                with database.app.app_context():
                    rows += sweep_rows(database, options.profile) if command == "sweep" else report_rows(database)
    print()
    if command == "sweep":
        _table(["database", "families", "open families", "run", "seconds", "families/s", "flags raised"],
               [[r["database"], f"{r['families']:,}", f"{r['open']:,}", r["run"], f"{r['seconds']:.2f}",
                 f"{r['rate']:,.0f}", f"{r['raised']:,}"] for r in rows])
        print(f"\nSeed {options.seed}; sweep at 06:00 today; families/s = open families / seconds "
              f"(run_sweep and its commit); {os.cpu_count()} CPUs.")
    else:
        _table(["database", "families", "report", "seconds", "what it covered"],
               [[r["database"], f"{r['families']:,}", r["report"], f"{r['seconds']:.3f}", r["note"]] for r in rows])
        print(f"\nSeed {options.seed}; as an admin (the whole service); a year = the 365 days to today; "
              f"best of {REPEATS}; {os.cpu_count()} CPUs.")
    return 0


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    right = {i for i, h in enumerate(header) if h not in ("database", "run", "report", "what it covered")}

    def line(cells):
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def sweep_rows(database, profile: str | None) -> list[dict]:
    from casework.extensions import db
    from casework.scheduler import cycle_collector_paused
    from casework.services import clock
    from casework.services.sweep import run_sweep

    now = clock.sweep_time(clock.local_date(clock.current_time()))
    rows = []
    for run in ("first", "second"):
        db.session.expunge_all()
        profiler = None
        if profile == run:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            profiler.start()
        started = time.perf_counter()
        with cycle_collector_paused():  # as the daily job runs it
            summary = run_sweep(db.session, now)
            db.session.commit()
        seconds = time.perf_counter() - started
        if profiler:
            profiler.stop()
            out = Path(f"/tmp/bench-sweep-{database.kind}-{database.families}-{run}.txt")
            out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"  profile written to {out}", file=sys.stderr)
        rows.append({"database": database.label, "families": database.families, "open": summary.families,
                     "run": run, "seconds": seconds, "rate": summary.families / seconds,
                     "raised": summary.flags_raised, "notifications": summary.notifications})
        print(f"  {database.label} {database.families:,} {run}: {seconds:.2f} s", file=sys.stderr)
    if rows[-1]["raised"] or rows[-1]["notifications"]:
        print(f"WARNING: the second run raised {rows[-1]['raised']} flags and {rows[-1]['notifications']} "
              "notifications (should be 0)", file=sys.stderr)
    db.session.remove()
    return rows


def report_rows(database) -> list[dict]:
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import User
    from casework.services import clock, reports

    today = clock.local_date(clock.current_time())
    admin_id = db.session.scalar(select(User.id).where(User.role == "admin").limit(1))
    start, end = today - dt.timedelta(days=365), today
    cases = {
        "outcomes (a year)": lambda actor: (r := reports.outcomes(db.session, actor, start, end),
                                            f"{r['families_closed']:,} families closed"),
        "local_area (a year)": lambda actor: (r := reports.local_area(db.session, actor, start, end),
                                              f"{len(r['rows']):,} cells"),
        "local_area_by_quarter (a year)": lambda actor: (
            r := reports.local_area_by_quarter(db.session, actor, start, end),
            f"{len(r['quarters'])} quarters, {sum(len(q['rows']) for q in r['quarters']):,} cells"),
        "sustained_outcomes": lambda actor: (
            r := reports.sustained_outcomes(db.session, actor, today),
            f"{sum(c['families_closed'] for c in r['cohorts']):,} families in cohorts"),
    }
    rows = []
    for name, case in cases.items():
        best, note = float("inf"), ""
        for _ in range(REPEATS):
            db.session.expunge_all()
            started = time.perf_counter()
            _, note = case(db.session.get(User, admin_id))
            best = min(best, time.perf_counter() - started)
            db.session.rollback()
        rows.append({"database": database.label, "families": database.families, "report": name,
                     "seconds": best, "note": note})
        print(f"  {database.label} {database.families:,} {name}: {best:.3f} s", file=sys.stderr)
    db.session.remove()
    return rows
