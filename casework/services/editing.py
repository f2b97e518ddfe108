"""What every change to a case record checks first: that it was made against the latest copy
(409 otherwise), and that the family is still open (a closed family's record is read-only)."""
from __future__ import annotations

from ..models import Family
from .errors import StaleVersion, ValidationFailed


def check_version(record, version: int | None) -> None:
    """Refuse an edit made against an older copy of the record."""
    if version is not None and version != record.version:
        raise StaleVersion()


def ensure_open(family: Family) -> None:
    if family.is_closed:
        raise ValidationFailed("The family is closed; its record is read-only.")
