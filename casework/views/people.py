"""Keeping the family record true: adding and correcting its children and its parents and
carers."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for

from ..extensions import db
from ..forms.case import CarerForm, ChildForm
from ..services import clock, scope
from ..services import people as people_service
from .helpers import (
    case_worker_required,
    current_actor,
    family_or_abort,
    flash_done,
    or_refuse,
    parse_version,
    refused_on_closed,
    save_form,
    save_once,
    saved_before,
)

bp = Blueprint("people", __name__)


@dataclass(frozen=True)
class PersonPages:
    """What differs between the child and the carer pages; the four views share the rest."""

    kind: str  # "child" or "carer"
    form_class: type
    get: Callable
    add: Callable
    update: Callable
    prefill: Callable = lambda form, person: None


PEOPLE = {
    "child": PersonPages("child", ChildForm, scope.get_child, people_service.add_child,
                         people_service.update_child),
    "carer": PersonPages(
        "carer", CarerForm, scope.get_carer, people_service.add_carer, people_service.update_carer,
        prefill=lambda form, carer: setattr(form.relationship, "data", carer.relationship_to_children),
    ),
}


def _render_person(pages, form, family, person=None, status=200):
    return render_template("families/person.html", kind=pages.kind, form=form, family=family, person=person), status


def _person_page(pages, family, person=None):
    """GET shows the form (read-only notice when closed); POST validates, saves, explains."""
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    if request.method == "GET":
        form = pages.form_class(obj=person)
        if person is None:
            del form.version
        else:
            del form.submission_key
            form.version.data = str(person.version)
            pages.prefill(form, person)
        return _render_person(pages, form, family, person)
    form = pages.form_class()
    if person is None:
        del form.version
        if (page := saved_before(form)) is not None:
            return page
    else:
        del form.submission_key  # correcting creates nothing
    if not form.validate():
        return _render_person(pages, form, family, person, 422)
    data = {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "version", "submission_key")}
    now = clock.current_time()
    if person is None:
        location = url_for("families.show", family_id=family.id, _anchor="people")
        status = save_form(form, family, lambda: save_once(
            form, pages.kind, pages.add(db.session, family, data, now), location))
    else:
        data["version"] = parse_version(form.version.data)
        status = save_form(form, person, lambda: pages.update(db.session, person, data, now))
    if status:
        return _render_person(pages, form, family, person, status)
    if person is None:
        flash_done(f"{form.first_name.data} has been added to the family record.")
    else:
        flash_done(f"{form.first_name.data}'s details have been saved.")
    return redirect(url_for("families.show", family_id=family.id))


def _person_or_abort(pages, person_id):
    return or_refuse(pages.get, db.session, current_actor(), person_id)


@bp.route("/families/<int:family_id>/children/new", methods=["GET", "POST"])
@case_worker_required
def add_child(family_id):
    return _person_page(PEOPLE["child"], family_or_abort(family_id))


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_child(child_id):
    child = _person_or_abort(PEOPLE["child"], child_id)
    return _person_page(PEOPLE["child"], child.family, child)


@bp.route("/families/<int:family_id>/carers/new", methods=["GET", "POST"])
@case_worker_required
def add_carer(family_id):
    return _person_page(PEOPLE["carer"], family_or_abort(family_id))


@bp.route("/carers/<int:carer_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_carer(carer_id):
    carer = _person_or_abort(PEOPLE["carer"], carer_id)
    return _person_page(PEOPLE["carer"], carer.family, carer)
