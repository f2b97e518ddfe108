"""A manager's pages: the team at a glance, caseloads per worker, the team's families as CSV,
allocation and transfer, closures waiting for approval, the flag queue and the supervision
view of one worker.

Every page is for managers only (a worker or an admin gets 403) and shows only the manager's
own team (another team's family, flag, transfer or worker is 404). Acknowledging a flag is the
exception: a worker may acknowledge a flag on a family they hold. Each page reads the database
in a fixed number of queries whatever the size of the team (the services see to that)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.manager import (
    FLAG_CHOICES,
    OVERDUE_CHOICES,
    OVERDUE_VALUES,
    UNALLOCATED,
    AcceptTransferForm,
    AllocateForm,
    BulkAcknowledgeForm,
    DeclineTransferForm,
    FamilyExportForm,
    FlagFilterForm,
    ResolveFlagForm,
    ReturnClosureForm,
    TransferForm,
    seen_choices,
)
from ..models import CLOSURE_REASONS, FLAG_RULES, OPEN_PHASES, PHASE_LABELS
from ..services import allocation as allocation_service
from ..services import caseload as caseload_service
from ..services import charts, clock, editing, provisioning
from ..services import closures as closures_service
from ..services import flags as flags_service
from ..services import supervision as supervision_service
from ..services import transfers as transfers_service
from ..services.errors import Conflict, ServiceError, ValidationFailed
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    parse_version,
    refuse,
    refused_on_closed,
    role_required,
    safe_next,
    save_form,
)

bp = Blueprint("caseload", __name__)

manager_required = role_required("manager")

SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
SEVERITY_TAGS = {"high": "govuk-tag--red", "medium": "govuk-tag--orange", "low": "govuk-tag--grey"}
# The same image policy as a goal's chart: nothing in the SVG may run.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _posted_next() -> str | None:
    return safe_next(request.form.get("next"))


def _or_refuse(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ServiceError as error:
        refuse(error)


@bp.app_context_processor
def _manager_helpers():
    """What the family page's manager partial needs, without the family view knowing."""
    return {
        "return_closure_form": lambda family: ReturnClosureForm(prefix=f"return-{family.id}", formdata=None),
        "severity_labels": SEVERITY_LABELS,
        "severity_tags": SEVERITY_TAGS,
        "unallocated_worker": UNALLOCATED,
    }


# --- The manager's home ---------------------------------------------------------------------------


@bp.get("/team")
@manager_required
def home():
    overview = caseload_service.team_overview(db.session, current_actor(), clock.current_time())
    accounts_waiting = len(provisioning.waiting_for(db.session, current_actor()))
    return render_template("caseload/home.html", overview=overview, accounts_waiting=accounts_waiting)


# --- Caseloads per worker -------------------------------------------------------------------------


def _sort_arguments():
    sort = request.args.get("sort") or "name"
    if sort not in caseload_service.CASELOAD_COLUMNS:
        sort = "name"
    direction = request.args.get("dir")
    if direction not in ("asc", "desc"):
        direction = "asc"
    return sort, direction


@bp.get("/team/caseload")
@manager_required
def caseload():
    actor = current_actor()
    sort, direction = _sort_arguments()
    loads = caseload_service.team_caseload(db.session, actor, clock.current_time())
    workers = [load for load in loads if load.id != 0]
    return render_template(
        "caseload/caseload.html",
        rows=caseload_service.sort_caseload(loads, sort, direction == "desc"),
        totals=caseload_service.team_totals(loads),
        columns={key: heading for key, (heading, _) in caseload_service.CASELOAD_COLUMNS.items()},
        sort=sort,
        direction=direction,
        chart_alt=charts.load_chart_summary(workers),
        chart_height=max(160, 60 + 36 * len(workers)),
        has_workers=bool(workers),
        export_form=_export_form(actor, formdata=None),
    )


@bp.get("/team/caseload/chart.svg")
@manager_required
def load_chart():
    loads = caseload_service.team_caseload(db.session, current_actor(), clock.current_time())
    workers = [load for load in loads if load.id != 0]
    response = Response(charts.load_chart_svg(workers), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CHART_POLICY
    return response


# --- The team's families as CSV -------------------------------------------------------------------

CSV_COLUMNS = (
    "Reference", "Household", "Postcode district", "Family worker", "Phase", "Phase since",
    "Weeks in service", "Next review due", "Review overdue", "Open flags", "Highest severity",
)


def _export_form(actor, formdata):
    form = FamilyExportForm(formdata=formdata)
    form.phase.choices = [("", "Open families, every phase")] + [
        (phase, PHASE_LABELS[phase]) for phase in OPEN_PHASES
    ] + [("closed", "Closed families")]
    workers = allocation_service.team_workers(db.session, actor)
    form.worker_id.choices = [("", "All family workers"), (UNALLOCATED, "Unallocated")] + [
        (str(worker.id), worker.name if worker.active else f"{worker.name} (no longer active)") for worker in workers
    ]
    form.flag.choices = FLAG_CHOICES
    form.overdue.choices = OVERDUE_CHOICES
    form.seen.choices = seen_choices(current_app.config["CASEWORK_CHILD_SEEN_DAYS"])
    return form


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/team/families.csv")
@manager_required
def families_csv():
    actor = current_actor()
    form = _export_form(actor, formdata=request.args)
    if not form.validate():
        return render_template("caseload/export.html", form=form), 422
    now = clock.current_time()
    worker = form.worker_id.data
    rows = caseload_service.team_family_rows(
        db.session,
        actor,
        now,
        phase=form.phase.data or None,
        worker_id=int(worker) if worker and worker != UNALLOCATED else None,
        unallocated=worker == UNALLOCATED,
        q=form.q.data or None,
        flag=form.flag.data or None,
        overdue=OVERDUE_VALUES.get(form.overdue.data),
        child_not_seen=form.seen.data == "no",
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in (
            row.reference,
            row.household_name,
            row.postcode_district,
            row.worker_name or "Unallocated",
            PHASE_LABELS[row.phase],
            row.phase_since.isoformat(),
            row.weeks_in_service,
            row.next_review_due.isoformat() if row.next_review_due else "",
            "yes" if row.overdue else "no",
            row.open_flags,
            row.highest_severity or "",
        )])
    filename = f"team-families-{clock.local_date(now).isoformat()}.csv"
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Allocation and transfer ----------------------------------------------------------------------


def _render_allocate(form, family, status=200):
    return render_template("caseload/allocate.html", form=form, family=family), status


@bp.route("/families/<int:family_id>/allocate", methods=["GET", "POST"])
@manager_required
def allocate(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if family.is_closed:
        return refused_on_closed(family)
    form = AllocateForm()
    workers = allocation_service.allocatable_workers(db.session, actor)
    form.worker_id.choices = [("", "Unallocated")] + [(worker.id, worker.name) for worker in workers]
    if request.method == "GET":
        form.worker_id.data = family.worker_id
        form.version.data = str(family.version)
        return _render_allocate(form, family)
    if not form.validate():
        return _render_allocate(form, family, 422)
    if form.worker_id.data == family.worker_id:
        message = ("The family is already unallocated." if family.worker_id is None
                   else f"The family is already allocated to {family.worker.name}.")
        form.worker_id.errors = [message]
        return _render_allocate(form, family, 422)
    def allocate():
        editing.check_version(family, parse_version(form.version.data))
        allocation_service.allocate(db.session, actor, family, form.worker_id.data, form.reason.data,
                                  clock.current_time())

    status = save_form(form, family, allocate)
    if status:
        return _render_allocate(form, family, status)
    if family.worker is None:
        flash_done(f"{family.reference} is unallocated.")
    else:
        flash_done(f"{family.reference} is allocated to {family.worker.name}, who has been told.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_transfer(form, family, pending, status=200):
    return render_template("caseload/transfer.html", form=form, family=family, pending=pending), status


@bp.route("/families/<int:family_id>/transfer", methods=["GET", "POST"])
@manager_required
def transfer(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if family.is_closed:
        return refused_on_closed(family)
    pending = transfers_service.pending_transfer(db.session, family)
    form = TransferForm()
    form.to_team_id.choices = [("", "Choose a team")] + [
        (team.id, team.name) for team in transfers_service.transfer_teams(db.session, actor)
    ]
    if request.method == "GET":
        form.version.data = str(family.version)
        return _render_transfer(form, family, pending)
    if not form.validate():
        return _render_transfer(form, family, pending, 422)
    def offer():
        editing.check_version(family, parse_version(form.version.data))
        transfers_service.request_transfer(db.session, actor, family, form.to_team_id.data, form.reason.data,
                                          clock.current_time())

    status = save_form(form, family, offer)
    if status:
        return _render_transfer(form, family, pending, status)
    offered = transfers_service.pending_transfer(db.session, family)
    team_name = offered.to_team.name if offered and offered.to_team else "the team"
    flash_done(f"{family.reference} is offered to {team_name}. It stays with your team until their manager accepts it.")
    return redirect(url_for("families.show", family_id=family.id))


def _render_transfers(status=200, bound=None):
    """The transfers offered to the team, each with its accept and decline forms; ``bound``
    replaces one of them with the form just posted (kept input and its errors)."""
    actor = current_actor()
    transfers = transfers_service.incoming_transfers(db.session, actor)
    workers = allocation_service.allocatable_workers(db.session, actor)
    choices = [("", "Leave unallocated for now")] + [(worker.id, worker.name) for worker in workers]
    forms = {}
    for offered in transfers:
        accept = AcceptTransferForm(prefix=f"accept-{offered.id}", formdata=None)
        decline = DeclineTransferForm(prefix=f"decline-{offered.id}", formdata=None)
        forms[offered.id] = {"accept": accept, "decline": decline}
    if bound is not None:
        transfer_id, kind, form = bound
        if transfer_id in forms:
            forms[transfer_id][kind] = form
    for offered in transfers:
        pair = forms[offered.id]
        pair["accept"].worker_id.choices = choices
        pair["accept"].worker_id.label.text = f"Allocate {offered.family.reference} to"
        pair["decline"].comment.label.text = f"Why are you declining {offered.family.reference}?"
    errors = bound[2] if bound is not None else None
    return render_template("caseload/transfers.html", transfers=transfers, forms=forms, errors=errors), status


@bp.get("/team/transfers")
@manager_required
def transfers():
    return _render_transfers()


def _incoming(transfer_id):
    return _or_refuse(transfers_service.incoming_transfer, db.session, current_actor(), transfer_id)


@bp.post("/team/transfers/<int:transfer_id>/accept")
@manager_required
def accept_transfer(transfer_id):
    actor = current_actor()
    offered = _incoming(transfer_id)
    form = AcceptTransferForm(prefix=f"accept-{transfer_id}")
    form.worker_id.choices = [("", "Leave unallocated for now")]
    if not form.validate():
        return _render_transfers(422, (transfer_id, "accept", form))
    begin_write()
    try:
        family = transfers_service.accept_transfer(db.session, actor, offered, form.worker_id.data,
                                                   clock.current_time())
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_transfers(422, (transfer_id, "accept", form))
    holder = f", allocated to {family.worker.name}" if family.worker else ", unallocated for now"
    flash_done(f"{family.reference} has joined your team{holder}.")
    return redirect(url_for("families.show", family_id=family.id))


@bp.post("/team/transfers/<int:transfer_id>/decline")
@manager_required
def decline_transfer(transfer_id):
    actor = current_actor()
    offered = _incoming(transfer_id)
    form = DeclineTransferForm(prefix=f"decline-{transfer_id}")
    if not form.validate():
        return _render_transfers(422, (transfer_id, "decline", form))
    begin_write()
    try:
        transfers_service.decline_transfer(db.session, actor, offered, form.comment.data, clock.current_time())
        reference = offered.family.reference
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_transfers(422, (transfer_id, "decline", form))
    flash_done(f"Transfer of {reference} declined: the sending manager has been told.")
    return redirect(url_for("caseload.transfers"))


# --- Closures waiting for approval ----------------------------------------------------------------


@bp.get("/team/closures")
@manager_required
def closures():
    proposals = closures_service.pending_closures(db.session, current_actor())
    forms = {}
    for proposal in proposals:
        form = ReturnClosureForm(prefix=f"return-{proposal.family_id}", formdata=None)
        form.comment.label.text = f"Comment for {proposal.by.name} about {proposal.family.reference}"
        forms[proposal.family_id] = form
    return render_template(
        "caseload/closures.html", proposals=proposals, forms=forms, closure_reasons=CLOSURE_REASONS
    )


@bp.post("/families/<int:family_id>/closure/approve")
@manager_required
def approve_closure(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    back = _posted_next() or url_for("families.show", family_id=family.id)
    begin_write()
    try:
        move = closures_service.approve_closure(db.session, actor, family, clock.current_time())
        db.session.commit()
    except (Conflict, ValidationFailed) as error:
        db.session.rollback()
        flash(error.message if not family.is_closed else "The family is already closed.", "info")
        return redirect(back)
    reason = CLOSURE_REASONS.get(move.reason, move.reason or "").lower()
    flash_done(f"Closure of {family.reference} approved: closed on {move.date.day} {move.date:%b %Y} ({reason}).")
    return redirect(back)


@bp.post("/families/<int:family_id>/closure/return")
@manager_required
def return_closure(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    back = _posted_next() or url_for("families.show", family_id=family.id)
    proposal = None if family.is_closed else closures_service.pending_closure(db.session, family)
    if proposal is None:
        flash("No closure of this family is waiting for approval.", "info")
        return redirect(back)
    form = ReturnClosureForm(prefix=f"return-{family.id}")
    if form.validate() and not save_form(form, family, lambda: closures_service.return_closure(
            db.session, actor, family, form.comment.data, clock.current_time())):
        flash_done(f"Closure of {family.reference} returned: {proposal.by.name} has been told.")
        return redirect(back)
    return render_template(
        "caseload/return_closure.html", form=form, family=family, proposal=proposal,
        closure_reasons=CLOSURE_REASONS, back=back,
    ), 422


# --- The flag queue -------------------------------------------------------------------------------


def _flag_filters(actor, formdata):
    form = FlagFilterForm(formdata=formdata)
    form.severity.choices = [("", "All severities")] + [(key, label) for key, label in SEVERITY_LABELS.items()]
    form.worker_id.choices = [("", "All family workers"), (UNALLOCATED, "Unallocated")] + [
        (str(worker.id), worker.name if worker.active else f"{worker.name} (no longer active)")
        for worker in allocation_service.team_workers(db.session, actor)
    ]
    return form


def _render_flags(bulk=None, status=200):
    actor = current_actor()
    filters = _flag_filters(actor, request.args if request.method == "GET" else None)
    filter_status = 200
    if request.method == "GET" and not filters.validate():
        filter_status = 422
    worker = filters.worker_id.data
    flags = flags_service.flag_queue(
        db.session,
        actor,
        severity=filters.severity.data or None,
        worker_id=int(worker) if worker and worker != UNALLOCATED else None,
        unallocated=worker == UNALLOCATED,
    )
    if bulk is None:
        bulk = BulkAcknowledgeForm(formdata=None)
    resolve_forms = {}
    for flag in flags:
        form = ResolveFlagForm(prefix=f"resolve-{flag.id}", formdata=None)
        form.note.label.text = f"What was decided ({flag.family.reference}, {flag.rule_label.lower()})"
        resolve_forms[flag.id] = form
    active = {key: value for key, value in (("severity", filters.severity.data), ("worker_id", worker)) if value}
    return render_template(
        "caseload/flags.html",
        flags=flags,
        filters=filters,
        bulk=bulk,
        resolve_forms=resolve_forms,
        active_filters=active,
        here=url_for("caseload.flags", **active),
        flag_rules=FLAG_RULES,
    ), max(status, filter_status)


@bp.get("/team/flags")
@manager_required
def flags():
    return _render_flags()


@bp.post("/flags/<int:flag_id>/acknowledge")
@case_worker_required
def acknowledge_flag(flag_id):
    """A manager of the team, or the worker holding the family, acknowledges a flag: they have
    seen it and will act. Back to ``next`` (a path on this site) or the family page."""
    actor = current_actor()
    flag = _or_refuse(flags_service.get_flag, db.session, actor, flag_id)
    back = _posted_next() or url_for("families.show", family_id=flag.family_id)
    if refused := _flag_read_only(flag, back):
        return refused
    begin_write()
    try:
        flags_service.acknowledge(db.session, actor, flag, clock.current_time())
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(back)
    flash_done(f"Flag acknowledged: {flag.rule_label.lower()} for {flag.family.reference}.")
    return redirect(back)


@bp.post("/flags/<int:flag_id>/resolve")
@manager_required
def resolve_flag(flag_id):
    actor = current_actor()
    flag = _or_refuse(flags_service.get_flag, db.session, actor, flag_id)
    back = _posted_next() or url_for("caseload.flags")
    if refused := _flag_read_only(flag, back):
        return refused
    if flag.status == "resolved":
        flash("This flag is already resolved.", "info")
        return redirect(back)
    form = ResolveFlagForm(prefix=f"resolve-{flag.id}")
    if form.validate() and not save_form(form, flag, lambda: flags_service.resolve(
            db.session, actor, flag, form.note.data, clock.current_time())):
        flash_done(f"Flag resolved: {flag.rule_label.lower()} for {flag.family.reference}.")
        return redirect(back)
    return render_template("caseload/resolve_flag.html", form=form, flag=flag, back=back), 422


def _flag_read_only(flag, back):
    """The page (422) for a flag of a closed family, whose record is read-only; None for others."""
    try:
        flags_service.check_writable(flag)
    except ValidationFailed as error:
        return render_template("caseload/flag_read_only.html", flag=flag, message=error.message, back=back), 422
    return None


@bp.post("/team/flags/acknowledge")
@manager_required
def bulk_acknowledge():
    actor = current_actor()
    form = BulkAcknowledgeForm()
    if not form.validate():
        return _render_flags(bulk=form, status=422)
    now = clock.current_time()
    begin_write()
    chosen = flags_service.flags_in_scope(db.session, actor, form.flag_ids.data)
    done = 0
    try:
        for flag in chosen:
            if flag.status == "open":
                flags_service.acknowledge(db.session, actor, flag, now)
                done += 1
    except ValidationFailed as error:  # a closed family's flag: nothing is acknowledged
        db.session.rollback()
        form.flag_ids.errors = [error.message]
        return _render_flags(bulk=form, status=422)
    db.session.commit()
    if done:
        flash_done(f"{done} {'flag' if done == 1 else 'flags'} acknowledged.")
    else:
        flash("Those flags were already acknowledged or resolved.", "info")
    return redirect(_posted_next() or url_for("caseload.flags"))


# --- Supervision ----------------------------------------------------------------------------------


@bp.get("/team/workers/<int:user_id>")
@manager_required
def supervision(user_id):
    view = _or_refuse(supervision_service.supervision, db.session, current_actor(), user_id, clock.current_time())
    return render_template("caseload/supervision.html", view=view, phase_labels=PHASE_LABELS)
