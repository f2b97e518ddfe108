"""When is a child heard, and when not. A child is *not heard lately* when their family has been
open at least ``CASEWORK_VOICE_OPEN_DAYS`` (28 days), the child is aged ``CASEWORK_VOICE_MIN_AGE``
(4) or over on the day, and no voice of theirs is dated in the last ``CASEWORK_VOICE_DAYS`` (42):
the window is the days d with today - 42 < d <= today.

The flag rule (``child_voice_missing``), the review reminder and the pages read the rule here
(services/voices.py records and reads the voices themselves)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..models import OPEN_PHASES, Child, Family, Voice


@dataclass(frozen=True)
class VoiceSettings:
    days: int  # a child's voice is recorded at least this often...
    escalate_days: int  # ... and the flag is medium once this long has passed
    min_age: int  # children this old or older on the day
    open_days: int  # of families open at least this long

    @classmethod
    def from_config(cls) -> VoiceSettings:
        config = current_app.config
        return cls(config["CASEWORK_VOICE_DAYS"], config["CASEWORK_VOICE_ESCALATE_DAYS"],
                   config["CASEWORK_VOICE_MIN_AGE"], config["CASEWORK_VOICE_OPEN_DAYS"])


def born_by(day: dt.date, years: int) -> dt.date:
    """The latest date of birth of a child aged ``years`` or over on ``day`` (someone born on
    29 February has their birthday on 28 February in other years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def old_enough(date_of_birth: dt.date, day: dt.date, settings: VoiceSettings | None = None) -> bool:
    """Whether a child born on ``date_of_birth`` is old enough on ``day`` to be asked."""
    settings = settings or VoiceSettings.from_config()
    return date_of_birth <= born_by(day, settings.min_age)


def last_heard_by_child(today: dt.date, *where):
    """Each child's latest voice date by ``today``, among the voices (and their families)
    ``where`` says: a subquery ``(child_id, date)``, read through ix_voices_child_date."""
    return (
        select(Voice.child_id, func.max(Voice.date).label("date"))
        .join(Family, Family.id == Voice.family_id)
        .where(Voice.date <= today, *where)
        .group_by(Voice.child_id)
        .subquery()
    )


def last_heard(today: dt.date):
    """The child's latest voice date by ``today`` (NULL if never), correlated to ``Child``:
    read through ix_voices_child_date."""
    return (
        select(func.max(Voice.date)).where(Voice.child_id == Child.id, Voice.date <= today)
        .correlate(Child).scalar_subquery()
    )


def _old_enough_and_open_long_enough(today: dt.date, settings: VoiceSettings):
    return ((Family.opened_on <= today - dt.timedelta(days=settings.open_days))
            & (Child.date_of_birth <= born_by(today, settings.min_age)))


def not_heard_lately(today: dt.date, settings: VoiceSettings, *where):
    """``not_heard`` asked the other way round, for the whole service at once: a condition on
    ``Family`` and ``Child`` that holds when no voice of theirs recorded for an open family
    (among those ``where`` says) is dated in the window. Only the window's voices are read
    (through each open family's index on voices by date), not every child's whole history."""
    family = aliased(Family)
    heard_in_window = (
        select(Voice.child_id)
        .join(family, family.id == Voice.family_id)
        .where(Voice.child_id == Child.id, family.phase.in_(OPEN_PHASES),
               Voice.date > today - dt.timedelta(days=settings.days), Voice.date <= today, *where)
    )
    # NOT EXISTS, not NOT IN: see child_seen.not_seen_in_window.
    return _old_enough_and_open_long_enough(today, settings) & ~heard_in_window.exists()


def not_heard(today: dt.date, last_heard_on, settings: VoiceSettings | None = None):
    """A condition on ``Family``, ``Child`` and the child's latest voice date
    (``last_heard_on``): the family has been open long enough, the child is old enough, and the
    child was not heard in the window."""
    settings = settings or VoiceSettings.from_config()
    start = today - dt.timedelta(days=settings.days)
    return _old_enough_and_open_long_enough(today, settings) & (last_heard_on.is_(None) | (last_heard_on <= start))


def heard_lately(child: Child, latest: Voice | None, today: dt.date, settings: VoiceSettings | None = None) -> bool:
    """For a page: False when ``child`` (with ``latest``, their latest voice) is due to be
    heard: old enough and not heard in the window. A family open only a short while still
    shows the child as due (the flag waits for the family to be open long enough)."""
    settings = settings or VoiceSettings.from_config()
    if not old_enough(child.date_of_birth, today, settings):
        return True
    return latest is not None and latest.date > today - dt.timedelta(days=settings.days)


def not_heard_since(session: Session, family_since: dict[int, dt.date | None], today: dt.date) -> dict[int, list[str]]:
    """For each family (``{family_id: since}``, ``since`` the day of its last review or None),
    the first names of its children old enough today who have no voice dated after ``since``
    (None: none at all): one query. Families with none left out."""
    if not family_since:
        return {}
    settings = VoiceSettings.from_config()
    heard = last_heard_by_child(today, Voice.family_id.in_(family_since))
    found: dict[int, list[str]] = {}
    for family_id, first_name, last in session.execute(
        select(Child.family_id, Child.first_name, heard.c.date)
        .outerjoin(heard, heard.c.child_id == Child.id)
        .where(Child.family_id.in_(family_since), Child.date_of_birth <= born_by(today, settings.min_age))
        .order_by(Child.family_id, Child.date_of_birth, Child.id)
    ):
        since = family_since[family_id]
        if last is None or (since is not None and last <= since):
            found.setdefault(family_id, []).append(first_name)
    return found
