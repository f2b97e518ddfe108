"""Forms for data protection: choosing what a subject access export covers, placing and lifting a
legal hold, and confirming an anonymisation by typing the family's reference."""
from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired

from .fields import REASON_LIMIT, BaseForm, MultiCheckboxField, TextLimit, VersionField


class SubjectAccessForm(BaseForm):
    """Read from the query string (a GET form that changes nothing): no CSRF token."""

    class Meta(BaseForm.Meta):
        csrf = False

    subject = RadioField("Whose information?", validate_choice=True,
                         description="A child's export holds only the records that concern that child.")
    redact = MultiCheckboxField("Third parties", choices={"1": "Redact third parties"}, max_items=1,
                                too_many="Tick the box once, or leave it empty.",
                                description="Staff are shown by role only; the referral source and, in a "
                                "child's export, the parents' and carers' names become [redacted].")


class LegalHoldForm(BaseForm):
    reason = TextAreaField(
        "Why must the record be kept?",
        [InputRequired("Say why the record must be kept (for example, the proceedings it is needed for)."),
         TextLimit(REASON_LIMIT)],
        description="For example: care proceedings, a complaint or a claim. While the hold is on, the "
        "record cannot be anonymised.",
    )
    version = VersionField()


class LiftHoldForm(BaseForm):
    version = VersionField()


class AnonymiseForm(BaseForm):
    confirm_reference = StringField(
        "Type the family's reference to confirm",
        [InputRequired("Type the family's reference to confirm."), TextLimit(40)],
    )
    version = VersionField()
