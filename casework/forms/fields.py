"""Field types and the JSON adapter shared by every form."""
from __future__ import annotations

import re
import secrets

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger number (in a URL, a form or a JSON
# body) names no row, and binding it would overflow the database's integer (a 500), so it is
# read as 0, which names nothing either.
MAX_ID = 2**31 - 1


def bounded_id(number: int | None) -> int | None:
    """An id as sent, with numbers no row could have read as 0."""
    if number is None:
        return None
    return number if -MAX_ID <= number <= MAX_ID else 0


def id_number(value) -> int:
    """A posted id as a number (ValueError when it is not one; 0 beyond any id)."""
    return bounded_id(int(value))


def optional_id(value) -> int | None:
    """As ``id_number``, with an empty value read as None."""
    return None if value in (None, "", "None") else id_number(value)


# Fields whose input is read without the spaces around it (passwords are taken as typed).
STRIPPED_FIELDS = (StringField, DateField)


def stripped(field) -> bool:
    return isinstance(field, STRIPPED_FIELDS) and not isinstance(field, PasswordField)


# The limits of free text, shared by the pages and the API (which answers 422 naming the field).
NOTE_LIMIT = 4000  # a note, a comment, a reason
NOTES_LIMIT = 20000  # a visit's or a review's notes
REASON_LIMIT = 2000  # why a family is allocated or transferred
NEXT_STEP_LIMIT = 1000  # a goal's next step, printed for the family


def too_long(label: str, limit: int, length: int) -> str:
    return f"{label} must be {limit:,} characters or fewer (it has {length:,})."


def _label(field) -> str:
    text = str(field.label.text).replace("(optional)", "").strip().rstrip("?:")
    return text[:1].upper() + text[1:]


class TextLimit(Length):
    """At most ``max`` characters, or an error naming the field. Never cut: the page shows the
    limit and a counter near it (static/js/character-count.js); every form's Meta also keeps
    WTForms from printing ``maxlength``, with which a browser cuts pasted text silently."""

    def __init__(self, max: int):
        super().__init__(max=max)

    def __call__(self, form, field):
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(too_long(_label(field), self.max, length))


def limit_of(field) -> int | None:
    """The most characters ``field`` takes (its Length or TextLimit), for the page to show."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
    return min(limits) if limits else None
class StrippedInput:
    """Form data as one form reads it: its text and date fields' values without the spaces
    around them, and a choice of only spaces as no choice. A view over the data (nothing is
    copied), so a form repeated for many entries (each entry wraps the data again) reads it in
    time proportional to its size."""

    def __init__(self, formdata, names: frozenset[str], choices: frozenset[str] = frozenset()):
        self._formdata = formdata
        self._names = names
        self._choices = choices

    def getlist(self, key):
        values = self._formdata.getlist(key)
        if key in self._names:
            return [value.strip() if isinstance(value, str) else value for value in values]
        if key in self._choices:
            return [value if not isinstance(value, str) or value.strip() else "" for value in values]
        return values

    def __contains__(self, key) -> bool:
        return key in self._formdata

    def __iter__(self):
        return iter(self._formdata)

    def __len__(self) -> int:
        return len(self._formdata)


class StrippingMeta:
    """Every text and date field reads its input without leading and trailing spaces. The
    input itself is stripped (not only the data), so a value of only spaces counts as missing
    for ``InputRequired`` and never saves blank; ``Length`` counts what is kept."""

    def wrap_formdata(self, form, formdata):
        formdata = super().wrap_formdata(form, formdata)
        if formdata is None:
            return None
        names = frozenset(field.name for field in form if stripped(field))
        choices = frozenset(field.name for field in form
                            if isinstance(field, SelectField) and not isinstance(field, SelectMultipleField))
        return StrippedInput(formdata, names, choices) if names or choices else formdata

    def render_field(self, field, render_kw):
        # No maxlength (nor minlength): a browser silently cuts what is pasted past it. The
        # limit is checked on the server and shown with a counter instead.
        return super().render_field(field, {"maxlength": False, "minlength": False, **render_kw})


def entry_name(form, noun: str) -> str | None:
    """Which entry of a list ``form`` is, in words: "child 2" for a referral's second child
    (from the entry's prefix, ``children-1-``); None for a form of its own."""
    found = re.search(r"-(\d+)-$", getattr(form, "_prefix", "") or "")
    return f"{noun} {int(found.group(1)) + 1}" if found else None


class EntryRequired(InputRequired):
    """Required, with a message that says which entry of a list is missing it ("Enter the
    first name of child 2"), or ``alone`` on a form of its own (adding one child)."""

    def __init__(self, numbered: str, alone: str, noun: str):
        super().__init__(alone)
        self.numbered, self.noun = numbered, noun

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except StopValidation as stopped:
            entry = entry_name(form, self.noun)
            raise (StopValidation(self.numbered.format(entry=entry)) if entry else stopped) from None


class EntryForm(Form):
    """A form repeated inside another (a child, a carer): stripped like every ``BaseForm``."""

    class Meta(StrippingMeta):
        pass


class BaseForm(FlaskForm):
    """Flask-WTF form whose errors flatten to ``{field id: [messages]}`` for summaries and JSON.
    Text and date input is stripped of surrounding spaces (``StrippingMeta``)."""

    class Meta(StrippingMeta):
        pass

    # Members of a JSON body of the wrong JSON type, by field id (set by ``from_json``).
    json_problems: dict[str, list[str]] = {}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return valid and not self.json_problems

    def flat_errors(self) -> dict[str, list[str]]:
        flat: dict[str, list[str]] = {}
        for field in self:
            _collect(field, flat)
        for name, messages in self.json_problems.items():
            flat.setdefault(name, messages)  # the field's own message says it better
        return flat


class QueryForm(BaseForm):
    """A form read from the query string (a GET: no CSRF token), built with
    ``formdata=request.args``. A parameter that takes one value refuses two: ``?family_id=1&
    family_id=2`` names no one family, and reading the first would hide the mistake."""

    class Meta(BaseForm.Meta):
        csrf = False

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self._sent = formdata

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if self._sent is not None and not repeats(field) and len(self._sent.getlist(field.name)) > 1:
                field.errors = [*field.errors, f"Send {field.name} once."]
                valid = False
        return valid


def repeats(field) -> bool:
    """Whether a field takes several values (checkboxes, repeated entries)."""
    return isinstance(field, (SelectMultipleField, FieldList))


VERSION_MESSAGE = "Send the version you read: a whole number."


class VersionField(HiddenField):
    """The version of the record that was read (a whole number from 0): a change made from a
    stale read answers 409 (the services compare it)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional(), Regexp(r"^[0-9]+$", message=VERSION_MESSAGE)], **kwargs)



class RequiredIf:
    """Required when the field ``other`` holds one of ``values``: closing a family needs a
    reason, other moves do not. With ``allowed``, it must then also be one of those (closing at
    a review takes a reason other than a step up or down, which any other decision may send).
    The OpenAPI document publishes it as a condition."""

    def __init__(self, other: str, values, message: str, allowed=None):
        self.other, self.values, self.message = other, tuple(values), message
        self.allowed = None if allowed is None else tuple(allowed)

    def __call__(self, form, field):
        if form[self.other].data in self.values and (
                not field.data or (self.allowed is not None and field.data not in self.allowed)):
            field.errors[:] = []  # "not a valid choice" says less than why it is needed
            raise StopValidation(self.message)


class Above:
    """A whole number higher than the field ``other`` (a goal's target above its baseline),
    when both are given."""

    def __init__(self, other: str, message: str):
        self.other, self.message = other, message

    def __call__(self, form, field):
        below = form[self.other].data
        if field.data is not None and below is not None and field.data <= below:
            raise ValidationError(self.message)


class Sent:
    """The member must be sent, though it may be empty: in ``{"worker_id": null}`` the null
    means "unallocated", while leaving ``worker_id`` out says nothing."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.raw_data:
            raise StopValidation(self.message)


class CreatesRecord:
    """A form that creates a record carries a one-time submission key, made when the form is
    drawn: sent twice (Back, then Save again), the second creates nothing (services.submissions,
    views.helpers.saved_before)."""

    submission_key = HiddenField(default=lambda: secrets.token_urlsafe(18),
                                 validators=[Optional(), TextLimit(255)])


def _collect(field, flat):
    if isinstance(field, FormField):
        for subfield in field.form:
            _collect(subfield, flat)
        return
    if isinstance(field, FieldList):
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


class WholeNumberField(IntegerField):
    """A whole number typed in a text box. Input that is not one ("five") gets one clear
    message, ``invalid_message``, and nothing else: WTForms would say "Not a valid integer
    value" and then its range validator would add a second message about the same mistake."""

    def __init__(self, label=None, validators=None, invalid_message="Enter a whole number, such as 5.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0] or "").strip():
            self.data = None  # missing, not wrong: Optional or InputRequired says what to do
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the one message is already there


class ChoiceField(SelectField):
    """A select whose value is coerced (say to an id), saying ``invalid_message`` when the
    input cannot be, instead of WTForms' "Invalid Choice: could not coerce"."""

    def __init__(self, label=None, validators=None, invalid_message="Choose one of the options.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes (or a JSON array) choosing several options: at most ``max_items`` of them
    (casework/limits.py); more is refused with ``too_many``, never cut short, and the values
    beyond are not even read."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, validators=None, *, max_items: int, too_many: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_items = max_items
        self.too_many = too_many

    def process_formdata(self, valuelist):
        if len(valuelist) > self.max_items:
            self.data = []
            raise ValueError(self.too_many)
        super().process_formdata(valuelist)


class BoundedFieldList(FieldList):
    """Repeated entries (children, carers) of at most ``max_items`` (casework/limits.py):
    more is an error naming the list (``too_many``), never a silent cut. Only the first
    ``max_items`` entries are built and checked, whatever was sent."""

    def __init__(self, unbound_field, label=None, validators=None, *, max_items: int, too_many: str, **kwargs):
        super().__init__(unbound_field, label, validators, max_entries=max_items, **kwargs)
        self.too_many = too_many
        self.sent = 0

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.sent = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters)

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        if self.sent > self.max_entries:
            self.errors = [*self.errors, self.too_many]
            return False
        return valid

    @property
    def full(self) -> bool:
        """Whether another entry would be one too many (the page then offers no "Add")."""
        return len(self.entries) >= self.max_entries
