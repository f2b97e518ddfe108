"""The outcomes report's ``child_voice`` figures (services/outcome_measures.py keeps them with
the others, family by family, so each can be traced): over the children of the period's closed
families aged 4 or over on the day their family closed, how many were heard (a voice recorded
at least once), heard twice (on two different dates), gave the scale at least twice, and of
those whose latest scale is above their first; and the median of each child's first and of
each child's latest scale, among the children who gave it at least once (null when none did).
Counts are exact, like the report's other counts."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Child, Family, Voice
from .voice_heard import VoiceSettings, born_by

KEYS = ("children", "heard", "heard_twice", "with_two_scales", "scale_rose")


def child_voice_measures(session: Session, in_period, measures) -> None:
    """Add the ``child_voice:*`` measures of the families ``in_period`` says to ``measures``."""
    min_age = VoiceSettings.from_config().min_age
    children = {
        child_id: family_id
        for child_id, family_id, born, closed_on in session.connection().execute(
            select(Child.id, Child.family_id, Child.date_of_birth, Family.closed_on).join(Family).where(*in_period)
            .order_by(Child.id)
        )
        if born <= born_by(closed_on, min_age)
    }
    voices = defaultdict(list)  # child id -> [(date, scale)], oldest first
    for child_id, date, scale in session.connection().execute(
        select(Voice.child_id, Voice.date, Voice.scale)
        .join(Family, Family.id == Voice.family_id)
        .where(*in_period)
        .order_by(Voice.child_id, Voice.date, Voice.id)
    ):
        voices[child_id].append((date, scale))
    counted = {key: measures(f"child_voice:{key}", "children") for key in KEYS}
    counted["children"].kind = "count"
    first = measures("child_voice:first_scale", "children", "median")
    latest = measures("child_voice:latest_scale", "children", "median")
    for child_id, family_id in children.items():
        heard = voices.get(child_id, [])
        scales = [scale for _, scale in heard if scale is not None]
        counted["children"].add(family_id, 1)
        counted["heard"].add(family_id, 1, bool(heard))
        counted["heard_twice"].add(family_id, 1, len({date for date, _ in heard}) >= 2)
        counted["with_two_scales"].add(family_id, 1, len(scales) >= 2)
        if len(scales) >= 2:
            counted["scale_rose"].add(family_id, 1, scales[-1] > scales[0])
        if scales:
            first.samples.setdefault(family_id, []).append(scales[0])
            latest.samples.setdefault(family_id, []).append(scales[-1])


def child_voice_block(measures) -> dict:
    """The report's ``child_voice`` block, from the measures above."""
    counted = {key: measures[f"child_voice:{key}"] for key in KEYS}
    return {
        "children": counted["children"].n,
        **{key: counted[key].count for key in KEYS[1:]},
        "median_first_scale": measures["child_voice:first_scale"].median,
        "median_latest_scale": measures["child_voice:latest_scale"].median,
    }
