"""Logging a visit to a family: above all, which children were seen."""
from flask import Blueprint, redirect, render_template, request, url_for

from ..extensions import db
from ..forms.case import VisitForm
from ..services import clock
from ..services import goals as goals_service
from ..services import visits as visits_service
from ..services.errors import ValidationFailed
from .families import current_actor, family_or_abort, refused_on_closed
from .helpers import case_worker_required, flash_done, form_failed

bp = Blueprint("visits", __name__)


def _render(form, family, status=200):
    return render_template("visits/new.html", form=form, family=family), status


@bp.route("/families/<int:family_id>/visits/new", methods=["GET", "POST"])
@case_worker_required
def new(family_id):
    actor = current_actor()
    family = family_or_abort(family_id)
    if request.method == "GET" and family.is_closed:
        return refused_on_closed(family)
    now = clock.current_time()
    form = VisitForm().set_family(family, goals_service.active_goals(db.session, family))
    form.children_seen.description = "Tick every child you saw at this visit."
    form.seen_alone.description = "Tick the children you spoke with on their own, where their age allows."
    if request.method == "GET":
        form.date.data = clock.local_date(now)
        return _render(form, family)
    if not form.validate():
        return _render(form, family, 422)
    data = {
        "date": form.date.data,
        "kind": form.kind.data,
        "outcome": form.outcome.data,
        "duration_minutes": form.duration_minutes.data,
        "children_seen": form.children_seen.data or [],
        "seen_alone": form.seen_alone.data or [],
        "goals_discussed": form.goals_discussed.data or [],
        "notes": form.notes.data,
    }
    try:
        visit = visits_service.log_visit(db.session, actor, family, data, now)
    except ValidationFailed as error:
        db.session.rollback()
        form_failed(form, error)
        return _render(form, family, 422)
    db.session.commit()
    flash_done(f"Visit on {visit.date.day} {visit.date:%b %Y} recorded.")
    return redirect(url_for("families.show", family_id=family.id, _anchor="visits"))
