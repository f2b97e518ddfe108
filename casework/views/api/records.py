"""Subject access exports over the API: ``GET /api/v1/families/{id}/subject-access`` and
``GET /api/v1/children/{id}/subject-access``, ``?redact=1`` to redact third parties.

Managers of the family's team only. Scope first, as the other manager decisions: anyone
outside the family's scope gets 404, then the family's own worker 403; an admin 403. Each
export is audited (action ``export``, format ``json``, via ``api``). The answer is the same
document as the page's JSON download (services/subject_access.py), sent as an attachment."""
from __future__ import annotations

from ...database import begin_write
from ...downloads import subject_access_json
from ...extensions import db
from ...forms.queries import SubjectAccessQuery
from ...services import scope, subject_access
from ...services.errors import Forbidden
from . import bp
from .core import api_now, case_user, read_query
from .families import family_in_scope

ONLY_MANAGERS = "Only a manager of the family's team can export its record."


def _redact() -> bool:
    return read_query(SubjectAccessQuery).redact.data == "1"


def _manager() -> None:
    if not case_user().is_manager:
        raise Forbidden(ONLY_MANAGERS)


def _hand_over(export: dict, family_id: int, record_type: str, record_id: int, redact: bool):
    """The export as its JSON file, audited."""
    begin_write()
    subject_access.record_export(db.session, family_id, record_type, record_id, "json", redact, via="api")
    db.session.commit()
    return subject_access_json(export)


@bp.get("/families/<int:family_id>/subject-access")
def family_subject_access(family_id: int):
    family = family_in_scope(family_id)
    _manager()
    redact = _redact()
    export = subject_access.family_export(db.session, family, redact=redact, now=api_now())
    return _hand_over(export, family_id, "family", family_id, redact)


@bp.get("/children/<int:child_id>/subject-access")
def child_subject_access(child_id: int):
    child = scope.get_child(db.session, case_user(), child_id)
    _manager()
    redact = _redact()
    export = subject_access.child_export(db.session, child, redact=redact, now=api_now())
    return _hand_over(export, child.family_id, "child", child_id, redact)
