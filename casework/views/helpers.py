"""Small helpers the HTML views share: roles, scope, versions, closed families, messages,
charts."""
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError

from ..database import begin_write
from ..extensions import db
from ..models import CASE_ROLES, Role
from ..services import audit, clock, scope, submissions
from ..services.errors import Conflict, ServiceError, StaleVersion, ValidationFailed

STALE_MESSAGE = (
    "This record was changed by someone else since you opened it. "
    "Your changes are below: check them and save again."
)
CLOSED_MESSAGE = "The family is closed; its record is read-only."


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
    return role_required(*CASE_ROLES)(view)


def manager_required(view):
    """Managers only: workers and admins get 403."""
    return role_required(Role.MANAGER)(view)


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


def or_refuse(call, *args, **kwargs):
    """``call(*args, **kwargs)``, or its service error (403, 404) as the HTTP answer."""
    try:
        return call(*args, **kwargs)
    except ServiceError as error:
        refuse(error)


def posted_next() -> str | None:
    """Where a posted form asks to go back to (its ``next`` field), if a path on this site."""
    return safe_next(request.form.get("next"))


def flash_done(message: str) -> None:
    """The "Done" banner on the next page. Redirect to that page's top (no #fragment): the
    banner is there, and static/js/pages.js moves focus to it, so it is never out of view."""
    flash(message, "success")


def flash_closed(family, message: str) -> None:
    """The "Done" banner once ``family`` has closed; closed by a step up, it prompts the
    handoff package for children's social care (a link to it)."""
    if family.closure_reason != "step_up":
        flash_done(message)
        return
    link = Markup('<a class="govuk-notification-banner__link" href="{}">Prepare the step-up handoff package</a> '
                  "for children's social care, and record their reference there.").format(
        url_for("partners.handoff", family_id=family.id))
    flash_done(escape(message) + Markup(" ") + link)


def current_actor():
    """The signed-in user as a model instance (services attach it to rows they create)."""
    return current_user._get_current_object()


def family_or_abort(family_id: int):
    """The family if the caller may see it; 404 outside their scope, 403 for an admin."""
    try:
        return scope.get_family(db.session, current_actor(), family_id)
    except ServiceError as error:
        refuse(error)


def parse_version(raw) -> int | None:
    """The hidden ``version`` of a form. Missing: no check. Garbage never matches a record,
    so it is refused as stale rather than silently ignored."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1


def stale_form(form, current_version: int) -> None:
    """Keep what the user typed, say why it was not saved, and let them save again over the
    current version."""
    form.form_errors.append(STALE_MESSAGE)
    if "version" in form._fields:
        form.version.data = str(current_version)


def save_form(form, record, action) -> int | None:
    """Begin the write (the form is validated), run ``action()`` and commit. None when saved;
    otherwise roll back, say why on ``form`` (keeping what was typed) and answer the status to
    render it with: 409 when ``record`` was changed meanwhile (the form then carries its current
    version), the refusal's own otherwise."""
    begin_write()
    try:
        action()
        db.session.commit()
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        stale_form(form, record.version)
        return 409
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        form_failed(form, error)
        return error.status
    return None


def save_or_show(form, record, action, done: str, back: str, template: str, **context):
    """A step posted from a list (a form of its own per record: resolving a flag, returning a
    closure): validated and saved by ``action()``, then the Done banner and back; otherwise the
    step's own page with what was typed and why it was refused (422)."""
    if form.validate() and not save_form(form, record, action):
        flash_done(done)
        return redirect(back)
    return render_template(template, form=form, back=back, **context), 422


# A chart is an image: nothing in its SVG may run, and it is never cached.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def chart_response(svg: str) -> Response:
    """An SVG chart to show as an image."""
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CHART_POLICY
    return response


def record_view(family_id: int, what: str = "family") -> None:
    """Audit that the caller is seeing a family's record (found in their scope): a short write
    of its own (see database.py), before the page reads the record."""
    begin_write()
    audit.viewed(db.session, family_id, what)
    db.session.commit()


def refused_on_closed(family):
    """A write page opened for a closed family: back to the family page, which says why."""
    flash(CLOSED_MESSAGE, "info")
    return redirect(url_for("families.show", family_id=family.id))


# --- Forms that create a record: once per submission key -----------------------------------

# What each kind of record created by a form is called when it is submitted again.
ALREADY_SAVED = {
    "referral": ("This referral was already opened", "Go to the family"),
    "visit": ("This visit was already saved", "Go to the visit"),
    "goal": ("This goal was already agreed", "Go to the goal"),
    "rating": ("This rating was already saved", "Go to the rating"),
    "review": ("This review was already saved", "Go to the review"),
    "assessment": ("This assessment was already saved", "Go to the assessment"),
    "child": ("This child was already added", "Go to the family"),
    "carer": ("This parent or carer was already added", "Go to the family"),
    "planned_visit": ("This visit was already planned", "Go to the week"),
    "voice": ("What the child said was already saved", "Go to it"),
}


def already_saved_page(submission):
    heading, link = ALREADY_SAVED[submission.record_type]
    return render_template("already_saved.html", heading=heading, link=link, location=submission.location), 200


def saved_before(form):
    """When the user already sent this form with its submission key (Back, then Save again),
    the page that says so and links to what was saved; None otherwise."""
    field = getattr(form, "submission_key", None)
    earlier = submissions.find(db.session, current_actor(), field.data if field else None, clock.current_time())
    return None if earlier is None else already_saved_page(earlier)


def save_once(form, record_type: str, record, location: str) -> None:
    """Keep, with the record in its transaction, that this form's submission key created it."""
    key = form.submission_key.data
    if key:
        submissions.remember(db.session, current_actor(), key, clock.current_time(),
                             record_type=record_type, record_id=record.id, location=location)


def submitted_again(error: submissions.AlreadySubmitted):
    """Another request with the same key saved first: nothing of this one is kept."""
    db.session.rollback()
    earlier = submissions.find(db.session, current_actor(), error.key, clock.current_time())
    if earlier is None or earlier.record_type not in ALREADY_SAVED:
        abort(409)
    return already_saved_page(earlier)
