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

from casework.models import Flag

from . import factories
from .conftest import PASSWORD
from .helpers import team_around

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium for the module; each test opens its own contexts (own cookies)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium):
    """``new_page()`` answers a page in a fresh browser context: a second person at another
    computer. Every context is closed at the end of the test."""
    contexts = []

    def _new_page():
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    return new_page()


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


def sign_in(page, base: str, email: str, lands_on: str, axe: AccessibilityLog | None = None) -> None:
    """Sign in through the form and wait for the page the role lands on."""
    page.goto(f"{base}/login")
    if axe is not None:
        axe.check(page, "sign-in page")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{lands_on}")


def family_page(base: str, family_id: int) -> re.Pattern:
    return re.compile(rf"{re.escape(base)}/families/{family_id}(#.*)?$")


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


# --- A review that closes the family ----------------------------------------------------------------


def _family_ready_to_close(today):
    """A family of Wendy's in moving on, with consent and a goal; its ids and Wendy's e-mail."""
    team = factories.TeamFactory(name="Leeds North")
    worker = factories.UserFactory(team=team, role="worker", name="Wendy Worker", email="wendy@example.org")
    manager = factories.UserFactory(team=team, role="manager", name="Mina Manager", email="mina@example.org")
    family = factories.FamilyFactory(
        worker=worker, opened_on=today - dt.timedelta(days=120), phase="moving_on",
        phase_since=today - dt.timedelta(days=14), consent_recorded_on=today - dt.timedelta(days=118),
    )
    factories.GoalFactory(family=family, start_date=today - dt.timedelta(days=110))
    return family.id, family.household_name, worker.email, manager.email


def _hold_a_step_down_review(page, base, family_id, household, held_on, axe):
    """From My families: open the family, hold a review deciding to step down, save it."""
    page.get_by_role("link", name=household).click()
    page.wait_for_url(family_page(base, family_id))
    page.get_by_role("link", name="Hold a review").first.click()
    page.wait_for_url(f"{base}/families/{family_id}/reviews/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hold a review")
    axe.check(page, "review form")
    page.get_by_label("Date held").fill(held_on.isoformat())
    page.get_by_label("Who attended (optional)").fill("Dana (mum), Wendy (family worker), Ms Khan (school)")
    page.get_by_role("group", name="Decision").get_by_label("Step down to universal services").check()
    page.get_by_label("Notes", exact=True).fill("Bedtimes settled for eight weeks; school attendance at 97%.")
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(family_page(base, family_id))


def test_a_worker_holds_a_review_that_steps_the_family_down_and_closes_it(app, monkeypatch, db, live_server,
                                                                          browser_page, today):
    # A service that does not ask managers to approve closures (the next test covers approval).
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", False)
    family_id, household, email, _ = _family_ready_to_close(today)
    db.session.commit()
    page, base, axe = browser_page, live_server, AccessibilityLog()
    held_on = today - dt.timedelta(days=1)

    sign_in(page, base, email, "/families")
    _hold_a_step_down_review(page, base, family_id, household, held_on, axe)

    main = page.locator("main")
    expect(page.get_by_role("region", name="Closed")).to_contain_text(
        re.compile(rf"Closed on {shown(held_on).pattern}.*Stepped down to universal services")
    )
    # The family page lists the review (its notes are kept, but the page shows who attended).
    review = main.get_by_role("table", name="Reviews held, newest first").get_by_role("row").filter(
        has_text="Step down to universal services")
    expect(review).to_have_count(1)
    expect(review).to_contain_text(shown(held_on))
    expect(review).to_contain_text("Dana (mum), Wendy (family worker), Ms Khan (school)")
    expect(main.get_by_role("link", name="Hold a review")).to_have_count(0)
    expect(main.get_by_role("link", name="Log a visit")).to_have_count(0)
    axe.check(page, "closed family page")
    axe.assert_clean()


def test_with_closure_approval_on_a_review_waits_until_a_manager_approves(
    app, db, live_server, new_page, today, monkeypatch
):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)
    family_id, household, worker_email, manager_email = _family_ready_to_close(today)
    db.session.commit()
    base, axe = live_server, AccessibilityLog()
    held_on = today - dt.timedelta(days=1)

    # The worker holds the review: the family stays open, waiting for approval.
    page = new_page()
    sign_in(page, base, worker_email, "/families")
    _hold_a_step_down_review(page, base, family_id, household, held_on, axe)
    main = page.locator("main")
    expect(main).to_contain_text("waiting for your manager's approval")
    expect(main).to_contain_text("waiting for a manager's approval")
    expect(main).to_contain_text("waiting for approval")
    expect(page.get_by_role("region", name="Closed")).to_have_count(0)
    axe.check(page, "family page, closure waiting for approval")

    # The manager, at another computer, sees it waiting and approves it.
    manager = new_page()
    sign_in(manager, base, manager_email, "/team")
    manager.get_by_role("link", name=re.compile(r"^1\s*closure awaiting approval")).click()
    manager.wait_for_url(f"{base}/team/closures")
    axe.check(manager, "closures awaiting approval")
    manager.get_by_role("button", name=re.compile(r"^Approve closure")).click()
    manager.wait_for_url(f"{base}/team/closures")
    expect(manager.locator("main")).to_contain_text("approved")
    manager.goto(f"{base}/families/{family_id}")
    expect(manager.get_by_role("region", name="Closed")).to_contain_text("Stepped down to universal services")
    axe.check(manager, "closed family page (manager)")
    axe.assert_clean()


# --- A manager's day --------------------------------------------------------------------------------


def test_a_managers_day_caseload_flags_and_reallocation(db, live_server, browser_page, now, today):
    team = factories.TeamFactory(name="Leeds North")
    wendy = factories.UserFactory(team=team, role="worker", name="Wendy Worker", email="wendy@example.org")
    colin = factories.UserFactory(team=team, role="worker", name="Colin Colleague", email="colin@example.org")
    manager = factories.UserFactory(team=team, role="manager", name="Mina Manager", email="mina@example.org")
    opened = today - dt.timedelta(days=40)
    wendys = [factories.FamilyFactory(worker=wendy, opened_on=opened) for _ in range(3)]
    colins = [factories.FamilyFactory(worker=colin, opened_on=opened)]
    flagged, other = wendys[0], colins[0]
    flags = [
        Flag(family=flagged, rule="no_access", subject_key="family", severity="high", raised_at=now,
             raised_on=today, message="Three visits in a row with no access."),
        Flag(family=other, rule="phase_overrun", subject_key="family", severity="medium", raised_at=now,
             raised_on=today, message="In engagement for longer than expected."),
    ]
    db.session.add_all(flags)
    db.session.flush()
    flag_id, other_flag_id = flags[0].id, flags[1].id
    family_id, reference, household = flagged.id, flagged.reference, flagged.household_name
    manager_email = manager.email
    db.session.commit()

    page, base, axe = browser_page, live_server, AccessibilityLog()

    # Sign in: a manager lands on the team's home page.
    sign_in(page, base, manager_email, "/team", axe)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team")
    main = page.locator("main")
    expect(main.get_by_role("link", name=re.compile(r"^4\s*open families"))).to_be_visible()
    expect(main.get_by_role("link", name=re.compile(r"^1\s*high flag"))).to_be_visible()
    axe.check(page, "team home")

    # The caseload, by name (Colin before Wendy); then by open families, highest first.
    page.get_by_role("link", name="Caseloads by family worker").click()
    page.wait_for_url(f"{base}/team/caseload")
    body_rows = page.locator("table.cw-caseload tbody tr th[scope=row]")
    expect(body_rows).to_have_text(["Colin Colleague", "Wendy Worker"])
    axe.check(page, "caseload")
    page.get_by_role("columnheader", name=re.compile(r"^Open families")).get_by_role("link").click()
    page.wait_for_url(re.compile(r"/team/caseload\?.*sort=open"))
    expect(body_rows).to_have_text(["Wendy Worker", "Colin Colleague"])
    expect(page.get_by_role("columnheader", name=re.compile(r"^Open families"))).to_have_attribute(
        "aria-sort", "descending")
    axe.check(page, "caseload sorted by open families")

    # The flag queue: resolve the high flag with a note; it leaves the open queue.
    page.goto(f"{base}/team")
    page.get_by_role("link", name="Flag queue").click()
    page.wait_for_url(f"{base}/team/flags")
    expect(page.locator(f"#flag-{flag_id}")).to_contain_text("Three visits in a row with no access.")
    expect(page.locator(f"#flag-{other_flag_id}")).to_have_count(1)
    axe.check(page, "flag queue")
    row = page.locator(f"#flag-{flag_id}")
    row.get_by_text(re.compile(r"^Resolve.*with a note$")).click()
    row.get_by_label(f"What was decided ({reference}, no access)").fill(
        "Spoke to Wendy: a joint visit with the health visitor is booked for Thursday.")
    axe.check(page, "flag queue, resolving a flag")
    row.get_by_role("button", name=f"Resolve no access for {reference}", exact=True).click()
    page.wait_for_url(f"{base}/team/flags")
    expect(page.locator("main")).to_contain_text(f"Flag resolved: no access for {reference}")
    expect(page.locator(f"#flag-{flag_id}")).to_have_count(0)
    expect(page.locator(f"#flag-{other_flag_id}")).to_have_count(1)

    # Reallocate the family from Wendy to Colin, with a reason.
    page.goto(f"{base}/families/{family_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(household)
    page.get_by_role("link", name="Reallocate").click()
    page.wait_for_url(f"{base}/families/{family_id}/allocate")
    axe.check(page, "allocate page")
    page.get_by_label("Family worker").select_option(label="Colin Colleague")
    page.get_by_label("Reason").fill("Wendy is on leave for six weeks.")
    page.get_by_role("button", name="Save allocation").click()
    page.wait_for_url(family_page(base, family_id))
    expect(page.locator("main")).to_contain_text(f"{reference} is allocated to Colin Colleague")
    worker_row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(r"^\s*Family worker\s*$")))
    expect(worker_row.locator("dd").first).to_have_text("Colin Colleague")
    axe.check(page, "family page after reallocation")

    axe.assert_clean()


def test_a_draft_is_kept_on_the_server_and_the_time_out_is_announced(app, db, live_server, browser_page):
    """Leaving a half-written visit keeps it as a draft on the server (the script, under the
    strict CSP), it comes back with a notice, and the idle time-out warning is an alert with a
    working "Stay signed in"."""
    from casework.models import Draft

    app.config.update(CASEWORK_SESSION_IDLE_MINUTES=3, CASEWORK_SESSION_WARNING_MINUTES=2)  # warn at once
    worker = factories.UserFactory(team=factories.TeamFactory(name="Leeds North"), email="wendy@example.org")
    family_id, email = factories.FamilyFactory(worker=worker).id, worker.email
    db.session.commit()  # and read nothing more through the test's session while the server works
    page, base, axe = browser_page, live_server, AccessibilityLog()
    sign_in(page, base, email, "/families")
    page.goto(f"{base}/families/{family_id}/visits/new")
    page.get_by_label("Notes", exact=True).fill("Typed before a phone call took me away.")
    page.goto(f"{base}/families")  # leaving the page sends the draft
    for _ in range(50):
        found = db.session.query(Draft).count()
        db.session.rollback()  # never hold SQLite's write lock while the server works
        if found:
            break
        page.wait_for_timeout(100)
    page.goto(f"{base}/families/{family_id}/visits/new")
    expect(page.locator("main")).to_contain_text("We kept your unsaved draft from")
    expect(page.get_by_label("Notes", exact=True)).to_have_value("Typed before a phone call took me away.")
    warning = page.get_by_role("alert").filter(has_text="You will be signed out soon")
    expect(warning).to_be_visible(timeout=15_000)
    axe.check(page, "visit form with a restored draft and the time-out warning")
    with page.expect_response(lambda answer: answer.url.endswith("/session/keep-alive")) as keep_alive:
        warning.get_by_role("button", name="Stay signed in").click()
    assert keep_alive.value.status == 204
    axe.assert_clean()


def test_a_partners_visit_one_family_one_action_done_nothing_else(db, live_server, browser_page, today):
    """A school's contact signs in, sees the one family shared with them, marks their action
    done, and finds nothing else: not the family's record, not another family."""
    worker = factories.UserFactory(role="worker", name="Wendy Worker", email="wendy@example.org")
    shared = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=20))
    hidden = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=20))
    factories.UserFactory(role="partner", team=None, agency="Hillside Primary", name="Tess Teacher",
                          email="tess@hillside.example.org")
    team_around(shared, "tess@hillside.example.org")
    shared_id, reference, hidden_id, hidden_reference = shared.id, shared.reference, hidden.id, hidden.reference
    db.session.commit()

    page, base, axe = browser_page, live_server, AccessibilityLog()
    sign_in(page, base, "tess@hillside.example.org", "/partners/families", axe)
    axe.check(page, "families shared with you")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    expect(page.get_by_text(hidden_reference)).to_have_count(0)
    page.get_by_role("link", name=reference).click()
    axe.check(page, "a family shared with you")
    page.get_by_label("Note (optional)").fill("Starts on Monday.")
    page.get_by_role("button", name=re.compile("^Mark done")).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("marked done")
    expect(page.get_by_text("Breakfast club, due")).to_contain_text("done (Starts on Monday.)")
    expect(page.get_by_role("button", name=re.compile("^Mark done"))).to_have_count(0)
    for path in (f"/families/{shared_id}", f"/families/{hidden_id}", f"/partners/families/{hidden_id}", "/families",
                 "/team/flags", f"/families/{shared_id}/chronology"):
        status = page.goto(f"{base}{path}").status
        assert status in (403, 404), (path, status)
    axe.assert_clean()
