"""The home page and the health check."""
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    if current_user.is_admin:
        return redirect(url_for("admin.users"))
    return redirect(url_for("team.home" if current_user.is_manager else "families.index"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the database is down: say so, do not raise
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
