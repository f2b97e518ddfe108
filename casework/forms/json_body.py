"""The JSON API's bodies read through the same forms as the pages: a JSON object becomes the
form data a browser would post, and each member must be of the JSON type its field takes
(``json_kind``), which the OpenAPI document publishes (views/api/spec/forms.py)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FormField, IntegerField, SelectField, SelectMultipleField, SubmitField

from .fields import VersionField, id_number, optional_id

STRING, INTEGER, BOOLEAN, STRINGS, INTEGERS, ENTRIES = "string", "integer", "boolean", "strings", "integers", "entries"
_WHOLE_NUMBERS = (int, id_number, optional_id)
_EXPECTED = {
    STRING: "Send text here.",
    INTEGER: "Send a whole number here.",
    BOOLEAN: "Send true or false here.",
    STRINGS: "Send a list of codes (text) here.",
    INTEGERS: "Send a list of ids (whole numbers) here.",
}


# What only a page sends: the CSRF token, buttons, and the key against saving a form twice (the
# API has Idempotency-Key for that).
PAGE_ONLY = ("csrf_token", "submission_key")


def api_fields(form):
    """The fields of ``form`` that a JSON body (or a query string) carries."""
    return [field for field in form if field.name not in PAGE_ONLY and not isinstance(field, SubmitField)]


def json_kind(field) -> str:
    """The JSON a field takes: text, a whole number, true or false, a list of either, or a list of entries
    (objects: a referral's children)."""
    if isinstance(field, FieldList):
        return ENTRIES if field.unbound_field.field_class is FormField else STRINGS
    if isinstance(field, SelectMultipleField):
        return INTEGERS if field.coerce in _WHOLE_NUMBERS else STRINGS
    if isinstance(field, (IntegerField, VersionField)):
        return INTEGER
    if isinstance(field, BooleanField):
        return BOOLEAN
    if isinstance(field, SelectField) and field.coerce in _WHOLE_NUMBERS:
        return INTEGER
    return STRING


def _fits(kind: str, value) -> bool:
    if value is None:
        return True  # null: the field's own validators say whether it may be empty
    if kind == STRING:
        return isinstance(value, str)
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if not isinstance(value, list):
        return False
    if kind == STRINGS:
        return all(isinstance(item, str) for item in value)
    return all(isinstance(item, int) and not isinstance(item, bool) for item in value)


def _problems(fields, values: dict, found: dict[str, list[str]]) -> None:
    for field in fields:
        if field.short_name not in values:
            continue
        value, kind = values[field.short_name], json_kind(field)
        if kind == ENTRIES:
            for entry, item in zip(field.entries, value if isinstance(value, list) else [], strict=False):
                if isinstance(item, dict):
                    _problems(entry.form, item, found)
        elif not _fits(kind, value):
            found[field.id] = [_EXPECTED[kind]]


def _flatten(value, prefix, out):
    if value is None:
        out.add(prefix, "")
    elif isinstance(value, bool):
        if value:
            out.add(prefix, "y")
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}-{key}", out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                _flatten(item, f"{prefix}-{index}", out)
            else:
                out.add(prefix, "" if item is None else str(item))
    else:
        out.add(prefix, str(value))


def json_formdata(body: dict) -> MultiDict:
    """``{"children": [{"first_name": "Amy"}], "concerns": ["housing"]}`` as the form data a
    browser would post: ``children-0-first_name=Amy&concerns=housing``."""
    out = MultiDict()
    for key, value in body.items():
        _flatten(value, key, out)
    return out


def from_json(form_class, body: dict, **kwargs):
    """A form filled from a JSON object, without CSRF (the API authenticates by token). A
    member of the wrong JSON type (``"5"`` for a number, ``5`` for text) fails validation naming
    its field, as the form would refuse a value it cannot read."""
    form = form_class(formdata=json_formdata(body), meta={"csrf": False}, **kwargs)
    found: dict[str, list[str]] = {}
    _problems(form, body, found)
    form.json_problems = found
    return form
