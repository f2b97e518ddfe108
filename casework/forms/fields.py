"""Field types and the JSON adapter shared by every form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectMultipleField, widgets


class BaseForm(FlaskForm):
    """Flask-WTF form whose errors flatten to ``{field id: [messages]}`` for summaries and JSON."""

    def flat_errors(self) -> dict[str, list[str]]:
        flat: dict[str, list[str]] = {}
        for field in self:
            _collect(field, flat)
        return flat


def _collect(field, flat):
    if field.type == "FormField":
        for subfield in field.form:
            _collect(subfield, flat)
        return
    if field.type == "FieldList":
        for entry in field.entries:
            _collect(entry, flat)
    # A FieldList's own errors are strings beside its entries' error lists.
    messages = [message for message in field.errors if isinstance(message, str)]
    if messages:
        flat[field.id] = messages


class LocalDateField(DateField):
    """A ``YYYY-MM-DD`` date entered with the browser's date picker."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date in the form YYYY-MM-DD.") from None


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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
    """A form filled from a JSON object, without CSRF (the API authenticates by token)."""
    return form_class(formdata=json_formdata(body), meta={"csrf": False}, **kwargs)
