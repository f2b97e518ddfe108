"""Accounts, tokens, the service's health and errors, as the API answers with them."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ....models import USER_STATUSES, Role
from .records import Team
from .types import Answer, Id, Instant

SETUP_URL = ("A one-time link (24 hours) where the person chooses their password: GET and POST "
             "/setup/{token}.")


class Error(Answer):
    error: str = Field(description="What went wrong, in plain words.")
    fields: dict[str, list[str]] = Field(description="Messages by field; nested entries are named like "
                                                     "children-0-date_of_birth. May be empty.")


class Health(Answer):
    status: str = Field(examples=["ok"])


class Token(Answer):
    token: str
    expires_at: Instant


class Me(Answer):
    id: Id
    email: str
    name: str
    role: Literal[tuple(r.value for r in Role)]
    team: Team | None


class Account(Me):
    """A user as an administrator manages them."""

    agency: str | None
    status: Literal[tuple(USER_STATUSES)]
    totp_enabled: bool


class AccountCreated(Account):
    setup_url: str = Field(json_schema_extra={"format": "uri"}, description=SETUP_URL)


class AccountList(Answer):
    items: list[Account] = Field(description="By name.")


class TeamList(Answer):
    items: list[Team] = Field(description="By name.")


class PasswordReset(Answer):
    setup_url: str | None = Field(description=SETUP_URL + " For the administrator to give to the person; null "
                                              "when it was e-mailed to them.")
    emailed: bool
