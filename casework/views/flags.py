"""Acting on flags: the team's flag queue (filtered, with bulk acknowledgement) and resolving a
flag, for managers; acknowledging one, for the manager or the worker holding the family.

A worker or an admin gets 403 on a manager's page; a flag of a family outside the caller's
scope is 404. A closed family's flags are read-only, like the rest of its record."""
from __future__ import annotations

from flask import Blueprint, flash, get_template_attribute, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from ..database import begin_write
from ..extensions import db
from ..forms.manager import UNALLOCATED, BulkAcknowledgeForm, FlagFilterForm, ResolveFlagForm
from ..models import FLAG_RULES, FlagStatus
from ..services import allocation as allocation_service
from ..services import clock
from ..services import flags as flags_service
from ..services.errors import ValidationFailed
from .context import SEVERITY_LABELS
from .helpers import (
    case_worker_required,
    current_actor,
    flash_done,
    manager_required,
    or_refuse,
    posted_next,
    save_or_show,
)

bp = Blueprint("flags", __name__)


# --- The flag queue -------------------------------------------------------------------------------


def _flag_filters(actor, formdata):
    form = FlagFilterForm(formdata=formdata)
    form.severity.choices = [("", "All severities")] + [(key, label) for key, label in SEVERITY_LABELS.items()]
    form.worker_id.choices = [("", "All family workers"), (UNALLOCATED, "Unallocated")] + [
        (str(worker.id), worker.name if worker.active else f"{worker.name} (no longer active)")
        for worker in allocation_service.team_workers(db.session, actor)
    ]
    return form


def _render_flags(bulk=None, status=200):
    actor = current_actor()
    filters = _flag_filters(actor, request.args if request.method == "GET" else None)
    filter_status = 200
    if request.method == "GET" and not filters.validate():
        filter_status = 422
    worker = filters.worker_id.data
    flags = flags_service.flag_queue(
        db.session,
        actor,
        severity=filters.severity.data or None,
        worker_id=int(worker) if worker and worker != UNALLOCATED else None,
        unallocated=worker == UNALLOCATED,
    )
    if bulk is None:
        bulk = BulkAcknowledgeForm(formdata=None)
    resolve_notes = _resolve_notes(flags)
    active = {key: value for key, value in (("severity", filters.severity.data), ("worker_id", worker)) if value}
    return render_template(
        "caseload/flags.html",
        flags=flags,
        filters=filters,
        bulk=bulk,
        resolve_notes=resolve_notes,
        active_filters=active,
        here=url_for("flags.queue", **active),
        flag_rules=FLAG_RULES,
    ), max(status, filter_status)


# Stand-ins for one flag's id and label in the empty note box rendered once for every flag.
_ID_MARK, _LABEL_MARK = "resolve-0-", "cw-flag-label-mark"


def _resolve_notes(flags) -> dict[int, Markup]:
    """Each flag's empty "What was decided" box, by flag id. The boxes differ only in the
    flag's id and label, so one is rendered through the form macro and copied: a form and a
    WTForms field rendered for each of a team's sixty-odd flags were half the page's time."""
    if not flags:
        return {}
    form = ResolveFlagForm(prefix=_ID_MARK[:-1], formdata=None)
    form.note.label.text = _LABEL_MARK
    box = str(get_template_attribute("_forms.html", "textarea")(form.note, rows=3))
    return {
        flag.id: Markup(box.replace(_ID_MARK, f"resolve-{flag.id}-").replace(_LABEL_MARK, str(escape(
            f"What was decided ({flag.family.reference}, {flag.rule_label.lower()})"))))
        for flag in flags
    }


@bp.get("/team/flags")
@manager_required
def queue():
    return _render_flags()


@bp.post("/flags/<int:flag_id>/acknowledge")
@case_worker_required
def acknowledge(flag_id):
    """A manager of the team, or the worker holding the family, acknowledges a flag: they have
    seen it and will act. Back to ``next`` (a path on this site) or the family page."""
    actor = current_actor()
    flag = or_refuse(flags_service.get_flag, db.session, actor, flag_id)
    back = posted_next() or url_for("families.show", family_id=flag.family_id)
    if refused := _flag_read_only(flag, back):
        return refused
    begin_write()
    try:
        flags_service.acknowledge(db.session, actor, flag, clock.current_time())
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(back)
    flash_done(f"Flag acknowledged: {flag.rule_label.lower()} for {flag.family.reference}.")
    return redirect(back)


@bp.post("/flags/<int:flag_id>/resolve")
@manager_required
def resolve(flag_id):
    actor = current_actor()
    flag = or_refuse(flags_service.get_flag, db.session, actor, flag_id)
    back = posted_next() or url_for("flags.queue")
    if refused := _flag_read_only(flag, back):
        return refused
    if flag.status == FlagStatus.RESOLVED:
        flash("This flag is already resolved.", "info")
        return redirect(back)
    form = ResolveFlagForm(prefix=f"resolve-{flag.id}")
    return save_or_show(
        form, flag, lambda: flags_service.resolve(db.session, actor, flag, form.note.data, clock.current_time()),
        f"Flag resolved: {flag.rule_label.lower()} for {flag.family.reference}.", back,
        "caseload/resolve_flag.html", flag=flag)


def _flag_read_only(flag, back):
    """The page (422) for a flag of a closed family, whose record is read-only; None for others."""
    try:
        flags_service.check_writable(flag)
    except ValidationFailed as error:
        return render_template("caseload/flag_read_only.html", flag=flag, message=error.message, back=back), 422
    return None


@bp.post("/team/flags/acknowledge")
@manager_required
def bulk_acknowledge():
    actor = current_actor()
    form = BulkAcknowledgeForm()
    if not form.validate():
        return _render_flags(bulk=form, status=422)
    now = clock.current_time()
    begin_write()
    chosen = flags_service.flags_in_scope(db.session, actor, form.flag_ids.data)
    done = 0
    try:
        for flag in chosen:
            if flag.status == FlagStatus.OPEN:
                flags_service.acknowledge(db.session, actor, flag, now)
                done += 1
    except ValidationFailed as error:  # a closed family's flag: nothing is acknowledged
        db.session.rollback()
        form.flag_ids.errors = [error.message]
        return _render_flags(bulk=form, status=422)
    db.session.commit()
    if done:
        flash_done(f"{done} {'flag' if done == 1 else 'flags'} acknowledged.")
    else:
        flash("Those flags were already acknowledged or resolved.", "info")
    return redirect(posted_next() or url_for("flags.queue"))
