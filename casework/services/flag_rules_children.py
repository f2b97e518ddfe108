"""The escalation rules about each child: seen (``child_not_seen``) and heard
(``child_voice_missing``). ``flag_rules.evaluate`` runs them with the family rules; they read
only the dates recorded and the ``today`` they are given."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import OPEN_PHASES, Child, Family, Severity, Voice, subject_key
from .child_seen import last_seen, not_seen_in_window
from .clock import day_text
from .flag_context import Context, Finding
from .voice_heard import VoiceSettings, last_heard, not_heard_lately


def child_not_seen(session: Session, ctx: Context) -> list[Finding]:
    s = ctx.settings
    window = dt.timedelta(days=s.child_seen_days)
    # Only children not seen in the window can be flagged (a restart only counts from later);
    # their last day seen is read for them alone.
    children = session.execute(
        select(Child.id, Child.family_id, Child.first_name, last_seen(ctx.today))
        .join(Family)
        .where(Family.phase.in_(OPEN_PHASES), ctx.within(Child.family_id),
               not_seen_in_window(ctx.today))
    ).all()
    findings = []
    for child_id, family_id, first_name, seen in children:
        family = ctx.families.get(family_id)
        if family is None:
            continue
        key = subject_key("child", child_id)
        counted_from = ctx.since(family_id, "child_not_seen", key, max(family.opened_on, seen or family.opened_on))
        if ctx.today - counted_from < window:
            continue
        why = (
            f"{first_name} was last seen on {day_text(seen, year=False)}." if seen
            else f"{first_name} has not been seen since the family opened on {day_text(family.opened_on, year=False)}."
        )
        findings.append(
            Finding(family_id, "child_not_seen", key, Severity.HIGH,
                    f"{why} Every child should be seen at least every {s.child_seen_days} days.",
                    escalate=True)
        )
    return findings


def child_voice_missing(session: Session, ctx: Context) -> list[Finding]:
    """A child aged 4 or over, of a family open at least 28 days, whose voice was not recorded
    in the last 42 days: low, medium once 84 days have passed since they were last heard (or,
    never heard, since the family opened). One flag per child, naming them by first name."""
    settings = VoiceSettings.from_config()
    window = dt.timedelta(days=settings.days)
    children = session.execute(
        select(Child.id, Child.family_id, Child.first_name, last_heard(ctx.today))
        .join(Family, Family.id == Child.family_id)
        .where(Family.phase.in_(OPEN_PHASES), ctx.within(Child.family_id),
               not_heard_lately(ctx.today, settings, ctx.within(Voice.family_id)))
        .order_by(Child.family_id, Child.date_of_birth, Child.id)
    ).all()
    findings = []
    for child_id, family_id, first_name, heard_on in children:
        family = ctx.families.get(family_id)
        if family is None:
            continue
        key = subject_key("child", child_id)
        natural = heard_on or family.opened_on
        counted_from = ctx.since(family_id, "child_voice_missing", key, natural)
        if counted_from > natural and ctx.today - counted_from < window:
            continue  # resolved by a manager since: back only a full window later
        severity = Severity.MEDIUM if (ctx.today - counted_from).days >= settings.escalate_days else Severity.LOW
        why = (f"{first_name} was last heard on {day_text(heard_on, year=False)}." if heard_on
               else f"{first_name}'s voice has not been recorded since the family opened on "
                    f"{day_text(family.opened_on, year=False)}.")
        findings.append(Finding(family_id, "child_voice_missing", key, severity,
                                f"{why} Every child aged {settings.min_age} or over should be heard at least every "
                                f"{settings.days} days."))
    return findings
