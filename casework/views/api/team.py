"""A manager's view of the team's caseloads."""
from __future__ import annotations

from flask import jsonify

from ...extensions import db
from ...services.caseload import team_caseload, team_totals
from . import bp, schemas
from .core import api_now, manager_user


@bp.get("/caseload")
def caseload():
    user = manager_user("Only managers see the team's caseloads.")
    loads = team_caseload(db.session, user, api_now())
    return jsonify(schemas.caseload(loads, team_totals(loads)))
