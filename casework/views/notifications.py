"""A person's own notifications: the count in the header, the list, marking them read."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..database import begin_write
from ..extensions import db
from ..services import clock
from ..services import notifications as notifications_service
from ..services.errors import ServiceError
from .helpers import current_actor, flash_done, refuse

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def unread_notifications():
    """``unread_notification_count()`` for the header: called only where the header is drawn
    for someone signed in, so a page costs one small count query and a stranger's none."""

    def count():
        if not current_user.is_authenticated:
            return 0
        try:
            return notifications_service.unread_count(db.session, current_actor())
        except SQLAlchemyError:
            # The error page of a failing database must still be drawn: no number then.
            db.session.rollback()
            return 0

    return {"unread_notification_count": count}


@bp.get("/notifications")
@login_required
def index():
    notes = notifications_service.notifications_for(db.session, current_actor())
    return render_template(
        "notifications/index.html",
        notifications=notes,
        households=notifications_service.household_names(db.session, current_actor(), notes),
        unread=sum(1 for note in notes if note.read_at is None),
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    begin_write()
    try:
        notifications_service.mark_read(db.session, current_actor(), notification_id, clock.current_time())
    except ServiceError as error:
        refuse(error)
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read")
@login_required
def read_all():
    now = clock.current_time()
    begin_write()
    unread = notifications_service.notifications_for(db.session, current_actor(), unread_only=True, limit=None)
    for note in unread:
        note.read_at = now
    db.session.commit()
    flash_done("All your notifications are marked as read." if unread else "You have no unread notifications.")
    return redirect(url_for("notifications.index"))
