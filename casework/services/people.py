"""The family record kept true: adding and correcting its children and its parents and carers."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .. import limits
from ..models import Carer, Child, Family
from .clock import local_date
from .editing import check_version, ensure_open
from .errors import ValidationFailed

CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "school")
CARER_FIELDS = ("first_name", "last_name", "relationship")


def _text(value) -> str | None:
    return (value or "").strip() or None


def _check_child(values: dict, today: dt.date) -> None:
    problems: dict[str, list[str]] = {}
    if not values["first_name"]:
        problems["first_name"] = ["Enter the child's first name."]
    if values["date_of_birth"] is None:
        problems["date_of_birth"] = ["Enter the child's date of birth."]
    elif values["date_of_birth"] > today:
        problems["date_of_birth"] = ["A child's date of birth cannot be in the future."]
    if problems:
        raise ValidationFailed("Check the child's details.", problems)


def _check_carer(values: dict) -> None:
    problems: dict[str, list[str]] = {}
    if not values["first_name"]:
        problems["first_name"] = ["Enter the carer's first name."]
    if not values["relationship"]:
        problems["relationship"] = ["Say how the carer is related to the children."]
    if problems:
        raise ValidationFailed("Check the carer's details.", problems)


def _room_for(people: list, bound: int, what: str) -> None:
    """A family holds at most ``bound`` children (or carers): 422 for one more."""
    if len(people) >= bound:
        raise ValidationFailed(f"The family record already holds {bound} {what}, the most it can.")


def add_child(session: Session, family: Family, data: dict, now: dt.datetime) -> Child:
    """A child the family record did not have (a new baby, a child who came to live there).
    ``data``: first_name, last_name?, date_of_birth, school?."""
    ensure_open(family)
    _room_for(family.children, limits.MAX_CHILDREN, "children")
    values = {name: data.get(name) for name in CHILD_FIELDS}
    for name in ("first_name", "last_name", "school"):
        values[name] = _text(values[name])
    _check_child(values, local_date(now))
    child = Child(family=family, **values)
    session.add(child)
    session.flush()
    return child


def update_child(session: Session, child: Child, changes: dict, now: dt.datetime) -> Child:
    """Correct a child's details. ``changes``: any of CHILD_FIELDS, and ``version``."""
    check_version(child, changes.get("version"))
    ensure_open(child.family)
    values = {name: changes.get(name, getattr(child, name)) for name in CHILD_FIELDS}
    for name in ("first_name", "last_name", "school"):
        values[name] = _text(values[name])
    _check_child(values, local_date(now))
    for name, value in values.items():
        setattr(child, name, value)
    session.flush()
    return child


def add_carer(session: Session, family: Family, data: dict, now: dt.datetime) -> Carer:
    """A parent or carer the record did not have. ``data``: first_name, last_name?,
    relationship."""
    ensure_open(family)
    _room_for(family.carers, limits.MAX_CARERS, "parents and carers")
    values = {name: _text(data.get(name)) for name in CARER_FIELDS}
    _check_carer(values)
    carer = Carer(family=family, first_name=values["first_name"], last_name=values["last_name"],
                  relationship_to_children=values["relationship"])
    session.add(carer)
    session.flush()
    return carer


def update_carer(session: Session, carer: Carer, changes: dict, now: dt.datetime) -> Carer:
    """Correct a carer's details. ``changes``: any of CARER_FIELDS, and ``version``."""
    check_version(carer, changes.get("version"))
    ensure_open(carer.family)
    current = {"first_name": carer.first_name, "last_name": carer.last_name,
               "relationship": carer.relationship_to_children}
    values = {name: _text(changes.get(name, current[name])) for name in CARER_FIELDS}
    _check_carer(values)
    carer.first_name, carer.last_name = values["first_name"], values["last_name"]
    carer.relationship_to_children = values["relationship"]
    session.flush()
    return carer
