"""Data protection pages, for managers of the family's team: subject access exports (a print view
and a JSON download, for the family or one child, third parties optionally redacted), the
families due for a retention review, a family's legal hold and anonymising its record.

Who may use them: a manager, on the families of their own team. A worker gets 403 (the role
first, even on their own family), another team's manager 404, an administrator 403 (case data
is not theirs to see). Every export is audited (action ``export``, with the format and whether
it was redacted); so are a hold placed or lifted and an anonymisation (services/retention.py)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..database import begin_write
from ..downloads import subject_access_json
from ..extensions import db
from ..forms.records import AnonymiseForm, LegalHoldForm, LiftHoldForm, SubjectAccessForm
from ..models import Family
from ..services import clock, editing, scope, subject_access
from ..services import families as families_service
from ..services import retention as retention_service
from ..services.errors import ServiceError, ValidationFailed
from .helpers import (
    current_actor,
    family_or_abort,
    flash_done,
    manager_required,
    parse_version,
    refuse,
    save_form,
)

bp = Blueprint("records", __name__)


def _audit_export(family_id: int, record_type: str, record_id: int, fmt: str, redacted: bool) -> None:
    """Audit an export once it is made: the request's write (the caller commits)."""
    begin_write()
    subject_access.record_export(db.session, family_id, record_type, record_id, fmt, redacted, via="web")


# --- Subject access ---------------------------------------------------------------------------


def _child_or_abort(child_id: int):
    try:
        return scope.get_child(db.session, current_actor(), child_id)
    except ServiceError as error:
        refuse(error)


def _subject_form(family: Family, subject: str, redact: bool) -> SubjectAccessForm:
    form = SubjectAccessForm(formdata=None)
    form.subject.choices = [("family", "The family: its parents, carers and children")] + [
        (f"child-{child.id}", f"{child.first_name} only") for child in family.children
    ]
    form.subject.data = subject
    form.redact.data = ["1"] if redact else []
    return form


def _render_subject_access(family, form, export=None, status=200, json_url=None):
    return render_template(
        "records/subject_access.html", family=family, form=form, export=export, json_url=json_url,
    ), status


def _redact_or_form_error(family: Family, subject: str):
    """The redact flag asked for, or (None, the page saying why it cannot be read)."""
    try:
        return subject_access.parse_redact(request.args.get("redact")), None
    except ValidationFailed as error:
        form = _subject_form(family, subject, False)
        form.redact.errors = error.fields["redact"]
        return None, _render_subject_access(family, form, status=422)


@bp.get("/families/<int:family_id>/subject-access")
@manager_required
def family_subject_access(family_id):
    """The family's export to print, with the form choosing the subject (the family or one of
    its children, whose own page this sends the form to) and redaction."""
    family = family_or_abort(family_id)
    family = families_service.load_family_record(db.session, family)
    subject = (request.args.get("subject") or "family").strip()
    redact, refused = _redact_or_form_error(family, subject)
    if refused:
        return refused
    if subject != "family":
        child_ids = {f"child-{child.id}": child.id for child in family.children}
        if subject not in child_ids:
            form = _subject_form(family, subject, redact)
            form.subject.errors = ["Choose the family or one of its children."]
            return _render_subject_access(family, form, status=422)
        return redirect(url_for("records.child_subject_access", child_id=child_ids[subject], redact=int(redact)))
    export = subject_access.family_export(db.session, family, redact=redact, now=clock.current_time())
    _audit_export(family_id, "family", family_id, "html", redact)
    db.session.commit()
    return _render_subject_access(
        family, _subject_form(family, "family", redact), export,
        json_url=url_for("records.family_subject_access_json", family_id=family.id, redact=int(redact)),
    )


@bp.get("/families/<int:family_id>/subject-access.json")
@manager_required
def family_subject_access_json(family_id):
    family = family_or_abort(family_id)
    redact, refused = _redact_or_form_error(family, "family")
    if refused:
        return refused
    export = subject_access.family_export(db.session, family, redact=redact, now=clock.current_time())
    _audit_export(family_id, "family", family_id, "json", redact)
    db.session.commit()
    return subject_access_json(export)


@bp.get("/children/<int:child_id>/subject-access")
@manager_required
def child_subject_access(child_id):
    child = _child_or_abort(child_id)
    family = families_service.load_family_record(db.session, child.family)
    subject = f"child-{child.id}"
    redact, refused = _redact_or_form_error(family, subject)
    if refused:
        return refused
    export = subject_access.child_export(db.session, child, redact=redact, now=clock.current_time())
    _audit_export(family.id, "child", child.id, "html", redact)
    db.session.commit()
    return _render_subject_access(
        family, _subject_form(family, subject, redact), export,
        json_url=url_for("records.child_subject_access_json", child_id=child.id, redact=int(redact)),
    )


@bp.get("/children/<int:child_id>/subject-access.json")
@manager_required
def child_subject_access_json(child_id):
    child = _child_or_abort(child_id)
    redact, refused = _redact_or_form_error(child.family, f"child-{child.id}")
    if refused:
        return refused
    export = subject_access.child_export(db.session, child, redact=redact, now=clock.current_time())
    _audit_export(child.family_id, "child", child.id, "json", redact)
    db.session.commit()
    return subject_access_json(export)


# --- Retention --------------------------------------------------------------------------------


@bp.get("/records/retention")
@manager_required
def retention():
    """The team's closed families past the retention period, not yet anonymised."""
    actor = current_actor()
    today = clock.local_date(clock.current_time())
    families = (retention_service.due_for_review(db.session, today, team_id=actor.team_id)
                if actor.team_id is not None else [])
    return render_template(
        "records/retention.html", families=families, years=retention_service.retention_years(),
        kept_until=retention_service.kept_until,
    )


def _render_family_retention(family, status=200, hold_form=None, lift_form=None, anonymise_form=None):
    today = clock.local_date(clock.current_time())
    submitted = hold_form or lift_form or anonymise_form
    if family.legal_hold:
        lift_form = lift_form or LiftHoldForm(formdata=None, version=str(family.version))
    elif family.anonymised_at is None:
        hold_form = hold_form or LegalHoldForm(formdata=None, version=str(family.version))
    refusal = retention_service.anonymise_refusal(family, today)
    if refusal is None or anonymise_form is not None:
        anonymise_form = anonymise_form or AnonymiseForm(formdata=None, version=str(family.version))
    return render_template(
        "records/family.html", family=family, today=today, years=retention_service.retention_years(),
        kept_until=retention_service.kept_until(family), due=retention_service.is_due(family, today),
        refusal=refusal, hold_form=hold_form, lift_form=lift_form, anonymise_form=anonymise_form,
        form=submitted,
    ), status


@bp.get("/families/<int:family_id>/retention")
@manager_required
def family_retention(family_id):
    return _render_family_retention(family_or_abort(family_id))


def _done(family, message):
    flash_done(message)
    return redirect(url_for("records.family_retention", family_id=family.id))


@bp.post("/families/<int:family_id>/legal-hold")
@manager_required
def place_hold(family_id):
    family = family_or_abort(family_id)
    form = LegalHoldForm()
    if not form.validate():
        return _render_family_retention(family, 422, hold_form=form)
    status = save_form(form, family, lambda: retention_service.place_legal_hold(
        db.session, current_actor(), family, form.reason.data, clock.current_time(),
        version=parse_version(form.version.data),
    ))
    if status:
        return _render_family_retention(family, status, hold_form=form)
    return _done(family, f"{family.reference} is under a legal hold: its record will not be anonymised.")


@bp.post("/families/<int:family_id>/legal-hold/lift")
@manager_required
def lift_hold(family_id):
    family = family_or_abort(family_id)
    form = LiftHoldForm()
    if not form.validate():
        return _render_family_retention(family, 422, lift_form=form)
    status = save_form(form, family, lambda: retention_service.lift_legal_hold(
        db.session, current_actor(), family, clock.current_time(), version=parse_version(form.version.data),
    ))
    if status:
        return _render_family_retention(family, status, lift_form=form)
    return _done(family, f"The legal hold on {family.reference} is lifted.")


def _anonymise(family, form):
    editing.check_version(family, parse_version(form.version.data))
    retention_service.check_confirmation(family, form.confirm_reference.data)
    retention_service.anonymise(db.session, family, current_actor(), clock.current_time())


@bp.post("/families/<int:family_id>/anonymise")
@manager_required
def anonymise(family_id):
    family = family_or_abort(family_id)
    form = AnonymiseForm()
    if not form.validate():
        return _render_family_retention(family, 422, anonymise_form=form)
    status = save_form(form, family, lambda: _anonymise(family, form))
    if status:
        return _render_family_retention(family, status, anonymise_form=form)
    return _done(family, f"The record of {family.reference} is anonymised.")
