"""A manager's team at a glance: the home page, caseloads per worker (with the weighted-load
chart), the team's families as CSV, and the supervision view of one worker.

Managers only (a worker or an admin gets 403), of their own team only (another team's worker
is 404). Each page reads the database in a fixed number of queries whatever the size of the
team (the services see to that)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..downloads import csv_download
from ..extensions import db
from ..forms.manager import FLAG_CHOICES, OVERDUE_CHOICES, OVERDUE_VALUES, UNALLOCATED, FamilyExportForm, seen_choices
from ..models import OPEN_PHASES, PHASE_LABELS
from ..services import allocation as allocation_service
from ..services import caseload as caseload_service
from ..services import charts, clock, provisioning
from ..services import supervision as supervision_service
from .helpers import chart_response, current_actor, manager_required, or_refuse

bp = Blueprint("team", __name__)


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
    return chart_response(charts.load_chart_svg(workers))


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
    table = [CSV_COLUMNS] + [
        [
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
        ]
        for row in rows
    ]
    return csv_download(table, f"team-families-{clock.local_date(now).isoformat()}.csv")


# --- Supervision ----------------------------------------------------------------------------------


@bp.get("/team/workers/<int:user_id>")
@manager_required
def supervision(user_id):
    view = or_refuse(supervision_service.supervision, db.session, current_actor(), user_id, clock.current_time())
    return render_template("caseload/supervision.html", view=view, phase_labels=PHASE_LABELS)
