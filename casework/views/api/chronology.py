"""A family's chronology, and known children across the service (a possible re-referral)."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms.queries import ChildMatchQuery, ChronologyQuery
from ...services import audit, child_search
from ...services import chronology as chronology_service
from . import bp, schemas
from .core import api_now, case_user, read_query
from .families import family_in_scope


@bp.get("/families/<int:family_id>/chronology")
def chronology(family_id: int):
    family = family_in_scope(family_id)
    kind = read_query(ChronologyQuery).kind.data or None
    payload = schemas.chronology(chronology_service.chronology(db.session, family, kind))
    begin_write()
    audit.viewed(db.session, family_id, "chronology")
    db.session.commit()
    return jsonify(payload)


@bp.get("/children/matches")
def child_matches():
    """Across the whole service, by reference only: any worker or manager may ask whether a
    child is already known, and learns no name or detail of a case outside their scope. Each
    search is audited, and the 31st within 15 minutes answers 429."""
    user = case_user()
    query = read_query(ChildMatchQuery)
    begin_write()  # the search is counted and audited (services/child_search.py)
    (matches,) = child_search.search(db.session, user, [(query.first_name.data, query.date_of_birth.data)],
                                     api_now(), via="api")
    db.session.commit()
    return jsonify(schemas.child_match_list(matches))
