"""The OpenAPI 3.0 document, put together when it is asked for: every route of the URL map
under /api/v1 (and /healthz) with its methods and path parameters, each described by
``operations``; the answers' schemas from their models, the bodies' and query strings' from
their forms. The document is made for the running app: the goal areas and the body size limit
are the service's own."""
from __future__ import annotations

import re

from flask import current_app
from pydantic.json_schema import models_json_schema
from werkzeug.routing import IntegerConverter

from ....forms.json_body import api_fields
from .accounts import Error
from .forms import object_schema, query_parameters
from .op import Op
from .operations import OPERATIONS

ERRORS = {
    400: ("BadRequest", "Malformed body: not JSON, not an object, or a value of the wrong JSON shape (a list or an "
                        "object where a value belongs, a NUL character)."),
    401: ("Unauthorised", "No token, or one that is unknown, expired or revoked."),
    403: ("Forbidden", "The caller's role may not use this (an admin on case records)."),
    404: ("NotFound", "Unknown, or outside the caller's scope."),
    409: ("Conflict", "The version sent is stale: someone else changed the record."),
    413: ("TooLarge", "The request body is over {limit:,} bytes: refused before it is read, signed in or not."),
    422: ("Unprocessable", "Validation failed (a value of the wrong JSON type included), or a rule of the practice "
                           "refuses it (a closed family, a phase move that is not allowed); fields name the "
                           "problems."),
}
INFO = {
    "title": "casework API",
    "version": "1",
    "description": "Case management for early-help family support. Dates are YYYY-MM-DD in the service's local "
    "time zone; instants are ISO 8601 with an offset. Every error answers {\"error\": message, \"fields\": "
    "{field: [messages]}}. Writes take an optional version and answer 409 when it is stale. Every POST accepts "
    "an Idempotency-Key header (1 to 255 characters): the same key from the same user with the same body within "
    "24 hours answers the same status and body again and creates nothing more; the same key with another body "
    "answers 422. Text longer than a field's limit answers 422 naming the field; nothing is cut.",
}
TAGS = ("auth", "families", "closure", "allocation", "visits", "voice", "goals", "reviews", "flags", "partners",
        "notifications", "caseload", "reports", "accounts", "service")


def openapi_path(rule: str) -> str:
    """``/families/<int:family_id>`` as OpenAPI writes it: ``/families/{family_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _ref(name: str, section: str = "schemas") -> dict:
    return {"$ref": f"#/components/{section}/{name}"}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _path_parameters(rule) -> list[dict]:
    parameters = []
    for name, converter in rule._converters.items():
        schema = {"type": "integer", "minimum": 1} if isinstance(converter, IntegerConverter) else {"type": "string"}
        what = name.removesuffix("_id").replace("_", " ")
        parameters.append({"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
                           "schema": schema})
    return parameters


def _operation(op: Op, models: dict, bodies: dict) -> dict:
    responses = {}
    for status, (description, shape) in op.answers.items():
        responses[str(status)] = {"description": description}
        if isinstance(shape, dict):
            responses[str(status)]["content"] = _json(shape)
        elif shape is not None:
            models[shape.__name__] = shape
            responses[str(status)]["content"] = _json(_ref(shape.__name__))
    errors = {**op.errors, **({400: None, 413: None} if op.body else {})}
    for status, description in sorted(errors.items()):
        if description is None:
            responses[str(status)] = _ref(ERRORS[status][0], "responses")
        else:
            responses[str(status)] = {"description": description, "content": _json(_ref("Error"))}
    found = {"operationId": op.id, "summary": op.summary, "tags": [op.tag], "responses": responses}
    if op.description:
        found["description"] = op.description
    if op.query:
        found["parameters"] = query_parameters(op.query(formdata=None))
    if op.body:
        form = op.body.form(formdata=None, meta={"csrf": False})
        bodies[op.body.name] = object_schema(form, partial=op.body.partial, keep=op.body.keep)
        if op.body.corrects:
            changed = [field.name for field in api_fields(op.body.corrects(formdata=None, meta={"csrf": False}))
                       if field.name != "version"]
            bodies[op.body.name]["anyOf"] = [{"required": [name]} for name in changed]
        found["requestBody"] = {"required": op.body.required, "content": _json(_ref(op.body.name))}
    if op.public:
        found["security"] = []
    return found


def paths(models: dict, bodies: dict) -> dict:
    found: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        op = OPERATIONS.get(rule.endpoint)
        if op is None and rule.rule.startswith("/api/"):
            raise LookupError(f"{rule.endpoint} ({rule.rule}) has no entry in views/api/spec/operations.py")
        if op is None:
            continue
        item = found.setdefault(openapi_path(rule.rule), {})
        if parameters := _path_parameters(rule):
            item["parameters"] = parameters
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(op, models, bodies)
    return found


def openapi30(node):
    """A pydantic (JSON Schema 2020-12) schema as OpenAPI 3.0 writes it: ``nullable`` for a
    union with null, ``enum`` for ``const``, one ``example``, no titles."""
    if isinstance(node, list):
        return [openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key == "properties":
            out[key] = {name: openapi30(schema) for name, schema in value.items()}
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples":
            out["example"] = value[0]
        else:
            out[key] = openapi30(value)
    options = out.pop("anyOf", None)
    if options is None:
        return out
    rest = [option for option in options if option != {"type": "null"}]
    if len(rest) == len(options):
        return {**out, "anyOf": rest}
    if len(rest) > 1:
        return {**out, "anyOf": rest, "nullable": True}
    (only,) = rest
    return {**({"allOf": [only]} if "$ref" in only else only), **out, "nullable": True}


def components(models: dict, bodies: dict) -> dict:
    models = {"Error": Error, **models}
    _, found = models_json_schema([(model, "serialization") for model in models.values()],
                                  ref_template="#/components/schemas/{model}")
    schemas = {name: openapi30(schema) for name, schema in found["$defs"].items()}
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "A token from POST /api/v1/tokens."}},
        "responses": {name: {"description": text.format(limit=limit), "content": _json(_ref("Error"))}
                      for name, text in ERRORS.values()},
        "schemas": {**dict(sorted(schemas.items())), **dict(sorted(bodies.items()))},
    }


def document() -> dict:
    models: dict = {}
    bodies: dict = {}
    found = paths(models, bodies)
    return {
        "openapi": "3.0.3",
        "info": INFO,
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in TAGS],
        "paths": found,
        "components": components(models, bodies),
    }
