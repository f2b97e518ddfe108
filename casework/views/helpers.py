"""Small helpers the HTML views share."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash
from flask_login import current_user, login_required

from ..services.errors import ServiceError


def form_failed(form, error: ServiceError) -> None:
    """Show a service's refusal beside the fields it names, and in the summary."""
    placed = False
    for name, messages in error.fields.items():
        field = form._fields.get(name) or _nested_field(form, name)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
            placed = True
    if not placed:
        form.form_errors.append(error.message)


def _nested_field(form, field_id):
    for field in form:
        for entry in getattr(field, "entries", []):
            for sub in getattr(entry, "form", []):
                if sub.id == field_id:
                    return sub
    return None


def role_required(*roles):
    """403 for a signed-in user whose role may not use this page at all."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def case_worker_required(view):
    """Workers and managers only: admins get 403 on case records."""
    return role_required("worker", "manager")(view)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute URL or a scheme-relative one."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def refuse(error: ServiceError):
    """Turn a 403/404 service error into the HTTP answer."""
    abort(error.status)


def flash_done(message: str) -> None:
    flash(message, "success")
