"""Family pages: My families / Team families, the family page, editing the family's details,
and the family plan printed for the parents."""
from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..extensions import db
from ..forms.case import FamilyEditForm, ReopenForm
from ..forms.fields import MAX_ID
from ..forms.manager import FLAG_CHOICES, OVERDUE_CHOICES, OVERDUE_VALUES, UNALLOCATED, seen_choices
from ..models import (
    CLOSURE_REASONS,
    NEGLECT_CONCERNS,
    OPEN_PHASES,
    PARENTAL_FACTORS,
    PARTNER_KINDS,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    SHARING_SCOPES,
    VISIT_KINDS,
    VISIT_OUTCOMES,
    GoalStatus,
)
from ..services import allocation as allocation_service
from ..services import audit, clock, family_page, scope
from ..services import families as families_service
from ..services import flags as flags_service
from ..services import goals as goals_service
from ..services import notifications as notifications_service
from ..services import voices as voices_service
from ..services.charts import (
    assessment_chart_height,
    assessment_chart_summary,
    chart_summary,
    voice_chart_summary,
)
from ..services.errors import NotFound
from ..services.family_filters import FLAG_FILTERS, FamilyFilters
from ..services.review_schedule import next_review_due
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    parse_version,
    record_view,
    refuse,
    refused_on_closed,
    save_form,
)
from .visits import correction_lines

bp = Blueprint("families", __name__)

PER_PAGE = 25


def _positive_int(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


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


def worker_choices(form, actor, family=None) -> None:
    """A manager allocates (active workers of the team, or nobody); a worker holds the
    family themselves and is not offered the choice."""
    if not actor.is_manager:
        del form.worker_id
        return
    workers = allocation_service.allocatable_workers(db.session, actor)
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
    workers = allocation_service.team_workers(db.session, actor) if actor.is_manager else []
    worker = request.args.get("worker") or ""
    unallocated = actor.is_manager and worker == UNALLOCATED
    worker_id = _positive_int(worker) if actor.is_manager else None
    if worker_id not in {worker.id for worker in workers}:
        worker_id = None
    # The same filters as the team's CSV export (services/family_filters.py), by the same values.
    flag = request.args.get("flag") or ""
    if flag not in FLAG_FILTERS:
        flag = ""
    overdue = request.args.get("overdue") or ""
    if overdue not in OVERDUE_VALUES:
        overdue = ""
    seen = "no" if request.args.get("seen") == "no" else ""
    page = _positive_int(request.args.get("page")) or 1

    rows, total = families_service.list_families(
        db.session,
        actor,
        now,
        filters=FamilyFilters(
            phase=phase or None, open_only=not show_closed, worker_id=worker_id, unallocated=unallocated,
            q=q or None, flag=flag or None, overdue=OVERDUE_VALUES.get(overdue), child_not_seen=bool(seen),
        ),
        page=page,
        per_page=PER_PAGE,
    )
    filters = {
        key: value
        for key, value in (("q", q), ("phase", phase), ("closed", "1" if show_closed else ""),
                           ("worker", UNALLOCATED if unallocated else worker_id or ""), ("flag", flag),
                           ("overdue", overdue), ("seen", seen))
        if value
    }
    pages = max(1, math.ceil(total / PER_PAGE))
    flag_summaries = flags_service.open_flag_summaries(db.session, [row.family.id for row in rows])
    return render_template(
        "families/index.html",
        flag_summaries=flag_summaries,
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
        unallocated=unallocated,
        flag=flag,
        flag_choices=FLAG_CHOICES,
        overdue=overdue,
        overdue_choices=OVERDUE_CHOICES,
        seen=seen,
        seen_choices=seen_choices(current_app.config["CASEWORK_CHILD_SEEN_DAYS"]),
        csv_filters=_csv_filters(filters) if actor.is_manager else None,
        phase_labels=PHASE_LABELS,
        open_phases=OPEN_PHASES,
        today=clock.local_date(now),
    )


def _csv_filters(filters: dict) -> dict | None:
    """The team's CSV export of the families listed (its filters have the same values, but
    ``worker`` is ``worker_id`` there); None where the CSV cannot say the same (closed
    families of every phase)."""
    if filters.get("closed") and not filters.get("phase"):
        return None
    names = {"worker": "worker_id", "closed": None, "page": None}
    return {names.get(key, key): value for key, value in filters.items() if names.get(key, key)}


# --- The family page ------------------------------------------------------------------------


@bp.get("/families/<int:family_id>")
@case_worker_required
def show(family_id):
    actor = current_actor()
    reader_id = actor.id  # read now: the audit's commit expires the reader
    try:
        scope.get_family(db.session, actor, family_id)
    except NotFound as error:
        # An old link (a notification, an e-mail) to a family now with another worker or team
        # explains that, without any detail; a family the reader was never told about is 404.
        reference = notifications_service.told_about(db.session, actor, family_id)
        if reference is None:
            refuse(error)
        return render_template("families/moved.html", reference=reference)
    record_view(family_id)
    return _render_show(family_id, reader_id)


def _render_show(family_id, reader_id):
    actor = current_actor()
    now = clock.current_time()
    page = family_page.gather(db.session, family_id, reader_id, now)
    family = page.family
    earlier = family.previous_family
    return render_template(
        "families/show.html",
        family=family,
        summary=page.summary,
        today=clock.local_date(now),
        pending_closure=page.pending_closure,
        goals=page.goals,
        goals_by_id={goal.id: goal for goal in page.goals},
        visits=page.visits,
        visit_corrections=page.visit_corrections,
        reviews=page.reviews,
        open_flags=[flag for flag in page.flags if flag.is_open],
        resolved_flags=[flag for flag in page.flags if not flag.is_open],
        earlier_case=earlier,
        earlier_case_visible=earlier is not None and scope.may_see(actor, earlier),
        reopen_form=ReopenForm(formdata=None) if family.is_closed and actor.is_manager else None,
        opened_by=audit.who_opened(db.session, family_id) if actor.is_manager else None,
        assessment=page.assessment,
        neglect_concerns=[(code, label) for code, label in NEGLECT_CONCERNS.items() if code in family.concerns],
        parental_factors=[(code, label) for code, label in PARENTAL_FACTORS.items() if code in family.concerns],
        phase_labels=PHASE_LABELS,
        closure_reasons=CLOSURE_REASONS,
        review_decisions=REVIEW_DECISIONS,
        visit_kinds=VISIT_KINDS,
        visit_outcomes=VISIT_OUTCOMES,
        area_label=goals_service.area_label,
        chart_summary=chart_summary,
        assessment_chart_summary=assessment_chart_summary,
        assessment_chart_height=assessment_chart_height,
        seen_words=seen_words,
        seen_alone_words=seen_alone_words,
        correction_lines=correction_lines,
        age_text=age_text,
        taf=dict(page.taf, kinds=PARTNER_KINDS, scopes=SHARING_SCOPES),
        diary={"next": page.next_planned_visit, "kinds": VISIT_KINDS},
        children_voices=page.children_voices,
        voice_chart_summary=voice_chart_summary,
    )


# --- Editing the family's details -----------------------------------------------------------


class WithoutErrors:
    """A field as the ``choices`` macro sees it, minus its errors: the one ``concerns`` field
    is drawn as two groups, and its message belongs beside the first group only (here and on
    the referral page)."""

    def __init__(self, field):
        self._field = field
        self.errors = []
        self.description = ""

    def __iter__(self):
        return iter(self._field)

    def __getattr__(self, name):
        return getattr(self._field, name)


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
    worker_choices(form, actor, family)
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
    status = save_form(form, family, lambda: families_service.update_family(
        db.session, actor, family, changes, clock.current_time()))
    if status:
        return _render_edit(form, family, status)
    flash_done("The family's details have been saved.")
    return redirect(url_for("families.show", family_id=family.id))


# --- The family plan, printed for the parents -----------------------------------------------


@bp.get("/families/<int:family_id>/plan")
@case_worker_required
def plan(family_id):
    family = family_or_abort(family_id)
    goals = goals_service.family_plan(db.session, family)
    now = clock.current_time()
    return render_template(
        "families/plan.html",
        family=family,
        active_goals=[goal for goal in goals if goal.status == GoalStatus.ACTIVE],
        achieved_goals=[goal for goal in goals if goal.status == GoalStatus.ACHIEVED],
        next_review=next_review_due(db.session, family, now),
        printed_on=clock.local_date(now),
        area_label=goals_service.area_label,
        # Only words each child agreed to share with their parents (services/voices.py).
        children_words=voices_service.shared_words(db.session, family),
    )
