"""A family's chronology: everything that happened, by date, filtered by kind and printable."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..extensions import db
from ..services import chronology as chronology_service
from ..services import clock
from .helpers import case_worker_required, family_or_abort, record_view

bp = Blueprint("chronology", __name__)

CHRONOLOGY_KINDS = {
    "referral": "Referral",
    "visit": "Visits",
    "phase": "Phase moves",
    "review": "Reviews",
    "goal": "Goals",
    "rating": "Progress ratings",
    "assessment": "Assessments",
    "correction": "Corrections",
    "flag": "Flags",
    "allocation": "Allocations",
    "meeting": "Team Around the Family meetings",
    "voice": "The child's voice",
}
CHRONOLOGY_ENTRY_LABELS = {
    "referral": "Referral",
    "visit": "Visit",
    "phase": "Phase",
    "review": "Review",
    "goal": "Goal",
    "rating": "Progress rating",
    "assessment": "Assessment",
    "correction": "Correction",
    "flag": "Flag",
    "allocation": "Allocation",
    "meeting": "Team Around the Family meeting",
    "voice": "The child's voice",
}



@bp.get("/families/<int:family_id>/chronology")
@case_worker_required
def show(family_id):
    family = family_or_abort(family_id)
    record_view(family.id, "chronology")  # reading the chronology is reading the record, as by the API
    kind = request.args.get("kind") or ""
    if kind not in chronology_service.KINDS:
        kind = ""
    now = clock.current_time()
    entries = chronology_service.chronology(db.session, family, kind or None)
    return render_template(
        "families/chronology.html",
        family=family,
        entries=entries,
        kind=kind,
        kinds=[(code, CHRONOLOGY_KINDS.get(code, code.capitalize())) for code in chronology_service.KINDS],
        kind_labels=CHRONOLOGY_KINDS,
        entry_labels=CHRONOLOGY_ENTRY_LABELS,
        printed_on=clock.local_date(now),
    )
