"""Forms for the second factor: a code from an authenticator app."""
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from .fields import BaseForm

CODE_HINT = "The 6-digit code your authenticator app shows for casework now."


def _code_field(label="Code from your authenticator app"):
    return StringField(label, [InputRequired("Enter the 6-digit code from your authenticator app."), Length(max=20)],
                       description=CODE_HINT)


class CodeForm(BaseForm):
    """The second step of signing in, and confirming a new authenticator app."""

    code = _code_field()


class DisableSecondFactorForm(BaseForm):
    password = PasswordField("Your password", [InputRequired("Enter your password.")])
    code = _code_field()
