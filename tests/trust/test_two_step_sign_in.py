"""Trust check: two-step sign-in (issue 13, items 5 and 6).

Item 5, the replayed password step. The cookie a browser holds after the right password (and
before the code) is copied. Then it is sent again from other browsers with a valid code that
has never been used (the code's own one-use rule is lifted for the test, so only the password
step's defence is measured): after the original browser finished signing in, while it is
still waiting (two copies: one may finish it, never both), while the account is locked after
wrong codes, and after the five-minute limit. A replay is accepted when it opens a session.

Item 6, turning two-step sign-in on (and off): every other browser session and API token of
the user ends, the browser that did it continues.

Figures: replays tried and accepted (0); other sessions and tokens alive after turning it on
and off (0), and the browser that did it still signed in."""
from __future__ import annotations

import datetime as dt

import pyotp
from sqlalchemy import delete, select, update

from casework.extensions import db as _db
from casework.models import LoginAttempt, PendingSignIn, User

from ..factories import PASSWORD
from .figures import record, scale
from .web import api_token, call, client_with_cookie, session_cookie, signed_in_client

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REPLAYS = scale(4, 25)  # copies sent per situation


def _fresh_code(user) -> str:
    """A valid code the user's account will accept (the code's one-use rule lifted)."""
    _db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    _db.session.commit()
    return pyotp.TOTP(SECRET).now()


def _password_step(app, user, address="127.0.0.1"):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    answer = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.headers["Location"].endswith("/login/code")
    return browser, session_cookie(browser)


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def _replay(app, user, cookie) -> bool:
    client = client_with_cookie(app, cookie)
    client.post("/login/code", data={"code": _fresh_code(user)})
    return _signed_in(client)


def test_the_password_step_is_used_once(app, world):
    people, _ = world
    user = people["worker"]
    user.totp_secret = SECRET
    _db.session.commit()
    tried, accepted, raced_wins = 0, [], []

    # After the original browser has finished signing in.
    browser, cookie = _password_step(app, user)
    assert browser.post("/login/code", data={"code": _fresh_code(user)}).status_code == 302 and _signed_in(browser)
    for n in range(REPLAYS):
        tried += 1
        if _replay(app, user, cookie):
            accepted.append(f"after the sign-in finished, copy {n}")
    # Two copies of a step still waiting: one may finish it, never both.
    for n in range(REPLAYS):
        _, cookie = _password_step(app, user)
        wins = sum(_replay(app, user, cookie) for _ in range(2))
        tried += 2
        raced_wins.append(wins)
        if wins > 1:
            accepted.append(f"race {n}: {wins} sessions from one password step")
    # While the account is locked after wrong codes (the lock outlasts the step's five minutes).
    browser, cookie = _password_step(app, user, "10.5.5.5")
    for _ in range(5):
        browser.post("/login/code", data={"code": "000000" if pyotp.TOTP(SECRET).now() != "000000" else "111111"})
    for n in range(REPLAYS):
        tried += 1
        if _replay(app, user, cookie):
            accepted.append(f"after a lock, copy {n}")
    _db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    _db.session.commit()
    # After five minutes.
    _, cookie = _password_step(app, user)
    for waiting in _db.session.scalars(select(PendingSignIn)):
        waiting.created_at -= dt.timedelta(minutes=6)
    _db.session.commit()
    for n in range(REPLAYS):
        tried += 1
        if _replay(app, user, cookie):
            accepted.append(f"after five minutes, copy {n}")

    record("two_step_replay", replays=tried, accepted=len(accepted),
           pairs_of_copies_finished_once=raced_wins.count(1), bound_ok=not accepted and all(w == 1 for w in raced_wins))
    assert not accepted, "\n".join(accepted)
    assert all(wins == 1 for wins in raced_wins), raced_wins  # one copy did finish: the step worked


def test_turning_two_step_sign_in_on_or_off_ends_every_other_session(app, world):
    people, _ = world
    figures, problems = {}, []
    for turn, user in (("on", people["worker"]), ("off", people["manager"])):
        if turn == "off":
            user.totp_secret = SECRET
            _db.session.commit()
            here, _ = _password_step(app, user)
            here.post("/login/code", data={"code": _fresh_code(user)})
        else:
            here = signed_in_client(app, user)
        others = []  # (cookie, address): a session is bound to its address
        for n in range(scale(2, 10)):
            address = f"10.6.6.{n}"
            if turn == "off":
                browser, _ = _password_step(app, user, address)
                browser.post("/login/code", data={"code": _fresh_code(user)})
            else:
                browser = signed_in_client(app, user, remote_addr=address)
            others.append((session_cookie(browser), address))
        tokens = [_token(app, user) for _ in range(scale(2, 10))]
        assert _signed_in(here) and all(_signed_in(client_with_cookie(app, *other)) for other in others)
        if turn == "on":
            here.get("/account/two-factor")
            with here.session_transaction() as session:
                secret = session["totp_enrol_secret"]
            answer = here.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
        else:
            answer = here.post("/account/two-factor/disable", data={"password": PASSWORD, "code": _fresh_code(user)})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        alive = sum(_signed_in(client_with_cookie(app, *other)) for other in others)
        alive += sum(call(app.test_client(), "GET", "/api/v1/me", api=True, token=t).status_code == 200
                     for t in tokens)
        figures[turn] = dict(others=len(others) + len(tokens), alive_after=alive, this_browser=_signed_in(here))
        if alive or not figures[turn]["this_browser"]:
            problems.append(f"turned {turn}: {figures[turn]}")
    record("two_step_turned_on_or_off",
           **{f"{turn}_{key}": value for turn, found in figures.items() for key, value in found.items()},
           bound_ok=not problems)
    assert not problems, "\n".join(problems)


def _token(app, user) -> str:
    """A token for ``user`` (with a code, once they have two-step sign-in)."""
    if not user.totp_secret:
        return api_token(app, user)
    answer = app.test_client().post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD,
                                                            "totp_code": _fresh_code(user)})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()["token"]
