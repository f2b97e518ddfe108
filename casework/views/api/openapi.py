"""``GET /api/v1/openapi.json``: the OpenAPI 3.0 description of every endpoint of this API,
generated from the routes, the forms and the answer models (views/api/spec/)."""
from __future__ import annotations

from flask import jsonify

from . import bp
from .spec.document import document


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
