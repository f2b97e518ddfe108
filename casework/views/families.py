"""Family pages: My families / Team families, opening a referral, the family page, editing the
family's details and moving it between phases.

This module also holds what every HTML page shares and that has no better home in the views
package: the date filters, the helpers the visit and goal pages use (``current_actor``,
``family_or_abort``, ``parse_version``, ``stale_form``) and the application's HTML error
pages (see the bottom of the module)."""
from __future__ import annotations

import datetime as dt
import logging
import math
import re

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..forms.case import FamilyEditForm, PhaseMoveForm, ReferralForm, area_label
from ..models import (
    CLOSURE_REASONS,
    NEGLECT_CONCERNS,
    OPEN_PHASES,
    PARENTAL_FACTORS,
    PHASE_LABELS,
    PHASE_ORDER,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ..services import clock, scope
from ..services import families as families_service
from ..services import goals as goals_service
from ..services import visits as visits_service
from ..services.charts import chart_summary
from ..services.errors import Conflict, ServiceError, StaleVersion, ValidationFailed
from .helpers import case_worker_required, flash_done, form_failed, refuse

bp = Blueprint("families", __name__)

PER_PAGE = 25
STALE_MESSAGE = (
    "This record was changed by someone else since you opened it. "
    "Your changes are below: check them and save again."
)
CLOSED_MESSAGE = "The family is closed; its record is read-only."


# --- helpers shared by the family, visit and goal pages ------------------------------------


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


def refused_on_closed(family):
    """A write page opened for a closed family: back to the family page, which says why."""
    flash(CLOSED_MESSAGE, "info")
    return redirect(url_for("families.show", family_id=family.id))


def _positive_int(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def age_text(born: dt.date, today: dt.date) -> str:
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    months = max(0, months)
    if months < 24:
        return f"{months} month{'' if months == 1 else 's'}"
    return f"{months // 12} years"


def seen_words(visit, children) -> str:
    """Which children were seen at a visit, in words: never only a colour."""
    if not children:
        return "No children recorded"
    seen = set(visit.children_seen_ids)
    not_seen = [child.first_name for child in children if child.id not in seen]
    if not not_seen:
        return "All children seen"
    return "Not seen: " + ", ".join(not_seen)


def seen_alone_words(visit, children) -> str:
    alone = set(visit.seen_alone_ids)
    names = [child.first_name for child in children if child.id in alone]
    return "Seen on their own: " + ", ".join(names) if names else ""


def _worker_choices(form, actor, family=None) -> None:
    """A manager allocates (active workers of the team, or nobody); a worker holds the
    family themselves and is not offered the choice."""
    if not actor.is_manager:
        del form.worker_id
        return
    workers = families_service.allocatable_workers(db.session, actor)
    choices = [("", "Unallocated")] + [(worker.id, worker.name) for worker in workers]
    if family is not None and family.worker is not None and family.worker not in workers:
        # Keep the current holder selectable, or saving other details would unallocate.
        choices.append((family.worker.id, f"{family.worker.name} (no longer active)"))
    form.worker_id.choices = choices
    form.worker_id.label.text = "Family worker (allocation)"


# --- My families / Team families ------------------------------------------------------------


@bp.get("/families")
@case_worker_required
def index():
    actor = current_actor()
    now = clock.current_time()
    # Search terms travel in the query string; they are never logged (see _RedactSearchTerms).
    q = (request.args.get("q") or "").strip()[:100]
    phase = request.args.get("phase") or ""
    if phase not in PHASE_LABELS:
        phase = ""
    show_closed = request.args.get("closed") == "1"
    workers = families_service.team_workers(db.session, actor) if actor.is_manager else []
    worker_id = _positive_int(request.args.get("worker")) if actor.is_manager else None
    if worker_id not in {worker.id for worker in workers}:
        worker_id = None
    page = _positive_int(request.args.get("page")) or 1

    rows, total = families_service.list_families(
        db.session,
        actor,
        now,
        phase=phase or None,
        worker_id=worker_id,
        q=q or None,
        open_only=not show_closed,
        page=page,
        per_page=PER_PAGE,
    )
    filters = {
        key: value
        for key, value in (("q", q), ("phase", phase), ("closed", "1" if show_closed else ""),
                           ("worker", worker_id or ""))
        if value
    }
    pages = max(1, math.ceil(total / PER_PAGE))
    return render_template(
        "families/index.html",
        heading="My families" if actor.is_worker else "Team families",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        filters=filters,
        q=q,
        phase=phase,
        show_closed=show_closed,
        workers=workers,
        worker_id=worker_id,
        phase_labels=PHASE_LABELS,
        open_phases=OPEN_PHASES,
        today=clock.local_date(now),
    )


# --- Opening a referral ---------------------------------------------------------------------


def _render_referral(form, status=200):
    return (
        render_template(
            "families/new.html",
            form=form,
            neglect_concerns=list(NEGLECT_CONCERNS),
            parental_factors=list(PARENTAL_FACTORS),
            concerns_without_errors=WithoutErrors(form.concerns),
        ),
        status,
    )


def _remove_entry(field_list, raw_index, keep_at_least):
    """Drop the entry a "Remove" button named (no JavaScript: the page is posted back)."""
    name = f"{field_list.name}-{raw_index}"
    if len(field_list.entries) > keep_at_least:
        field_list.entries = [entry for entry in field_list.entries if entry.name != name]


@bp.route("/families/new", methods=["GET", "POST"])
@case_worker_required
def new():
    actor = current_actor()
    form = ReferralForm()
    _worker_choices(form, actor)
    if request.method == "GET":
        return _render_referral(form)

    # "Add another child", "Add a parent or carer" and "Remove": the same page again, one
    # entry more or less, nothing lost, nothing checked yet.
    if form.add_child.data:
        form.children.append_entry()
        return _render_referral(form)
    if form.add_carer.data:
        form.carers.append_entry()
        return _render_referral(form)
    if request.form.get("remove_child"):
        _remove_entry(form.children, request.form["remove_child"], keep_at_least=1)
        return _render_referral(form)
    if request.form.get("remove_carer"):
        _remove_entry(form.carers, request.form["remove_carer"], keep_at_least=0)
        return _render_referral(form)

    if not form.validate():
        return _render_referral(form, 422)
    data = form.details()
    data["worker_id"] = form.worker_id.data if actor.is_manager else None
    data["previous_family_id"] = form.previous_family_id.data
    data["children"] = [
        families_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            date_of_birth=entry.form.date_of_birth.data,
            school=entry.form.school.data,
        )
        for entry in form.children
    ]
    data["carers"] = [
        families_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            relationship=entry.form.relationship.data,
        )
        for entry in form.carers
    ]
    try:
        family = families_service.open_referral(
            db.session,
            actor,
            data,
            clock.current_time(),
            prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"],
        )
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_referral(form, 422)
    db.session.commit()
    flash_done(f"Referral opened: {family.reference}")
    return redirect(url_for("families.show", family_id=family.id))


class WithoutErrors:
    """A field as the ``choices`` macro sees it, minus its errors: the one ``concerns`` field
    is drawn as two groups, and its message belongs beside the first group only."""

    def __init__(self, field):
        self._field = field
        self.errors = []
        self.description = ""

    def __iter__(self):
        return iter(self._field)

    def __getattr__(self, name):
        return getattr(self._field, name)


# --- The family page ------------------------------------------------------------------------


@bp.get("/families/<int:family_id>")
@case_worker_required
def show(family_id):
    now = clock.current_time()
    family = families_service.load_family_record(db.session, family_or_abort(family_id))
    summary = families_service.summarise(db.session, [family], now)[0]
    today = clock.local_date(now)
    return render_template(
        "families/show.html",
        family=family,
        summary=summary,
        today=today,
        pending_closure=None if family.is_closed else families_service.pending_closure(db.session, family),
        goals=goals_service.family_plan(db.session, family),
        visits=visits_service.visit_history(db.session, family),
        neglect_concerns=[(code, label) for code, label in NEGLECT_CONCERNS.items() if code in family.concerns],
        parental_factors=[(code, label) for code, label in PARENTAL_FACTORS.items() if code in family.concerns],
        phase_labels=PHASE_LABELS,
        closure_reasons=CLOSURE_REASONS,
        visit_kinds=VISIT_KINDS,
        visit_outcomes=VISIT_OUTCOMES,
        area_label=area_label,
        chart_summary=chart_summary,
        seen_words=seen_words,
        seen_alone_words=seen_alone_words,
        age_text=age_text,
    )


# --- Editing the family's details -----------------------------------------------------------


def _render_edit(form, family, status=200):
    return (
        render_template(
            "families/edit.html",
            form=form,
            family=family,
            neglect_concerns=list(NEGLECT_CONCERNS),
            parental_factors=list(PARENTAL_FACTORS),
            concerns_without_errors=WithoutErrors(form.concerns),
        ),
        status,
    )


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    form = FamilyEditForm(obj=family) if request.method == "GET" else FamilyEditForm()
    _worker_choices(form, actor, family)
    form.opened_on.label.text = "Date opened"
    form.opened_on.description = ""
    if request.method == "GET":
        return _render_edit(form, family)
    if not form.validate():
        return _render_edit(form, family, 422)

    changes = form.details()
    if changes.get("opened_on") is None:
        changes.pop("opened_on", None)  # left empty: keep the date the family opened
    if actor.is_manager:
        changes["worker_id"] = form.worker_id.data
    changes["version"] = parse_version(form.version.data)
    try:
        families_service.update_family(db.session, actor, family, changes, clock.current_time())
        db.session.commit()
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        stale_form(form, family.version)
        return _render_edit(form, family, 409)
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_edit(form, family, 422)
    flash_done("The family's details have been saved.")
    return redirect(url_for("families.show", family_id=family.id))


# --- Moving between phases ------------------------------------------------------------------


def _phase_choice(family, phase):
    label = PHASE_LABELS[phase]
    if phase in OPEN_PHASES and PHASE_ORDER.index(phase) < PHASE_ORDER.index(family.phase):
        return (phase, f"{label} (back a phase: say why in the note)")
    if phase == "closed":
        return (phase, "Closed (give the reason for closing)")
    return (phase, label)


def _render_phase(form, family, status=200):
    return render_template("families/phase.html", form=form, family=family), status


@bp.route("/families/<int:family_id>/phase", methods=["GET", "POST"])
@case_worker_required
def phase(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = PhaseMoveForm()
    offered = [] if family.is_closed else families_service.phases_offered(actor, family)
    form.phase.choices = [_phase_choice(family, phase) for phase in offered]
    # The service decides and explains a refused move; the form only draws sensible options.
    form.phase.validate_choice = False
    form.note.description = "Needed when moving back a phase."
    form.reason.label.text = "Reason for closing (only when closing)"
    if request.method == "GET":
        form.date.data = clock.local_date(now)
        form.version.data = str(family.version)
        return _render_phase(form, family)
    if not form.validate():
        return _render_phase(form, family, 422)
    try:
        result = families_service.move_phase(
            db.session,
            actor,
            family,
            form.phase.data,
            form.date.data,
            now,
            note=form.note.data,
            reason=form.reason.data or None,
            version=parse_version(form.version.data),
        )
        db.session.commit()
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        stale_form(form, family.version)
        return _render_phase(form, family, 409)
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_phase(form, family, error.status)
    to_phase = getattr(result, "to_phase", None)
    if to_phase is None:
        # A worker's closing waits for their manager's approval (a closure proposal).
        flash_done(f"Closure of {family.reference} proposed: your manager will approve or return it.")
    elif to_phase == "closed":
        flash_done(f"{family.reference} is closed: {CLOSURE_REASONS[result.reason].lower()}.")
    else:
        flash_done(f"{family.reference} moved to {PHASE_LABELS[to_phase].lower()}.")
    return redirect(url_for("families.show", family_id=family.id))


# --- Shared template filters ----------------------------------------------------------------


@bp.app_template_filter("date")
def format_date(value) -> str:
    """27 Nov 2026."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    return f"{value.day} {value:%b %Y}"


# --- Application error pages ----------------------------------------------------------------
# The HTML error pages for the whole application live here. The JSON API registers its own
# handlers on its blueprint, which win for its routes; an unknown /api/ path still answers
# JSON, as the contract says every API error does.

ERROR_MESSAGES = {
    400: "Bad request.",
    403: "Your role does not allow this.",
    404: "Not found.",
    500: "Something went wrong.",
}


def _error_answer(status: int, template: str, **context):
    if request.path.startswith("/api/"):
        return jsonify(error=ERROR_MESSAGES[status]), status
    return render_template(template, **context), status


@bp.app_errorhandler(CSRFError)
def csrf_refused(error):
    return _error_answer(400, "errors/400.html", csrf=True)


@bp.app_errorhandler(400)
def bad_request(error):
    return _error_answer(400, "errors/400.html", csrf=False)


@bp.app_errorhandler(403)
def forbidden(error):
    return _error_answer(403, "errors/403.html")


@bp.app_errorhandler(404)
def not_found(error):
    return _error_answer(404, "errors/404.html")


@bp.app_errorhandler(500)
def server_error(error):
    # Whatever was half-written is abandoned; the page itself must not fail on it.
    db.session.rollback()
    return _error_answer(500, "errors/500.html")


# --- Search terms never reach the logs ------------------------------------------------------


class RedactSearchTerms(logging.Filter):
    """The development server logs each request line, query string included; the search box
    puts a family's name there. This blanks ``q=`` before the line is written. (gunicorn's
    access log is configured outside the app: its format must leave out the query string.)"""

    PATTERN = re.compile(r"([?&]q=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.PATTERN.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


@bp.record_once
def _install_log_redaction(state):
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactSearchTerms) for existing in logger.filters):
        logger.addFilter(RedactSearchTerms())
