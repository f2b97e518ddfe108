"""Family pages: My families / Team families, opening a referral (and spotting a family
already known), the family page, editing the family's details, its children and carers,
moving it between phases, reopening it, its flags, its chronology and the family
plan printed for the parents."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.case import (
    CarerForm,
    ChildForm,
    FamilyEditForm,
    PhaseMoveForm,
    ReferralForm,
    ReopenForm,
)
from ..forms.fields import MAX_ID, id_number
from ..forms.manager import FLAG_CHOICES, OVERDUE_CHOICES, OVERDUE_VALUES, UNALLOCATED, seen_choices
from ..models import (
    CLOSURE_REASONS,
    NEGLECT_CONCERNS,
    OPEN_PHASES,
    PARENTAL_FACTORS,
    PHASE_LABELS,
    PHASE_ORDER,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ..services import allocation as allocation_service
from ..services import assessments as assessments_service
from ..services import audit, child_search, clock, scope
from ..services import chronology as chronology_service
from ..services import closures as closures_service
from ..services import families as families_service
from ..services import flags as flags_service
from ..services import goals as goals_service
from ..services import notifications as notifications_service
from ..services import people as people_service
from ..services import phases as phases_service
from ..services import referrals as referrals_service
from ..services import reviews as reviews_service
from ..services import visits as visits_service
from ..services.charts import assessment_chart_height, assessment_chart_summary, chart_summary
from ..services.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from ..services.family_filters import FLAG_FILTERS, FamilyFilters
from ..services.schedule import next_review_due
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    parse_version,
    record_view,
    refuse,
    refused_on_closed,
    save_form,
    save_once,
    saved_before,
)
from .visits import correction_lines

bp = Blueprint("families", __name__)

PER_PAGE = 25
SEVERITY_TAGS = {"high": "govuk-tag--red", "medium": "govuk-tag--orange", "low": "govuk-tag--grey"}
CHRONOLOGY_KINDS = {
    "referral": "Referral",
    "visit": "Visits",
    "phase": "Phase moves",
    "review": "Reviews",
    "goal": "Goals",
    "rating": "Progress ratings",
    "assessment": "Assessments",
    "correction": "Corrections",
    "flag": "Flags",
    "allocation": "Allocations",
}
CHRONOLOGY_ENTRY_LABELS = {
    "referral": "Referral",
    "visit": "Visit",
    "phase": "Phase",
    "review": "Review",
    "goal": "Goal",
    "rating": "Progress rating",
    "assessment": "Assessment",
    "correction": "Correction",
    "flag": "Flag",
    "allocation": "Allocation",
}


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


def _worker_choices(form, actor, family=None) -> None:
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
        severity_tags=SEVERITY_TAGS,
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


# --- Opening a referral ---------------------------------------------------------------------


def _render_referral(form, status=200, known=None, same_family="", same_family_error=None):
    return (
        render_template(
            "families/new.html",
            form=form,
            neglect_concerns=list(NEGLECT_CONCERNS),
            parental_factors=list(PARENTAL_FACTORS),
            concerns_without_errors=WithoutErrors(form.concerns),
            known=known or [],
            known_families=_known_families(known or []),
            same_family=same_family,
            same_family_error=same_family_error,
            phase_labels=PHASE_LABELS,
        ),
        status,
    )


SAME_FAMILY_MESSAGE = "Say whether this referral is about the family already known."


def _known_children(actor, form) -> list[tuple]:
    """``[(child entry, [matches])]`` for the children of the referral already known to the
    service (same first name and date of birth): a possible re-referral."""
    children = [entry.form for entry in form.children]
    found = child_search.search(db.session, actor, [(child.first_name.data, child.date_of_birth.data)
                                                    for child in children], clock.current_time(), via="referral")
    return [(child, matches) for child, matches in zip(children, found, strict=True) if matches]


def _known_families(known) -> list:
    """Each earlier case once, whichever children matched it."""
    seen = {}
    for _, matches in known:
        for match in matches:
            seen.setdefault(match.family_id, match)
    return list(seen.values())


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

    if any(entries.sent > entries.max_entries for entries in (form.children, form.carers)):
        form.validate()  # more than a family holds: say so (only the first ones were read)
        return _render_referral(form, 422)
    # "Add another child", "Add a parent or carer" and "Remove": the same page again, one
    # entry more or less, nothing lost, nothing checked yet.
    for wanted, entries in ((form.add_child.data, form.children), (form.add_carer.data, form.carers)):
        if wanted:
            if not entries.full:  # a full list's page offers no "Add"; nor is one added
                entries.append_entry()
            return _render_referral(form)
    if request.form.get("remove_child"):
        _remove_entry(form.children, request.form["remove_child"], keep_at_least=1)
        return _render_referral(form)
    if request.form.get("remove_carer"):
        _remove_entry(form.carers, request.form["remove_carer"], keep_at_least=0)
        return _render_referral(form)
    if (page := saved_before(form)) is not None:
        return page

    if not form.validate():
        return _render_referral(form, 422)
    previous_family_id = form.previous_family_id.data
    answer = request.form.get("same_family", "")
    if previous_family_id is None and answer.isdigit():
        # The earlier case the page offered was chosen: the service checks that it holds one
        # of these children, so the children are not searched for again.
        previous_family_id = id_number(answer)
    elif previous_family_id is None and answer != "no":
        # A child already known: say so, and let the user link this referral to the earlier
        # case or say it is not the same family, before anything is saved. Each child looked
        # for is a search, counted and audited like the API's (services/child_search.py).
        begin_write()
        try:
            known = _known_children(actor, form)
        except child_search.TooManySearches as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_referral(form, 429)
        db.session.commit()
        if known:
            error = SAME_FAMILY_MESSAGE if request.form.get("known_checked") else None
            if error:
                form.form_errors.append(error)
            return _render_referral(form, 422 if error else 200, known=known, same_family=answer,
                                    same_family_error=error)
    data = form.details()
    data["worker_id"] = form.worker_id.data if actor.is_manager else None
    data["previous_family_id"] = previous_family_id
    data["children"] = [
        referrals_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            date_of_birth=entry.form.date_of_birth.data,
            school=entry.form.school.data,
        )
        for entry in form.children
    ]
    data["carers"] = [
        referrals_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            relationship=entry.form.relationship.data,
        )
        for entry in form.carers
    ]
    begin_write()
    try:
        family = referrals_service.open_referral(
            db.session,
            actor,
            data,
            clock.current_time(),
            prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"],
        )
        save_once(form, "referral", family, url_for("families.show", family_id=family.id))
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
    try:
        family = scope.get_family(db.session, current_actor(), family_id)
    except NotFound as error:
        # An old link (a notification, an e-mail) to a family now with another worker or team
        # explains that, without any detail; a family the reader was never told about is 404.
        reference = notifications_service.told_about(db.session, current_actor(), family_id)
        if reference is None:
            refuse(error)
        return render_template("families/moved.html", reference=reference)
    record_view(family.id)
    return _render_show(family)


def _render_show(family, status=200, reopen_form=None):
    actor = current_actor()
    now = clock.current_time()
    family = families_service.load_family_record(db.session, family)
    summary = families_service.summarise(db.session, [family], now)[0]
    today = clock.local_date(now)
    goals = goals_service.family_plan(db.session, family)
    flags = flags_service.family_flags(db.session, family)
    if reopen_form is None and family.is_closed and actor.is_manager:
        reopen_form = ReopenForm(formdata=None)
    earlier = family.previous_family
    return render_template(
        "families/show.html",
        family=family,
        summary=summary,
        today=today,
        pending_closure=None if family.is_closed else closures_service.pending_closure(db.session, family),
        goals=goals,
        goals_by_id={goal.id: goal for goal in goals},
        visits=visits_service.visit_history(db.session, family),
        visit_corrections=visits_service.visit_corrections(db.session, family),
        reviews=reviews_service.reviews_held(db.session, family),
        open_flags=[flag for flag in flags if flag.is_open],
        resolved_flags=[flag for flag in flags if not flag.is_open],
        earlier_case=earlier,
        earlier_case_visible=earlier is not None and scope.may_see(actor, earlier),
        reopen_form=reopen_form,
        opened_by=audit.who_opened(db.session, family.id) if actor.is_manager else None,
        assessment=assessments_service.latest_family_change(db.session, family),
        neglect_concerns=[(code, label) for code, label in NEGLECT_CONCERNS.items() if code in family.concerns],
        parental_factors=[(code, label) for code, label in PARENTAL_FACTORS.items() if code in family.concerns],
        phase_labels=PHASE_LABELS,
        closure_reasons=CLOSURE_REASONS,
        review_decisions=REVIEW_DECISIONS,
        severity_tags=SEVERITY_TAGS,
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
    ), status


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
    status = save_form(form, family, lambda: families_service.update_family(
        db.session, actor, family, changes, clock.current_time()))
    if status:
        return _render_edit(form, family, status)
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
    # The reason for closing is asked for only where closing is one of the moves offered.
    closing = any(value == "closed" for value, _label in form.phase.choices)
    return render_template("families/phase.html", form=form, family=family, closing=closing), status


@bp.route("/families/<int:family_id>/phase", methods=["GET", "POST"])
@case_worker_required
def phase(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = PhaseMoveForm()
    offered = [] if family.is_closed else phases_service.phases_offered(actor, family)
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
    status = save_form(form, family, lambda: phases_service.move_phase(
        db.session, actor, family, form.phase.data, form.date.data, now,
        note=form.note.data, reason=form.reason.data or None, version=parse_version(form.version.data),
    ))
    if status:
        return _render_phase(form, family, status)
    if family.phase == "closed":
        flash_done(f"{family.reference} is closed: {CLOSURE_REASONS[family.closure_reason].lower()}.")
    elif form.phase.data == "closed":
        # A worker's closing waits for their manager's approval (a closure proposal).
        flash_done(f"Closure of {family.reference} proposed: your manager will approve or return it.")
    else:
        flash_done(f"{family.reference} moved to {PHASE_LABELS[family.phase].lower()}.")
    return redirect(url_for("families.show", family_id=family.id))


# --- Children and carers: keeping the record true -------------------------------------------


@dataclass(frozen=True)
class PersonPages:
    """What differs between the child and the carer pages; the four views share the rest."""

    kind: str  # "child" or "carer"
    form_class: type
    get: Callable
    add: Callable
    update: Callable
    prefill: Callable = lambda form, person: None


PEOPLE = {
    "child": PersonPages("child", ChildForm, scope.get_child, people_service.add_child,
                         people_service.update_child),
    "carer": PersonPages(
        "carer", CarerForm, scope.get_carer, people_service.add_carer, people_service.update_carer,
        prefill=lambda form, carer: setattr(form.relationship, "data", carer.relationship_to_children),
    ),
}


def _render_person(pages, form, family, person=None, status=200):
    return render_template("families/person.html", kind=pages.kind, form=form, family=family, person=person), status


def _person_page(pages, family, person=None):
    """GET shows the form (read-only notice when closed); POST validates, saves, explains."""
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    if request.method == "GET":
        form = pages.form_class(obj=person)
        if person is None:
            del form.version
        else:
            del form.submission_key
            form.version.data = str(person.version)
            pages.prefill(form, person)
        return _render_person(pages, form, family, person)
    form = pages.form_class()
    if person is None:
        del form.version
        if (page := saved_before(form)) is not None:
            return page
    else:
        del form.submission_key  # correcting creates nothing
    if not form.validate():
        return _render_person(pages, form, family, person, 422)
    data = {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "version", "submission_key")}
    now = clock.current_time()
    if person is None:
        location = url_for("families.show", family_id=family.id, _anchor="people")
        status = save_form(form, family, lambda: save_once(
            form, pages.kind, pages.add(db.session, family, data, now), location))
    else:
        data["version"] = parse_version(form.version.data)
        status = save_form(form, person, lambda: pages.update(db.session, person, data, now))
    if status:
        return _render_person(pages, form, family, person, status)
    if person is None:
        flash_done(f"{form.first_name.data} has been added to the family record.")
    else:
        flash_done(f"{form.first_name.data}'s details have been saved.")
    return redirect(url_for("families.show", family_id=family.id))


def _person_or_abort(pages, person_id):
    try:
        return pages.get(db.session, current_actor(), person_id)
    except ServiceError as error:
        refuse(error)


@bp.route("/families/<int:family_id>/children/new", methods=["GET", "POST"])
@case_worker_required
def add_child(family_id):
    return _person_page(PEOPLE["child"], family_or_abort(family_id))


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_child(child_id):
    child = _person_or_abort(PEOPLE["child"], child_id)
    return _person_page(PEOPLE["child"], child.family, child)


@bp.route("/families/<int:family_id>/carers/new", methods=["GET", "POST"])
@case_worker_required
def add_carer(family_id):
    return _person_page(PEOPLE["carer"], family_or_abort(family_id))


@bp.route("/carers/<int:carer_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_carer(carer_id):
    carer = _person_or_abort(PEOPLE["carer"], carer_id)
    return _person_page(PEOPLE["carer"], carer.family, carer)


# --- Reopening a closed family (a manager) --------------------------------------------------


def _manager_only():
    """After the scope check (404 outside it): a family worker may not do this (403)."""
    if not current_actor().is_manager:
        refuse(Forbidden("Only a manager can do this."))


@bp.post("/families/<int:family_id>/reopen")
@case_worker_required
def reopen(family_id):
    family = family_or_abort(family_id)
    _manager_only()
    form = ReopenForm()
    if not form.validate():
        return _render_reopen(form, family, 422)
    status = save_form(form, family, lambda: closures_service.reopen_family(
        db.session, current_actor(), family, form.note.data, clock.current_time()))
    if status:
        return _render_reopen(form, family, status)
    flash_done(f"{family.reference} is reopened, back in engagement.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_reopen(form, family, status):
    return render_template("families/reopen.html", form=form, family=family), status


# --- The chronology -------------------------------------------------------------------------


@bp.get("/families/<int:family_id>/chronology")
@case_worker_required
def chronology(family_id):
    family = family_or_abort(family_id)
    kind = request.args.get("kind") or ""
    if kind not in chronology_service.KINDS:
        kind = ""
    now = clock.current_time()
    entries = chronology_service.chronology(db.session, family, kind or None)
    return render_template(
        "families/chronology.html",
        family=family,
        entries=entries,
        kind=kind,
        kinds=[(code, CHRONOLOGY_KINDS.get(code, code.capitalize())) for code in chronology_service.KINDS],
        kind_labels=CHRONOLOGY_KINDS,
        entry_labels=CHRONOLOGY_ENTRY_LABELS,
        printed_on=clock.local_date(now),
    )


# --- The family plan, printed for the parents -----------------------------------------------


@bp.get("/families/<int:family_id>/plan")
@case_worker_required
def plan(family_id):
    family = family_or_abort(family_id)
    goals = goals_service.family_plan(db.session, family)
    return render_template(
        "families/plan.html",
        family=family,
        active_goals=[goal for goal in goals if goal.status == "active"],
        achieved_goals=[goal for goal in goals if goal.status == "achieved"],
        next_review=next_review_due(db.session, family),
        printed_on=clock.local_date(clock.current_time()),
        area_label=goals_service.area_label,
    )
