"""The benchmark's figures against its targets: one table per database (markdown), the machine
it ran on, and the figures as JSON."""
from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .pages import PAGES, PER_USER, PageResult

# The targets (issue 18), at the largest size. Pages are "per user" (their cost is the user's
# own caseload, the team's or the families shared with them, never the size of the database)
# except the whole-service outcomes report.
PAGE_P95_MS = 20.0
GROWTH_MAX = 1.2
FLOOR_RATIO_MAX = 5.0  # kept from issue 8: how far above its own SQL a page may be
QUERIES_MAX = 12
SWEEP_RATE_MIN = 20000.0
OUTCOMES_MS = 300.0
FAMILY_PAGE_RPS_MIN = 200.0
RSS_MB_MAX = 150.0
SEED_SECONDS_MAX = {"SQLite": 90.0}  # seed-demo at 100,000 families; no target on PostgreSQL
SEED_TARGET_FAMILIES = 100_000
# The family page: (p50, p95) ms per database.
FAMILY_PAGE_MS = {"SQLite": (5.0, 15.0), "PostgreSQL": (8.0, 20.0)}


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


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def gap(value, limit, upper=True, unit="", digits=1) -> str:
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


def page_checks(page: str, large: PageResult, small: PageResult | None, database: str = "") -> list[tuple[str, str]]:
    checks = []
    if page == "outcomes report":
        checks.append(("p50", gap(large.p50, OUTCOMES_MS, unit=" ms", digits=0)))
    elif page == "family page" and database in FAMILY_PAGE_MS:
        p50, p95 = FAMILY_PAGE_MS[database]
        checks.append(("p50", gap(large.p50, p50, unit=" ms", digits=0)))
        checks.append(("p95", gap(large.p95, p95, unit=" ms", digits=0)))
    else:
        checks.append(("p95", gap(large.p95, PAGE_P95_MS, unit=" ms", digits=0)))
    checks.append(("×floor", gap(large.over_floor, FLOOR_RATIO_MAX)))
    checks.append(("queries", gap(large.max_queries, QUERIES_MAX, digits=0)))
    if page == "family page":
        checks.append(("req/s", gap(large.rps, FAMILY_PAGE_RPS_MIN, upper=False, digits=0)))
    if small is not None and page in PER_USER:
        checks.append(("growth", gap(ratio(large.p50, small.p50), GROWTH_MAX, digits=2)))
    checks.append(("RSS", gap(large.rss_mb, RSS_MB_MAX, unit=" MB", digits=0)))
    return checks


def _size(families: int) -> str:
    return f"{families // 1000}k" if families >= 1000 and families % 1000 == 0 else f"{families:,}"


def ratio(a, b):
    return a / b if a is not None and b else None


def render(results: list[SizeResult], options) -> str:
    lines = []
    small, large = results[0], results[-1]
    sizes = " and ".join(f"{r.families:,}" for r in results)
    lines.append(f"### {large.database}: {sizes} families")
    lines.append("")
    header = ("| page | families | p50 ms | p95 ms | req/s | queries | SQL floor ms | p50 ÷ floor | RSS MB | "
              f"targets at {large.families:,} families |")
    lines.append(header)
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for page, _ in PAGES:
        if page not in large.pages:
            continue
        for r in results:
            p = r.pages[page]
            note = ""
            if r is large:
                note = "; ".join(f"{name} {text}" for name, text
                                 in page_checks(page, p, small.pages.get(page) if len(results) > 1 else None,
                                                large.database))
            if p.error_count:
                note += f"; **{p.error_count} errors** ({p.errors[0]})"
            lines.append(f"| {page} | {r.families:,} | {fmt(p.p50)} | {fmt(p.p95)} | {fmt(p.rps, 0)} | "
                         f"{fmt(p.max_queries, 0)} | {fmt(p.floor_ms, 2)} | {fmt(p.over_floor)} | "
                         f"{fmt(p.rss_mb, 0)} | {note} |")
        if len(results) > 1:
            a, b = large.pages[page], small.pages[page]
            lines.append(f"| {page} | growth {_size(large.families)}/{_size(small.families)}"
                         f" | {fmt(ratio(a.p50, b.p50), 2)} | {fmt(ratio(a.p95, b.p95), 2)}"
                         f" | {fmt(ratio(a.rps, b.rps), 2)} | "
                         f"{fmt(ratio(a.max_queries, b.max_queries), 2)}"
                         f" | {fmt(ratio(a.floor_ms, b.floor_ms), 2)} | | | |")
    lines.append("")
    lines.append("| measure | " + " | ".join(f"{r.families:,} families" for r in results)
                 + (" | growth" if len(results) > 1 else "") + f" | target at {large.families:,} families |")
    lines.append("|---|" + "---:|" * len(results) + ("---:|" if len(results) > 1 else "") + "---|")

    def row(label, values, check, digits=0):
        growth = f" | {fmt(ratio(values[-1], values[0]), 2)}" if len(values) > 1 else ""
        lines.append(f"| {label} | " + " | ".join(fmt(v, digits) for v in values) + f"{growth} | {check} |")

    row("daily sweep, first run: open families/s", [r.sweep_rate for r in results],
        gap(large.sweep_rate, SWEEP_RATE_MIN, upper=False, digits=0))
    row("daily sweep, first run: seconds", [r.sweep_first for r in results], "", 2)
    row("daily sweep, again the same day: open families/s", [r.sweep_rate_again for r in results], "")
    row("web worker peak RSS (VmHWM), MB", [r.rss_mb for r in results],
        gap(large.rss_mb, RSS_MB_MAX, unit=" MB", digits=0))
    seed_limit = SEED_SECONDS_MAX.get(large.database)
    seed_check = ""
    if seed_limit and large.families >= SEED_TARGET_FAMILIES:
        scaled = large.seed_seconds * SEED_TARGET_FAMILIES / large.families
        seed_check = gap(scaled, seed_limit, unit=" s") + (
            f" (per {SEED_TARGET_FAMILIES:,} families)" if large.families != SEED_TARGET_FAMILIES else "")
    elif seed_limit:
        seed_check = f"(target ≤ {seed_limit:,.0f} s at {SEED_TARGET_FAMILIES:,} families: not run at that size)"
    row("seed-demo: seconds", [r.seed_seconds for r in results], seed_check, 1)
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


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def as_dict(result: SizeResult) -> dict:
    return {
        "database": result.database, "families": result.families, "rows": result.rows,
        "seed_seconds": result.seed_seconds, "open_families": result.open_families,
        "sweep_first_seconds": result.sweep_first, "sweep_again_seconds": result.sweep_second,
        "flags_raised": result.flags_raised, "rss_mb": result.rss_mb,
        "pages": {
            name: {"requests": p.count, "p50_ms": p.p50, "p95_ms": p.p95, "rps": p.rps, "queries": p.max_queries,
                   "floor_ms": p.floor_ms, "errors": p.error_count, "rss_mb": p.rss_mb}
            for name, p in result.pages.items()
        },
    }
