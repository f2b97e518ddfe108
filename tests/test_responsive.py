"""A tablet or a phone is a first-class screen, and print views fit A4 (issue 12, parts 5 and 6).

Every page a family worker, a manager, an administrator or a partner uses is opened in a real browser
(Debian's chromium through Playwright) at 1280, 768 and 390 px wide, with data on it: nothing
may be wider than the window, every button and button-styled link must be reachable (scrolled
into view, wholly inside the window), and axe-core must find nothing serious or critical. The
header menu collapses behind a "Menu" button on narrow screens. After a failed submit focus is
on the error summary; after a save, on the "Done" banner. Each print view is printed to an A4
PDF, and every column heading of each of its tables must be in the PDF's text.

One browser for the module, one context per person and width."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from casework.forms.reports import month_end
from casework.models import CONCERNS, FamilyConcern, Notification, UnrecordedVisit, Voice
from casework.services import diary
from casework.services import phases as phases_service
from casework.services import transfers as transfers_service

from . import factories
from .helpers import closed_family, raise_flag, rich_family, team_around
from .test_browser import AccessibilityLog, chromium, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.layout]

WIDTHS = (1280, 768, 390)

# Everything a person can act on: each must be reachable at every width.
ACTIONS_OUT_OF_REACH = """() => {
  const out = [];
  const actions = document.querySelectorAll(
    'main button, main a.govuk-button, main input[type=submit], main input[type=checkbox], main input[type=radio]');
  for (const element of actions) {
    const target = element.matches('input[type=checkbox], input[type=radio]')
      ? (element.labels && element.labels[0]) || element : element;
    if (!target.getClientRects().length || getComputedStyle(target).visibility === 'hidden') continue;
    if (target.closest('details:not([open])')) continue;
    target.scrollIntoView({block: 'center', inline: 'nearest'});
    const box = target.getBoundingClientRect();
    if (box.width < 1 || box.left < -1 || box.right > window.innerWidth + 1) {
      out.push(`${(target.innerText || target.value || target.outerHTML).trim().slice(0, 60)}`
               + ` at ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  window.scrollTo(0, 0);
  return out;
}"""


class PageCheck:
    """Opens pages at one width and notes every problem; the test fails at the end, listing all."""

    def __init__(self, base: str, width: int):
        self.base, self.width = base, width
        self.axe = AccessibilityLog()
        self.problems: list[str] = []
        self.pages = 0

    def visit(self, page, path: str, name: str) -> None:
        response = page.goto(f"{self.base}{path}")
        assert response.status == 200, f"{name} ({path}) answered {response.status}"
        self.check(page, name)

    def check(self, page, name: str) -> None:
        self.pages += 1
        where = f"{name} at {self.width} px ({page.url})"
        wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if wide > window:
            self.problems.append(f"{where}: the page is {wide} px wide, wider than the window")
        for action in page.evaluate(ACTIONS_OUT_OF_REACH):
            self.problems.append(f"{where}: out of reach: {action}")
        self.axe.check(page, f"{name} at {self.width} px")

    def assert_clean(self) -> None:
        print(f"{self.pages} pages checked at {self.width} px")
        problems = self.problems + self.axe.problems
        assert not problems, "\n".join(problems)


@pytest.fixture
def service(db, today, now):
    """A team with a worker's family holding one of every record, an unallocated referral, a
    closure waiting for approval, a transfer offered by another team, flags, notifications, a
    recently closed family (for the reports) and an old closed one (for retention and subject
    access)."""
    team = factories.TeamFactory(name="Leeds North")
    other_team = factories.TeamFactory(name="Leeds South")
    worker = factories.UserFactory(team=team, role="worker", name="Wendy Worker", email="wendy@example.org")
    colleague = factories.UserFactory(team=team, role="worker", name="Colin Colleague", email="colin@example.org")
    manager = factories.UserFactory(team=team, role="manager", name="Mina Manager", email="mina@example.org")
    admin = factories.UserFactory(team=None, role="admin", name="Ada Admin", email="ada@example.org")
    other_manager = factories.UserFactory(team=other_team, role="manager", name="Otto Other",
                                          email="otto@example.org")

    opened = today - dt.timedelta(days=70)
    # Every concern: the local area's table then has its full width, a column for each.
    family = factories.FamilyFactory(
        worker=worker, household_name="Jones household", opened_on=opened, consent_recorded_on=opened,
        phase="making_changes", phase_since=today - dt.timedelta(days=40),
        concern_rows=[FamilyConcern(code=code) for code in CONCERNS])
    carer = factories.CarerFactory(family=family)
    visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=3), duration_minutes=45,
                                   notes="Bedtime chart on the fridge.\nBoth children in clean pyjamas.")
    factories.VisitFactory(family=family, date=today - dt.timedelta(days=10), outcome="no_access",
                           notes="Nobody home; left a card.")
    goal = factories.GoalFactory(family=family, start_date=opened + dt.timedelta(days=7))
    rating = factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=3), rating=6,
                                     note="Bedtime by eight on most nights")
    factories.GoalFactory(family=family, title="The kitchen is clean and safe", area="home_conditions",
                          baseline=2, target=7, start_date=opened + dt.timedelta(days=7))
    factories.ReviewFactory(family=family, held_on=today - dt.timedelta(days=20))
    factories.AssessmentFactory(family=family, date=opened + dt.timedelta(days=5))
    taf = team_around(family, "tess@hillside.example.org", withdrawn_email="will@surgery.example.org")
    partner = factories.UserFactory(role="partner", team=None, agency="Hillside Primary",
                                    email="tess@hillside.example.org", name="Tess Teacher")
    planned = diary.plan_visit(db.session, worker, family, {"date": today, "time": dt.time(9, 30),
                                                          "kind": "home_visit", "note": "Bring the chart"}, now)
    diary.plan_visit(db.session, worker, family, {"date": today + dt.timedelta(days=1), "kind": "phone"}, now)
    raise_flag(family, rule="no_access", severity="high")
    raise_flag(family, rule="goal_stalled", severity="medium")
    factories.FamilyFactory(worker=colleague, household_name="Brown household", opened_on=today - dt.timedelta(days=50))
    factories.FamilyFactory(worker=None, team=team, household_name="Clark household", opened_on=today)

    closing = factories.FamilyFactory(worker=worker, household_name="Evans household", phase="moving_on",
                                      opened_on=today - dt.timedelta(days=150), consent_recorded_on=opened,
                                      phase_since=today - dt.timedelta(days=10))
    phases_service.move_phase(db.session, worker, closing, "closed", today, now, reason="step_down")
    theirs = factories.FamilyFactory(worker=factories.UserFactory(team=other_team), household_name="Foster household")
    transfers_service.request_transfer(db.session, other_manager, theirs, team.id, "Moving to Leeds North.", now)
    recent = closed_family(worker, today - dt.timedelta(days=160), today - dt.timedelta(days=20))
    factories.RatingFactory(goal=factories.GoalFactory(family=recent, area="money_housing"), rating=6)
    old = rich_family(worker, manager, other_team, today)
    # What the children said: scales over time, words, the three houses; first and latest in the report.
    amy = family.children[0]
    voice = Voice(child=amy, family_id=family.id, date=today - dt.timedelta(days=3), how="visit", visit=visit,
                  words="I like it when Mum walks me to school.", scale=6, worries="Shouting at night",
                  good_things="My cat", wishes="A bike", recorded_by=worker)
    db.session.add_all([voice, Voice(child=amy, family_id=family.id, date=opened + dt.timedelta(days=10),
                                     how="direct_work", scale=3, recorded_by=worker)]
                       + [Voice(child=recent.children[0], family_id=recent.id, date=day, how="visit", scale=scale,
                                recorded_by=worker)
                          for day, scale in ((today - dt.timedelta(days=150), 3), (today - dt.timedelta(days=25), 7))])
    for user, message in ((worker, f"A review for {family.reference} is due soon."),
                          (manager, f"{family.reference} has a high flag.")):
        db.session.add(Notification(user_id=user.id, family_id=family.id, kind="review_due", message=message,
                                    key=f"test:{user.id}", created_at=now, created_on=today))
    unrecorded = UnrecordedVisit(user=worker, device_key="responsive", family_id=closing.id,
                                 family_reference=closing.reference, status=422,
                                 payload='{"date": "2026-12-01", "kind": "home_visit", "notes": "Saw both children."}',
                                 reason="The family is closed; its record is read-only.", device_recorded_at=now)
    db.session.add(unrecorded)
    db.session.flush()
    ids = {
        "unrecorded": unrecorded.id,
        "family": family.id, "child": family.children[0].id, "carer": carer.id, "visit": visit.id,
        "goal": goal.id, "rating": rating.id, "old": old.family.id, "old_child": old.zephyrine.id,
        "closed": recent.id, "worker": worker.id, "colleague": colleague.id, "planned": planned.id,
        "voice": voice.id,
        **taf,
        # whole months: the local-area counts refuse any other period
        "from": (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1).isoformat(),
        "to": month_end(today).isoformat(),
    }
    emails = {"worker": worker.email, "manager": manager.email, "admin": admin.email, "partner": partner.email}
    db.session.commit()  # and read nothing more through the test's session while the server works
    return ids, emails


def worker_pages(ids) -> list[tuple[str, str]]:
    f, child, carer = ids["family"], ids["child"], ids["carer"]
    return [
        ("My families", "/families"),
        ("New referral", "/families/new"),
        ("family page", f"/families/{f}"),
        ("closed family page", f"/families/{ids['closed']}"),
        ("edit family details", f"/families/{f}/edit"),
        ("add a child", f"/families/{f}/children/new"),
        ("edit a child", f"/children/{child}/edit"),
        ("add a carer", f"/families/{f}/carers/new"),
        ("edit a carer", f"/carers/{carer}/edit"),
        ("move phase", f"/families/{f}/phase"),
        ("chronology", f"/families/{f}/chronology"),
        ("family plan", f"/families/{f}/plan"),
        ("log a visit", f"/families/{f}/visits/new"),
        ("correct a visit", f"/visits/{ids['visit']}/correct"),
        ("agree a goal", f"/families/{f}/goals/new"),
        ("goal page", f"/goals/{ids['goal']}"),
        ("edit a goal", f"/goals/{ids['goal']}/edit"),
        ("correct a rating", f"/ratings/{ids['rating']}/correct"),
        ("hold a review", f"/families/{f}/reviews/new"),
        ("assessments", f"/families/{f}/assessments"),
        ("record an assessment", f"/families/{f}/assessments/new"),
        ("notifications", "/notifications"),
        ("change password", "/account/password"),
        ("two-step sign-in", "/account/two-factor"),
        ("add a partner", f"/families/{f}/partners/new"),
        ("record consent to share", f"/families/{f}/consents/new"),
        ("withdraw consent", f"/consents/{ids['consent_id']}/withdraw"),
        ("record a meeting", f"/families/{f}/meetings/new"),
        ("my week", "/diary"),
        ("plan a visit", f"/families/{f}/planned-visits/new"),
        ("rearrange or cancel a visit", f"/planned-visits/{ids['planned']}/change"),
        ("calendar feed", "/account/calendar"),
        ("what a child says", f"/children/{child}/voice"),
        ("record what a child said", f"/children/{child}/voice/new"),
        ("what a child said", f"/voice/{ids['voice']}"),
        ("correct what a child said", f"/voice/{ids['voice']}/correct"),
        ("offline use of this device", "/account/offline"),
        ("visits that could not be recorded", "/visits/unrecorded"),
        ("a visit that could not be recorded", f"/visits/unrecorded/{ids['unrecorded']}"),
    ]


def partner_pages(ids) -> list[tuple[str, str]]:
    return [
        ("families shared with you", "/partners/families"),
        ("a family shared with you", f"/partners/families/{ids['family']}"),
    ]


def manager_pages(ids) -> list[tuple[str, str]]:
    f, period = ids["family"], f"from={ids['from']}&to={ids['to']}"
    return [
        ("team home", "/team"),
        ("visits that could not be recorded (manager)", f"/visits/unrecorded/{ids['unrecorded']}"),
        ("caseload", "/team/caseload"),
        ("Team families", "/families"),
        ("Team families, filtered", f"/families?worker={ids['worker']}&flag=any&overdue=no"),
        ("flag queue", "/team/flags"),
        ("closures awaiting approval", "/team/closures"),
        ("transfers offered", "/team/transfers"),
        ("supervision", f"/team/workers/{ids['worker']}"),
        ("family page (manager)", f"/families/{f}"),
        ("allocate", f"/families/{f}/allocate"),
        ("transfer", f"/families/{f}/transfer"),
        ("reports", "/reports"),
        ("outcomes report", f"/reports/outcomes?{period}"),
        ("families behind a figure", f"/reports/outcomes/families?measure=families_closed&{period}"),
        ("sustained outcomes", "/reports/sustained"),
        ("local area", f"/reports/local-area?{period}"),
        ("board print", f"/reports/outcomes/print?{period}"),
        ("retention", "/records/retention"),
        ("a family's retention", f"/families/{ids['old']}/retention"),
        ("subject access", f"/families/{ids['old']}/subject-access"),
        ("a child's subject access", f"/children/{ids['old_child']}/subject-access"),
        ("notifications (manager)", "/notifications"),
        ("my week (manager)", "/diary"),
    ]


def admin_pages(ids) -> list[tuple[str, str]]:
    return [
        ("users and teams", "/admin/users"),
        ("add a user", "/admin/users/new"),
        ("reset a password", f"/admin/users/{ids['colleague']}/password"),
        ("outcomes report (admin)", f"/reports/outcomes?from={ids['from']}&to={ids['to']}"),
    ]


def _person(chromium, base, width, email, lands_on):  # noqa: F811 (the chromium fixture's value)
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, email, lands_on)
    return context, page


def _check_the_menu(page, width: int) -> None:
    """Narrow: a "Menu" button (aria-controls, aria-expanded) that opens and closes the menu.
    Wide: the menu's links in view, no button."""
    button = page.locator("header").get_by_role("button", name="Menu")
    links = page.locator("#navigation")
    if width >= 769:
        assert button.count() == 0 or not button.is_visible()
        assert links.is_visible()
        return
    assert button.is_visible() and button.get_attribute("aria-controls") == "navigation"
    assert button.get_attribute("aria-expanded") == "false" and not links.is_visible()
    header_height = page.locator("header").bounding_box()["height"]
    assert header_height < 120, f"the closed menu still takes {header_height} px"
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and links.is_visible()
    notifications = links.get_by_role("link", name=re.compile(r"^Notifications"))
    box = notifications.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    button.click()
    assert button.get_attribute("aria-expanded") == "false" and not links.is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_every_action_is_reachable(service, live_server, chromium, width):  # noqa: F811
    ids, emails = service
    check = PageCheck(live_server, width)
    for role, lands_on, pages in (("worker", "/families", worker_pages(ids)),
                                  ("manager", "/team", manager_pages(ids)),
                                  ("admin", "/admin/users", admin_pages(ids)),
                                  ("partner", "/partners/families", partner_pages(ids))):
        context, page = _person(chromium, live_server, width, emails[role], lands_on)
        try:
            _check_the_menu(page, width)
            for name, path in pages:
                check.visit(page, path, name)
            if role == "manager":
                # The flag queue with "Resolve with a note" open: a full-width note box, in reach.
                page.goto(f"{live_server}/team/flags")
                row = page.locator("tbody tr").first
                row.locator("summary").click()
                note = row.locator("textarea")
                note.scroll_into_view_if_needed()
                assert note.bounding_box()["width"] >= min(280, width - 80)
                check.check(page, "flag queue, resolving a flag")
        finally:
            context.close()
    # Signed out: the sign-in page, and a page that is not there.
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    try:
        page = context.new_page()
        check.visit(page, "/login", "sign-in page")
        assert page.goto(f"{live_server}/no-such-page").status == 404
        check.check(page, "page not found")
    finally:
        context.close()
    check.assert_clean()


def test_focus_goes_to_the_error_summary_then_to_the_done_banner(service, live_server, chromium, today):  # noqa: F811
    ids, emails = service
    context, page = _person(chromium, live_server, 768, emails["worker"], "/families")
    try:
        page.goto(f"{live_server}/goals/{ids['goal']}")
        page.get_by_label("Rating (1 to 10)").fill("five")
        page.get_by_role("button", name="Save rating").click()
        page.wait_for_load_state()
        focused = page.evaluate("document.activeElement.className")
        assert "govuk-error-summary" in focused, focused
        summary = page.locator(".govuk-error-summary")
        assert summary.get_attribute("role") == "alert" and summary.get_attribute("tabindex") == "-1"
        assert summary.locator("li").count() == 1  # one message for "five"
        box = summary.bounding_box()
        assert 0 <= box["y"] < 900

        # A visit saved: the page opens at its top, the "Done" banner focused and in view.
        page.goto(f"{live_server}/families/{ids['family']}/visits/new")
        page.get_by_label("Date of the visit").fill(today.isoformat())
        page.get_by_role("group", name="Kind of visit").get_by_label("Home visit").check()
        page.get_by_role("group", name="Outcome").get_by_label("Completed").check()
        page.get_by_role("button", name="Save visit").click()
        page.wait_for_url(re.compile(rf"/families/{ids['family']}$"))
        banner = page.locator(".govuk-notification-banner--success")
        assert "recorded" in banner.inner_text()
        assert "govuk-notification-banner--success" in page.evaluate("document.activeElement.className")
        box = banner.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 900, box

        # Goal charts are shown at about the width they are drawn: their 14 px text stays legible.
        for path in (f"/families/{ids['family']}", f"/goals/{ids['goal']}"):
            page.goto(f"{live_server}{path}")
            for chart in page.locator("img.cw-chart").all():
                if "/goals/" not in (chart.get_attribute("src") or ""):
                    continue
                chart.scroll_into_view_if_needed()
                source = chart.evaluate("image => image.currentSrc")
                drawn = int(re.search(r'viewBox="0 0 (\d+) ', page.request.get(source).text()).group(1))
                shown = chart.bounding_box()["width"]
                assert 14 * shown / drawn >= 12, f"{path}: a {drawn} px chart shown at {shown} px"
    finally:
        context.close()


def _print_views(ids) -> list[tuple[str, str, str]]:
    period = f"from={ids['from']}&to={ids['to']}"
    return [
        ("worker", "chronology", f"/families/{ids['family']}/chronology"),
        ("worker", "family plan", f"/families/{ids['family']}/plan"),
        ("worker", "step-up handoff", f"/families/{ids['family']}/handoff"),
        ("manager", "subject access", f"/families/{ids['old']}/subject-access"),
        ("manager", "a child's subject access", f"/children/{ids['old_child']}/subject-access"),
        ("manager", "board print", f"/reports/outcomes/print?{period}"),
        ("manager", "local area", f"/reports/local-area?{period}"),
    ]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_print_view_fits_a4_with_every_column(service, live_server, chromium):  # noqa: F811
    ids, emails = service
    a4 = (595.3, 841.9)  # points: portrait or landscape, give or take Chromium's rounding
    checked_tables = 0
    people = {role: _person(chromium, live_server, 1280, emails[role], lands_on)
              for role, lands_on in (("worker", "/families"), ("manager", "/team"))}
    try:
        for role, name, path in _print_views(ids):
            page = people[role][1]
            page.goto(f"{live_server}{path}")
            page.emulate_media(media="print")
            headings = page.evaluate("""() => Array.from(document.querySelectorAll('table'))
                .filter(table => table.getClientRects().length)
                .map(table => Array.from(table.querySelectorAll('thead th'))
                    .map(th => th.innerText.trim()).filter(Boolean))""")
            pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
            page.emulate_media(media="null")
            for number, sheet in enumerate(pdf.pages, 1):
                size = sorted((float(sheet.mediabox.width), float(sheet.mediabox.height)))
                assert all(abs(side - a4_side) < 2 for side, a4_side in zip(size, a4, strict=True)), (
                    f"{name}: page {number} is {size} points, not A4")
            text = _words(" ".join(sheet.extract_text() for sheet in pdf.pages))
            for columns in headings:
                checked_tables += 1
                missing = [column for column in columns if _words(column) not in text]
                assert not missing, f"{name} ({path}): columns cut off the A4 page: {missing}"
        assert checked_tables >= 8  # the views above have tables to check
    finally:
        for context, _ in people.values():
            context.close()
