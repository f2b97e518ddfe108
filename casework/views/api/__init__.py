"""The JSON API (``/api/v1``) of CONTRACT.md.

Bearer tokens only: no cookie authenticates it, so it is exempt from CSRF. Every answer,
errors included, is JSON. The modules below add their routes to this one blueprint."""
from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from . import core  # noqa: E402,F401  (authentication and error handlers first)

# isort: split
from . import (  # noqa: E402,F401
    auth,
    chronology,
    closures,
    diary,
    families,
    flags,
    goals,
    idempotency,
    notifications,
    offline,
    openapi,
    partners,
    records,
    reports,
    reviews,
    team,
    transfers,
    users,
    visits,
    voices,
)

idempotency.install()
