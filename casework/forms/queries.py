"""The query strings of the JSON API's lists and exports, read like every other input: through a
form, so that the OpenAPI document states what is refused (views/api/spec/forms.py). Every
parameter is optional unless marked, and an empty one counts as absent."""
from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..models import PHASE_ORDER, USER_STATUSES, Role
from ..services.chronology import KINDS
from ..services.subject_access import REDACT_MESSAGE
from .fields import MAX_ID, LocalDateField, QueryForm, TextLimit, WholeNumberField

PER_PAGE_DEFAULT, PER_PAGE_MAX = 50, 200


class Choice(SelectField):
    """One of a fixed list of values, exactly as listed; empty or absent reads as None."""

    def __init__(self, label, choices, message: str, **kwargs):
        super().__init__(label, [Optional()], choices=list(choices), **kwargs)
        self.message = message

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.message) from None


def _choose(what: str, values) -> str:
    return f"Choose {what}: " + ", ".join(values) + "."


def _id(label: str, message: str, description: str) -> WholeNumberField:
    return WholeNumberField(label, [Optional(), NumberRange(1, MAX_ID, message)], invalid_message=message,
                            description=description)


class FamilyListQuery(QueryForm):
    phase = Choice("Phase", [*PHASE_ORDER, "open"], _choose("a phase", [*PHASE_ORDER, "open"]),
                   description="Only this phase; open for every open phase.")
    worker_id = WholeNumberField(
        "Family worker", [Optional(), NumberRange(0, MAX_ID, "worker_id must be a user id, or 0.")],
        invalid_message="worker_id must be a user id, or 0.",
        description="Only this worker's families; 0: the unallocated ones (the caseload's row for them). A worker "
                    "naming another worker gets 422.")
    q = StringField("Search", [Optional()], description="Part of the household name or reference.")
    page = WholeNumberField("Page", [Optional(), NumberRange(min=1, message="page must be a whole number from 1.")],
                            invalid_message="page must be a whole number from 1.", default=1,
                            description="From 1.")
    per_page = WholeNumberField(
        "Families per page",
        [Optional(), NumberRange(1, PER_PAGE_MAX, f"per_page must be a whole number from 1 to {PER_PAGE_MAX}.")],
        invalid_message=f"per_page must be a whole number from 1 to {PER_PAGE_MAX}.", default=PER_PAGE_DEFAULT,
        description="Families per page.")


class FlagListQuery(QueryForm):
    status = Choice("Status", ("open", "resolved"), "Choose a status: open or resolved.",
                    description="open (acknowledged included) or resolved.")
    family_id = _id("Family", "family_id must be a family's id.", "Only this family's flags.")


class NotificationQuery(QueryForm):
    unread = Choice("Unread", ("1", "0", "true", "false", "yes", "no"),
                    "unread must be 1 (only unread notifications) or 0.", description="1: only unread ones.")


class ChronologyQuery(QueryForm):
    kind = Choice("Kind", KINDS, _choose("a kind", KINDS), description="Only entries of this kind.")


class ChildMatchQuery(QueryForm):
    first_name = StringField("First name", [InputRequired("Enter the child's first name."), TextLimit(80)],
                             description="The child's first name (any case).")
    date_of_birth = LocalDateField("Date of birth", [InputRequired("Enter the child's date of birth.")],
                                   description="The child's date of birth.")


class UserListQuery(QueryForm):
    team_id = _id("Team", "team_id must be a team's id.", "Only this team's.")
    role = Choice("Role", [r.value for r in Role], _choose("a role", [r.value for r in Role]),
                  description="Only this role.")
    status = Choice("Status", USER_STATUSES, _choose("a status", USER_STATUSES),
                    description="Only accounts in this state.")


class SubjectAccessQuery(QueryForm):
    redact = Choice("Redact", ("0", "1"), REDACT_MESSAGE,
                    description="1 to redact third parties: staff by role only, other people's names as "
                                "[redacted]; 0 or absent: not redacted.")
