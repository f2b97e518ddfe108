"""Sign-in plumbing, the audit of who is acting, and the HTTP headers every answer carries."""
from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .database import begin_write
from .extensions import db, login_manager
from .services import audit, clock, totp
from .services.signin import current_session

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

# What an administrator who must set up a second factor may still use.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor", "auth.logout", "auth.keep_alive", "auth.login",
                                 "auth.login_code", "auth.setup", "static", "main.healthz"})


@login_manager.user_loader
def load_user(user_id: str):
    """The signed cookie names the user and a server-side session; the user is signed in only
    while that session lives (not ended, not idle for 30 minutes, not older than 12 hours)."""
    now = clock.current_time()
    token = session.get("sid")
    record = current_session(db.session, token, now)
    if db.session.dirty:
        # The session is to be touched or ended: read it again and write that under the write
        # lock (a read transaction must not go on to write; see database.py), then read on.
        db.session.rollback()
        begin_write()
        record = current_session(db.session, token, now)
        db.session.commit()
    if record is None or str(record.user_id) != user_id:
        return None
    user = record.user
    if not user.active:
        return None
    audit.set_actor(user.id, request.remote_addr)
    return user


def init_app(app: Flask) -> None:
    proxies = int(app.config["CASEWORK_TRUSTED_PROXIES"])
    if proxies:
        # The client address comes from the configured number of proxies only, never from a
        # header anyone could set.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    audit.install(db.session)

    @app.before_request
    def who_is_asking():
        audit.set_actor(None, request.remote_addr)

    @app.before_request
    def second_factor_first():
        """When the service requires a second factor of administrators, an administrator
        without one can use nothing but the page that sets it up (and signing out). The API
        refuses them in its own way (403, see views/api)."""
        if not app.config["CASEWORK_TOTP_REQUIRED_FOR_ADMINS"] or request.endpoint in ENROLMENT_ENDPOINTS:
            return None
        if request.blueprint == "api" or request.endpoint is None:
            return None
        if current_user.is_authenticated and totp.enrolment_required(current_user):
            if request.method == "GET":
                flash("Set up two-step sign-in before you carry on: this service requires it of administrators.",
                      "info")
            return redirect(url_for("auth.two_factor"))
        return None

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # Refreshing a session on a new address or browser needs a fresh sign-in.
    login_manager.session_protection = "strong"

    @app.after_request
    def audit_refusals(response):
        if response.status_code in (401, 403, 404, 429) and not request.path.startswith("/static/"):
            # A refused request saves nothing of its own: only the audit row, a short write of
            # its own. The path only: search terms in the query string are never kept.
            db.session.rollback()
            begin_write()
            audit.record(db.session, "refused", detail={"status": response.status_code, "method": request.method,
                                                        "path": request.path})
            db.session.commit()
        return response

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not request.path.startswith("/static/"):
            # Case data must not linger in a shared device's cache.
            headers["Cache-Control"] = "no-store"
        return response
