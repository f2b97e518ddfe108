"""The benchmark works (CI scale): ``scripts/bench --quick`` on the database this suite runs on
(SQLite, or PostgreSQL when CASEWORK_TEST_DATABASE_URL names one: a schema of its own there).

It seeds two small demo services, sweeps them, serves them with gunicorn and loads every page
from two client processes. Nothing here is timed: the test asserts that every page answered
every request as it should (no failed request, statements counted, an SQL floor measured) and
that the table has every row. The figures themselves are for the README (scripts/bench)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.pages import PAGES

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_and_prints_every_row(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_PG_URL")}
    database = "sqlite"
    if os.environ.get("CASEWORK_TEST_DATABASE_URL"):
        env["BENCH_PG_URL"] = os.environ["CASEWORK_TEST_DATABASE_URL"]
        database = "postgresql"
    figures_path = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--database", database, "--no-progress",
         "--json", str(figures_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]

    table = result.stdout
    for page, _ in PAGES:
        for size in ("100", "300", "growth 300/100"):
            assert f"| {page} | {size} |" in table, f"no row for {page} at {size}"
    for measure in ("daily sweep, first run: open families/s", "web worker peak RSS (VmHWM), MB"):
        assert f"| {measure} |" in table

    [sizes] = json.loads(figures_path.read_text())
    assert [size["families"] for size in sizes] == [100, 300]
    for size in sizes:
        assert size["flags_raised"] > 0 and size["open_families"] > 0
        assert size["rss_mb"] and size["rss_mb"] > 10
        for page, _ in PAGES:
            figures = size["pages"][page]
            assert figures["requests"] > 0 and figures["errors"] == 0, (page, figures)
            assert figures["queries"] and figures["floor_ms"], (page, figures)
