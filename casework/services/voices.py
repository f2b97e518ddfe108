"""The child's voice: recording what a child said (or, for a baby, what the worker observed),
correcting it the way visits are corrected, and reading it back for the family page, the family
JSON, the plan, the chronology and the rules. When a child is heard
often enough is services/voice_heard.py's rule."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import HOUSES, SCALE_MAX, SCALE_MIN, Child, Family, Review, User, Visit, Voice, VoiceHow
from .clock import local_date
from .corrections import changed_values, keep_correction, require_note
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared
from .scope import record_in_scope
from .voice_heard import VoiceSettings, heard_lately

VOICE_FIELDS = ("date", "how", "words", "scale", *HOUSES, "shared_with_parents", "visit_id", "review_id")
# What the child said: at least one of these makes a voice.
HEARD_FIELDS = ("words", "scale", *HOUSES)
NOTHING_HEARD = "Write down what the child said, where they put things on the scale, or one of the three houses."


# Recording and correcting ------------------------------------------------------------------


def _text(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    return value or None


def check_voice(session: Session, family: Family, data: dict, now: dt.datetime) -> dict:
    """The rules every voice keeps, recorded or corrected: answers the values to keep
    (VOICE_FIELDS, text trimmed, empty text as None), or raises ValidationFailed naming the
    fields."""
    values = {name: data.get(name) for name in VOICE_FIELDS}
    for name in ("words", *HOUSES):
        values[name] = _text(values[name])
    values["shared_with_parents"] = bool(values["shared_with_parents"])
    problems: dict[str, list[str]] = {}
    if values["date"] is None:
        problems["date"] = ["Enter the date the child was heard."]
    elif values["date"] > local_date(now):
        problems["date"] = ["A child's voice cannot be dated in the future."]
    if values["how"] not in set(VoiceHow):
        problems["how"] = ["Choose how the child was heard."]
    scale = values["scale"]
    if scale is not None and not (SCALE_MIN <= scale <= SCALE_MAX):
        problems["scale"] = [f"The scale runs from {SCALE_MIN} to {SCALE_MAX}."]
    if all(values[name] is None for name in HEARD_FIELDS):
        problems["words"] = problems["scale"] = [NOTHING_HEARD]
    for name, model, noun in (("visit_id", Visit, "visit"), ("review_id", Review, "review")):
        record_id = values[name]
        if record_id is not None and session.scalar(
            select(model.id).where(model.id == record_id, model.family_id == family.id)
        ) is None:
            problems[name] = [f"Choose a {noun} of this family."]
    if problems:
        raise ValidationFailed("Check the child's voice.", problems)
    return values


def record_voice(session: Session, child: Child, data: dict, by: User, now: dt.datetime) -> Voice:
    """Record what ``child`` said. ``data``: date, how, words?, scale?, worries?, good_things?,
    wishes?, shared_with_parents?, visit_id?, review_id?. Resolves, in the same request, the
    ``child_voice_missing`` flag it clears."""
    family = child.family
    ensure_open(family)
    values = check_voice(session, family, data, now)
    voice = Voice(child=child, family_id=family.id, recorded_by=by, recorded_at=now, **values)
    session.add(voice)
    session.flush()
    resolve_cleared(session, family, now, voice)
    return voice


def voice_values(voice: Voice) -> dict:
    """The voice as recorded, field by field (VOICE_FIELDS): what a correction starts from and
    what it keeps."""
    return {name: getattr(voice, name) for name in VOICE_FIELDS}


def correct_voice(session: Session, actor: User, voice: Voice, changes: dict, note: str | None,
                  now: dt.datetime) -> Voice:
    """Apply ``changes`` (any of VOICE_FIELDS, plus ``version``), keeping the old values in a
    correction with ``note`` (the reason), as visits and ratings are corrected."""
    check_version(voice, changes.get("version"))
    ensure_open(voice.family)
    note = require_note(note)
    before = voice_values(voice)
    after = check_voice(session, voice.family,
                        {**before, **{name: changes[name] for name in VOICE_FIELDS if name in changes}}, now)
    changed = changed_values(before, after, VOICE_FIELDS)
    for name in VOICE_FIELDS:
        setattr(voice, name, after[name])
    keep_correction(session, actor, voice.family, "voice", voice, note, changed, now)
    return voice


# Reading back ------------------------------------------------------------------------------


def get_voice(session: Session, actor: User, voice_id: int) -> Voice:
    """A voice of a family ``actor`` may see (404 otherwise; 403 for an admin)."""
    return record_in_scope(session, actor, Voice, voice_id, "Voice")


def voices_of_child(session: Session, child: Child) -> list[Voice]:
    """The child's voices, newest first, with who recorded each: one query."""
    return list(session.scalars(
        select(Voice)
        .where(Voice.child_id == child.id)
        .options(joinedload(Voice.recorded_by))
        .order_by(Voice.date.desc(), Voice.id.desc())
    ))


def voices_of_family(session: Session, family_id: int) -> list[Voice]:
    """The family's voices, oldest first, with the child and who recorded each: one query."""
    return list(session.scalars(
        select(Voice)
        .where(Voice.family_id == family_id)
        .options(joinedload(Voice.child), joinedload(Voice.recorded_by))
        .order_by(Voice.date, Voice.id)
    ))


def latest_voices(session: Session, family_ids=None, child_ids=None, *, shared_only: bool = False,
                  with_words: bool = False) -> dict[int, Voice]:
    """``{child_id: their latest voice}`` (by date, then the latest recorded) for the children
    of ``family_ids`` or the children ``child_ids``: one query, whatever the number. Children
    never heard are left out. ``shared_only``: among the voices the child agreed to share with
    their parents; ``with_words``: among those with words written down (the parents' plan)."""
    ids = list(family_ids or [])
    children = list(child_ids or [])
    if not ids and not children:
        return {}
    where = [Voice.family_id.in_(ids)] if ids else [Voice.child_id.in_(children)]
    if shared_only:
        where.append(Voice.shared_with_parents.is_(True))
    if with_words:
        where.append(Voice.words.is_not(None))
    numbered = (
        select(Voice.id, func.row_number().over(
            partition_by=Voice.child_id, order_by=(Voice.date.desc(), Voice.id.desc())).label("n"))
        .where(*where)
        .subquery()
    )
    voices = session.scalars(select(Voice).join(numbered, numbered.c.id == Voice.id).where(numbered.c.n == 1))
    return {voice.child_id: voice for voice in voices}


def shared_words(session: Session, family: Family) -> dict[int, Voice]:
    """What the parents' printable plan shows of each child: their latest words that they
    agreed to share with their parents (``shared_with_parents``), never any other."""
    return latest_voices(session, [family.id], shared_only=True, with_words=True)


# For the pages (views/visits.py, views/reviews.py): what children said at a visit or a review --


def record_heard_at(session: Session, actor: User, heard: list[tuple[Child, dict]], now: dt.datetime, *,
                    link: dict, seen: set[int] | None = None) -> list[Voice]:
    """Record, in the caller's transaction, what each child said at a visit or a review:
    ``heard`` is ``[(child, {words, scale})]``, ``link`` the date, how and visit_id or review_id
    they share. At a visit only a child seen at it (``seen``: their ids) can have been heard
    there. A refusal names the child's own fields on the page, ``voice-<child id>-<field>``."""
    voices = []
    for child, data in heard:
        if seen is not None and child.id not in seen:
            raise ValidationFailed("Check what the children said.", {f"voice-{child.id}-words": [
                f"Tick {child.first_name} under Children seen to record what they said at this visit."]})
        try:
            voices.append(record_voice(session, child, {**data, **link}, actor, now))
        except ValidationFailed as error:
            raise ValidationFailed(error.message, {f"voice-{child.id}-{name}": messages
                                                   for name, messages in error.fields.items()}) from None
    return voices


def link_to_review(session: Session, voices: list[Voice], review: Review) -> None:
    """The voices heard at ``review`` (recorded before it, as a review may close the family)
    name it."""
    for voice in voices:
        voice.review_id = review.id
    session.flush()


@dataclass
class ChildVoices:
    """What the family page shows of one child's voice."""

    child: Child
    voices: list[Voice]  # oldest first
    heard_lately: bool  # False: old enough and not heard in the window (voice_heard.py)

    @property
    def latest(self) -> Voice | None:
        return self.voices[-1] if self.voices else None

    @property
    def latest_words(self) -> Voice | None:
        return next((voice for voice in reversed(self.voices) if voice.words), None)

    @property
    def scales(self) -> list[Voice]:
        return [voice for voice in self.voices if voice.scale is not None]


def voices_by_child(children: list[Child], voices: list[Voice], today: dt.date) -> list[ChildVoices]:
    """Each of ``children`` with their ``voices`` (the family's, oldest first) and whether they
    were heard lately."""
    by_child: dict[int, list[Voice]] = {child.id: [] for child in children}
    for voice in voices:
        by_child.setdefault(voice.child_id, []).append(voice)
    settings = VoiceSettings.from_config()
    return [ChildVoices(child, by_child[child.id],
                        heard_lately(child, by_child[child.id][-1] if by_child[child.id] else None, today, settings))
            for child in children]
