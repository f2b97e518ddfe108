"""Opening a referral: the new family's details, its children and carers (added and removed
without JavaScript), and spotting a child already known to the service (a possible
re-referral), linked to the earlier case or not before anything is saved."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..database import begin_write
from ..extensions import db
from ..forms.case import ReferralForm
from ..forms.fields import id_number
from ..models import NEGLECT_CONCERNS, PARENTAL_FACTORS, PHASE_LABELS
from ..services import child_search, clock
from ..services import referrals as referrals_service
from ..services.errors import ValidationFailed
from .families import WithoutErrors, worker_choices
from .helpers import case_worker_required, current_actor, flash_done, form_failed, save_once, saved_before

bp = Blueprint("referrals", __name__)


def _render_referral(form, status=200, known=None, same_family="", same_family_error=None):
    return (
        render_template(
            "families/new.html",
            form=form,
            neglect_concerns=list(NEGLECT_CONCERNS),
            parental_factors=list(PARENTAL_FACTORS),
            concerns_without_errors=WithoutErrors(form.concerns),
            known=known or [],
            known_families=_known_families(known or []),
            same_family=same_family,
            same_family_error=same_family_error,
            phase_labels=PHASE_LABELS,
        ),
        status,
    )


SAME_FAMILY_MESSAGE = "Say whether this referral is about the family already known."


def _known_children(actor, form) -> list[tuple]:
    """``[(child entry, [matches])]`` for the children of the referral already known to the
    service (same first name and date of birth): a possible re-referral."""
    children = [entry.form for entry in form.children]
    found = child_search.search(db.session, actor, [(child.first_name.data, child.date_of_birth.data)
                                                    for child in children], clock.current_time(), via="referral")
    return [(child, matches) for child, matches in zip(children, found, strict=True) if matches]


def _known_families(known) -> list:
    """Each earlier case once, whichever children matched it."""
    seen = {}
    for _, matches in known:
        for match in matches:
            seen.setdefault(match.family_id, match)
    return list(seen.values())


def _remove_entry(field_list, raw_index, keep_at_least):
    """Drop the entry a "Remove" button named (no JavaScript: the page is posted back)."""
    name = f"{field_list.name}-{raw_index}"
    if len(field_list.entries) > keep_at_least:
        field_list.entries = [entry for entry in field_list.entries if entry.name != name]


@bp.route("/families/new", methods=["GET", "POST"])
@case_worker_required
def new():
    actor = current_actor()
    form = ReferralForm()
    worker_choices(form, actor)
    if request.method == "GET":
        return _render_referral(form)

    if any(entries.sent > entries.max_entries for entries in (form.children, form.carers)):
        form.validate()  # more than a family holds: say so (only the first ones were read)
        return _render_referral(form, 422)
    # "Add another child", "Add a parent or carer" and "Remove": the same page again, one
    # entry more or less, nothing lost, nothing checked yet.
    for wanted, entries in ((form.add_child.data, form.children), (form.add_carer.data, form.carers)):
        if wanted:
            if not entries.full:  # a full list's page offers no "Add"; nor is one added
                entries.append_entry()
            return _render_referral(form)
    if request.form.get("remove_child"):
        _remove_entry(form.children, request.form["remove_child"], keep_at_least=1)
        return _render_referral(form)
    if request.form.get("remove_carer"):
        _remove_entry(form.carers, request.form["remove_carer"], keep_at_least=0)
        return _render_referral(form)
    if (page := saved_before(form)) is not None:
        return page

    if not form.validate():
        return _render_referral(form, 422)
    previous_family_id = form.previous_family_id.data
    answer = request.form.get("same_family", "")
    if previous_family_id is None and answer.isdigit():
        # The earlier case the page offered was chosen: the service checks that it holds one
        # of these children, so the children are not searched for again.
        previous_family_id = id_number(answer)
    elif previous_family_id is None and answer != "no":
        # A child already known: say so, and let the user link this referral to the earlier
        # case or say it is not the same family, before anything is saved. Each child looked
        # for is a search, counted and audited like the API's (services/child_search.py).
        begin_write()
        try:
            known = _known_children(actor, form)
        except child_search.TooManySearches as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_referral(form, 429)
        db.session.commit()
        if known:
            error = SAME_FAMILY_MESSAGE if request.form.get("known_checked") else None
            if error:
                form.form_errors.append(error)
            return _render_referral(form, 422 if error else 200, known=known, same_family=answer,
                                    same_family_error=error)
    data = form.details()
    data["worker_id"] = form.worker_id.data if actor.is_manager else None
    data["previous_family_id"] = previous_family_id
    data["children"] = [
        referrals_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            date_of_birth=entry.form.date_of_birth.data,
            school=entry.form.school.data,
        )
        for entry in form.children
    ]
    data["carers"] = [
        referrals_service.ReferralPerson(
            first_name=entry.form.first_name.data,
            last_name=entry.form.last_name.data,
            relationship=entry.form.relationship.data,
        )
        for entry in form.carers
    ]
    begin_write()
    try:
        family = referrals_service.open_referral(
            db.session,
            actor,
            data,
            clock.current_time(),
            prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"],
        )
        save_once(form, "referral", family, url_for("families.show", family_id=family.id))
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render_referral(form, 422)
    db.session.commit()
    flash_done(f"Referral opened: {family.reference}")
    return redirect(url_for("families.show", family_id=family.id))
