"""Families: the caseload list, referrals, the family record, its edits and phase moves."""
from __future__ import annotations

from flask import current_app, jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import FamilyEditForm, PhaseMoveForm, ReferralForm
from ...forms.queries import FamilyListQuery
from ...models import Family, PhaseMove
from ...services import audit
from ...services import closures as closure_service
from ...services import families as family_service
from ...services import flags as flag_service
from ...services import goals as goal_service
from ...services import phases as phase_service
from ...services import referrals as referral_service
from ...services import voices as voice_service
from ...services.editing import check_version, ensure_open
from ...services.errors import ValidationFailed
from ...services.family_filters import FamilyFilters
from ...services.review_schedule import next_review_due
from ...services.scope import get_family
from . import bp, schemas
from . import partners as partner_views
from .core import (
    api_now,
    api_user,
    case_user,
    check_form,
    created,
    read_body,
    read_query,
    read_version,
    summary_message,
)

EDITABLE = family_service.EDITABLE_FIELDS + ("worker_id",)

# Any page past this is past the end of every caseload; capping it keeps OFFSET in range.
PAGE_CAP = 10**9


def family_payload(family: Family, *, pending_approval: bool = False) -> dict:
    """The whole family record: its goals with their ratings, the pending closure with its
    proposer, the open flags and each child's latest voice, in a fixed number of queries."""
    goals = goal_service.family_goals(db.session, family)
    proposal = None if family.is_closed else closure_service.pending_closure(db.session, family)
    return schemas.family(
        family,
        goals,
        next_review_due(db.session, family, api_now()),
        proposal,
        flag_service.open_flags_of(db.session, [family.id])[family.id],
        pending_approval=pending_approval,
        latest_voices=voice_service.latest_voices(db.session, [family.id]),
    )


def family_in_scope(family_id: int) -> Family:
    """The family, if the caller may see it: 403 for an admin, 404 if unknown or out of scope."""
    return get_family(db.session, case_user(), family_id)


@bp.get("/families")
def list_families():
    if api_user().is_partner:
        return partner_views.shared_families()
    user = case_user()
    query = read_query(FamilyListQuery)
    phase, worker_id = query.phase.data or None, query.worker_id.data
    filters = FamilyFilters(phase=None if phase == "open" else phase, open_only=phase == "open",
                            worker_id=worker_id or None, unallocated=worker_id == 0, q=query.q.data)
    summaries, total = family_service.list_families(
        db.session,
        user,
        api_now(),
        filters=filters,
        page=min(query.page.data or 1, PAGE_CAP),
        per_page=query.per_page.data or query.per_page.default,
    )
    _load_for_summaries([s.family for s in summaries])
    flags = flag_service.open_flags_of(db.session, [s.family.id for s in summaries])
    return jsonify(schemas.family_list(summaries, flags, total))


def _load_for_summaries(families: list[Family]) -> None:
    """Worker, team and concerns for a whole page at once (instead of one query per row)."""
    if families:
        db.session.scalars(
            select(Family)
            .where(Family.id.in_([f.id for f in families]))
            .options(
                selectinload(Family.worker),
                selectinload(Family.team),
                selectinload(Family.concern_rows),
            )
        ).all()


@bp.post("/families")
def create_family():
    user = case_user()
    body = read_body(ReferralForm)
    form = from_json(ReferralForm, body)
    if not body.get("children"):
        # The form shows one empty child to fill in; the API says what is missing instead.
        form.validate()
        errors = {k: v for k, v in form.flat_errors().items() if not k.startswith("children-")}
        errors["children"] = ["Add at least one child."]
        raise ValidationFailed(summary_message(errors), errors)
    check_form(form)
    data = form.details()
    data["worker_id"] = form.worker_id.data
    data["previous_family_id"] = form.previous_family_id.data
    data["children"] = [
        referral_service.ReferralPerson(**entry.data) for entry in form.children.entries
    ]
    data["carers"] = [referral_service.ReferralPerson(**entry.data) for entry in form.carers.entries]
    begin_write()
    family = referral_service.open_referral(
        db.session, user, data, api_now(), prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"]
    )
    db.session.commit()
    return created(family_payload(family), url_for("api.get_family", family_id=family.id))


@bp.get("/families/<int:family_id>", endpoint="get_family")
def get_family_record(family_id: int):
    if api_user().is_partner:
        return partner_views.shared_family(family_id)
    family = family_in_scope(family_id)
    begin_write()
    audit.viewed(db.session, family_id)
    db.session.commit()
    return jsonify(family_payload(family))


def _current_details(family: Family) -> dict:
    """The family's editable values as the JSON a client would send them."""
    return {
        "household_name": family.household_name,
        "postcode": family.postcode,
        "referral_date": schemas.date(family.referral_date),
        "referral_source": family.referral_source or "",
        "external_reference": family.external_reference or "",
        "opened_on": schemas.date(family.opened_on),
        "consent_recorded_on": schemas.date(family.consent_recorded_on),
        "concerns": family.concerns,
        "worker_id": family.worker_id,
    }


@bp.patch("/families/<int:family_id>")
def update_family(family_id: int):
    user = case_user()
    body = read_body(FamilyEditForm, "phase")
    family = family_in_scope(family_id)
    version = read_version(body)
    check_version(family, version)
    ensure_open(family)
    if "phase" in body and body["phase"] != family.phase:
        message = "Move a family between phases with POST /api/v1/families/{id}/phase."
        raise ValidationFailed(message, {"phase": [message]})
    merged = {**_current_details(family), **{k: v for k, v in body.items() if k in EDITABLE}}
    form = check_form(from_json(FamilyEditForm, merged))
    changes = {name: getattr(form, name).data for name in EDITABLE if name in body}
    changes["version"] = version
    begin_write()
    family_service.update_family(db.session, user, family, changes, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/families/<int:family_id>/phase")
def move_phase(family_id: int):
    user = case_user()
    body = read_body(PhaseMoveForm)
    family = family_in_scope(family_id)
    version = read_version(body)
    check_version(family, version)
    ensure_open(family)
    form = check_form(from_json(PhaseMoveForm, body))
    begin_write()
    result = phase_service.move_phase(
        db.session,
        user,
        family,
        form.phase.data,
        form.date.data,
        api_now(),
        note=form.note.data,
        reason=form.reason.data or None,
        version=version,
    )
    db.session.commit()
    if not isinstance(result, PhaseMove):
        # A worker's closing that waits for a manager's approval (when approval is switched
        # on): the family stays open until then.
        return jsonify(family_payload(family, pending_approval=True)), 202
    return jsonify(family_payload(family))
