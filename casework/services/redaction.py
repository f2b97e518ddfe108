"""Redacting third parties in a subject access export (services/subject_access.py).

With redaction on, the names of people other than the data subject are replaced with
"[redacted]": staff appear by role only ("Family worker", "Manager"); the referral source is
"[redacted]"; in a child's export the carers' names are "[redacted]". In every free-text field
(notes, goal titles, who attended, evidence, comments, the household name) each word that is
the name, or part of the name, of a third party the service knows (any member of staff, and in
a child's export the carers and the other children) is replaced by "[redacted]", unless it is
also part of the subject's own name (a brother's surname is the child's too). Names casework
does not know (a neighbour, a grandmother named in a note) cannot be found this way: whoever
releases the export still reads it through first, as the page says.

A child's voice that the child did not agree to share with their parents (their words, scale
and three houses) is withheld from a redacted export, the copy released to the family, with a
line saying so (``withholds_voice``): a child who says they are frightened at home must not be
put at risk by their own words."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..models import Role, User

REDACTED = "[redacted]"
ROLE_LABELS = {Role.WORKER: "Family worker", Role.MANAGER: "Manager", Role.ADMIN: "Administrator",
               Role.PARTNER: "Partner"}


def _name_parts(name: str | None) -> set[str]:
    """A name and each part of it (split on spaces and hyphens), of at least two letters."""
    if not name:
        return set()
    name = " ".join(name.split())
    parts = {name} | set(name.split(" ")) | set(re.split(r"[\s\-]+", name))
    return {part for part in parts if len(part) >= 2 and any(ch.isalpha() for ch in part)}


class Redactor:
    """Replaces third parties' names, or does nothing when redaction is off."""

    def __init__(self, enabled: bool, third_parties: Iterable[str | None] = (),
                 subject_names: Iterable[str | None] = (), users: dict[int, User] | None = None):
        self.enabled = enabled
        self.users = users or {}
        own = {part.casefold() for name in subject_names for part in _name_parts(name)}
        words = {part for name in third_parties for part in _name_parts(name) if part.casefold() not in own}
        self.pattern = None
        if enabled and words:
            alternatives = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
            self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def text(self, value: str | None) -> str | None:
        """Free text with every known third party's name replaced."""
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(REDACTED, value)

    def name(self, value: str | None) -> str | None:
        """A third party's name: replaced as a whole."""
        if not value or not self.enabled:
            return value
        return REDACTED

    def withholds_voice(self, shared_with_parents: bool | None) -> bool:
        """Whether what a child said is withheld: redacting, and the child did not agree to
        share it with their parents."""
        return self.enabled and not shared_with_parents

    def staff(self, user_id: int | None) -> str | None:
        """A member of staff: their name, or only their role when redacting."""
        if user_id is None:
            return None
        user = self.users.get(user_id)
        if user is None:
            return None
        if self.enabled:
            return ROLE_LABELS.get(user.role, "Member of staff")
        return user.name
