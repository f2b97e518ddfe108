"""The visit diary: a family's planned visits, the caller's own, rearranging or cancelling one;
and the caller's calendar feed (a secret address, turned on or revoked here)."""
from __future__ import annotations

from flask import jsonify, request, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.diary import DiaryPeriodQuery, PlannedVisitChangeForm, PlannedVisitForm
from ...models import PlannedVisit
from ...services import calendar_feed
from ...services import diary as diary_service
from ...services.clock import local_date
from ...services.editing import ensure_open
from ...services.errors import ValidationFailed
from ...services.scope import record_in_scope
from . import bp
from .core import api_now, case_user, check_form, created, read_body, read_version, summary_message
from .families import family_in_scope
from .spec import diary as shapes


def _planned(planned: PlannedVisit) -> shapes.PlannedVisit:
    return shapes.PlannedVisit(id=planned.id, family_id=planned.family_id, date=planned.date,
                               time=planned.time_text, kind=planned.kind, note=planned.note,
                               status=planned.status, visit_id=planned.visit_id)


def _list(items) -> dict:
    return shapes.PlannedVisitList(items=[_planned(p) for p in items]).dump()


@bp.get("/families/<int:family_id>/planned-visits")
def list_family_planned_visits(family_id: int):
    family = family_in_scope(family_id)
    return jsonify(_list(diary_service.family_planned_visits(db.session, family)))


@bp.post("/families/<int:family_id>/planned-visits")
def plan_visit(family_id: int):
    user = case_user()
    body = read_body(PlannedVisitForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(PlannedVisitForm, body))
    begin_write()
    planned = diary_service.plan_visit(db.session, user, family, form.planned_data(), api_now())
    db.session.commit()
    return created(_planned(planned).dump())


@bp.get("/planned-visits")
def my_planned_visits():
    user = case_user()
    query = DiaryPeriodQuery(formdata=request.args)
    period = query.period(local_date(api_now()))
    if period is None:
        raise ValidationFailed(summary_message(query.flat_errors()), query.flat_errors())
    return jsonify(_list(diary_service.planned_between(db.session, user, *period)))


@bp.patch("/planned-visits/<int:planned_visit_id>")
def change_planned_visit(planned_visit_id: int):
    user = case_user()
    body = read_body(PlannedVisitChangeForm)
    planned = record_in_scope(db.session, user, PlannedVisit, planned_visit_id, "Planned visit")
    version = read_version(body)
    form = check_form(from_json(PlannedVisitChangeForm, body))
    begin_write()
    diary_service.change_planned_visit(db.session, planned, form.changes(body), api_now(), version=version)
    db.session.commit()
    return jsonify(_planned(planned).dump())


# --- the caller's calendar feed ---------------------------------------------------------------


@bp.post("/me/calendar-feed")
def create_calendar_feed():
    user = case_user()
    begin_write()
    secret = calendar_feed.issue(db.session, user, api_now())
    db.session.commit()
    return created(shapes.CalendarFeed(url=url_for("diary.calendar_feed", key=secret, _external=True)).dump())


@bp.delete("/me/calendar-feed")
def revoke_calendar_feed():
    user = case_user()
    begin_write()
    calendar_feed.revoke(db.session, user)
    db.session.commit()
    return "", 204
