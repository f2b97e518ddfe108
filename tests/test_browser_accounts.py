"""Accounts in a real browser: an administrator adds a team and a worker, the worker chooses a
password with the one-time link on a phone (390 px), their manager confirms them on a tablet
(768 px), and they sign in. axe-core checks every page; none may scroll sideways.

The browser fixtures and the accessibility log are tests/test_browser.py's (skipped, as there,
where /usr/bin/chromium is missing outside CI)."""
from __future__ import annotations

import re

import pytest

from . import factories
from .test_browser import AccessibilityLog, chromium, live_server, new_page, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

CHOSEN = "tangerine lighthouse quietly orbits"


def _fits(page, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {page.viewport_size['width']} px"


def test_an_admin_adds_a_worker_who_chooses_a_password_and_is_confirmed(db, live_server, new_page):  # noqa: F811
    team = factories.TeamFactory(name="Leeds North")
    factories.UserFactory(team=None, role="admin", name="Ada Admin", email="ada@example.org")
    factories.UserFactory(team=team, role="manager", name="Mina Manager", email="mina@example.org")
    db.session.commit()
    base, axe = live_server, AccessibilityLog()

    admin = new_page()
    sign_in(admin, base, "ada@example.org", "/admin/users")
    admin.get_by_role("link", name="Add a team").first.click()
    axe.check(admin, "add a team")
    admin.get_by_label("Team name").fill("leeds north")
    admin.get_by_role("button", name="Add team").click()
    assert "There is already a team called Leeds North." in admin.content()
    admin.get_by_label("Team name").fill("Leeds South")
    admin.get_by_role("button", name="Add team").click()
    admin.wait_for_url(f"{base}/admin/users")

    admin.get_by_role("link", name="Add a user").click()
    axe.check(admin, "add a user")
    admin.get_by_label("Full name").fill("Nia New")
    admin.get_by_label("E-mail address").fill("nia@example.org")
    admin.get_by_label("Role").select_option("worker")
    admin.get_by_label("Team").select_option(label="Leeds North")
    admin.get_by_role("button", name="Add user").click()
    admin.get_by_role("heading", name="User added").wait_for()
    axe.check(admin, "user added, with the link")
    link = admin.locator("#setup-url").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/setup/[\w-]+", link)

    phone = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(link)
    axe.check(phone, "choose your password")
    _fits(phone, "choose your password")
    phone.get_by_label("Password", exact=True).fill(CHOSEN)
    phone.get_by_label("Type the password again").fill(CHOSEN)
    phone.get_by_role("button", name="Set password").click()
    phone.wait_for_url(f"{base}/login")
    assert "once a manager of your team has confirmed" in phone.content()
    phone.get_by_label("E-mail address").fill("nia@example.org")
    phone.get_by_label("Password").fill(CHOSEN)
    phone.get_by_role("button", name="Sign in").click()
    assert "waiting for a manager of your team" in phone.content()
    _fits(phone, "sign-in refused while pending")

    tablet = new_page()
    tablet.set_viewport_size({"width": 768, "height": 1024})
    sign_in(tablet, base, "mina@example.org", "/team")
    tablet.get_by_role("link", name=re.compile("1 account to confirm")).click()
    axe.check(tablet, "accounts to confirm")
    _fits(tablet, "accounts to confirm")
    tablet.get_by_role("button", name="Confirm Nia New's account").click()
    assert "No account is waiting for you" in tablet.content()

    phone.get_by_label("E-mail address").fill("nia@example.org")
    phone.get_by_label("Password").fill(CHOSEN)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{base}/families")
    axe.assert_clean()
