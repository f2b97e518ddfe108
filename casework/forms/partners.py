"""Forms for the Team Around the Family: partners, consent to share, meetings and actions."""
from __future__ import annotations

from wtforms import BooleanField, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp

from ..models import PARTNER_KINDS, SHARING_SCOPES, ActionStatus
from ..services.handoff import REFERENCE_NEEDED
from .fields import (
    NOTE_LIMIT,
    NOTES_LIMIT,
    BaseForm,
    BoundedFieldList,
    EntryForm,
    EntryRequired,
    LocalDateField,
    MultiCheckboxField,
    TextLimit,
    VersionField,
    WholeNumberField,
    id_number,
)

# A family's partners, and the actions agreed at one meeting: a Team Around the Family is a
# handful of agencies, and a meeting agrees a handful of actions.
MAX_PARTNERS_NAMED = 30
MAX_ACTIONS = 30


# An e-mail address as a pattern (dot-atom@domain), which the OpenAPI document publishes as it
# is: any such address, a local network's too (WTForms' Email refuses reserved domains such as
# .local, which a document of format "email" accepts). Spaces around it are read away, and
# nothing (or only spaces) is no e-mail: the field is optional.
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = Regexp(rf"^\s*(?:{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+)?\s*$",
               message="Enter an e-mail address such as name@example.org.")


def _required(message):
    return InputRequired(message=message)


class PartnerForm(BaseForm):
    agency = StringField("Agency", [_required("Enter the partner's agency."), TextLimit(120)],
                         description="For example: Hillside Primary School.")
    kind = SelectField("Kind of partner", choices={"": "Choose a kind", **PARTNER_KINDS},
                       validators=[_required("Choose the kind of partner.")])
    contact_name = StringField("Contact name", [_required("Enter the contact's name."), TextLimit(120)])
    email = StringField("E-mail (optional)", [Optional(), TextLimit(254), EMAIL])
    phone = StringField("Phone (optional)", [Optional(), TextLimit(40)])
    lead = BooleanField("The lead practitioner for this family (instead of the family worker)")

    def validate_kind(self, field):
        if field.data not in PARTNER_KINDS:
            field.errors.append("Choose the kind of partner.")


class ConsentForm(BaseForm):
    given_by = StringField("Consent given by", [_required("Enter who gave consent."), TextLimit(120)])
    relationship = StringField("Their relationship to the family", [
        _required("Enter their relationship to the family (for example: mother, or the child)."), TextLimit(80)])
    given_on = LocalDateField("Date given", [_required("Enter the date consent was given.")])
    partner_ids = MultiCheckboxField(
        "Partners it names", coerce=id_number, validators=[_required("Name one or more partners.")],
        max_items=MAX_PARTNERS_NAMED, too_many=f"Name at most {MAX_PARTNERS_NAMED} partners.")
    scope = MultiCheckboxField(
        "What may be shared", choices=dict(SHARING_SCOPES),
        validators=[_required("Choose what may be shared.")], max_items=len(SHARING_SCOPES),
        too_many="Choose what may be shared, each at most once.")
    expires_on = LocalDateField("Until (optional)", [Optional()])
    child_view = TextAreaField("The child's own view (optional)", [Optional(), TextLimit(NOTE_LIMIT)])

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_ids.choices = [(p.id, f"{p.contact_name}, {p.agency}") for p in partners]


class WithdrawConsentForm(BaseForm):
    date = LocalDateField("Date withdrawn", [_required("Enter the date consent was withdrawn.")])
    note = TextAreaField("Note (optional)", [Optional(), TextLimit(NOTE_LIMIT)])


class ActionEntry(EntryForm):
    action = StringField("Action", [
        EntryRequired("Say what {entry} is.", "Say what the action is.", "action"), TextLimit(NOTE_LIMIT)])
    owner_partner_id = WholeNumberField("Owner (a partner)", [Optional()])
    owner_user_id = WholeNumberField("Owner (the worker)", [Optional()])
    due_on = LocalDateField("Due", [EntryRequired("Enter when {entry} is due.", "Enter when the action is due.",
                                                  "action")])


class MeetingForm(BaseForm):
    held_on = LocalDateField("Date of the meeting", [_required("Enter the date of the meeting.")])
    attendee_partner_ids = MultiCheckboxField(
        "Partners who attended", coerce=id_number, validators=[Optional()],
        max_items=MAX_PARTNERS_NAMED, too_many=f"Name at most {MAX_PARTNERS_NAMED} partners.")
    family_attended = BooleanField("The family attended")
    notes = TextAreaField("Notes", [Optional(), TextLimit(NOTES_LIMIT)])
    actions = BoundedFieldList(FormField(ActionEntry), "Actions", min_entries=0, max_items=MAX_ACTIONS,
                               too_many=f"Agree at most {MAX_ACTIONS} actions at one meeting.")

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attendee_partner_ids.choices = [(p.id, f"{p.contact_name}, {p.agency}") for p in partners]


class ActionUpdateForm(BaseForm):
    status = RadioField("Status", choices={s.value: s.value.capitalize() for s in ActionStatus},
                        validators=[_required("Choose open or done.")])
    note = TextAreaField("Note (optional)", [Optional(), TextLimit(NOTE_LIMIT)])
    version = VersionField()


class HandoffReferenceForm(BaseForm):
    """The receiving service's reference, recorded on a step-up handoff."""

    reference = StringField("Children's social care reference", [_required(REFERENCE_NEEDED), TextLimit(60)],
                            description="The reference children's social care gave the family, for example CSC-12345.")
