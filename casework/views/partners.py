"""Team Around the Family pages: for the family's worker and manager, adding partners, recording
consent to share (and its withdrawal) and meetings; for a partner, the families shared with
them, what the consent covers, and marking the actions they own as done."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..database import begin_write
from ..extensions import db
from ..forms.partners import (
    ActionUpdateForm,
    ConsentForm,
    HandoffReferenceForm,
    MeetingForm,
    PartnerForm,
    WithdrawConsentForm,
)
from ..models import PARTNER_KINDS, REVIEW_DECISIONS, SHARING_SCOPES, Consent, Family
from ..services import clock
from ..services import consent as consent_service
from ..services import handoff as handoff_service
from ..services import meetings as meeting_service
from ..services import partners as partner_service
from ..services.errors import ServiceError
from ..services.scope import record_in_scope
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    or_refuse,
    refuse,
    refused_on_closed,
    role_required,
    save_form,
)

bp = Blueprint("partners", __name__)
partner_required = role_required("partner")
# Rows for actions on the meeting form; rows left empty are not actions.
ACTION_ROWS = 3


def _back(family: Family) -> str:
    return url_for("families.show", family_id=family.id, _anchor="team-around-the-family")


def _form_page(template: str, form, family: Family, save, done: str, status: int = 200, **extra):
    """GET: the empty form; POST: validate, ``save()`` in one write, back to the family page."""
    if family.is_closed:
        return refused_on_closed(family)
    if request.method == "POST":
        if not form.validate():
            status = 422
        else:
            status = save_form(form, family, save)
            if status is None:
                flash_done(done)
                return redirect(_back(family))
    return render_template(template, form=form, family=family, back_url=_back(family), **extra), status


@bp.route("/families/<int:family_id>/partners/new", methods=["GET", "POST"])
@case_worker_required
def add_partner(family_id):
    family = family_or_abort(family_id)
    form = PartnerForm()
    names = ("agency", "kind", "contact_name", "email", "phone", "lead")
    return _form_page("partners/partner_form.html", form, family, lambda: partner_service.add_partner(
        db.session, family, {n: getattr(form, n).data for n in names}), "The partner has been added.")


@bp.route("/families/<int:family_id>/consents/new", methods=["GET", "POST"])
@case_worker_required
def record_consent(family_id):
    family = family_or_abort(family_id)
    form = ConsentForm(partners=partner_service.family_partners(db.session, family))
    names = ("given_by", "relationship", "given_on", "partner_ids", "scope", "expires_on", "child_view")
    return _form_page("partners/consent_form.html", form, family, lambda: consent_service.record_consent(
        db.session, current_actor(), family, {n: getattr(form, n).data for n in names}, clock.current_time()),
        "The consent to share has been recorded.")


@bp.route("/consents/<int:consent_id>/withdraw", methods=["GET", "POST"])
@case_worker_required
def withdraw_consent(consent_id):
    consent = or_refuse(record_in_scope, db.session, current_actor(), Consent, consent_id, "Consent")
    form = WithdrawConsentForm()
    return _form_page("partners/withdraw_form.html", form, consent.family, lambda: consent_service.withdraw(
        db.session, consent, form.date.data, form.note.data, clock.current_time()),
        "The consent has been withdrawn: nothing more is shared under it.", consent=consent)


def _filled_actions(formdata: MultiDict) -> MultiDict:
    """The posted form without the action rows left empty."""
    kept = MultiDict()
    for key, value in formdata.items(multi=True):
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "actions":
            row = parts[1]
            if not (formdata.get(f"actions-{row}-action", "").strip() or formdata.get(f"actions-{row}-due_on", "")):
                continue
        kept.add(key, value)
    return kept


@bp.route("/families/<int:family_id>/meetings/new", methods=["GET", "POST"])
@case_worker_required
def record_meeting(family_id):
    family = family_or_abort(family_id)
    partners = partner_service.family_partners(db.session, family)
    if request.method == "POST":
        form = MeetingForm(formdata=_filled_actions(request.form), partners=partners)
    else:
        form = MeetingForm(partners=partners)
    names = ("held_on", "attendee_partner_ids", "family_attended", "notes", "actions")
    return _form_page("partners/meeting_form.html", form, family, lambda: meeting_service.record_meeting(
        db.session, current_actor(), family, {n: getattr(form, n).data for n in names}, clock.current_time()),
        "The meeting has been recorded.", partners=partners, rows=ACTION_ROWS)


# --- a partner's pages ------------------------------------------------------------------------


def _log_read(log) -> None:
    """Log a partner's read of a page already rendered (it is shown only once logged), in a
    write of its own: read and rendered under the write lock, the page made the other
    requests that log wait for all of it (the busy wait sleeps in steps of up to 100 ms)."""
    begin_write(keep_loaded=True)
    log()
    db.session.commit()


@bp.get("/partners/families")
@partner_required
def shared():
    user = current_actor()
    now = clock.current_time()
    found = partner_service.shared_families(db.session, user, now)
    page = render_template("partners/shared.html", found=found, scopes=SHARING_SCOPES)
    _log_read(lambda: partner_service.log_list_read(db.session, user, found, now))
    return page


@bp.get("/partners/families/<int:family_id>")
@partner_required
def shared_family(family_id):
    user = current_actor()
    now = clock.current_time()
    try:
        access = partner_service.family_access(db.session, user, family_id, now)
    except ServiceError as error:
        refuse(error)
    family = partner_service.shared_family(db.session, family_id)
    shared = partner_service.shared_record(db.session, family, access)
    page = render_template("partners/shared_family.html", family=family, access=access, goals=shared.goals,
                           meetings=shared.meetings, reviews=shared.reviews, scopes=SHARING_SCOPES,
                           decisions=REVIEW_DECISIONS, form=ActionUpdateForm(formdata=None))
    _log_read(lambda: partner_service.log_sharing(
        db.session, user, access, "family (page): " + ", ".join(sorted(access.scope)), now))
    return page


@bp.post("/partners/actions/<int:action_id>/done")
@partner_required
def action_done(action_id):
    user = current_actor()
    now = clock.current_time()
    form = ActionUpdateForm(MultiDict({**request.form.to_dict(), "status": "done"}))
    try:
        action = meeting_service.get_action(db.session, action_id)
        access = partner_service.family_access(db.session, user, action.family_id, now)
        meeting_service.ensure_owner(action, access.partner_ids)
    except ServiceError as error:
        refuse(error)
    if form.validate():
        begin_write()
        partner_service.log_sharing(db.session, user, access, f"action {action.id} updated", now)
        meeting_service.update_action(db.session, action, "done", form.note.data, now)
        db.session.commit()
        flash_done("The action is marked done. Thank you.")
    return redirect(url_for("partners.shared_family", family_id=action.family_id, _anchor=f"action-{action.id}"))


def _handoff_page(family: Family, form: HandoffReferenceForm, status: int = 200):
    now = clock.current_time()
    begin_write()
    package = handoff_service.gather(db.session, family, now)
    page = render_template("partners/handoff.html", family=family, package=package, printed_on=clock.local_date(now),
                           statuses={c.id: consent_service.consent_status(c, now) for c in package.consents},
                           kinds=PARTNER_KINDS, scopes=SHARING_SCOPES, form=form,
                           takes_reference=handoff_service.takes_reference(family))
    db.session.commit()
    return page, status


@bp.get("/families/<int:family_id>/handoff")
@case_worker_required
def handoff(family_id):
    """The step-up package as a print view, for children's social care (audited as an export)."""
    return _handoff_page(family_or_abort(family_id), HandoffReferenceForm(formdata=None))


@bp.post("/families/<int:family_id>/handoff/reference")
@case_worker_required
def record_handoff_reference(family_id):
    """The receiving service's reference, recorded from the handoff page."""
    family = family_or_abort(family_id)
    form = HandoffReferenceForm()
    if not form.validate():
        return _handoff_page(family, form, 422)
    status = save_form(form, family, lambda: handoff_service.record_reference(
        db.session, current_actor(), family, form.reference.data, clock.current_time()))
    if status is not None:
        return _handoff_page(family, form, status)
    flash_done(f"Children's social care reference {form.reference.data} recorded.")
    return redirect(url_for("partners.handoff", family_id=family.id))
