"""A family's partners (other agencies), what a partner who signs in may see, and the sharing
log of everything a partner read or received.

``partner_access`` is the one rule for what a partner may see: the families where a consent
that is active (services/consent.py) names a partner record of that family with the partner's
e-mail, and of each only what those consents cover."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    OPEN_PHASES,
    Consent,
    ConsentStatus,
    Family,
    Goal,
    GoalStatus,
    Meeting,
    MeetingAction,
    Partner,
    Review,
    SharingLogEntry,
    User,
)
from ..models.partners import consent_partners
from . import audit
from .bulk import write_rows
from .clock import local_date, service_zone
from .consent import consent_status, family_consents
from .editing import ensure_open
from .errors import Forbidden, NotFound
from .meetings import family_meetings


@dataclass
class Access:
    """What a partner may see of one family, and under which consents."""

    family_id: int
    partner_ids: set[int] = field(default_factory=set)
    consent_ids: list[int] = field(default_factory=list)
    scope: set[str] = field(default_factory=set)

    @property
    def consent_id(self) -> int | None:
        """The consent a read is logged under (the earliest of them)."""
        return min(self.consent_ids) if self.consent_ids else None

    def covers(self, what: str) -> bool:
        return what in self.scope


def partner_access(session: Session, user: User, now: dt.datetime) -> dict[int, Access]:
    """The families ``user`` (a partner) may see at ``now``, by family id."""
    if not user.is_partner:
        return {}
    # Each consent naming one of the partner records with the user's e-mail, with that
    # record's id: one statement. Only a record of the consent's own family counts: the forms
    # name no other, but the database would hold a consent naming another family's partner,
    # and that must share nothing (nor let the partner act on that family's actions).
    rows = session.execute(
        select(Consent, consent_partners.c.partner_id)
        .join(consent_partners, consent_partners.c.consent_id == Consent.id)
        .join(Partner, (Partner.id == consent_partners.c.partner_id) & (Partner.family_id == Consent.family_id))
        .where(func.lower(Partner.email) == user.email.strip().lower())
        .order_by(Consent.id)
    ).all()
    naming: dict[int, set[int]] = {}
    consents: dict[int, Consent] = {}
    for consent, partner_id in rows:
        consents[consent.id] = consent
        naming.setdefault(consent.id, set()).add(partner_id)
    found: dict[int, Access] = {}
    for consent in consents.values():
        if consent_status(consent, now) != ConsentStatus.ACTIVE:
            continue
        access = found.setdefault(consent.family_id, Access(consent.family_id))
        access.partner_ids |= naming[consent.id]
        access.consent_ids.append(consent.id)
        access.scope |= set(consent.scope)
    return found


def family_access(session: Session, user: User, family_id: int, now: dt.datetime) -> Access:
    """What ``user`` (a partner) may see of one family: 404 when it is not shared with them."""
    access = partner_access(session, user, now).get(family_id)
    if access is None:
        raise NotFound("Family not found.")
    return access


def refuse_partner(session: Session, user: User, family_id: int | None, now: dt.datetime) -> None:
    """A partner asking for a kind of record they may not read: 404 when the family is not
    shared with them (as for anything outside scope), 403 when it is."""
    if family_id is None or family_id not in partner_access(session, user, now):
        raise NotFound("Not found.")
    raise Forbidden("A partner may not read this kind of record.")


def _log_rows(user: User, access: Access, what: str, now: dt.datetime) -> list[dict]:
    """The sharing log's rows of one read: one per partner record of the reader's that the
    family's consents name."""
    return [dict(family_id=access.family_id, at=now, partner_id=partner_id, user_id=user.id, what=what,
                 consent_id=access.consent_id) for partner_id in sorted(access.partner_ids) or [None]]


def log_sharing(session: Session, user: User, access: Access, what: str, now: dt.datetime) -> None:
    """Every partner read of a family: in the family's sharing log and in the audit trail."""
    write_rows(session.connection(), SharingLogEntry.__table__, _log_rows(user, access, what, now))
    audit.record(session, "partner_read", user_id=user.id, record_type="families", record_id=access.family_id,
                 family_id=access.family_id, detail={"what": what, "consent_id": access.consent_id})


# What a partner's list of families (the page or the API) reads of each family: its reference,
# household name and children's first names.
LIST_READ = "family list"


def _local_day(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The instants the service's local day of ``now`` starts and ends (a day of 23 or 25 hours
    when the clocks change)."""
    day = local_date(now)
    return tuple(dt.datetime.combine(d, dt.time(0), tzinfo=service_zone()) for d in (day, day + dt.timedelta(days=1)))


def log_list_read(session: Session, user: User, found: list[tuple[Family, Access]], now: dt.datetime) -> None:
    """A partner reading the list of families shared with them: each family in the sharing
    log once a day, however often the list is read that day, in one bulk insert; every read
    in the audit trail (one row naming the families)."""
    if not found:
        return
    ids = [access.family_id for _family, access in found]
    start, end = _local_day(now)
    logged = set(session.scalars(
        select(SharingLogEntry.family_id).where(
            SharingLogEntry.user_id == user.id, SharingLogEntry.what == LIST_READ,
            SharingLogEntry.at >= start, SharingLogEntry.at < end, SharingLogEntry.family_id.in_(ids))
    ))
    rows = [row for _family, access in found if access.family_id not in logged
            for row in _log_rows(user, access, LIST_READ, now)]
    write_rows(session.connection(), SharingLogEntry.__table__, rows)
    audit.record(session, "partner_read", user_id=user.id, record_type="families",
                 detail={"what": LIST_READ, "family_ids": ids})


def sharing_log(session: Session, family: Family) -> list[SharingLogEntry]:
    return list(session.scalars(
        select(SharingLogEntry).where(SharingLogEntry.family_id == family.id)
        .options(selectinload(SharingLogEntry.user))
        .order_by(SharingLogEntry.at.desc(), SharingLogEntry.id.desc())
    ))


def family_partners(session: Session, family: Family) -> list[Partner]:
    return list(session.scalars(select(Partner).where(Partner.family_id == family.id).order_by(Partner.id)))


def add_partner(session: Session, family: Family, data: dict) -> Partner:
    """``data``: agency, kind, contact_name, email, phone (checked by the form)."""
    ensure_open(family)
    partner = Partner(family_id=family.id, agency=data["agency"], kind=data["kind"],
                      contact_name=data["contact_name"], email=(data.get("email") or "").strip() or None,
                      phone=data.get("phone") or None, lead=bool(data.get("lead")))
    if partner.lead:  # one lead practitioner: the new lead replaces any other partner
        for other in family_partners(session, family):
            other.lead = False
    session.add(partner)
    session.flush()
    return partner


def shared_families(session: Session, user: User, now: dt.datetime) -> list[tuple[Family, Access]]:
    """The families shared with a partner, by reference."""
    access = partner_access(session, user, now)
    if not access:
        return []
    families = session.scalars(
        select(Family).where(Family.id.in_(access)).options(selectinload(Family.children), selectinload(Family.worker))
        .order_by(Family.reference)
    ).all()
    return [(family, access[family.id]) for family in families]


@dataclass
class SharedRecord:
    """What a partner reads of one family beyond its name and children: each part only when a
    consent covers it (None otherwise)."""

    goals: list[Goal] | None = None
    meetings: list[Meeting] | None = None
    reviews: list[Review] | None = None  # held_on and decision only are shown


def shared_family(session: Session, family_id: int) -> Family:
    """The family a partner's page names (found by ``family_access``), with its worker and
    children, which the page shows: one statement."""
    return session.scalars(
        select(Family).where(Family.id == family_id)
        .options(joinedload(Family.worker), joinedload(Family.children))
    ).unique().one()


def shared_record(session: Session, family: Family, access: Access) -> SharedRecord:
    """The plan (goals still worked on or achieved, with their ratings), the meetings with their
    actions, and the reviews held, as ``access`` covers them: one or two queries each."""
    found = SharedRecord()
    if access.covers("plan"):
        found.goals = list(session.scalars(
            select(Goal).where(Goal.family_id == family.id, Goal.status != GoalStatus.WITHDRAWN)
            .options(selectinload(Goal.ratings)).order_by(Goal.start_date, Goal.id)
        ))
    if access.covers("meetings"):
        found.meetings = family_meetings(session, family.id)
    if access.covers("reviews_summary"):
        found.reviews = list(session.scalars(
            select(Review).where(Review.family_id == family.id).order_by(Review.held_on.desc(), Review.id.desc())
        ))
    return found


def subject_access_section(session: Session, family: Family, redactor) -> dict:
    """The Team Around the Family in a subject access export: partners (their contacts are
    third parties), consents, meetings with their actions, and the sharing log."""
    x = redactor
    return {
        "partners": [{"id": p.id, "agency": p.agency, "kind": p.kind, "contact_name": x.name(p.contact_name)}
                     for p in family_partners(session, family)],
        "consents": [{"id": c.id, "given_by": x.text(c.given_by), "relationship": c.relationship_to_family,
                      "given_on": c.given_on, "scope": list(c.scope), "expires_on": c.expires_on,
                      "child_view": x.text(c.child_view), "withdrawn_on": c.withdrawn_on,
                      "partner_ids": [p.id for p in c.partners]} for c in family_consents(session, family)],
        "meetings": [{"held_on": m.held_on, "family_attended": m.family_attended, "notes": x.text(m.notes),
                      "actions": [{"action": x.text(a.action), "due_on": a.due_on, "status": a.status,
                                   "done_on": a.done_on} for a in m.actions]}
                     for m in family_meetings(session, family.id)],
        "sharing_log": [{"at": e.at, "partner_id": e.partner_id, "what": e.what, "consent_id": e.consent_id}
                        for e in sharing_log(session, family)],
    }


def anonymise(session: Session, family: Family) -> None:
    """Remove the personal data the Team Around the Family holds of a family being anonymised
    (services/retention.py): partners' contacts, who gave consent and in what words, meeting
    notes and actions. Agencies, kinds, dates and statuses stay, as other facts do."""
    for number, partner in enumerate(family_partners(session, family), start=1):
        partner.contact_name, partner.email, partner.phone = f"Partner {number}", None, None
    for consent in family_consents(session, family):
        consent.given_by, consent.child_view, consent.withdrawal_note = "", None, None
    for meeting in family_meetings(session, family.id):
        meeting.notes = ""
        for action in meeting.actions:
            action.action, action.note = "Action", None


def action_reminders(session: Session, today: dt.date, now: dt.datetime, days: int = 7):
    """``(user_id, family_id, reference, due_on, action_id)`` for each open action of an open
    family due within ``days``, to its owner: the member of staff, or the partner who signs in
    with the owning partner record's e-mail while the family's consent still shares with them."""
    rows = session.execute(
        select(MeetingAction, Family.reference).join(Family, Family.id == MeetingAction.family_id)
        .where(MeetingAction.status == "open", MeetingAction.due_on >= today,
               MeetingAction.due_on <= today + dt.timedelta(days=days), Family.phase.in_(OPEN_PHASES))
        .options(selectinload(MeetingAction.owner_partner))
    ).all()
    partner_users: dict[str, User | None] = {}
    found = []
    for action, reference in rows:
        user_id = action.owner_user_id
        if action.owner_partner is not None and action.owner_partner.email:
            email = action.owner_partner.email.strip().lower()
            if email not in partner_users:
                partner_users[email] = session.scalar(
                    select(User).where(func.lower(User.email) == email, User.role == "partner", User.active))
            user = partner_users[email]
            shared = user is not None and action.owner_partner_id in getattr(
                partner_access(session, user, now).get(action.family_id), "partner_ids", ())
            user_id = user.id if shared else None
        if user_id is not None:
            found.append((user_id, action.family_id, reference, action.due_on, action.id))
    return found
