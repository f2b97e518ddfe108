"""Forms for a manager's decisions: allocation, transfer between teams, closure approval and
acting on flags. Choices (workers, teams) are set by the view from the services, which
also decide whether a chosen worker or team is allowed (and say why not)."""
from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from .. import limits
from .fields import (
    NOTE_LIMIT,
    REASON_LIMIT,
    BaseForm,
    ChoiceField,
    MultiCheckboxField,
    Sent,
    TextLimit,
    VersionField,
    id_number,
    optional_id,
)

_optional_int = optional_id


class AllocateForm(BaseForm):
    worker_id = ChoiceField(
        "Family worker", coerce=_optional_int, validate_choice=False,
        invalid_message="Choose a family worker in your team.",
        description="Choose “Unallocated” to leave the family waiting for a worker.",
    )
    reason = TextAreaField(
        "Reason", [InputRequired("Give the reason for the allocation."), TextLimit(REASON_LIMIT)],
        description="Kept in the family's history, for example: Wendy's caseload is full.",
    )
    version = VersionField()


class AllocationRequest(AllocateForm):
    """Allocating through the API: ``worker_id`` must be sent (null leaves the family
    unallocated), with the reason, as on the page (services.allocation.reallocate)."""

    worker_id = ChoiceField(
        "Family worker", [Sent("Choose a family worker.")], coerce=_optional_int, validate_choice=False,
        invalid_message="Choose a family worker.",
        description="An active worker of the team; null leaves the family unallocated.",
    )


class TransferForm(BaseForm):
    to_team_id = ChoiceField(
        "Team to transfer to", coerce=_optional_int, validate_choice=False,
        validators=[InputRequired("Choose another team.")],
        invalid_message="Choose another team.",
    )
    reason = TextAreaField(
        "Reason", [InputRequired("Say why the family is moving to another team."), TextLimit(REASON_LIMIT)],
        description="The receiving team's manager reads this when deciding. Do not include case notes.",
    )
    version = VersionField()


class RepeatedForm(BaseForm):
    """A form drawn once per row of a page (each with its own ``prefix``) or posted from
    another team's page. Its fields carry the prefix, but the CSRF token does not: the
    application's CSRFProtect checks the one ``csrf_token`` of every POST, whichever page
    sent it, so the form does not check a prefixed copy of its own."""

    class Meta(BaseForm.Meta):
        csrf = False


class AcceptTransferForm(RepeatedForm):
    worker_id = ChoiceField(
        "Allocate to", coerce=_optional_int, validate_choice=False,
        invalid_message="Choose a family worker in your team.",
    )


class DeclineTransferForm(RepeatedForm):
    comment = TextAreaField(
        "Why are you declining?", [InputRequired("Say why the transfer is declined."), TextLimit(REASON_LIMIT)],
    )


class ReturnClosureForm(RepeatedForm):
    comment = TextAreaField(
        "Comment for the family worker",
        [InputRequired("Say why the closure is returned."), TextLimit(NOTE_LIMIT)],
        description="Say what needs to happen before the family can close.",
    )
    version = VersionField()


class ClosureApprovalForm(BaseForm):
    """Approving a closure through the API: the version of the family read, if given."""

    version = VersionField()


class ResolveFlagForm(RepeatedForm):
    note = TextAreaField(
        "What was decided", [InputRequired("Say what was decided about this flag."), TextLimit(NOTE_LIMIT)],
    )


class BulkAcknowledgeForm(BaseForm):
    flag_ids = MultiCheckboxField(
        "Flags to acknowledge", coerce=id_number, validate_choice=False,
        validators=[InputRequired("Choose at least one flag to acknowledge.")],
        max_items=limits.MAX_FLAGS_AT_ONCE,
        too_many=limits.too_many("flags at once", limits.MAX_FLAGS_AT_ONCE, "acknowledge"),
    )


# --- Filters (GET forms: no CSRF, read from the query string) ------------------------------------

class _ListChoice(ChoiceField):
    """A filter select: the value must be one of its options (set by the view)."""

    def __init__(self, label=None, validators=None, message="Choose one of the options.", **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.choice_message = message

    def pre_validate(self, form):
        if self.data not in {str(value) for value, _label in self.choices}:
            self.data = ""
            raise ValidationError(self.choice_message)


class FilterForm(BaseForm):
    """Filters travel in the query string; the CSRF token has no place there."""

    class Meta(BaseForm.Meta):
        csrf = False


# The options of the filters a list of families shares with the team's CSV export
# (services/family_filters.py applies them).
UNALLOCATED = "none"  # the family worker filter's value for families with no worker
FLAG_CHOICES = [
    ("", "Any (with or without flags)"), ("any", "At least one open flag"), ("high", "A high flag"),
    ("medium", "A medium flag"), ("low", "A low flag"), ("none", "No open flags"),
]
OVERDUE_CHOICES = [("", "Any"), ("yes", "Review overdue"), ("no", "Review not overdue")]
OVERDUE_VALUES = {"yes": True, "no": False}


def seen_choices(days: int) -> list[tuple[str, str]]:
    return [("", "Any"), ("no", f"A child not seen in the last {days} days")]


class FamilyExportForm(FilterForm):
    q = StringField("Household name or reference", [Optional(), TextLimit(100)])
    phase = _ListChoice("Phase", message="Choose a phase from the list.")
    worker_id = _ListChoice("Family worker", message="Choose a family worker from the list.")
    flag = _ListChoice("Open flags", message="Choose an option for open flags.")
    overdue = _ListChoice("Review", message="Choose an option for reviews.")
    seen = _ListChoice("Children seen", message="Choose an option for children seen.")


class FlagFilterForm(FilterForm):
    severity = _ListChoice("Severity", message="Choose a severity from the list.")
    worker_id = _ListChoice("Family worker", message="Choose a family worker from the list.")
