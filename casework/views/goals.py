"""The family plan: agreeing a goal, the goal page with its ratings and chart, recording
progress, correcting a rating, changing a goal's status (withdrawing asks why) and editing
its wording."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from ..database import begin_write
from ..extensions import db
from ..forms.case import GoalForm, RatingCorrectionForm, RatingForm, WithdrawGoalForm
from ..models import CORRECTED_FIELDS, GoalStatus
from ..services import charts, clock, drafts, scope
from ..services import corrections as corrections_service
from ..services import goals as goals_service
from ..services.errors import ServiceError, StaleVersion, ValidationFailed
from .helpers import (
    case_worker_required,
    chart_response,
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    parse_version,
    refuse,
    refused_on_closed,
    save_form,
    save_once,
    saved_before,
)
from .visits import restore_draft

bp = Blueprint("goals", __name__)

STALE_STATUS_MESSAGE = (
    "This goal was changed by someone else since you opened it. "
    "Check it below and try again."
)
STATUS_DONE = {
    GoalStatus.ACHIEVED: "The goal is marked as achieved.",
    GoalStatus.WITHDRAWN: "The goal is withdrawn.",
    GoalStatus.ACTIVE: "The goal is active again.",
}


def goal_or_abort(goal_id: int):
    """The goal if the caller may see its family; 404 outside their scope, 403 for an admin."""
    try:
        goal = scope.get_goal(db.session, current_actor(), goal_id)
    except ServiceError as error:
        refuse(error)
    return goals_service.goal_record(db.session, goal)


def _goal_fields(form) -> dict:
    return {name: getattr(form, name).data for name in goals_service.GOAL_FIELDS + ("next_step",)}


# --- Agreeing a goal ------------------------------------------------------------------------


def _render_new(form, family, status=200, draft=None):
    return render_template("goals/new.html", form=form, family=family, draft=draft,
                           draft_key=drafts.form_key("goal", family.id)), status


@bp.route("/families/<int:family_id>/goals/new", methods=["GET", "POST"])
@case_worker_required
def new(family_id):
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = GoalForm()
    del form.version
    if request.method == "GET":
        form.start_date.data = clock.local_date(now)
        return _render_new(form, family, draft=restore_draft(form, "goal", family, now))
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render_new(form, family, 422)
    begin_write(family)  # read again under the lock: still open? The rest is kept as read.
    try:
        goal = goals_service.agree_goal(db.session, family, _goal_fields(form), now, current_actor())
        save_once(form, "goal", goal, url_for("goals.show", goal_id=goal.id))
        drafts.drop(db.session, current_actor(), drafts.form_key("goal", family.id))
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_new(form, family, 422)
    db.session.commit()
    flash_done(f"Goal agreed: {goal.title}")
    return redirect(url_for("families.show", family_id=family.id))


# --- The goal page, progress ratings and status ---------------------------------------------


def _render_show(goal, form, status=200):
    return (
        render_template(
            "goals/show.html",
            goal=goal,
            family=goal.family,
            form=form,
            area_label=goals_service.area_label,
            chart_alt=charts.chart_summary(goal),
            corrections=corrections_service.corrections_of(db.session, "rating", [r.id for r in goal.ratings]),
            rating_correction_lines=rating_correction_lines,
        ),
        status,
    )


@bp.get("/goals/<int:goal_id>")
@case_worker_required
def show(goal_id):
    goal = goal_or_abort(goal_id)
    form = RatingForm()
    form.date.data = clock.local_date(clock.current_time())
    return _render_show(goal, form)


@bp.post("/goals/<int:goal_id>/ratings")
@case_worker_required
def rate(goal_id):
    goal = goal_or_abort(goal_id)
    form = RatingForm()
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render_show(goal, form, 422)
    begin_write()
    try:
        entry = goals_service.rate_progress(
            db.session, current_actor(), goal, form.date.data, form.rating.data, form.note.data,
            clock.current_time(),
        )
        save_once(form, "rating", entry, url_for("goals.show", goal_id=goal.id, _anchor=f"rating-{entry.id}"))
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_show(goal, form, 422)
    db.session.commit()
    flash_done(f"Rating of {entry.rating} on {clock.day_text(entry.date)} recorded.")
    return redirect(url_for("goals.show", goal_id=goal.id))


@bp.post("/goals/<int:goal_id>/status")
@case_worker_required
def status(goal_id):
    goal = goal_or_abort(goal_id)
    wanted = request.form.get("status", "")
    if wanted == GoalStatus.WITHDRAWN:  # withdrawing asks why, on a page of its own
        return redirect(url_for("goals.withdraw", goal_id=goal.id), 303)
    changes = {"status": wanted, "version": parse_version(request.form.get("version"))}
    form = RatingForm(formdata=None)
    form.date.data = clock.local_date(clock.current_time())
    begin_write()
    try:
        goals_service.update_goal(db.session, goal, changes, clock.current_time(), current_actor())
        db.session.commit()
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        form.form_errors.append(STALE_STATUS_MESSAGE)
        return _render_show(goals_service.goal_record(db.session, goal), form, 409)
    except ValidationFailed as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_show(goals_service.goal_record(db.session, goal), form, 422)
    flash_done(STATUS_DONE[wanted])
    return redirect(url_for("goals.show", goal_id=goal.id))


# --- Editing a goal -------------------------------------------------------------------------


def _render_edit(form, goal, status=200):
    return render_template("goals/edit.html", form=form, goal=goal, family=goal.family), status


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit(goal_id):
    goal = goal_or_abort(goal_id)
    if request.method == "GET" and goal.family.is_closed:
        return refused_on_closed(goal.family)
    form = GoalForm(obj=goal) if request.method == "GET" else GoalForm()
    del form.submission_key  # editing creates nothing
    if request.method == "GET":
        return _render_edit(form, goal)
    if not form.validate():
        return _render_edit(form, goal, 422)
    changes = _goal_fields(form)
    changes["version"] = parse_version(form.version.data)
    status = save_form(form, goal, lambda: goals_service.update_goal(
        db.session, goal, changes, clock.current_time(), current_actor()))
    if status:
        return _render_edit(form, goal, status)
    flash_done("The goal has been saved.")
    return redirect(url_for("goals.show", goal_id=goal.id))


# --- Withdrawing a goal: a confirmation that asks why ---------------------------------------


def _render_withdraw(form, goal, status=200):
    return render_template("goals/withdraw.html", form=form, goal=goal, family=goal.family), status


@bp.route("/goals/<int:goal_id>/withdraw", methods=["GET", "POST"])
@case_worker_required
def withdraw(goal_id):
    goal = goal_or_abort(goal_id)
    if request.method == "GET" and (goal.family.is_closed or not goal.is_active):
        return redirect(url_for("goals.show", goal_id=goal.id))
    form = WithdrawGoalForm()
    if request.method == "GET":
        form.version.data = str(goal.version)
        return _render_withdraw(form, goal)
    if not form.validate():
        return _render_withdraw(form, goal, 422)
    changes = {"status": GoalStatus.WITHDRAWN, "reason": form.reason.data, "version": parse_version(form.version.data)}
    status = save_form(form, goal, lambda: goals_service.update_goal(
        db.session, goal, changes, clock.current_time(), current_actor()))
    if status:
        return _render_withdraw(form, goal, status)
    flash_done(STATUS_DONE[GoalStatus.WITHDRAWN])
    return redirect(url_for("goals.show", goal_id=goal.id))


# --- Correcting a rating --------------------------------------------------------------------


def rating_correction_lines(correction) -> list[tuple[str, str]]:
    """What a rating said before a correction, in words: ``[(label, value)]``."""
    lines = []
    for name, value in correction.old_values.items():
        if name == "date":
            try:
                value = clock.day_text(value)
            except (TypeError, ValueError):
                pass
        elif name == "rating":
            value = f"{value} out of 10"
        lines.append((CORRECTED_FIELDS.get(name, name.capitalize()),
                      str(value) if value not in (None, "") else "Empty"))
    return lines


def _rating_or_abort(rating_id):
    try:
        return goals_service.get_rating(db.session, current_actor(), rating_id)
    except ServiceError as error:
        refuse(error)


def _render_correct(form, rating, status=200):
    return render_template("goals/correct_rating.html", form=form, rating=rating, goal=rating.goal,
                           family=rating.goal.family), status


@bp.route("/ratings/<int:rating_id>/correct", methods=["GET", "POST"])
@case_worker_required
def correct_rating(rating_id):
    rating = _rating_or_abort(rating_id)
    family = rating.goal.family
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    if request.method == "GET":
        form = RatingCorrectionForm(data={**corrections_service.rating_values(rating), "version": str(rating.version)})
        return _render_correct(form, rating)
    form = RatingCorrectionForm()
    if not form.validate():
        return _render_correct(form, rating, 422)
    changes = {name: getattr(form, name).data for name in corrections_service.RATING_FIELDS}
    changes["version"] = parse_version(form.version.data)
    status = save_form(form, rating, lambda: corrections_service.correct_rating(
        db.session, current_actor(), rating, changes, form.correction_note.data, clock.current_time()))
    if status:
        return _render_correct(form, rating, status)
    flash_done("The rating has been corrected.")
    return redirect(url_for("goals.show", goal_id=rating.goal_id))


# --- The chart ------------------------------------------------------------------------------


@bp.get("/goals/<int:goal_id>/chart.svg")
@case_worker_required
def chart(goal_id):
    goal = goal_or_abort(goal_id)
    size = request.args.get("size") or "large"
    if size not in charts.GOAL_CHART_SIZES:
        size = "large"
    return chart_response(charts.goal_chart_svg(goal, size=size))
