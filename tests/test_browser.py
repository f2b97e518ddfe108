"""A family worker's day in a real browser (Debian's chromium driven by Playwright): sign in,
open a family from My families, log a visit, agree a goal, rate progress; and an axe-core
accessibility check of each page on the way.

Skipped only where /usr/bin/chromium is missing and this is not CI (``.ci/run`` installs it,
so in CI the test always runs)."""
from __future__ import annotations

import datetime as dt
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from . import factories
from .conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = {"serious", "critical"}

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: CI must install Debian's chromium (apt-get install chromium).")
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
                "to run the browser tests.", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture
def live_server(app, db):
    """The app on 127.0.0.1:<free port>, in a thread, against the test database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser_page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


class AccessibilityLog:
    """Runs axe-core on each page; the test fails at the end if any page had a serious or
    critical violation (every one is printed first)."""

    def __init__(self):
        self.axe = Axe()
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.pages = 0

    def check(self, page, name: str) -> None:
        results = self.axe.run(page)
        self.pages += 1
        for violation in results.response["violations"]:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            line = f"{name} ({page.url}): {violation['impact']} {violation['id']}: {violation['help']} [{targets}]"
            if violation.get("impact") in BLOCKING_IMPACTS:
                self.problems.append(line)
            else:
                self.notes.append(line)

    def assert_clean(self):
        print(f"axe-core checked {self.pages} pages")
        for line in self.notes:
            print("  (minor or moderate)", line)
        for problem in self.problems:
            print("  ", problem)
        assert not self.problems, "axe-core found serious or critical problems:\n" + "\n".join(self.problems)


def shown(day: dt.date) -> re.Pattern:
    """A date as the pages write it: 27 Nov 2026 (or 27 November 2026)."""
    return re.compile(rf"\b{day.day} ({day:%b}|{day:%B}) {day.year}\b")


def test_a_worker_logs_a_visit_agrees_a_goal_and_rates_progress(db, live_server, browser_page, today):
    team = factories.TeamFactory(name="Leeds North")
    worker = factories.UserFactory(team=team, role="worker", name="Wendy Worker", email="wendy@example.org")
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))
    # Read what the test needs before committing: afterwards the test's session must stay out
    # of the database, so that the server's requests are never waiting for its lock.
    family_id, household, email = family.id, family.household_name, worker.email
    children = [child.first_name for child in family.children]
    db.session.commit()

    page, base, axe = browser_page, live_server, AccessibilityLog()
    visit_day = today - dt.timedelta(days=2)

    # Sign in.
    page.goto(f"{base}/login")
    axe.check(page, "sign-in page")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # My families lists the family; open it.
    page.wait_for_url(f"{base}/families")
    axe.check(page, "My families")
    page.get_by_role("link", name=household).click()
    page.wait_for_url(f"{base}/families/{family_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(household)
    axe.check(page, "family page")

    # Log a visit at which every child was seen.
    page.locator(f'a[href="/families/{family_id}/visits/new"]').first.click()
    page.wait_for_url(f"{base}/families/{family_id}/visits/new")
    axe.check(page, "visit form")
    page.get_by_label("Date of the visit").fill(visit_day.isoformat())
    page.get_by_role("group", name="Kind of visit").get_by_label("Home visit").check()
    page.get_by_role("group", name="Outcome").get_by_label("Completed").check()
    seen = page.get_by_role("group", name=re.compile(r"^Children seen\b(?! on their own)"))
    for name in children:
        seen.get_by_label(name, exact=True).check()
    page.get_by_label("Notes").fill("Bedtime chart is on the fridge; both children in clean pyjamas.")
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/families/{family_id}(#.*)?$"))
    expect(page.locator("main")).to_contain_text(shown(visit_day))
    expect(page.locator("main")).to_contain_text("All children seen")
    expect(page.locator("main")).to_contain_text("Bedtime chart is on the fridge")

    # Agree a goal (the family has none yet).
    page.locator(f'a[href="/families/{family_id}/goals/new"]').first.click()
    page.wait_for_url(f"{base}/families/{family_id}/goals/new")
    axe.check(page, "goal form")
    page.get_by_label("Goal, in the family's words").fill("The children have a regular bedtime")
    page.get_by_label("Outcome area").select_option(label="Family routine")
    page.get_by_label("Rating now (1 to 10)").fill("3")
    page.get_by_label("Target rating (1 to 10)").fill("8")
    page.get_by_label("Start date").fill((today - dt.timedelta(days=14)).isoformat())
    page.get_by_label("Target date").fill((today + dt.timedelta(days=98)).isoformat())
    page.get_by_role("button", name="Agree goal").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/(goals/\d+|families/{family_id})(#.*)?$"))
    if "/goals/" not in page.url:
        page.get_by_role("link", name="The children have a regular bedtime").first.click()
        page.wait_for_url(re.compile(rf"{re.escape(base)}/goals/\d+(#.*)?$"))
    goal_url = page.url.split("#")[0]
    expect(page.get_by_role("heading", level=1)).to_contain_text("The children have a regular bedtime")
    axe.check(page, "goal page")

    # Record a progress rating.
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    page.get_by_label("Rating (1 to 10)").fill("5")
    page.get_by_label("Note (optional)").fill("Bedtime by eight on most nights.")
    page.get_by_role("button", name="Save rating").click()
    page.wait_for_url(re.compile(rf"{re.escape(goal_url)}(#.*)?$"))
    ratings = page.get_by_role("table").filter(has_text="Bedtime by eight on most nights.")
    expect(ratings).to_have_count(1)
    row = ratings.get_by_role("row").filter(has_text="Bedtime by eight on most nights.")
    expect(row).to_contain_text(shown(today))
    expect(row.get_by_role("cell", name="5", exact=True)).to_have_count(1)
    axe.check(page, "goal page with a rating")

    # The family page shows the goal and its latest rating.
    page.goto(f"{base}/families/{family_id}")
    expect(page.locator("main")).to_contain_text("The children have a regular bedtime")

    axe.assert_clean()
