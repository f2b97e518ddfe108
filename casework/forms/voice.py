"""The child's voice: what a child said, their 0-10 scale and three houses, read from the page
and from the API's JSON body alike."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..models import SCALE_MAX, SCALE_MIN, VOICE_HOWS
from ..services.voices import VOICE_FIELDS
from .case import CORRECTION_NOTE
from .fields import (
    NOTE_LIMIT,
    BaseForm,
    ChoiceField,
    CreatesRecord,
    LocalDateField,
    TextLimit,
    VersionField,
    WholeNumberField,
    optional_id,
)

SCALE_MESSAGE = f"Enter where the child put things, a whole number from {SCALE_MIN} to {SCALE_MAX}."


class VoiceForm(CreatesRecord, BaseForm):
    """Whether anything was heard at all (words, the scale or a house), whether the date is in
    the future, and which visit or review it belongs to, are the service's rules
    (services/voices.py ``check_voice``): it names the field, for the page and the API alike."""

    date = LocalDateField("Date", [InputRequired("Enter the date the child was heard.")])
    how = RadioField("How was the child heard?", choices=dict(VOICE_HOWS),
                     validators=[InputRequired("Choose how the child was heard.")])
    words = TextAreaField(
        "In the child's own words (optional)", [Optional(), TextLimit(NOTE_LIMIT)],
        description="What the child said, as they said it, not a summary. For a baby or a child who does not "
                    "talk yet: what you observed.")
    scale = WholeNumberField(
        f"How are things at home, from {SCALE_MIN} to {SCALE_MAX}? (optional)",
        [Optional(), NumberRange(SCALE_MIN, SCALE_MAX, SCALE_MESSAGE)], invalid_message=SCALE_MESSAGE,
        description=f"Asked the same way each time: {SCALE_MIN} is the worst things could be, {SCALE_MAX} the best.")
    worries = TextAreaField("House of worries (optional)", [Optional(), TextLimit(NOTE_LIMIT)])
    good_things = TextAreaField("House of good things (optional)", [Optional(), TextLimit(NOTE_LIMIT)])
    wishes = TextAreaField("House of wishes (optional)", [Optional(), TextLimit(NOTE_LIMIT)])
    shared_with_parents = BooleanField(
        "The child agreed that their parents may read this",
        description="Leave unticked unless the child said yes: the parents' plan and the copy of the record "
                    "released to the family leave out what the child did not agree to share.")
    visit_id = ChoiceField("At the visit (optional)", coerce=optional_id, validate_choice=False,
                           invalid_message="Choose a visit of this family.")
    review_id = ChoiceField("At the review (optional)", coerce=optional_id, validate_choice=False,
                            invalid_message="Choose a review of this family.")

    def voice_data(self) -> dict:
        """What the service takes (services.voices.VOICE_FIELDS)."""
        return {name: getattr(self, name).data for name in VOICE_FIELDS}


class VoiceCorrectionForm(VoiceForm):
    correction_note = CORRECTION_NOTE
    submission_key = None  # a correction changes a record; it creates none
    version = VersionField()
