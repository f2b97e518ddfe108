"""The family page (services/family_page.py) given records the forms would refuse but the
database holds: each page part is loaded in one statement, and anything a row names that was
not loaded must neither break the page nor cost a statement of its own."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Consent, Meeting, MeetingAction, Partner, PhaseMove, User, VisitGoal
from casework.services import retention

from . import factories
from .helpers import PAGE_STATEMENTS_MAX, count_queries, fresh_session, page_text, rich_family, sent, signed_in


def _page(client, family_id: int) -> tuple[int, str]:
    """The page's text and the statements it sent, read as a new request would."""
    fresh_session()
    with count_queries() as statements:
        response = client.get(f"/families/{family_id}")
    assert response.status_code == 200, response.status_code
    return sent(statements), page_text(response)


@pytest.fixture
def readers(app, worker, manager):
    return {"worker": signed_in(app, worker), "manager": signed_in(app, manager)}


def test_a_partner_of_another_family_named_by_consent_meeting_and_action(readers, family, outsider, today):
    """A partner record belongs to one family's Team Around the Family; the forms and the API
    name only the family's own (services/consent.py, services/meetings.py), but nothing in the
    database stops a consent, a meeting or an action naming another family's partner."""
    mine = Partner(family=family, agency="Hillside Primary", kind="school", contact_name="Tess")
    _db.session.add(mine)
    _db.session.add(Consent(family=family, given_by="Dana", relationship_to_family="mother", given_on=today,
                            scope=["plan"], partners=[mine]))
    meeting = Meeting(family=family, held_on=today, notes="First meeting", attendees=[mine])
    meeting.actions.append(MeetingAction(family_id=family.id, owner_partner=mine, due_on=today,
                                         action="Breakfast club"))
    _db.session.add(meeting)
    elsewhere = factories.FamilyFactory(worker=outsider)
    _db.session.add(Partner(family=elsewhere, agency="Riverside Surgery", kind="gp", contact_name="Dr Rowan",
                            email="rowan@riverside.example.org"))
    _db.session.flush()
    family_id, mine_id, elsewhere_id = family.id, mine.id, elsewhere.id
    before = {role: _page(client, family_id)[0] for role, client in readers.items()}

    mine = _db.session.get(Partner, mine_id)
    theirs = _db.session.scalar(select(Partner).where(Partner.family_id == elsewhere_id))
    _db.session.add(Consent(family_id=family_id, given_by="Dana", relationship_to_family="mother", given_on=today,
                            scope=["plan"], partners=[mine, theirs]))
    stray = Meeting(family_id=family_id, held_on=today - dt.timedelta(days=1), notes="Stray meeting",
                    attendees=[theirs])
    stray.actions.append(MeetingAction(family_id=family_id, owner_partner=theirs, due_on=today,
                                       action="Register the family"))
    _db.session.add(stray)
    _db.session.flush()

    for role, client in readers.items():
        statements, text = _page(client, family_id)
        assert statements == before[role] <= PAGE_STATEMENTS_MAX, role
        # Named where the record names them; not listed among this family's partners.
        assert "with Hillside Primary, Riverside Surgery." in text, role
        assert "Attended: Riverside Surgery." in text, role
        assert "Register the family Riverside Surgery" in text, role
        partners_table = text[text.index("Partners Agency"):text.index("Consent to share")]
        assert "Hillside Primary" in partners_table and "Riverside Surgery" not in partners_table, role
        assert "Dr Rowan" not in text and "rowan@riverside" not in text, role


def test_a_goal_of_another_family_discussed_at_a_visit(readers, family, outsider, today):
    """A visit's goals are checked to be the family's own (services/visits.py); one of another
    family's plan is not shown (its title is that family's)."""
    ours = factories.GoalFactory(family=family, title="Bedtime by eight")
    theirs = factories.GoalFactory(family=factories.FamilyFactory(worker=outsider), title="Their own goal")
    visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=1))
    _db.session.add_all([VisitGoal(visit_id=visit.id, goal_id=goal.id) for goal in (ours, theirs)])
    _db.session.flush()
    family_id = family.id
    for role, client in readers.items():
        text = _page(client, family_id)[1]
        assert "Goals discussed Bedtime by eight Recorded by" in text, role
        assert "Their own goal" not in text, role


def test_people_who_left_or_belong_to_another_team_are_still_named(readers, family, outsider, today):
    """The page names whoever recorded something: an account since deactivated, a worker of
    another team (before a transfer, say), and the family's own worker once deactivated."""
    gone = factories.UserFactory(team=family.team, name="Gina Gone", active=False)
    factories.VisitFactory(family=family, date=today - dt.timedelta(days=2), recorded_by=gone)
    factories.ReviewFactory(family=family, held_on=today - dt.timedelta(days=1), recorded_by=outsider)
    _db.session.add(PhaseMove(family=family, from_phase="engagement", to_phase="making_changes", date=today,
                              by=outsider, note="Moved on"))
    meeting = Meeting(family=family, held_on=today, notes="")
    meeting.actions.append(MeetingAction(family_id=family.id, owner_user=gone, due_on=today, action="Ring school"))
    _db.session.add(meeting)
    _db.session.flush()
    factories.VoiceFactory(family=family, date=today, recorded_by=outsider)
    family_id, worker_id = family.id, family.worker_id
    for role, client in readers.items():
        text = _page(client, family_id)[1]
        assert "Recorded by Gina Gone" in text, role
        assert "Ring school Gina Gone" in text, role
        assert text.count("Oscar Outsider") >= 2, role

    _db.session.get(User, worker_id).active = False
    text = _page(readers["manager"], family_id)[1]
    assert "Family worker Wendy Worker" in text


def test_an_anonymised_family_with_every_kind_of_record(app, worker, manager, other_team, today):
    """Every section of a family whose personal data was removed still renders."""
    rich = rich_family(worker, manager, other_team, today)
    retention.anonymise(_db.session, rich.family, manager, dt.datetime.now(dt.UTC))
    text = _page(signed_in(app, manager), rich.family.id)[1]
    assert "Its personal data was removed (anonymised) on" in text
    assert "Hillside Primary" in text and "Perpetua" not in text
