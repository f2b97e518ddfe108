"""Assessments with a structured framework: recording one (a score and an optional evidence
note per domain) and the change since the first, domain by domain, as a table and a radar chart
(better is outward on every domain), for the family and for each child assessed on their own.

One family's record: its worker and their manager (a colleague or another team: 404; an
admin: 403)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.assessment import assessment_form_class, evidence_field_name, score_field_name
from ..models import ASSESSMENT_STAGES, Assessment
from ..services import assessments as assessments_service
from ..services import charts, clock
from ..services.errors import Forbidden, ValidationFailed
from .helpers import (
    case_worker_required,
    chart_response,
    current_actor,
    family_or_abort,
    flash_done,
    form_failed,
    refused_on_closed,
    save_once,
    saved_before,
)

bp = Blueprint("assessments", __name__)


def _chosen(frameworks, code):
    """The framework named by ``code`` among ``frameworks`` (the first one by default); 404
    for a framework this user may not use or that does not exist."""
    if not frameworks:
        return None
    if not code:
        return frameworks[0]
    for framework in frameworks:
        if framework.code == code:
            return framework
    abort(404)


def _child_choices(family, framework):
    children = [(child.id, child.first_name) for child in family.children]
    if framework.subject == "child":
        return [("", "Choose a child")] + children
    if framework.subject == "both":
        return [("", "The whole family")] + children
    return [("", "The whole family")]


def _render_new(form, family, framework, frameworks, status=200):
    domains = [(d, form[score_field_name(d.code)], form[evidence_field_name(d.code)]) for d in framework.domains]
    return render_template(
        "assessments/new.html", form=form, family=family, framework=framework, frameworks=frameworks,
        domains=domains,
    ), status


@bp.route("/families/<int:family_id>/assessments/new", methods=["GET", "POST"])
@case_worker_required
def new(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    frameworks = assessments_service.frameworks_for(db.session, actor)
    code = request.form.get("framework") if request.method == "POST" else request.args.get("framework")
    framework = _chosen(frameworks, code)
    if framework is None:
        abort(403)
    form = assessment_form_class(framework)()
    form.child_id.choices = _child_choices(family, framework)
    if request.method == "GET":
        form.framework.data = framework.code
        form.date.data = clock.local_date(clock.current_time())
        return _render_new(form, family, framework, frameworks)
    form.framework.data = framework.code
    if (page := saved_before(form)) is not None:
        return page
    if not form.validate():
        return _render_new(form, family, framework, frameworks, 422)
    data = {
        "framework": framework.code,
        "stage": form.stage.data,
        "date": form.date.data,
        "child_id": form.child_id.data,
        "scores": {d.code: int(form[score_field_name(d.code)].data) for d in framework.domains},
        "evidence": {d.code: form[evidence_field_name(d.code)].data or "" for d in framework.domains},
    }
    begin_write()
    try:
        assessment = assessments_service.record_assessment(db.session, actor, family, data, clock.current_time())
        save_once(form, "assessment", assessment, url_for(
            "assessments.family", family_id=family.id, framework=framework.code,
            **({"child": data["child_id"]} if data["child_id"] else {})))
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        if family.is_closed:
            return refused_on_closed(family)
        form_failed(form, error)
        return _render_new(form, family, framework, frameworks, 422)
    except Forbidden as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_new(form, family, framework, frameworks, 403)
    flash_done(f"{ASSESSMENT_STAGES.get(data['stage'], 'The')} assessment recorded for {family.reference}.")
    return redirect(url_for("assessments.family", family_id=family.id, framework=framework.code,
                            **({"child": data["child_id"]} if data["child_id"] else {})))


def _child_arg(family):
    """The child named by ``?child=ID`` (one of this family's), or None for the whole family."""
    raw = request.args.get("child")
    if not raw:
        return None
    try:
        child_id = int(raw)
    except ValueError:
        abort(404)
    return next((child for child in family.children if child.id == child_id), None) or abort(404)


def _framework_arg():
    code = request.args.get("framework")
    frameworks = assessments_service.load_frameworks()
    if code:
        if code not in frameworks:
            abort(404)
        return frameworks[code]
    return next(iter(frameworks.values()))


def _shown(family_id):
    """What the page and its chart share: the family, the framework and child asked for, and
    the first and latest assessment with the change in each domain."""
    family = family_or_abort(family_id)
    framework = _framework_arg()
    child = _child_arg(family)
    first, latest, changes = assessments_service.change_since_first(
        db.session, family, framework.code, child.id if child else None)
    return family, framework, child, first, latest, changes


@bp.get("/families/<int:family_id>/assessments")
@case_worker_required
def family(family_id):
    family, framework, child, first, latest, changes = _shown(family_id)
    history = db.session.scalars(
        db.select(Assessment).where(Assessment.family_id == family.id)
        .order_by(Assessment.date.desc(), Assessment.id.desc())
    ).all()
    each_child = []
    if child is None and framework.subject != "family":
        each_child = assessments_service.change_for_each_child(db.session, family, framework.code)
    return render_template(
        "assessments/family.html", family=family, framework=framework, first=first, latest=latest,
        changes=changes, history=history, frameworks=assessments_service.load_frameworks(), child=child,
        each_child=each_child, stages=ASSESSMENT_STAGES,
        chart_alt=charts.assessment_chart_summary(framework, changes, first, latest),
        chart_key=charts.assessment_chart_key(framework, changes),
        chart_height=charts.assessment_chart_height(changes),
        can_record=bool(assessments_service.frameworks_for(db.session, current_actor())) and not family.is_closed,
    )


@bp.get("/families/<int:family_id>/assessments/chart.svg")
@case_worker_required
def chart(family_id):
    _, framework, _, first, latest, changes = _shown(family_id)
    return chart_response(charts.assessment_chart_svg(framework, changes, first, latest))
