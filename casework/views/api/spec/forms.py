"""Request bodies and query parameters, read from the forms that read them: what a field
requires, how long it may be, which values it takes, its format and bounds, and whether it
repeats, as its validators enforce them. A body's member is of the JSON type its field takes
(``forms.json_body.json_kind``); null and, in a query string, an empty value count as absent.

Text in a body never holds a NUL (the API refuses it: 400); the forms read text without the
spaces around it, so a required text needs something other than spaces."""
from __future__ import annotations

from wtforms import DateField, FieldList
from wtforms.validators import Email, InputRequired, Length, NumberRange, Regexp

from ....forms.fields import MAX_ID, Above, RequiredIf, Sent, VersionField, repeats, stripped
from ....forms.json_body import BOOLEAN, ENTRIES, INTEGER, INTEGERS, STRINGS, api_fields, json_kind

NO_NUL = "^[^\\u0000]*$"
SOMETHING = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"  # some text other than spaces, and no NUL
SOMETHING_IN_QUERY = "[^\\s\\u0000]"  # a query string's NULs are dropped
BLANK = {"type": "string", "pattern": "^\\s*$"}  # read as nothing
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def required(field) -> bool:
    if isinstance(field, FieldList):
        return field.min_entries > 0
    return any(isinstance(v, InputRequired) for v in field.validators)


def _sent(field) -> bool:
    """A member that must be sent, though it may be null."""
    return any(isinstance(v, Sent) for v in field.validators)


def _choices(field) -> list[str]:
    return [choice[0] for choice in field.iter_choices() if choice[0] not in ("", None)]


def _text(field, needed: bool, in_body: bool) -> dict:
    schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, Length):
            if validator.max not in (None, -1):
                schema["maxLength"] = validator.max
            if validator.min not in (None, -1) and validator.min > 0:
                schema["minLength"] = validator.min
        elif isinstance(validator, Regexp):
            schema["pattern"] = validator.regex.pattern
        elif isinstance(validator, Email):
            schema["format"] = "email"
    if "pattern" not in schema:
        if needed and stripped(field):
            schema["pattern"] = SOMETHING if in_body else SOMETHING_IN_QUERY
        elif in_body:
            schema["pattern"] = NO_NUL
    if needed and not stripped(field):
        schema.setdefault("minLength", 1)
    return schema


def _integer(field) -> dict:
    if isinstance(field, VersionField):
        return {"type": "integer", "minimum": 0, "description": "The version read; a stale one answers 409."}
    if not hasattr(field, "coerce"):
        schema = {"type": "integer"}
        for validator in field.validators:
            if isinstance(validator, NumberRange):
                if validator.min is not None:
                    schema["minimum"] = validator.min
                if validator.max is not None:
                    schema["maximum"] = validator.max
        return schema
    return dict(ID)


def field_schema(field, *, in_body: bool = True) -> tuple[dict, bool]:
    """The JSON schema of what ``field`` takes, and whether it is required."""
    needed, kind = required(field), json_kind(field)
    if kind == ENTRIES:
        entry = field.unbound_field.args[0](formdata=None)
        schema = {"type": "array", "items": object_schema(entry), "maxItems": field.max_entries}
        if needed:
            schema["minItems"] = 1
    elif kind in (STRINGS, INTEGERS):
        items = dict(ID) if kind == INTEGERS else {"type": "string", "enum": _choices(field)}
        schema = {"type": "array", "items": items, "maxItems": field.max_items}
        if needed:
            schema["minItems"] = 1
    elif kind == INTEGER:
        schema = _integer(field)
    elif kind == BOOLEAN:
        schema = {"type": "boolean"}
    elif getattr(field, "choices", None) is not None:
        schema = {"type": "string", "enum": _choices(field)}
    elif getattr(field, "json_schema", None):  # a field that states its own (forms/offline.py InstantField)
        schema = dict(field.json_schema)
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
        for validator in field.validators:
            if getattr(validator, "pattern", None):
                schema["pattern"] = validator.pattern
    else:
        schema = _text(field, needed, in_body)
    if not needed and ("enum" in schema or "format" in schema or (not in_body and kind == INTEGER)):
        schema = {"anyOf": [schema, BLANK]}  # spaces or nothing: read as absent
    if field.description:
        schema["description"] = str(field.description)
    if (not needed or _sent(field)) and in_body:
        schema["nullable"] = True
    return schema, needed or _sent(field)


def _conditions(form, properties: dict, partial: bool) -> list[dict]:
    """What one field asks of another: closing needs a reason; a target above the baseline
    (in a change, when both are sent)."""
    found = []
    for field in form:
        for validator in field.validators:
            if isinstance(validator, RequiredIf) and not partial:
                if validator.allowed is not None:
                    given = {"type": "string", "enum": list(validator.allowed)}
                elif getattr(field, "choices", None) is not None:
                    given = {"type": "string", "enum": _choices(field)}
                else:
                    given = {"type": "string", "pattern": SOMETHING}
                found.append({"anyOf": [
                    {"properties": {validator.other: {"not": {"enum": list(validator.values)}}}},
                    {"properties": {field.name: given}, "required": [field.name]},
                ]})
            elif isinstance(validator, Above):
                low = properties[validator.other]
                either_left_out = [{"not": {"required": [name]}} for name in (validator.other, field.name)]
                found.append({"anyOf": [
                    *(either_left_out if partial else []),
                    *({"properties": {validator.other: {"enum": [value]}, field.name: {"minimum": value + 1}}}
                      for value in range(low["minimum"], low["maximum"] + 1)),
                ]})
    return found


def object_schema(form, *, partial: bool = False, keep: tuple[str, ...] = ()) -> dict:
    """A body read through ``form``. ``partial``: a change, whose fields left out keep their
    values (those in ``keep`` are required all the same). Members it does not read are ignored
    (an edit may echo the record it read)."""
    properties, needed = {}, []
    for field in api_fields(form):
        properties[field.short_name], is_required = field_schema(field)
        if is_required and (not partial or field.short_name in keep):
            needed.append(field.short_name)
    schema = {"type": "object", "properties": properties}
    if needed:
        schema["required"] = needed
    conditions = _conditions(form, properties, partial)
    if conditions:
        schema["allOf"] = conditions
    return schema


def query_parameters(form) -> list[dict]:
    """The query string read through ``form``: one parameter per field."""
    parameters = []
    for field in api_fields(form):
        schema, needed = field_schema(field, in_body=False)
        description = schema.pop("description", None)
        if repeats(field):
            parameter = {"style": "form", "explode": True}
        else:
            parameter = {}
        if field.default is not None and not callable(field.default):
            schema["default"] = field.default
        parameters.append({"name": field.name, "in": "query", "required": needed, **parameter,
                           **({"description": description} if description else {}), "schema": schema,
                           **({} if needed else {"allowEmptyValue": True})})
    return parameters

