"""The caller's own notifications (admins have them too)."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms.queries import NotificationQuery
from ...services import notifications as notification_service
from . import bp, schemas
from .core import api_now, api_user, read_query

UNREAD_ONLY = ("1", "true", "yes")


@bp.get("/notifications")
def list_notifications():
    user = api_user()
    unread = read_query(NotificationQuery).unread.data
    items = notification_service.notifications_for(db.session, user, unread_only=unread in UNREAD_ONLY)
    return jsonify(schemas.notification_list(items, notification_service.unread_count(db.session, user)))


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    begin_write()
    note = notification_service.mark_read(db.session, api_user(), notification_id, api_now())
    db.session.commit()
    return jsonify(schemas.notification(note))
