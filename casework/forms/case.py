"""Forms for case work: referrals, the family record, visits, goals, ratings and phases."""
from __future__ import annotations

from flask import current_app
from wtforms import (
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp, ValidationError

from .. import limits
from ..models import (
    CLOSURE_REASONS,
    GOAL_STATUSES,
    NEGLECT_CONCERNS,
    PARENTAL_FACTORS,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ..models.goal import RATING_MAX, RATING_MIN
from ..services.corrections import NOTE_MESSAGE as CORRECTION_NOTE_MESSAGE
from ..services.families import EDITABLE_FIELDS
from ..services.goals import area_label
from ..services.referrals import NO_EARLIER_CASE
from ..services.reviews import CLOSE_REASONS
from ..services.visits import VISIT_FIELDS
from .fields import (
    MAX_ID,
    NEXT_STEP_LIMIT,
    NOTE_LIMIT,
    NOTES_LIMIT,
    Above,
    BaseForm,
    BoundedFieldList,
    ChoiceField,
    CreatesRecord,
    EntryForm,
    EntryRequired,
    LocalDateField,
    MultiCheckboxField,
    RequiredIf,
    TextLimit,
    VersionField,
    WholeNumberField,
    id_number,
    optional_id,
)

# A UK postcode, loosely: outward code, optional space, inward code.
POSTCODE = Regexp(
    r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\s*$",
    message="Enter a real postcode, such as LS6 2AB.",
)


# Closing (a phase move to closed, a review deciding to close) needs a reason; stepping up or
# down is its own reason.
CLOSING_REASON_NEEDED = "Choose the reason the family is closing."


def _required(message):
    return InputRequired(message=message)


_optional_int = optional_id


class ChildEntry(EntryForm):
    first_name = StringField("First name", [
        EntryRequired("Enter the first name of {entry}.", "Enter the child's first name.", "child"), TextLimit(80)])
    last_name = StringField("Last name (optional)", [Optional(), TextLimit(80)])
    date_of_birth = LocalDateField("Date of birth", [
        EntryRequired("Enter the date of birth of {entry}.", "Enter the child's date of birth.", "child")])
    school = StringField("School or nursery (optional)", [Optional(), TextLimit(120)])


class CarerEntry(EntryForm):
    first_name = StringField("First name", [
        EntryRequired("Enter the first name of {entry}.", "Enter the carer's first name.", "parent or carer"),
        TextLimit(80)])
    last_name = StringField("Last name (optional)", [Optional(), TextLimit(80)])
    relationship = StringField("Relationship to the children", [
        EntryRequired("Say how {entry} is related to the children.", "Say how the carer is related to the children.",
                      "parent or carer"),
        TextLimit(80)])


class FamilyDetailsForm(BaseForm):
    """The household's own details: shared by the referral and the edit form."""

    household_name = StringField(
        "Household name", [_required("Enter the household name."), TextLimit(120)],
        description="Usually the family's surname, for example Smith household.",
    )
    postcode = StringField("Postcode", [_required("Enter the postcode."), POSTCODE])
    referral_date = LocalDateField("Referral date", [_required("Enter the referral date.")])
    referral_source = StringField(
        "Referred by (optional)", [Optional(), TextLimit(120)],
        description="For example health visitor, school, self-referral, social_care_step_down.",
    )
    external_reference = StringField(
        "The referring service's reference (optional)", [Optional(), TextLimit(60)],
        description="For a family stepped down from children's social care: their reference.",
    )
    opened_on = LocalDateField("Date opened (optional)", [Optional()], description="Leave empty for today.")
    # One field for the contract's ``concerns``; the page shows it as two groups.
    concerns = MultiCheckboxField(
        "Concerns",
        choices={**NEGLECT_CONCERNS, **PARENTAL_FACTORS},
        validators=[InputRequired("Choose at least one concern.")],
        max_items=limits.MAX_CONCERNS,
        too_many=f"Choose each concern once: at most {limits.MAX_CONCERNS}.",
    )
    consent_recorded_on = LocalDateField(
        "Consent to work together recorded on (optional)", [Optional()]
    )
    worker_id = ChoiceField(
        "Family worker", coerce=_optional_int, validate_choice=False,
        invalid_message="Choose a family worker.",
    )

    def details(self) -> dict:
        return {name: getattr(self, name).data for name in EDITABLE_FIELDS}


class ReferralForm(CreatesRecord, FamilyDetailsForm):
    previous_family_id = WholeNumberField("Earlier case", [Optional(), NumberRange(1, MAX_ID, NO_EARLIER_CASE)],
                                          invalid_message=NO_EARLIER_CASE)
    children = BoundedFieldList(FormField(ChildEntry), "Children", min_entries=1, max_items=limits.MAX_CHILDREN,
                                too_many=limits.too_many("children", limits.MAX_CHILDREN))
    carers = BoundedFieldList(FormField(CarerEntry), "Parents and carers", min_entries=0,
                              max_items=limits.MAX_CARERS,
                              too_many=limits.too_many("parents and carers", limits.MAX_CARERS))
    add_child = SubmitField("Add another child")
    add_carer = SubmitField("Add a parent or carer")

    def validate_children(self, field):
        if not field.entries:
            raise ValidationError("Add at least one child.")


class FamilyEditForm(FamilyDetailsForm):
    # A family's record keeps the date it opened: only a referral leaves it for today.
    opened_on = LocalDateField("Date opened", [_required("Enter the date the family was opened.")])
    version = VersionField()


class PhaseMoveForm(BaseForm):
    phase = RadioField(
        "Move to", choices=dict(PHASE_LABELS), validators=[_required("Choose a phase.")]
    )
    date = LocalDateField("Date of the move", [_required("Enter the date of the move.")])
    note = TextAreaField("Note", [Optional(), TextLimit(NOTE_LIMIT)])
    reason = SelectField(
        "Reason for closing",
        choices={"": "Choose a reason", **CLOSURE_REASONS},
        validators=[RequiredIf("phase", ("closed",), CLOSING_REASON_NEEDED), Optional()],
    )
    version = VersionField()


class VisitForm(CreatesRecord, BaseForm):
    date = LocalDateField("Date of the visit", [_required("Enter the date of the visit.")])
    kind = RadioField("Kind of visit", choices=dict(VISIT_KINDS),
                      validators=[_required("Choose the kind of visit.")])
    outcome = RadioField("Outcome", choices=dict(VISIT_OUTCOMES),
                         validators=[_required("Choose the outcome of the visit.")])
    duration_minutes = WholeNumberField(
        "Duration in minutes (optional)",
        [Optional(), NumberRange(min=1, max=24 * 60, message="Enter minutes between 1 and 1440.")],
        invalid_message="Enter the duration as a number of minutes, such as 45.",
    )
    children_seen = MultiCheckboxField("Children seen", coerce=int, max_items=limits.MAX_CHILDREN_SEEN,
                                       too_many=limits.too_many("children", limits.MAX_CHILDREN_SEEN, "choose"))
    seen_alone = MultiCheckboxField("Children seen on their own", coerce=int, max_items=limits.MAX_CHILDREN_SEEN,
                                    too_many=limits.too_many("children", limits.MAX_CHILDREN_SEEN, "choose"))
    # Which goals a visit may discuss is the service's rule (services/visits.py): it names the
    # goal refused, for the page and the API alike. The choices only draw the checkboxes.
    # id_number: an id past any row's reads as 0 (no goal), never reaching the database's integer.
    goals_discussed = MultiCheckboxField("Goals discussed", coerce=id_number, validate_choice=False,
                                         max_items=limits.MAX_GOALS_DISCUSSED,
                                         too_many=limits.too_many("goals", limits.MAX_GOALS_DISCUSSED, "choose"))
    notes = TextAreaField("Notes", [Optional(), TextLimit(NOTES_LIMIT)])

    def set_family(self, family, goals=()):
        """The family's children to tick, and ``goals`` to draw (services.visits.goals_to_discuss)."""
        children = [(child.id, child.first_name) for child in family.children]
        self.children_seen.choices = children
        self.seen_alone.choices = children
        self.goals_discussed.choices = [(goal.id, goal.title) for goal in goals]
        return self

    def visit_data(self) -> dict:
        """What the service takes (services.visits.VISIT_FIELDS)."""
        return {name: getattr(self, name).data for name in VISIT_FIELDS}


class GoalForm(CreatesRecord, BaseForm):
    title = StringField(
        "Goal, in the family's words", [_required("Enter the goal."), TextLimit(200)],
        description="For example: the children have a regular bedtime.",
    )
    area = SelectField("Outcome area", validators=[_required("Choose an outcome area.")])
    baseline = WholeNumberField(
        "Rating now (1 to 10)",
        [_required("Enter the rating now, from 1 to 10."),
         NumberRange(RATING_MIN, RATING_MAX, "Enter a rating from 1 to 10.")],
        invalid_message="Enter the rating now as a number from 1 to 10, such as 3.",
    )
    target = WholeNumberField(
        "Target rating (1 to 10)",
        [_required("Enter the target rating, from 1 to 10."),
         NumberRange(RATING_MIN, RATING_MAX, "Enter a rating from 1 to 10."),
         Above("baseline", "The target must be higher than the rating now.")],
        invalid_message="Enter the target rating as a number from 1 to 10, such as 8.",
    )
    start_date = LocalDateField("Start date", [_required("Enter the start date.")])
    target_date = LocalDateField("Target date", [_required("Enter the target date.")])
    next_step = TextAreaField(
        "Next step agreed with the family (optional)", [Optional(), TextLimit(NEXT_STEP_LIMIT)],
        description="In words the family use: it is printed on their plan. Not for case notes.",
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [("", "Choose an area")] + [
            (code, area_label(code)) for code in current_app.config["CASEWORK_GOAL_AREAS"]
        ]


class GoalChangeForm(GoalForm):
    """A change to a goal through the API: its fields, its status, and why the status changes
    (the pages change the status with buttons of their own)."""

    submission_key = None  # a change creates no record
    status = RadioField("Status", choices=dict(GOAL_STATUSES), validators=[Optional()])
    reason = TextAreaField("Why the status changes (optional)", [Optional(), TextLimit(NOTE_LIMIT)])


class RatingForm(CreatesRecord, BaseForm):
    date = LocalDateField("Date", [_required("Enter the date of the rating.")])
    rating = WholeNumberField(
        "Rating (1 to 10)",
        [_required("Enter a rating from 1 to 10."),
         NumberRange(RATING_MIN, RATING_MAX, "Enter a rating from 1 to 10.")],
        invalid_message="Enter the rating as a number from 1 to 10, such as 5.",
    )
    note = TextAreaField("Note (optional)", [Optional(), TextLimit(NOTE_LIMIT)])


class ReviewForm(CreatesRecord, BaseForm):
    """A review of the family plan. A decision to step up or down is its own closing reason;
    ``close`` needs a reason (the service says so, as it knows the decision)."""

    held_on = LocalDateField("Date held", [_required("Enter the date the review was held.")])
    decision = RadioField(
        "Decision", choices=dict(REVIEW_DECISIONS),
        validators=[_required("Choose continue, step up, step down or close.")],
    )
    # Any closing reason may be sent (CONTRACT.md: ``reason?``; a step down naming itself), but
    # closing at a review takes only CLOSE_REASONS (services/reviews.py, which refuses any other
    # for either face; the API's document says so). The page offers only those (``for_page``).
    reason = SelectField(
        "Reason for closing (only when the decision is to close)",
        choices={"": "Choose a reason", **CLOSURE_REASONS},
        validators=[RequiredIf("decision", ("close",), CLOSING_REASON_NEEDED, allowed=CLOSE_REASONS), Optional()],
    )
    attendees = TextAreaField("Who attended (optional)", [Optional(), TextLimit(NOTE_LIMIT)])
    notes = TextAreaField("Notes", [Optional(), TextLimit(NOTES_LIMIT)])

    def for_page(self) -> ReviewForm:
        """The page asks for a reason only to close: it offers the reasons that close at a review."""
        self.reason.choices = [("", "Choose a reason"), *((code, CLOSURE_REASONS[code]) for code in CLOSE_REASONS)]
        return self


class ViewNotGatheredEntry(EntryForm):
    """Why one child's view was not gathered at a review, as the review's answer says it."""

    child_id = WholeNumberField("Child", [EntryRequired("Name the child of {entry}.", "Name the child.",
                                                        "view not gathered")])
    reason = TextAreaField("Why the child's view was not gathered", [
        EntryRequired("Say why the view of {entry} was not gathered.", "Say why the view was not gathered.",
                      "view not gathered"), TextLimit(NOTE_LIMIT)])


class ReviewInputForm(ReviewForm):
    """A review sent to the API: the page asks why each child's view was not gathered beside
    the child (forms/voice_pages.py); a client sends a list, each child at most once."""

    views_not_gathered = BoundedFieldList(
        FormField(ViewNotGatheredEntry), "Views not gathered", min_entries=0, max_items=limits.MAX_CHILDREN,
        too_many=limits.too_many("children", limits.MAX_CHILDREN, "name"))

    def validate_views_not_gathered(self, field):
        ids = [entry.form.child_id.data for entry in field.entries if entry.form.child_id.data is not None]
        if len(ids) != len(set(ids)):
            raise ValidationError("Say why a child's view was not gathered at most once for each child.")

    def not_gathered(self) -> dict[int, str]:
        """What the service takes: ``{child id: why}``."""
        return {entry.form.child_id.data: entry.form.reason.data for entry in self.views_not_gathered.entries}


# --- Keeping the record true (HTML pages) ---------------------------------------------------


class ChildForm(CreatesRecord, BaseForm):
    """Adding a child to the family record, or correcting one."""

    first_name = ChildEntry.first_name
    last_name = ChildEntry.last_name
    date_of_birth = ChildEntry.date_of_birth
    school = ChildEntry.school
    version = VersionField()


class CarerForm(CreatesRecord, BaseForm):
    """Adding a parent or carer to the family record, or correcting one."""

    first_name = CarerEntry.first_name
    last_name = CarerEntry.last_name
    relationship = CarerEntry.relationship
    version = VersionField()


CORRECTION_NOTE = TextAreaField(
    "What was wrong?",
    [_required(CORRECTION_NOTE_MESSAGE), TextLimit(NOTE_LIMIT)],
    description="For example: wrong day, Ben was at his nan's. The old values are kept.",
)


class VisitCorrectionForm(VisitForm):
    correction_note = CORRECTION_NOTE
    submission_key = None  # a correction changes a record; it creates none
    version = VersionField()


class RatingCorrectionForm(RatingForm):
    correction_note = CORRECTION_NOTE
    submission_key = None  # a correction changes a record; it creates none
    version = VersionField()


class WithdrawGoalForm(BaseForm):
    """Withdrawing a goal asks why: the reason is kept and shown in the chronology."""

    reason = TextAreaField(
        "Why is the goal being withdrawn?",
        [_required("Say why the goal is being withdrawn."), TextLimit(NOTE_LIMIT)],
        description="For example: the family agreed to focus on the children's school attendance instead.",
    )
    version = VersionField()


class ReopenForm(BaseForm):
    note = TextAreaField(
        "Why is the family being reopened?",
        [_required("Say why the family is being reopened."), TextLimit(NOTE_LIMIT)],
    )
    version = VersionField()
