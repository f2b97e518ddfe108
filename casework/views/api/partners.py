"""The Team Around the Family: a family's partners, consent to share, meetings and actions, the
sharing log, the step-up handoff, and what a partner who signs in reads (their families)."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.json_body import api_fields
from ...forms.partners import (
    ActionUpdateForm,
    ConsentForm,
    HandoffReferenceForm,
    MeetingForm,
    PartnerForm,
    WithdrawConsentForm,
)
from ...models import Consent, Family
from ...services import consent as consent_service
from ...services import handoff as handoff_service
from ...services import meetings as meeting_service
from ...services import partners as partner_service
from ...services.editing import ensure_open
from ...services.errors import NotFound
from ...services.scope import get_family, record_in_scope
from . import bp
from . import partner_schemas as shapes
from .core import api_now, api_user, case_user, check_form, created, read_body, read_version


def _data(form) -> dict:
    """What the service reads from a form: its fields that a JSON body carries."""
    return {field.name: field.data for field in api_fields(form)}


def _family(family_id: int) -> Family:
    return get_family(db.session, case_user(), family_id)


# --- partners and consent ---------------------------------------------------------------------


@bp.get("/families/<int:family_id>/partners")
def list_partners(family_id: int):
    family = _family(family_id)
    return jsonify(shapes.partner_list(partner_service.family_partners(db.session, family)))


@bp.post("/families/<int:family_id>/partners")
def add_partner(family_id: int):
    body = read_body(PartnerForm)
    family = _family(family_id)
    ensure_open(family)
    form = check_form(from_json(PartnerForm, body))
    begin_write()
    partner = partner_service.add_partner(db.session, family, _data(form))
    db.session.commit()
    return created(shapes.partner(partner))


@bp.get("/families/<int:family_id>/consents")
def list_consents(family_id: int):
    family = _family(family_id)
    consents = consent_service.family_consents(db.session, family)
    return jsonify(shapes.consent_list(consents, api_now()))


@bp.post("/families/<int:family_id>/consents")
def record_consent(family_id: int):
    body = read_body(ConsentForm)
    family = _family(family_id)
    ensure_open(family)
    form = check_form(from_json(ConsentForm, body, partners=partner_service.family_partners(db.session, family)))
    begin_write()
    consent = consent_service.record_consent(
        db.session, case_user(), family, _data(form), api_now())
    db.session.commit()
    return created(shapes.consent(consent, api_now()))


@bp.post("/consents/<int:consent_id>/withdraw")
def withdraw_consent(consent_id: int):
    body = read_body(WithdrawConsentForm)
    consent = record_in_scope(db.session, case_user(), Consent, consent_id, "Consent")
    form = check_form(from_json(WithdrawConsentForm, body))
    begin_write()
    consent_service.withdraw(db.session, consent, form.date.data, form.note.data, api_now())
    db.session.commit()
    return jsonify(shapes.consent(consent, api_now()))


# --- meetings and actions ---------------------------------------------------------------------


@bp.get("/families/<int:family_id>/meetings")
def list_meetings(family_id: int):
    family = _family(family_id)
    return jsonify(shapes.meeting_list(meeting_service.family_meetings(db.session, family.id)))


@bp.post("/families/<int:family_id>/meetings")
def record_meeting(family_id: int):
    body = read_body(MeetingForm)
    family = _family(family_id)
    ensure_open(family)
    form = check_form(from_json(MeetingForm, body, partners=partner_service.family_partners(db.session, family)))
    data = {name: getattr(form, name).data for name in ("held_on", "attendee_partner_ids", "family_attended",
                                                         "notes", "actions")}
    begin_write()
    meeting = meeting_service.record_meeting(db.session, case_user(), family, data, api_now())
    db.session.commit()
    (meeting,) = [m for m in meeting_service.family_meetings(db.session, family.id) if m.id == meeting.id]
    return created(shapes.meeting(meeting))


@bp.patch("/actions/<int:action_id>")
def update_action(action_id: int):
    """The family's worker or manager may change any of its actions; a partner only their own
    (404 when the family is not shared with them, 403 when the action is not theirs)."""
    user = api_user()
    body = read_body(ActionUpdateForm)
    action = meeting_service.get_action(db.session, action_id)
    if user.is_partner:
        access = partner_service.family_access(db.session, user, action.family_id, api_now())
        meeting_service.ensure_owner(action, access.partner_ids)
    else:
        get_family(db.session, case_user(), action.family_id)
    form = check_form(from_json(ActionUpdateForm, body))
    begin_write()
    if user.is_partner:
        partner_service.log_sharing(db.session, user, access, f"action {action.id} updated", api_now())
    meeting_service.update_action(db.session, action, form.status.data, form.note.data, api_now(),
                                  version=read_version(body))
    db.session.commit()
    return jsonify(shapes.action(action, contacts=not user.is_partner))


# --- the sharing log and the handoff ----------------------------------------------------------


@bp.get("/families/<int:family_id>/sharing-log")
def sharing_log(family_id: int):
    family = _family(family_id)
    return jsonify(shapes.sharing_log(partner_service.sharing_log(db.session, family)))


@bp.get("/families/<int:family_id>/handoff")
def handoff(family_id: int):
    family = _family(family_id)
    begin_write()
    package = handoff_service.gather(db.session, family, api_now())
    db.session.commit()
    return jsonify(shapes.handoff(package, api_now()))


@bp.post("/families/<int:family_id>/handoff/reference")
def record_handoff_reference(family_id: int):
    """The receiving service's reference on a step-up: also once the family has closed with step_up."""
    body = read_body(HandoffReferenceForm)
    family = _family(family_id)
    form = check_form(from_json(HandoffReferenceForm, body))
    begin_write()
    recorded = handoff_service.record_reference(db.session, case_user(), family, form.reference.data, api_now())
    db.session.commit()
    return jsonify(shapes.handoff_reference(recorded))


# --- what a partner reads ---------------------------------------------------------------------


def shared_families():
    """``GET /families`` for a partner: the families shared with them, each read logged."""
    user = api_user()
    found = partner_service.shared_families(db.session, user, api_now())
    payload = shapes.shared_family_list(found)
    begin_write(keep_loaded=True)  # the read logged in a short write, as the pages (views/partners.py)
    partner_service.log_list_read(db.session, user, found, api_now())
    db.session.commit()
    return jsonify(payload)


def shared_family(family_id: int):
    """``GET /families/{id}`` for a partner: only what the consent covers, the read logged."""
    user = api_user()
    access = partner_service.family_access(db.session, user, family_id, api_now())
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("Family not found.")
    payload = shapes.shared_family(family, access, partner_service.shared_record(db.session, family, access))
    begin_write(keep_loaded=True)
    partner_service.log_sharing(db.session, user, access, "family: " + ", ".join(sorted(access.scope)), api_now())
    db.session.commit()
    return jsonify(payload)
