"""Trust check: guessing the current password on "Change password" (issue 13, item 4).

The attack: someone holding a signed-in session or a token guessed the current password 30
times, then the right one changed it. Now the guesses count towards the sign-in lock: the
first four wrong answers are 422, the fifth 429, and it ends every session and token of the
user. The guesser goes on (as many guesses as the attack made), ending with the right password,
on the page and on ``POST /api/v1/me/password``; other browsers and tokens of the user are
watched throughout.

Figure, per way in (page, API): wrong guesses answered before the lock (4), the answer to
the fifth (429), sessions and tokens alive after it (0), guesses that got anywhere after it
(0), the password changed (no)."""
from __future__ import annotations

from casework.extensions import db as _db
from casework.services import accounts

from ..factories import PASSWORD
from .figures import record
from .web import api_token, call, session_cookie, signed_in_client

GUESSES = 30  # as many as the attack made
NEW = "tangerine lighthouse quietly orbits"


def _alive(app, cookies, tokens) -> int:
    """How many of these sessions and tokens still open a page or answer the API."""
    live = 0
    for cookie in cookies:
        client = app.test_client()
        client.set_cookie("session", cookie)
        live += client.get("/account/password").status_code == 200
    for token in tokens:
        live += call(app.test_client(), "GET", "/api/v1/me", api=True, token=token).status_code == 200
    return live


def _guess_on_the_page(app, user):
    browser = signed_in_client(app, user)

    def guess(password):
        return browser.post("/account/password", data={"current_password": password, "new_password": NEW}).status_code

    return guess, session_cookie(browser), None


def _guess_on_the_api(app, user):
    token = api_token(app, user)

    def guess(password):
        return call(app.test_client(), "POST", "/api/v1/me/password", api=True, token=token,
                    body={"current_password": password, "new_password": NEW}).status_code

    return guess, None, token


def test_guessing_the_current_password_locks_the_change_and_signs_out_everywhere(app, world):
    people, _ = world
    figures, problems = {}, []
    for way, start, user in (("page", _guess_on_the_page, people["worker"]),
                             ("api", _guess_on_the_api, people["colleague"])):
        others = [session_cookie(signed_in_client(app, user, remote_addr="10.4.4.4")) for _ in range(2)]
        other_tokens = [api_token(app, user) for _ in range(2)]
        guess, cookie, token = start(app, user)
        mine_cookies = [c for c in [cookie] if c]
        mine_tokens = [t for t in [token] if t]
        answers = [guess(f"guess number {n}") for n in range(GUESSES)] + [guess(PASSWORD)]
        before_lock = answers[:4]
        alive = _alive(app, others + mine_cookies, other_tokens + mine_tokens)
        after = [a for a in answers[5:] if a not in (302, 401)]  # the page sends to sign in; the API 401
        _db.session.expire_all()
        changed = accounts.check_password(_db.session, user.email, PASSWORD) is None
        figures[way] = dict(before_lock=before_lock.count(422), fifth=answers[4], alive_after=alive,
                            got_anywhere_after=len(after), changed=changed)
        if before_lock != [422] * 4 or answers[4] != 429 or alive or after or changed:
            problems.append(f"{way}: {figures[way]} answers {answers}")
    record("password_change_guessing", guesses_per_way=GUESSES + 1,
           **{f"{way}_{key}": value for way, found in figures.items() for key, value in found.items()},
           bound_ok=not problems)
    assert not problems, "\n".join(problems)
