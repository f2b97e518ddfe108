"""Forms for signing in and managing accounts."""
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from ..models import Role
from .fields import BaseForm


class LoginForm(BaseForm):
    email = EmailField("E-mail address", [InputRequired("Enter your e-mail address."),
                                          Length(max=254, message="The e-mail address or password is not right.")])
    password = PasswordField("Password", [InputRequired("Enter your password.")])


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", [InputRequired("Enter your current password.")])
    new_password = PasswordField(
        "New password", [InputRequired("Enter a new password.")],
        description="At least 12 characters. A few unrelated words make a good password.",
    )


class UserForm(BaseForm):
    name = StringField("Full name", [InputRequired("Enter the person's name."), Length(max=120)])
    email = EmailField("E-mail address", [InputRequired("Enter an e-mail address."), Length(max=254),
                                          Email("Enter an e-mail address such as name@example.org.")])
    role = SelectField("Role", choices={r.value: r.value.capitalize() for r in Role})
    team = StringField("Team", [Length(max=120)], description="A new team is created if it does not exist.")
    password = PasswordField("First password", [InputRequired("Enter a first password.")],
                             description="At least 12 characters. Ask them to change it when they first sign in.")


class ResetPasswordForm(BaseForm):
    new_password = PasswordField("New password", [InputRequired("Enter a new password.")],
                                 description="At least 12 characters.")


class TeamForm(BaseForm):
    name = StringField("Team name", [InputRequired("Enter a team name."), Length(max=120)])
