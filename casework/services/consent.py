"""Consent to share with named partners: recording it, its status, withdrawing it.

A consent is active from the day it is recorded until it is withdrawn or lapses at the end of
its ``expires_on`` (the service's local date, Europe/London by default): from then on nothing
more is shared under it, on the very next request."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import SHARING_SCOPES, Consent, ConsentStatus, Family, Partner, User
from .clock import local_date
from .editing import ensure_open
from .errors import ValidationFailed


def consent_status(consent: Consent, now: dt.datetime) -> ConsentStatus:
    """The one rule for whether a consent still lets anything be shared at ``now``."""
    today = local_date(now)
    if consent.withdrawn_on is not None and consent.withdrawn_on <= today:
        return ConsentStatus.WITHDRAWN
    if consent.expires_on is not None and today > consent.expires_on:
        return ConsentStatus.EXPIRED
    return ConsentStatus.ACTIVE


def family_consents(session: Session, family: Family) -> list[Consent]:
    """The family's consents, newest first, with the partners each names: two queries."""
    return list(session.scalars(
        select(Consent).where(Consent.family_id == family.id).options(selectinload(Consent.partners))
        .order_by(Consent.given_on.desc(), Consent.id.desc())
    ))


def _problem(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def record_consent(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Consent:
    """``data``: given_by, relationship, given_on (a date), partner_ids, scope, expires_on,
    child_view, already of their types (the view's form checked them)."""
    ensure_open(family)
    today = local_date(now)
    if data["given_on"] > today:
        raise _problem("given_on", "Consent cannot be given in the future.")
    if data.get("expires_on") is not None and data["expires_on"] < data["given_on"]:
        raise _problem("expires_on", "Consent cannot end before it was given.")
    scope = list(dict.fromkeys(data["scope"]))
    if not scope or any(item not in SHARING_SCOPES for item in scope):
        raise _problem("scope", "Choose what may be shared: " + ", ".join(SHARING_SCOPES) + ".")
    partner_ids = list(dict.fromkeys(data["partner_ids"]))
    partners = list(session.scalars(
        select(Partner).where(Partner.id.in_(partner_ids), Partner.family_id == family.id)
    )) if partner_ids else []
    if not partners or len(partners) != len(partner_ids):
        raise _problem("partner_ids", "Name one or more of this family's partners.")
    consent = Consent(
        family_id=family.id, given_by=data["given_by"], relationship_to_family=data["relationship"],
        given_on=data["given_on"], scope=scope, expires_on=data.get("expires_on"),
        child_view=data.get("child_view") or None, recorded_by_id=actor.id, partners=partners,
    )
    session.add(consent)
    session.flush()
    return consent


def withdraw(session: Session, consent: Consent, on: dt.date, note: str | None, now: dt.datetime) -> Consent:
    if consent.withdrawn_on is not None:
        raise _problem("date", "This consent was already withdrawn.")
    if on > local_date(now):
        raise _problem("date", "A withdrawal cannot be dated in the future.")
    if on < consent.given_on:
        raise _problem("date", "A withdrawal cannot be dated before the consent was given.")
    consent.withdrawn_on = on
    consent.withdrawal_note = note or None
    session.flush()
    return consent
