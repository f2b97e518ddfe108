"""The child's voice in a real browser (Debian's chromium): a worker logs a visit, ticks a child
as seen, writes down what the child said and where they put things on the scale, and the family
page shows it. Fixtures come from test_browser.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from . import factories
from .test_browser import AccessibilityLog, chromium, live_server, new_page, shown, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402


def test_a_worker_records_what_a_child_said_at_a_visit(db, live_server, new_page, today):  # noqa: F811
    worker = factories.UserFactory(role="worker", name="Wendy Worker", email="wendy@example.org")
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))
    family_id = family.id
    db.session.commit()
    page, base, axe = new_page(), live_server, AccessibilityLog()
    sign_in(page, base, "wendy@example.org", "/families")
    visit_day = today - dt.timedelta(days=1)

    page.goto(f"{base}/families/{family_id}/visits/new")
    amy_says = page.get_by_label("What did Amy say? (optional)")
    # Only the children ticked as seen are asked what they said.
    expect(amy_says).to_be_hidden()
    page.get_by_label("Date of the visit").fill(visit_day.isoformat())
    page.get_by_role("group", name="Kind of visit").get_by_label("Home visit").check()
    page.get_by_role("group", name="Outcome").get_by_label("Completed").check()
    page.get_by_role("group", name=re.compile(r"^Children seen\b(?! on their own)")).get_by_label(
        "Amy", exact=True).check()
    expect(amy_says).to_be_visible()
    expect(page.get_by_label("What did Ben say? (optional)")).to_be_hidden()
    axe.check(page, "visit form with a child's voice")
    amy_says.fill("I like it when Mum walks me to school.")
    page.get_by_role("group", name="Amy: how are things at home? (optional)").get_by_label("7", exact=True).check()
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/families/{family_id}(#.*)?$"))

    said = page.locator("#voices").locator("xpath=following-sibling::*[1]")
    expect(said).to_contain_text("Amy")
    expect(said).to_contain_text("I like it when Mum walks me to school.")
    expect(said).to_contain_text("7 out of 10")
    expect(said).to_contain_text(shown(visit_day))
    expect(page.get_by_role("img", name=re.compile(r"How Amy says things are at home.*: 7 on"))).to_be_visible()
    axe.check(page, "family page with what the children say")
    axe.assert_clean()
