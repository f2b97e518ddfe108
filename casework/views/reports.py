"""Reports for managers (their own team) and admins (the whole service, aggregate figures
only); a worker gets 403. Outcomes of the families closed in a period, with a chart and a
CSV; sustained outcomes (re-referrals); families referred by district and concern, with
small counts suppressed (and any total that would reveal one), for the period and for each
calendar quarter in it. An admin may narrow any report to one team with ``?team=ID`` (an
unknown team is 404); a manager's reports are always their own team's, and ``team=`` is
ignored for them.

Every figure of the outcomes report links a manager to the families behind it
(``/reports/outcomes/families?measure=KEY``, by reference only); an admin sees aggregate
figures only, and that list answers them 403. ``/reports/outcomes/print`` is the whole report,
with sustained outcomes and the local-area picture, laid out to print for a board."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ..downloads import csv_download
from ..extensions import db
from ..forms.fields import id_number
from ..forms.reports import MonthlyPeriodForm, PeriodForm, whole_months
from ..models import CLOSURE_REASONS, CONCERNS, PHASE_LABELS, Role, Team
from ..services import charts, clock, disclosure, outcome_measures
from ..services import goals as goals_service
from ..services import reports as reports_service
from ..services.assessments import load_frameworks
from ..services.errors import Forbidden
from .helpers import chart_response, current_actor, role_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


def reports_required(view):
    """Managers and admins."""
    return role_required(Role.MANAGER, Role.ADMIN)(view)


HIDDEN = "<5"


def _scope_name(actor, team=None) -> str:
    if actor.is_manager:
        return actor.team.name if actor.team else "Your team"
    return team.name if team is not None else "Whole service"


def _team(actor) -> Team | None:
    """The team an admin chose with ``?team=ID``, or None for the whole service. Managers
    never choose: their scope is their own team whatever the query says."""
    value = request.args.get("team", "").strip()
    if not actor.is_admin or not value:
        return None
    if not value.isdigit():
        abort(404)
    return db.session.get(Team, id_number(value)) or abort(404)


def _team_context(actor, team) -> dict:
    """What the templates need for the team select (admins only) and the links."""
    teams = db.session.scalars(select(Team).order_by(Team.name)).all() if actor.is_admin else None
    return {"teams": teams, "team_id": team.id if team is not None else None, "scope": _scope_name(actor, team)}


def _period(form_class=PeriodForm):
    form = form_class(formdata=request.args)
    period = form.period(clock.local_date(clock.current_time()))
    return form, period


def _area_labels(report) -> dict:
    return {row["area"]: goals_service.area_label(row["area"]) for row in report["areas"]}


def _pct(value) -> str:
    return "–" if value is None else f"{value:g}%"


# --- Outcomes -------------------------------------------------------------------------------


def _outcomes_report():
    """The caller, the team asked for, the period form, and the report (None when the period
    is not valid): what the outcomes page, its chart and its CSV share."""
    actor = current_actor()
    team = _team(actor)
    form, period = _period()
    report = None
    if period is not None:
        report = reports_service.outcomes(db.session, actor, *period, team_id=team.id if team else None)
    return actor, team, form, report


def _period_args(report, team_id) -> dict:
    """The query that names a report's period and team again (for its links)."""
    return {"from": report["from"], "to": report["to"], **({"team": team_id} if team_id is not None else {})}


def _outcomes_context(actor, team, report) -> dict:
    """What the outcomes page and its print view show."""
    labels = _area_labels(report)
    return dict(
        report=report, **_team_context(actor, team), area_labels=labels,
        closure_reasons=CLOSURE_REASONS, phase_labels=PHASE_LABELS, pct=_pct,
        frameworks=load_frameworks(), key=outcome_measures.measure_key,
        period_args=_period_args(report, team.id if team else None),
        chart_alt=charts.outcomes_chart_summary(report, labels),
        chart_height=charts.percent_chart_height(report["areas"]),
        domains_chart_alt=charts.domains_chart_summary(report),
        domains_chart_height=charts.percent_chart_height(report["assessment_domains"]),
        voice_chart_alt=charts.voice_report_chart_summary(report["child_voice"]),
        # The families behind a figure: a manager's own team only; admins see figures only.
        drill=actor.is_manager,
    )


@bp.get("")
@reports_required
def index():
    """``/reports``: the outcomes report (for the period and team asked for, if any)."""
    return redirect(url_for("reports.outcomes",
                            **{name: request.args[name] for name in ("from", "to", "team") if name in request.args}))


@bp.get("/outcomes")
@reports_required
def outcomes():
    actor, team, form, report = _outcomes_report()
    if report is None:
        return render_template("reports/outcomes.html", form=form, report=None, **_team_context(actor, team)), 422
    return render_template("reports/outcomes.html", form=form, **_outcomes_context(actor, team, report))


def _outcomes_svg(draw) -> Response:
    """One of the outcomes report's charts, ``draw(report)``, as an image that runs nothing."""
    report = _outcomes_report()[3]
    if report is None:
        return Response("Check the period.", status=422, mimetype="text/plain")
    return chart_response(draw(report))


@bp.get("/outcomes/chart.svg")
@reports_required
def outcomes_chart():
    return _outcomes_svg(lambda report: charts.outcomes_chart_svg(report, _area_labels(report)))


@bp.get("/outcomes/domains-chart.svg")
@reports_required
def domains_chart():
    return _outcomes_svg(charts.domains_chart_svg)


@bp.get("/outcomes/voice-chart.svg")
@reports_required
def voice_chart():
    return _outcomes_svg(lambda report: charts.voice_report_chart_svg(report["child_voice"]))


@bp.get("/outcomes/print")
@reports_required
def outcomes_print():
    """The outcomes report for a board: every section, the n beside every percentage, the
    charts as images, sustained outcomes and the local-area picture for the same period and
    team, and a footer saying when, by whom and how complete the data is."""
    actor, team, form, report = _outcomes_report()
    if report is None:
        return render_template("reports/outcomes.html", form=form, report=None, **_team_context(actor, team)), 422
    team_id = team.id if team else None
    now = clock.current_time()
    sustained = reports_service.sustained_outcomes(db.session, actor, clock.local_date(now), team_id=team_id)
    # The local-area counts are of whole months (forms/reports.py): those the period touches.
    local = reports_service.local_area(db.session, actor, *whole_months(*_dates(report)), team_id=team_id,
                                       published=True)
    return render_template(
        "reports/board.html", **{**_outcomes_context(actor, team, report), "drill": False}, sustained=sustained,
        local=local, table=local_area_table(local["rows"]), concern_labels=CONCERNS, shown=_shown,
        produced_at=now, produced_by=actor, start=_dates(report)[0], end=_dates(report)[1],
    )


def _dates(report) -> tuple:
    return tuple(dt.date.fromisoformat(report[name]) for name in ("from", "to"))


# The children's voice figures (services/voice_measures.py), by name.
VOICE_MEASURES = {
    "children": "Children old enough to be asked when their family closed",
    "heard": "Children whose voice was recorded",
    "heard_twice": "Children heard on two different days or more",
    "with_two_scales": "Children asked the scale twice or more",
    "scale_rose": "Children whose scale rose from the first time to the latest",
    "first_scale": "The scale children gave the first time they were asked",
    "latest_scale": "The scale children gave the latest time they were asked",
}

# What the part of each kind of figure is called in the list of its families.
PART_NAMES = {"goals_achieved": "Achieved", "data_completeness": "Had both", "area": "Improved",
              "domain": "Better", "child_domain": "Better"}


def measure_title(measure, frameworks) -> str:
    """A figure's name in words: "Home conditions: families with a goal improved"."""
    about = measure.about
    group = about[0]
    if group in ("domain", "child_domain"):
        framework = frameworks.get(about[1])
        label = next((d.label for d in framework.domains if d.code == about[2]), about[2]) if framework else about[2]
        name = f"{label} ({framework.name if framework else about[1]})"
        if group == "child_domain":
            return f"{name}: children assessed on their own, better at their latest assessment than their first"
        whom = "families" if about[3] == "families" else "children in families"
        return f"{name}: {whom} better at the latest assessment than the first"
    if group == "area":
        area = goals_service.area_label(about[1])
        return {"goals": f"{area}: goals improved",
                "families": f"{area}: families with a goal improved",
                "children": f"{area}: children in families with a goal improved"}[about[2]]
    if group == "closure":
        return f"Closed: {CLOSURE_REASONS.get(about[1], about[1])}"
    if group == "weeks_in":
        return f"Weeks in {PHASE_LABELS.get(about[1], about[1]).lower()}"
    if group == "child_voice":
        return VOICE_MEASURES.get(about[1], measure.key)
    return {"families_closed": "Families closed", "children": "Children in the families closed",
            "goals_achieved": "Goals achieved", "weeks_in_service": "Weeks in service",
            "data_completeness": "Families with a first and a closing assessment"}.get(group, measure.key)


@bp.get("/outcomes/families")
@role_required(Role.MANAGER)
def outcome_families():
    """The families behind one figure of the outcomes report (``?measure=KEY`` and the
    period): a manager's own team, by reference. Admins: 403 (figures only)."""
    actor = current_actor()
    form, period = _period()
    if period is None:
        return render_template("reports/outcomes.html", form=form, report=None, **_team_context(actor, None)), 422
    key = request.args.get("measure", "")
    try:
        found = reports_service.outcome_families(db.session, actor, *period, key)
    except Forbidden:
        abort(403)
    if found is None:
        return render_template("reports/families.html", measure=None, key=key, start=period[0], end=period[1],
                               scope=_scope_name(actor)), 400
    measure, families = found
    return render_template(
        "reports/families.html", measure=measure, families=families, start=period[0], end=period[1],
        title=measure_title(measure, load_frameworks()), part_name=PART_NAMES.get(measure.about[0], "Counted"),
        scope=_scope_name(actor), pct=_pct,
    )


def outcome_rows(report: dict, scope: str) -> list[list]:
    """The outcomes report as CSV rows: measure, number, out of, percentage."""
    rows = [["Outcomes", scope,
             f"families closed {clock.day_text(report['from'])} to {clock.day_text(report['to'])}", ""],
            ["Measure", "Number", "Out of", "Percentage"],
            ["Families closed", report["families_closed"], "", ""],
            ["Children", report["children"], "", ""],
            ["Goals achieved", report["goals"]["achieved"], report["goals"]["total"], report["goals"]["pct_achieved"]]]
    for row in report["areas"]:
        name = goals_service.area_label(row["area"])
        rows.append([f"{name}: goals improved", row["improved"], row["goals"], row["pct_improved"]])
        rows.append([f"{name}: families improved", row["families_improved"], row["families"],
                     row["pct_families_improved"]])
        rows.append([f"{name}: children improved", row["children_improved"], row["children"],
                     row["pct_children_improved"]])
    for row in report["assessment_domains"]:
        rows.append([f"Assessment {row['framework']}, {row['label']}: families better", row["improved"],
                     row["families"], row["pct_improved"]])
        rows.append([f"Assessment {row['framework']}, {row['label']}: children in families better",
                     row["children_improved"], row["children"], row["pct_children_improved"]])
    for row in report["child_assessment_domains"]:
        rows.append([f"Assessment {row['framework']}, {row['label']}: children assessed on their own, better",
                     row["improved"], row["children"], row["pct_improved"]])
    rows.append(["Median weeks in service", report["median_weeks_in_service"], report["expected_weeks"]["total"], ""])
    for phase, weeks in report["median_weeks_in_phase"].items():
        rows.append([f"Median weeks in {PHASE_LABELS.get(phase, phase).lower()}", weeks,
                     report["expected_weeks"].get(phase, ""), ""])
    for reason, count in report["closure_reasons"].items():
        rows.append([f"Closed: {CLOSURE_REASONS.get(reason, reason)}", count, report["families_closed"], ""])
    completeness = report["data_completeness"]
    rows.append(["With a first and a closing assessment", completeness["with_first_and_closing_assessment"],
                 completeness["families_closed"], completeness["pct"]])
    return rows


@bp.get("/outcomes.csv")
@reports_required
def outcomes_csv():
    actor, team, form, report = _outcomes_report()
    if report is None:
        return render_template("reports/outcomes.html", form=form, report=None, **_team_context(actor, team)), 422
    return csv_download(outcome_rows(report, _scope_name(actor, team)), f"outcomes-{report['from']}-{report['to']}.csv")


# --- Sustained outcomes ---------------------------------------------------------------------


@bp.get("/sustained")
@reports_required
def sustained():
    actor = current_actor()
    team = _team(actor)
    report = reports_service.sustained_outcomes(db.session, actor, clock.local_date(clock.current_time()),
                                                team_id=team.id if team else None)
    return render_template("reports/sustained.html", report=report, **_team_context(actor, team), pct=_pct)


# --- Local area -----------------------------------------------------------------------------


def local_area_table(rows: list[dict]) -> dict:
    """District × concern with suppressed cells as "<5". A row or column total is shown only
    when no cell in it is suppressed (else it is "<5"-style hidden as "suppressed"), so no hidden
    cell can be worked out from a total; the grand total likewise. Totals add up the cells as
    shown (rounded ones rounded: services/disclosure.py)."""
    districts = sorted({row["district"] for row in rows})
    order = list(CONCERNS)
    concerns = sorted({row["concern"] for row in rows}, key=lambda c: (order.index(c) if c in order else len(order), c))
    cells = {(row["district"], row["concern"]): row for row in rows}

    def total(keys):
        found = [cells[key] for key in keys if key in cells]
        if any(cell["suppressed"] for cell in found):
            return None
        value = sum(cell["count"] for cell in found)
        return None if 0 < value <= disclosure.SUPPRESS_AT_OR_BELOW else value

    return {
        "districts": districts,
        "concerns": concerns,
        "cell": lambda d, c: ((HIDDEN if cells[(d, c)]["suppressed"] else cells[(d, c)]["count"])
                              if (d, c) in cells else 0),
        "row_totals": {d: total([(d, c) for c in concerns]) for d in districts},
        "column_totals": {c: total([(d, c) for d in districts]) for c in concerns},
        "grand_total": total(list(cells)),
    }


def _shown(value):
    return "suppressed" if value is None else value


def _local_area_report(published: bool = False):
    """The caller, the team, the period form and the period's local-area report (None when
    the period is not valid): what the page and its CSV (``published``) share."""
    actor = current_actor()
    team = _team(actor)
    form, period = _period(MonthlyPeriodForm)
    report = None
    if period is not None:
        report = reports_service.local_area(db.session, actor, *period, team_id=team.id if team else None,
                                            published=published)
    return actor, team, form, report


@bp.get("/local-area")
@reports_required
def local_area():
    actor, team, form, report = _local_area_report()
    if report is None:
        return render_template("reports/local_area.html", form=form, report=None, **_team_context(actor, team)), 422
    by_quarter = reports_service.local_area_by_quarter(db.session, actor, *_dates(report),
                                                       team_id=team.id if team else None)
    quarters = [{**quarter, "table": local_area_table(quarter["rows"])} for quarter in by_quarter["quarters"]]
    return render_template(
        "reports/local_area.html", form=form, report=report, table=local_area_table(report["rows"]),
        quarters=quarters, **_team_context(actor, team), concern_labels=CONCERNS, shown=_shown,
        period_args=_period_args(report, team.id if team else None), rounded=disclosure.rounded_for(actor),
    )


@bp.get("/local-area.csv")
@reports_required
def local_area_csv():
    actor, team, form, report = _local_area_report(published=True)
    if report is None:
        return render_template("reports/local_area.html", form=form, report=None, **_team_context(actor, team)), 422
    table = local_area_table(report["rows"])
    period = [clock.day_text(report["from"]), clock.day_text(report["to"])]
    rows = [["Families referred", _scope_name(actor, team), *period,
             "Counts from 1 to 4 suppressed; others rounded to the nearest 5"],
            ["District"] + [CONCERNS.get(c, c) for c in table["concerns"]] + ["Total"]]
    for district in table["districts"]:
        rows.append([district] + [table["cell"](district, c) for c in table["concerns"]]
                    + [_shown(table["row_totals"][district])])
    rows.append(["Total"] + [_shown(table["column_totals"][c]) for c in table["concerns"]]
                + [_shown(table["grand_total"])])
    return csv_download(rows, f"local-area-{report['from']}-{report['to']}.csv")
