"""Forms for signing in and managing accounts."""
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..models import Role
from .fields import BaseForm, ChoiceField, optional_id

PASSWORD_HINT = "At least 12 characters. A few unrelated words make a good password."


class LoginForm(BaseForm):
    email = EmailField("E-mail address", [InputRequired("Enter your e-mail address."),
                                          Length(max=254, message="The e-mail address or password is not right.")])
    password = PasswordField("Password", [InputRequired("Enter your password.")])


class TokenForm(LoginForm):
    """Asking the API for a token: a user with two-step sign-in adds the current code."""

    totp_code = StringField("Code from the authenticator app", [Optional()],
                            description="The current 6-digit code: required for a user with two-step sign-in, "
                                        "ignored for others. A code is accepted once.")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", [InputRequired("Enter your current password.")])
    new_password = PasswordField("New password", [InputRequired("Enter a new password.")], description=PASSWORD_HINT)


class UserForm(BaseForm):
    """An administrator adds an account: no password (the person chooses it with a setup
    link), and a team chosen from the existing ones (``team_id.choices`` set by the view)."""

    name = StringField("Full name", [InputRequired("Enter the person's name."), Length(max=120)])
    email = EmailField("E-mail address", [InputRequired("Enter an e-mail address."), Length(max=254),
                                          Email("Enter an e-mail address such as name@example.org.")])
    # The service checks the role and the team (services/provisioning.py), for the API too.
    role = SelectField("Role", choices={r.value: r.value.capitalize() for r in Role}, validate_choice=False)
    team_id = ChoiceField("Team", coerce=optional_id, invalid_message="Choose one of the teams.", validate_choice=False,
                          description="Workers and managers belong to a team. A team that is not listed is "
                                      "added first, under Add a team.")
    agency = StringField("Agency (optional)", [Length(max=120)])


class ConfirmForm(BaseForm):
    """A button only: confirming an account, resetting a password (CSRF is the point)."""


class TeamForm(BaseForm):
    name = StringField("Team name", [InputRequired("Enter a team name."), Length(max=120)])


class SetupPasswordForm(BaseForm):
    """Choosing one's password with a setup link."""

    password = PasswordField("Password", [InputRequired("Enter a password.")], description=PASSWORD_HINT)
    password_confirm = PasswordField("Type the password again", [InputRequired("Type the password again.")])
