"""Sign-in plumbing and the HTTP headers every answer carries."""
from flask import Flask, request
from sqlalchemy import select

from .extensions import db, login_manager
from .models import User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@login_manager.user_loader
def load_user(user_id: str):
    """The cookie holds ``id:generation``; a bumped generation ends that session."""
    try:
        raw_id, generation = user_id.split(":")
        user = db.session.scalar(select(User).where(User.id == int(raw_id)))
    except ValueError:
        return None
    if user is None or user.session_generation != int(generation):
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # Refreshing a session on a new address or browser needs a fresh sign-in.
    login_manager.session_protection = "strong"

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
