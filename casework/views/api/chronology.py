"""A family's chronology, and known children across the service (a possible re-referral)."""
from __future__ import annotations

import datetime as dt

from flask import jsonify, request

from ...database import begin_write
from ...extensions import db
from ...services import audit, child_search
from ...services import chronology as chronology_service
from ...services.errors import ValidationFailed
from . import bp, schemas
from .core import api_now, case_user
from .families import family_in_scope

FIRST_NAME_MAX = 80


@bp.get("/families/<int:family_id>/chronology")
def chronology(family_id: int):
    family = family_in_scope(family_id)
    kind = (request.args.get("kind") or "").strip() or None
    kinds = chronology_service.KINDS
    if kind is not None and kind not in kinds:
        message = "Choose a kind: " + ", ".join(kinds) + "."
        raise ValidationFailed(message, {"kind": [message]})
    entries = [schemas.chronology_entry(e) for e in chronology_service.chronology(db.session, family, kind)]
    begin_write()
    audit.viewed(db.session, family_id, "chronology")
    db.session.commit()
    return jsonify(items=entries)


@bp.get("/children/matches")
def child_matches():
    """Across the whole service, by reference only: any worker or manager may ask whether a
    child is already known, and learns no name or detail of a case outside their scope. Each
    search is audited, and the 31st within 15 minutes answers 429."""
    user = case_user()
    problems: dict[str, list[str]] = {}
    first_name = (request.args.get("first_name") or "").strip()
    if not first_name:
        problems["first_name"] = ["Enter the child's first name."]
    elif len(first_name) > FIRST_NAME_MAX:
        problems["first_name"] = [f"A first name has at most {FIRST_NAME_MAX} characters."]
    raw_date = (request.args.get("date_of_birth") or "").strip()
    date_of_birth = None
    if not raw_date:
        problems["date_of_birth"] = ["Enter the child's date of birth."]
    else:
        try:
            date_of_birth = dt.datetime.strptime(raw_date, "%Y-%m-%d").date()
        except ValueError:
            problems["date_of_birth"] = ["Enter a real date in the form YYYY-MM-DD."]
    if problems:
        message = next(iter(problems.values()))[0] if len(problems) == 1 else (
            "Give the child's first name and date of birth.")
        raise ValidationFailed(message, problems)
    begin_write()  # the search is counted and audited (services/child_search.py)
    (matches,) = child_search.search(db.session, user, [(first_name, date_of_birth)], api_now(), via="api")
    db.session.commit()
    return jsonify(items=[schemas.child_match(m) for m in matches])
