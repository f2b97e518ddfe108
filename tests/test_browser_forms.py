"""Forms that neither lose nor double work, in a real browser (Debian's chromium): Back, then
Save again, saves a visit once and says so; a long note shows its limit and a count, and is
refused with a message rather than cut. Fixtures come from test_browser.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from casework.models import GoalRating, Visit

from . import factories
from .test_browser import CHROMIUM_ARGS, chromium, live_server, new_page, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402


def test_back_then_save_again_saves_the_visit_once(db, live_server, new_page, today):  # noqa: F811
    worker = factories.UserFactory(role="worker", name="Wendy Worker", email="wendy@example.org")
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))
    family_id = family.id
    db.session.commit()
    page, base = new_page(), live_server
    sign_in(page, base, "wendy@example.org", "/families")

    page.goto(f"{base}/families/{family_id}/visits/new")
    page.get_by_role("group", name="Kind of visit").get_by_label("Phone").check()
    page.get_by_role("group", name="Outcome").get_by_label("Completed").check()
    page.get_by_label("Notes").fill("Called mum about the school run.")
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/families/{family_id}(#.*)?$"))

    page.go_back()
    page.wait_for_url(f"{base}/families/{family_id}/visits/new")
    page.get_by_role("group", name="Kind of visit").get_by_label("Phone").check()
    page.get_by_role("group", name="Outcome").get_by_label("Completed").check()
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This visit was already saved")
    page.get_by_role("link", name="Go to the visit").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/families/{family_id}#visit-\d+$"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.family_id == family_id)) == 1


def test_a_long_note_shows_its_limit_and_is_refused_not_cut(db, live_server, new_page, today):  # noqa: F811
    worker = factories.UserFactory(role="worker", name="Wendy Worker", email="wendy@example.org")
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))
    goal = factories.GoalFactory(family=family)
    goal_id = goal.id
    db.session.commit()
    page, base = new_page(), live_server
    sign_in(page, base, "wendy@example.org", "/families")
    page.goto(f"{base}/goals/{goal_id}")
    note = page.get_by_label("Note (optional)")
    expect(page.locator("main")).to_contain_text("You can enter up to 4,000 characters")
    count = page.locator("#note-count")
    expect(count).to_be_hidden()
    note.fill("x" * 3500)
    expect(count).to_have_text("You have 500 characters remaining")
    long_note = ("Mum feels this is getting better. " * 300)[:9999] + "!"  # 10,000, pasted at once
    note.fill(long_note)
    assert note.input_value() == long_note  # the browser keeps all of it: no maxlength
    expect(count).to_have_text("You have 6,000 characters too many")
    page.get_by_label("Rating (1 to 10)").fill("6")
    page.get_by_role("button", name="Save rating").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Note must be 4,000 characters or fewer (it has 10,000).")
    assert page.get_by_label("Note (optional)").input_value() == long_note  # nothing lost
    db.session.expire_all()
    assert db.session.scalar(select(func.count(GoalRating.id)).where(GoalRating.goal_id == goal_id)) == 0
