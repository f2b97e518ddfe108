"""The assessment form. Its score fields depend on the framework (one radio group and one
evidence note per domain), so the form class is built for the framework chosen."""
from __future__ import annotations

from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..models import ASSESSMENT_STAGES
from .fields import NOTE_LIMIT, BaseForm, ChoiceField, CreatesRecord, LocalDateField, TextLimit


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class AssessmentFormBase(CreatesRecord, BaseForm):
    framework = HiddenField()
    stage = RadioField(
        "Stage", validators=[InputRequired("Choose initial, review or closing.")],
        choices=dict(ASSESSMENT_STAGES),
    )
    date = LocalDateField("Date of the assessment", [InputRequired("Enter the date of the assessment.")])
    child_id = ChoiceField("Child", coerce=_optional_int, validate_choice=False,
                           invalid_message="Choose a child of this family.")


def score_field_name(domain_code: str) -> str:
    return f"score-{domain_code}"


def evidence_field_name(domain_code: str) -> str:
    return f"evidence-{domain_code}"


def assessment_form_class(framework):
    """A form class for ``framework``: ``score-<domain>`` radios labelled with the scale's
    words ("1 – Needs fully met") and ``evidence-<domain>`` notes."""
    attributes = {}
    choices = {str(n): f"{n} – {framework.label(n)}" for n in range(framework.scale_min, framework.scale_max + 1)}
    for domain in framework.domains:
        attributes[score_field_name(domain.code)] = RadioField(
            domain.label, choices=choices, validators=[InputRequired(f"Score {domain.label.lower()}.")],
            description=domain.description,
        )
        attributes[evidence_field_name(domain.code)] = TextAreaField(
            f"Evidence for {domain.label.lower()} (optional)", [Optional(), TextLimit(NOTE_LIMIT)],
        )
    return type(f"AssessmentForm_{framework.code}", (AssessmentFormBase,), attributes)
