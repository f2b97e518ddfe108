"""Reports for managers (their own team) and admins (the whole service); workers get 403.

``?from=&to=`` (YYYY-MM-DD), read by forms/reports.py: both missing, the last full calendar
quarter; only ``from``, up to today; only ``to``, from the first day of its quarter. The answer
names the period used in ``from`` and ``to``. 422 for a date that is not real, ``from`` after
``to``, more than 10 years, or (local-area) a period that is not whole months."""
from __future__ import annotations

from flask import jsonify, request

from ...extensions import db
from ...forms.reports import MonthlyPeriodForm, PeriodForm
from ...services import reports as reports_service
from ...services.clock import local_date
from ...services.errors import ValidationFailed
from . import bp, schemas
from .core import api_now, api_user, summary_message


def _reporter():
    user = api_user()
    reports_service.report_scope(user)  # 403 for a worker, before the query is read
    return user


def _period(form_class):
    form = form_class(formdata=request.args)
    period = form.period(local_date(api_now()))
    if period is None:
        fields = form.flat_errors()
        raise ValidationFailed(summary_message(fields), fields)
    return period


@bp.get("/reports/outcomes")
def report_outcomes():
    user = _reporter()
    return jsonify(schemas.outcomes(reports_service.outcomes(db.session, user, *_period(PeriodForm))))


@bp.get("/reports/local-area")
def report_local_area():
    user = _reporter()
    return jsonify(schemas.local_area(reports_service.local_area(db.session, user, *_period(MonthlyPeriodForm))))
