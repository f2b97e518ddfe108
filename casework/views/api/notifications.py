"""The caller's own notifications (admins have them too)."""
from __future__ import annotations

from flask import jsonify, request

from ...database import begin_write
from ...extensions import db
from ...services import notifications as notification_service
from ...services.errors import ValidationFailed
from . import bp, schemas
from .core import api_now, api_user

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")


@bp.get("/notifications")
def list_notifications():
    user = api_user()
    unread = (request.args.get("unread") or "").strip().lower()
    if unread not in TRUE + FALSE:
        message = "unread must be 1 (only unread notifications) or 0."
        raise ValidationFailed(message, {"unread": [message]})
    items = notification_service.notifications_for(db.session, user, unread_only=unread in TRUE)
    return jsonify(
        items=[schemas.notification(n) for n in items],
        unread_count=notification_service.unread_count(db.session, user),
    )


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    begin_write()
    note = notification_service.mark_read(db.session, api_user(), notification_id, api_now())
    db.session.commit()
    return jsonify(schemas.notification(note))
