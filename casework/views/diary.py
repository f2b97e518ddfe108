"""The visit diary: "My week" (planned visits day by day, with the reviews falling due),
planning a visit (from the week or from the family page), rearranging or cancelling one; the
calendar feed's page under the person's account, and the feed itself (no sign-in: its secret
address is the key)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.validators import InputRequired, ValidationError

from ..database import begin_write
from ..extensions import db
from ..forms.diary import CancelPlannedVisitForm, PlannedVisitForm, RearrangeForm
from ..forms.fields import ChoiceField, optional_id
from ..models import CANCELLED_BY, OPEN_PHASES, VISIT_KINDS, Family, PlannedVisit
from ..services import calendar_feed as feeds
from ..services import clock, scope
from ..services import diary as diary_service
from ..services.errors import ServiceError, ValidationFailed
from .helpers import (
    case_worker_required,
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

bp = Blueprint("diary", __name__)

FEED_TYPE = "text/calendar; charset=utf-8"
NOT_YOURS = "Choose one of your open families."


class WeekPlanForm(PlannedVisitForm):
    """Planning from the week: which family, too (one of the caller's open families)."""

    family_id = ChoiceField("Family", [InputRequired("Choose the family to visit.")], coerce=optional_id,
                            validate_choice=False, invalid_message=NOT_YOURS)

    def set_families(self, families):
        self.family_id.choices = [("", "Choose a family")] + [
            (family.id, f"{family.reference}, {family.household_name}") for family in families]
        return self

    def validate_family_id(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(NOT_YOURS)


def _open_families(actor):
    return db.session.scalars(
        select(Family).where(scope.family_scope(actor), Family.phase.in_(OPEN_PHASES)).order_by(Family.reference)
    ).all()


# --- My week ------------------------------------------------------------------------------------


def _monday(now) -> dt.date:
    """The week asked for (``?week=`` any day of it), or this week; a day that is not one is
    this week too."""
    today = clock.local_date(now)
    try:
        day = dt.date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        day = today
    monday = diary_service.week_of(day)
    # A week whose Monday or Sunday falls outside the calendar has no page: this week instead.
    return monday if dt.date.min + dt.timedelta(days=7) <= monday <= dt.date.max - dt.timedelta(days=13) \
        else diary_service.week_of(today)


def _render_week(form, status=200):
    actor, now = current_actor(), clock.current_time()
    monday = _monday(now)
    week = diary_service.week(db.session, actor, monday, now)
    return render_template(
        "diary/week.html", week=week, form=form, today=clock.local_date(now), kinds=VISIT_KINDS,
        previous_week=monday - dt.timedelta(days=7), next_week=monday + dt.timedelta(days=7),
        this_week=diary_service.week_of(clock.local_date(now)), cancelled_by=CANCELLED_BY,
    ), status


@bp.get("/diary")
@case_worker_required
def week():
    form = WeekPlanForm(formdata=None).set_families(_open_families(current_actor()))
    form.date.data = clock.local_date(clock.current_time())
    return _render_week(form)


@bp.post("/diary")
@case_worker_required
def plan_from_week():
    actor = current_actor()
    form = WeekPlanForm().set_families(_open_families(actor))
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render_week(form, 422)
    family = family_or_abort(form.family_id.data)
    planned = _plan(form, family)
    if planned is None:
        return _render_week(form, 422)
    return redirect(url_for("diary.week", week=planned.date.isoformat()))


# --- Planning from the family page --------------------------------------------------------------


def _plan(form, family):
    """Save a planned visit (and the form's submission key); None, with the form's errors, when
    refused."""
    begin_write()
    try:
        planned = diary_service.plan_visit(db.session, current_actor(), family, form.planned_data(),
                                           clock.current_time())
        save_once(form, "planned_visit", planned, url_for("diary.week", week=planned.date.isoformat()))
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return None
    db.session.commit()
    when = f" at {planned.time_text}" if planned.time else ""
    flash_done(f"Visit to {family.reference} planned for {clock.day_text(planned.date)}{when}.")
    return planned


@bp.route("/families/<int:family_id>/planned-visits/new", methods=["GET", "POST"])
@case_worker_required
def plan(family_id):
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    form = PlannedVisitForm()
    if request.method == "GET":
        form.date.data = clock.local_date(clock.current_time())
        return render_template("diary/plan.html", form=form, family=family)
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate() or _plan(form, family) is None:
        return render_template("diary/plan.html", form=form, family=family), 422
    return redirect(url_for("families.show", family_id=family.id))


# --- Rearranging or cancelling --------------------------------------------------------------


def _planned_or_abort(planned_visit_id):
    try:
        return scope.record_in_scope(db.session, current_actor(), PlannedVisit, planned_visit_id, "Planned visit")
    except ServiceError as error:
        refuse(error)


def _render_change(planned, rearrange=None, cancel=None, status=200):
    if rearrange is None:
        rearrange = RearrangeForm(formdata=None, data={"date": planned.date, "time": planned.time_text,
                                                       "version": str(planned.version)})
    if cancel is None:
        cancel = CancelPlannedVisitForm(formdata=None, prefix="cancel", data={"version": str(planned.version)})
    return render_template("diary/change.html", planned=planned, family=planned.family, form=rearrange,
                           cancel_form=cancel, kinds=VISIT_KINDS), status


@bp.get("/planned-visits/<int:planned_visit_id>/change")
@case_worker_required
def change(planned_visit_id):
    planned = _planned_or_abort(planned_visit_id)
    if planned.family.is_closed:
        return refused_on_closed(planned.family)
    return _render_change(planned)


def _save_change(planned, form, changes, done: str, **forms):
    if not form.validate():
        return _render_change(planned, status=422, **forms)
    status = save_form(form, planned, lambda: diary_service.change_planned_visit(
        db.session, planned, changes(), clock.current_time(), version=parse_version(form.version.data)))
    if status:
        return _render_change(planned, status=status, **forms)
    flash_done(done)
    return redirect(url_for("diary.week", week=planned.date.isoformat()))


@bp.post("/planned-visits/<int:planned_visit_id>/rearrange")
@case_worker_required
def rearrange(planned_visit_id):
    planned = _planned_or_abort(planned_visit_id)
    form = RearrangeForm()
    return _save_change(planned, form, form.changes, "The visit has been rearranged.", rearrange=form)


@bp.post("/planned-visits/<int:planned_visit_id>/cancel")
@case_worker_required
def cancel(planned_visit_id):
    planned = _planned_or_abort(planned_visit_id)
    form = CancelPlannedVisitForm(prefix="cancel")
    return _save_change(planned, form, lambda: {"cancelled_by": form.cancelled_by.data},
                        "The visit has been cancelled.", cancel=form)


# --- The calendar feed --------------------------------------------------------------------------


@bp.route("/account/calendar", methods=["GET", "POST"])
@case_worker_required
def calendar_settings():
    """The feed's page: turn it on (its address is shown once, on this answer only), or get a
    new address (the earlier one stops working)."""
    actor = current_actor()
    url = None
    if request.method == "POST":
        begin_write()
        secret = feeds.issue(db.session, actor, clock.current_time())
        db.session.commit()
        url = url_for("diary.calendar_feed", key=secret, _external=True)
    return render_template("diary/calendar.html", url=url, has_feed=feeds.has_feed(db.session, actor))


@bp.post("/account/calendar/revoke")
@case_worker_required
def revoke_calendar():
    begin_write()
    found = feeds.revoke(db.session, current_actor())
    db.session.commit()
    flash_done("Your calendar feed is turned off: its address no longer works." if found
               else "You had no calendar feed.")
    return redirect(url_for("diary.calendar_settings"))


@bp.get("/calendar/feed.ics")
def calendar_feed():
    """The feed: whoever holds the address reads it; an unknown or revoked one answers 404."""
    owner = feeds.feed_owner(db.session, request.args.get("key"))
    if owner is None:
        abort(404)
    body = feeds.calendar(db.session, owner, clock.current_time())
    return Response(body, mimetype="text/calendar", headers={"Content-Type": FEED_TYPE})
