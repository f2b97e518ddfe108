"""Retention: closed families kept for CASEWORK_RETENTION_YEARS after closing, then listed for
a manager to review and anonymise, unless a legal hold keeps them as they are.

**Due for review.** A closed family is due once both its ``closed_on`` and the day its closure
was recorded (``closure_recorded_on``) are *more than* N years ago: closed on 10 March 2020,
recorded that day, with N = 6, it is kept up to and including 10 March 2026 and due from 11
March 2026. A closure recorded later than the date it takes effect counts from the day it was
recorded, so a back-dated closure never shortens the period. (A family closed on 29 February
counts its anniversary on 28 February.)

**Anonymising** removes the personal data and keeps the facts the outcome and local-area
reports count, so the figures for any period are the same before and after:

========================  ==========================================================
kept                      dates (referral, opening, phases, visits, ratings, reviews,
                          assessments, closure), phases, concerns, closure reasons,
                          goal areas, baselines, targets, statuses and ratings, review
                          decisions, assessment scores, visit kinds and outcomes, who
                          of the children was seen (as ids), flags' rules and
                          severities, allocations and transfers (who and when),
                          the link to an earlier or later referral, when and how
                          each child was heard and their 0-10 scale
postcode                  its district only ("LS8 1AB" -> "LS8"), which the local-area
                          report counts by
household name            "Anonymised family"
children                  "Child 1", "Child 2" ... (by date of birth), no surname or
                          school; the date of birth keeps its year and month (set to
                          the 1st), so ages at referral can still be counted
carers                    "Carer 1", "Carer 2" ..., no surname, no relationship
goal titles               "Goal 1: Family routine" (the area)
free text emptied         visit notes, rating notes, review notes and attendees, phase
                          move notes, assessment evidence, correction notes and the old
                          notes they kept, closure proposal notes and comments,
                          allocation and transfer reasons and comments, flag messages
                          (they name children: replaced by the rule's name) and
                          resolutions, referral source, legal hold reason, what each
                          child said (their words and three houses, and the old ones
                          corrections kept), notifications' details (first names)
deleted                   drafts of forms about the family
========================  ==========================================================

The audit trail is not touched: it never holds personal values (only which personal fields
changed), and the database refuses to change it. The anonymisation is itself audited, with
both dates it was allowed by (``closed_on`` and ``closure_recorded_on``).

**Legal hold.** A manager may place a hold on a family of their team, with a reason, and lift
it. A family under hold is listed as such and cannot be anonymised; nor can an open family, one
already anonymised, or one whose retention period has not ended."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from ..models import (
    FLAG_RULES,
    Allocation,
    Assessment,
    ClosureProposal,
    Correction,
    Draft,
    Family,
    Flag,
    Goal,
    Notification,
    Phase,
    PhaseMove,
    Review,
    Transfer,
    User,
    Visit,
    Voice,
)
from . import audit, diary, offline, partners
from .clock import day_text, local_date
from .editing import check_version
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .families import postcode_district
from .outcome_store import record_outcome

ANONYMISED_HOUSEHOLD = "Anonymised family"
HOLD_REASON_MAX = 2000


def retention_years() -> int:
    return int(current_app.config["CASEWORK_RETENTION_YEARS"])


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(family: Family, years: int | None = None) -> dt.date | None:
    """The last day a closed family is kept before it is due for review (None while open):
    counted from the later of its closing date and the day the closure was recorded."""
    if family.closed_on is None or not family.is_closed:
        return None
    counted_from = max(family.closed_on, family.closure_recorded_on or family.closed_on)
    return years_after(counted_from, retention_years() if years is None else years)


def is_due(family: Family, today: dt.date, years: int | None = None) -> bool:
    until = kept_until(family, years)
    return until is not None and today > until and family.anonymised_at is None


def due_for_review(session: Session, today: dt.date, team_id: int | None = None,
                   years: int | None = None) -> list[Family]:
    """Closed families whose ``closed_on`` and ``closure_recorded_on`` are both more than the
    retention period before ``today`` and that are not yet anonymised, those under a legal
    hold included (the page shows the hold); longest closed first. ``team_id`` limits the list
    to one team."""
    years = retention_years() if years is None else years
    cutoff = years_before(today, years)
    query = (
        select(Family)
        .where(Family.phase == Phase.CLOSED, Family.closed_on.is_not(None), Family.closed_on < cutoff,
               Family.closure_recorded_on.is_not(None), Family.closure_recorded_on < cutoff,
               Family.anonymised_at.is_(None))
        .order_by(Family.closed_on, Family.id)
    )
    if team_id is not None:
        query = query.where(Family.team_id == team_id)
    return list(session.scalars(query))


# --- Who may act ------------------------------------------------------------------------------


def _require_team_manager(actor: User, family: Family) -> None:
    if not actor.is_manager:
        raise Forbidden("Only a manager can manage the retention of a family's record.")
    if actor.team_id is None or family.team_id != actor.team_id:
        raise NotFound("Family not found.")


# --- Legal hold -------------------------------------------------------------------------------


def place_legal_hold(session: Session, actor: User, family: Family, reason: str | None, now: dt.datetime,
                     version: int | None = None) -> Family:
    """Keep the family's record as it is (no anonymisation) until the hold is lifted."""
    _require_team_manager(actor, family)
    check_version(family, version)
    if family.anonymised_at is not None:
        raise Conflict("The family's record has already been anonymised.")
    if family.legal_hold:
        raise Conflict("The family is already under a legal hold.")
    reason = (reason or "").strip()
    if not reason:
        message = "Say why the record must be kept (for example, the proceedings it is needed for)."
        raise ValidationFailed(message, {"reason": [message]})
    if len(reason) > HOLD_REASON_MAX:
        message = f"The reason has at most {HOLD_REASON_MAX} characters."
        raise ValidationFailed(message, {"reason": [message]})
    family.legal_hold = True
    family.legal_hold_reason = reason
    session.flush()
    audit.record(session, "legal_hold_set", user_id=actor.id, record_type="family", record_id=family.id,
                 family_id=family.id)
    return family


def lift_legal_hold(session: Session, actor: User, family: Family, now: dt.datetime,
                    version: int | None = None) -> Family:
    _require_team_manager(actor, family)
    check_version(family, version)
    if not family.legal_hold:
        raise Conflict("The family is not under a legal hold.")
    family.legal_hold = False
    family.legal_hold_reason = None
    session.flush()
    audit.record(session, "legal_hold_lifted", user_id=actor.id, record_type="family", record_id=family.id,
                 family_id=family.id)
    return family


# --- Anonymising ------------------------------------------------------------------------------


def anonymise_refusal(family: Family, today: dt.date) -> str | None:
    """Why ``family`` cannot be anonymised today, or None when it can."""
    if family.anonymised_at is not None:
        return "The family's record has already been anonymised."
    if not family.is_closed:
        return "The family is open: only a closed family's record can be anonymised."
    if family.legal_hold:
        return "The family is under a legal hold: lift the hold before anonymising the record."
    until = kept_until(family)
    if until is not None and today <= until:
        return (f"The record is kept until {day_text(until)}, {retention_years()} years after closing "
                "(counted from the day the closure was recorded, when that was later).")
    return None


def check_confirmation(family: Family, typed: str | None) -> None:
    """The manager types the family's reference to confirm (any case, spaces ignored)."""
    if "".join((typed or "").split()).upper() != family.reference.upper():
        message = f"Type the family's reference, {family.reference}, to confirm."
        raise ValidationFailed(message, {"confirm_reference": [message]})


def anonymise(session: Session, family: Family, by: User, now: dt.datetime, version: int | None = None) -> Family:
    """Remove the personal data of a closed family past its retention period (see the module's
    docstring for what is kept). Refused (409) for an open family, one under a legal hold, one
    already anonymised or one still within its retention period."""
    _require_team_manager(by, family)
    check_version(family, version)
    refusal = anonymise_refusal(family, local_date(now))
    if refusal:
        raise Conflict(refusal)
    fid = family.id

    family.household_name = ANONYMISED_HOUSEHOLD
    family.postcode = postcode_district(family.postcode)
    family.referral_source = None
    family.external_reference = None
    family.legal_hold_reason = None
    partners.anonymise(session, family)
    diary.anonymise(session, family)
    offline.anonymise(session, family)
    for number, child in enumerate(sorted(family.children, key=lambda c: (c.date_of_birth, c.id)), start=1):
        child.first_name = f"Child {number}"
        child.last_name = None
        child.school = None
        child.date_of_birth = child.date_of_birth.replace(day=1)
    for number, carer in enumerate(sorted(family.carers, key=lambda c: c.id), start=1):
        carer.first_name = f"Carer {number}"
        carer.last_name = None
        carer.relationship_to_children = ""
    for move in session.scalars(select(PhaseMove).where(PhaseMove.family_id == fid)):
        move.note = None
    for visit in session.scalars(select(Visit).where(Visit.family_id == fid)):
        visit.notes = ""
    goals = session.scalars(
        select(Goal).where(Goal.family_id == fid).order_by(Goal.start_date, Goal.id)
        .options(selectinload(Goal.ratings), selectinload(Goal.status_changes))
    ).all()
    for number, goal in enumerate(goals, start=1):
        goal.title = f"Goal {number}: {goal.area.replace('_', ' ').capitalize()}"
        goal.next_step = None
        for rating in goal.ratings:
            rating.note = ""
        for change in goal.status_changes:
            change.reason = None
    for review in session.scalars(select(Review).where(Review.family_id == fid)):
        review.notes = ""
        review.attendees = ""
        for view in review.views_not_gathered:
            view.reason = ""
    for assessment in session.scalars(
        select(Assessment).where(Assessment.family_id == fid).options(selectinload(Assessment.scores))
    ):
        for score in assessment.scores:
            score.evidence = ""
    for voice in session.scalars(select(Voice).where(Voice.family_id == fid)):
        voice.words = voice.worries = voice.good_things = voice.wishes = None
    session.execute(update(Notification).where(Notification.family_id == fid).values(detail=None))
    for correction in session.scalars(select(Correction).where(Correction.family_id == fid)):
        correction.note = ""
        old = dict(correction.old_values or {})
        for name in ("notes", "note", "words", "worries", "good_things", "wishes"):
            if name in old:
                old[name] = "" if name in ("notes", "note") else None
        correction.old_values = old
    for proposal in session.scalars(select(ClosureProposal).where(ClosureProposal.family_id == fid)):
        proposal.note = None
        proposal.comment = None
    for allocation in session.scalars(select(Allocation).where(Allocation.family_id == fid)):
        allocation.reason = ""
    for transfer in session.scalars(select(Transfer).where(Transfer.family_id == fid)):
        transfer.reason = ""
        transfer.comment = None
    for flag in session.scalars(select(Flag).where(Flag.family_id == fid)):
        flag.message = f"{FLAG_RULES.get(flag.rule, flag.rule)} (details removed when the record was anonymised)."
        flag.resolution = None
    session.execute(delete(Draft).where(Draft.family_id == fid))
    family.anonymised_at = now
    # The children's dates of birth moved: whether each was old enough to be asked may too.
    record_outcome(session, family)
    audit.record(session, "anonymise", user_id=by.id, record_type="family", record_id=fid, family_id=fid,
                 detail={"closed_on": family.closed_on.isoformat(),
                         "closure_recorded_on": family.closure_recorded_on.isoformat()})
    return family
