"""The demo's Team Around the Family: three partners who sign in (a school, a health visitor,
housing), named in the open families of the first team, with consent to share (some of it
withdrawn), meetings, and actions (some overdue, some done)."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from ..models import Consent, Meeting, MeetingAction, Partner, Role, User
from .families import FamilyPlan
from .staff import DEMO_DOMAIN, DemoLogin

AGENCIES = (
    ("school", "Hillside Primary School", "Grace Okafor", f"grace.okafor@school.{DEMO_DOMAIN}"),
    ("health_visitor", "Health Visiting, North", "Priya Shah", f"priya.shah@health.{DEMO_DOMAIN}"),
    ("housing", "City Housing", "Tom Reilly", f"tom.reilly@housing.{DEMO_DOMAIN}"),
)
ACTIONS = {
    "school": ("Offer a breakfast club place", "Check attendance weekly and share it", "Meet mum about uniform"),
    "health_visitor": ("Weigh the baby at the next clinic", "Talk about sleep routines", "Refer to the speech team"),
    "housing": ("Inspect the damp in the back bedroom", "Look at a move to a bigger flat", "Fix the boiler"),
}
FAMILIES_WITH_A_TEAM = 12


def add_teams_around(session: Session, rng: random.Random, today: dt.date, plans: list[FamilyPlan],
                     password_hash: str) -> list[DemoLogin]:
    """Partners in the first open families of the first team; their logins."""
    first_team = plans[0].team if plans else None
    chosen = [p for p in plans if not p.is_closed and p.team is first_team and p.worker][:FAMILIES_WITH_A_TEAM]
    logins = []
    for _kind, agency, name, email in AGENCIES:
        session.add(User(email=email, name=name, role=Role.PARTNER, agency=agency, password_hash=password_hash))
        logins.append(DemoLogin(email, name, Role.PARTNER, None))
    for number, plan in enumerate(chosen):
        partners = [Partner(family_id=plan.id, kind=kind, agency=agency, contact_name=name, email=email)
                    for kind, agency, name, email in AGENCIES if rng.random() < 0.75] or [
            Partner(family_id=plan.id, kind="school", agency=AGENCIES[0][1], contact_name=AGENCIES[0][2],
                    email=AGENCIES[0][3])]
        start = max(plan.opened_on, today - dt.timedelta(days=60))
        given = start + dt.timedelta(days=rng.randint(0, 10))
        consent = Consent(family_id=plan.id, given_by=f"{plan.carers[0][0] if plan.carers else 'The'} {plan.surname}",
                          relationship_to_family="mother", given_on=min(given, today), partners=partners,
                          scope=["plan", "meetings"] if number % 3 else ["meetings"],
                          child_view="Happy for school to know, not the details." if number % 4 == 0 else None)
        if number % 5 == 4:  # some families withdraw their consent
            consent.withdrawn_on = min(given + dt.timedelta(days=14), today)
            consent.withdrawal_note = "Mum asked that nothing more is shared for now."
        held = min(given + dt.timedelta(days=7), today)
        meeting = Meeting(family_id=plan.id, held_on=held, family_attended=rng.random() < 0.8,
                          notes="Went through the plan together; everyone agreed their part.",
                          recorded_by_id=plan.worker.id, attendees=partners)
        for partner in partners:
            due = held + dt.timedelta(days=rng.choice((7, 14, 28)))
            done = due < today and rng.random() < 0.5
            meeting.actions.append(MeetingAction(
                family_id=plan.id, owner_partner=partner, action=rng.choice(ACTIONS[partner.kind]), due_on=due,
                status="done" if done else "open", done_on=due if done else None,
                note="Done and talked through with mum." if done else None))
        meeting.actions.append(MeetingAction(family_id=plan.id, owner_user_id=plan.worker.id,
                                             due_on=held + dt.timedelta(days=14),
                                             action="Update the family plan with what was agreed"))
        session.add_all([*partners, consent, meeting])
    session.flush()
    return logins
