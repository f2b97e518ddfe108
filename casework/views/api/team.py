"""A manager's view of the team's caseloads."""
from __future__ import annotations

from flask import jsonify

from ...extensions import db
from ...services.caseload import team_caseload, team_totals
from . import bp
from .core import api_now, manager_user


@bp.get("/caseload")
def caseload():
    user = manager_user("Only managers see the team's caseloads.")
    loads = team_caseload(db.session, user, api_now())
    totals = team_totals(loads).as_dict()
    for name in ("id", "name"):
        totals.pop(name, None)
    return jsonify(workers=[load.as_dict() for load in loads], totals=totals)
