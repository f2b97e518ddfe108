"""Helpers that several test modules share: reading pages, signing in, the API's error shape,
counting queries, and building records. Fixtures live in conftest.py, and who may use each route
in route_policies.py."""
from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from markupsafe import escape
from sqlalchemy import event, func, inspect, select

from casework.extensions import db as _db
from casework.models import (
    Allocation,
    AssessmentScore,
    Child,
    ClosureProposal,
    Consent,
    Correction,
    Draft,
    FamilyConcern,
    Flag,
    Meeting,
    MeetingAction,
    Partner,
    PhaseMove,
    PlannedVisit,
    ReviewViewNotGathered,
    Transfer,
    UnrecordedVisit,
    VisitChild,
)
from casework.services import retention, setup_links
from casework.services.clock import current_time
from casework.services.outcome_store import rebuild_outcomes

from .factories import (
    PASSWORD,
    AssessmentFactory,
    CarerFactory,
    FamilyFactory,
    GoalFactory,
    RatingFactory,
    ReviewFactory,
    UserFactory,
    VisitFactory,
)
from .route_policies import LOGIN, OK

# --- pages ------------------------------------------------------------------------------------


def page_text(response) -> str:
    """What a reader sees: tags stripped, entities decoded, whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def squash(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def assert_field_error(response, field_id: str, message: str) -> None:
    """The message is in the error summary (linking to the field) and beside the field."""
    body = squash(response)
    assert "There is a problem" in body
    assert f'<a href="#{field_id}">{escape(message)}</a>' in body, body
    beside = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">'
        r'<span class="govuk-visually-hidden">Error:</span> (.*?)</p>',
        body,
    )
    assert beside and str(escape(message)) in beside.group(1), body


def input_value(response, field_id: str) -> str | None:
    """The value an <input> will show (what the user typed survives a re-render)."""
    body = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', body)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def assert_every_input_labelled(response) -> None:
    """Every visible field, checkbox and radio has a <label for> naming it."""
    body = response.get_data(as_text=True)
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", body):
        if 'type="hidden"' in tag or 'type="submit"' in tag or re.search(r"\shidden[\s>]", tag):
            continue
        field_id = re.search(r'\bid="([^"]+)"', tag)
        assert field_id, tag
        assert f'for="{field_id.group(1)}"' in body, tag


def checked(response, name: str) -> set[str]:
    body = response.get_data(as_text=True)
    return {
        html.unescape(match.group(1))
        for tag in re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', body)
        if " checked" in tag
        for match in [re.search(r'\bvalue="([^"]*)"', tag)]
        if match
    }


def text_of(html: str, element_id: str) -> str:
    """The words inside the element with this id, without tags or the visually hidden parts
    ("50% (1 of 2)")."""
    inner = html.split(f'id="{element_id}">', 1)[1]
    inner = inner.split("</dd>", 1)[0].split("</p>", 1)[0].split("</td>", 1)[0]
    inner = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", inner)
    return " ".join(re.sub(r"<[^>]+>", "", inner).split())


# --- signing in -------------------------------------------------------------------------------


def sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def signed_in(app, user):
    """A new browser signed in as ``user`` (one test client keeps one user signed in)."""
    _db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    return client


def pending_account(team, admin, email, role="worker"):
    """An account ``admin`` added to ``team``, waiting to be confirmed; the secret of its live
    setup link."""
    user = UserFactory(team=team, role=role, email=email, active=False, pending=True, requested_by_id=admin.id)
    return setup_links.issue(_db.session, user, current_time())


# --- the database ----------------------------------------------------------------------------


@contextmanager
def count_queries():
    """Counts the SQL statements sent while the block runs."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
# Issue 18: a per-user page sends at most this many SQL statements (transaction control not
# counted, as the benchmark counts them).
PAGE_STATEMENTS_MAX = 12


def sent(statements: list[str]) -> int:
    """How many of ``statements`` (from ``count_queries``) are queries and writes, not BEGIN,
    COMMIT and the like: what the benchmark reports as a page's SQL statements."""
    return sum(1 for s in statements if not s.lstrip().upper().startswith(TRANSACTION_CONTROL))


def _count_queries(db, call):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def fresh_session():
    """Commit the test's data and forget every loaded object, as a new request would."""
    _db.session.commit()
    _db.session.expunge_all()


# --- refusals --------------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {table.name: _db.session.scalar(select(func.count()).select_from(table))
            for table in _db.metadata.sorted_tables}


def _columns(record) -> dict:
    return {column.key: getattr(record, column.key) for column in inspect(record).mapper.column_attrs}


@contextmanager
def assert_refused(error: type[Exception], *fields: str, match: str | None = None, unchanged=()):
    """The block is refused with ``error`` (its message matching ``match``, when given), which
    names exactly ``fields`` (none for a refusal of the whole request), and it changed nothing:
    no row added to or removed from any table (pending ones are flushed to count them), and
    every column of each ``unchanged`` record as it was before."""
    counts = _row_counts()
    before = [_columns(record) for record in unchanged]
    with pytest.raises(error, match=match) as caught:
        yield caught
    assert set(caught.value.fields) == set(fields), caught.value.fields
    assert _row_counts() == counts, "the refused call added or removed rows"
    for record, columns in zip(unchanged, before, strict=True):
        assert _columns(record) == columns, f"the refused call changed {record!r}"


# --- the API ---------------------------------------------------------------------------------


def assert_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["fields"], dict)
    return body


def referral(today, **changes):
    body = {
        "household_name": "Smith household",
        "postcode": "ls6 2ab",
        "referral_date": (today - dt.timedelta(days=3)).isoformat(),
        "referral_source": "Health visitor",
        "concerns": ["neglect_physical", "housing"],
        "children": [
            {"first_name": "Amy", "last_name": "Smith", "date_of_birth": "2018-03-01"},
            {"first_name": "Ben", "date_of_birth": "2021-07-09", "school": "Park Nursery"},
        ],
        "carers": [{"first_name": "Sam", "last_name": "Smith", "relationship": "mother"}],
    }
    body.update(changes)
    return body


# --- records ---------------------------------------------------------------------------------

_subjects = itertools.count()


def raise_flag(family, rule="no_access", severity="medium", status="open", days_ago=3, **extra):
    flag = Flag(family=family, rule=rule, subject_key=f"subject:{next(_subjects)}", severity=severity,
                message=f"{rule} for {family.reference}", status=status,
                raised_on=family.opened_on + dt.timedelta(days=30 - days_ago),
                raised_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago), **extra)
    _db.session.add(flag)
    _db.session.flush()
    return flag


def closed_family(worker, opened, closed, reason="step_down"):
    return FamilyFactory(worker=worker, opened_on=opened, phase="closed", phase_since=closed, closed_on=closed,
                         closure_reason=reason)


def keep_outcomes():
    """For families a test built closed, with their records added afterwards: what closing a
    family writes (services/outcome_store.py), so that the outcomes report counts them."""
    rebuild_outcomes(_db.session)


# --- reports: the quarter the report tests look at ---------------------------------------------

START, END = dt.date(2026, 4, 1), dt.date(2026, 6, 30)
PERIOD = {"from": "2026-04-01", "to": "2026-06-30"}


# --- data protection ------------------------------------------------------------------------

YEARS = 6  # CASEWORK_RETENTION_YEARS, the default

# Every personal value the rich family holds; none may survive anonymisation anywhere in the
# database. Names are chosen so that nothing else in a test database could contain them.
NAMES = ("Zephyrine", "Thaddeus", "Marisol", "Ignatius", "Barrowcliffe", "Quenby", "Hartigan")
SCHOOLS = ("Hollybrook Primary", "Sunflower Nursery")
DATES_OF_BIRTH = (dt.date(2014, 8, 29), dt.date(2017, 2, 13))


# --- a form given hostile input (Hypothesis) ---------------------------------------------------

HOSTILE = ("", " ", "\x00", "Amy\x00Smith", "😀\u202eSmith\u202c مرحبا", "<script>alert(1)</script>",
           "2026-02-30", "31/12/2026", "0000-00-00", "9999-12-31", "25:61", "-1", "1.5", "1e309", "NaN",
           "99999999999999999999", "{{ 7*7 }}", "None", "x" * 25_000)


def rows_of(*models) -> list[tuple]:
    """Every row of ``models``, every column: what a refused form must leave as it was."""
    _db.session.expire_all()
    return [tuple(getattr(row, column.key) for column in inspect(model).column_attrs)
            for model in models for row in _db.session.scalars(select(model).order_by(model.id))]


def fuzz_form(client, path: str, valid, saved, examples: int = 25) -> None:
    """Hostile input (Hypothesis) in any of the fields of the form at ``path``, or fields left
    out, the others as ``valid()`` gives them: each answer is a save (a redirect) or a page with
    a message saying what was wrong (never a server error), and a refusal leaves ``saved()``
    unchanged."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    value = st.one_of(st.none(), st.sampled_from(HOSTILE), st.text(max_size=30))  # None: left out

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(changes=st.dictionaries(st.sampled_from(sorted(valid())), value, min_size=1))
    def attempt(changes):
        body = {**valid(), **changes}
        body = {name: text for name, text in body.items() if text is not None}
        before = saved()
        response = client.post(path, data=body)
        assert response.status_code in (200, 302, 303, 400, 409, 422), (body, response.status_code)
        if response.status_code not in (302, 303):
            # A NUL character is refused before any form reads it (views/errors.py): 400.
            message = "Nothing was saved" if response.status_code == 400 else "There is a problem"
            assert message in page_text(response), body
            assert saved() == before, body

    attempt()


def rich_family(worker, manager, other_team, today, closed_years_ago=YEARS + 1):
    """A closed family with one of every kind of record: two children, two carers, concerns,
    phase moves, visits (one seeing both children, one only Thaddeus, a no-access visit, one
    only Thaddeus that names Zephyrine), goals with ratings, a review, assessments of the family
    and of each child, corrections of a visit and of a rating, flags (one about Thaddeus),
    an allocation, a declined transfer, an approved closure proposal and a draft."""
    closed = retention.years_before(today, closed_years_ago)
    opened = closed - dt.timedelta(weeks=22)
    other_manager = UserFactory(team=other_team, role="manager", name="Oona Otherteam", email="oona@example.org")
    zephyrine = Child(first_name="Zephyrine", last_name="Quenby", date_of_birth=DATES_OF_BIRTH[0], school=SCHOOLS[0])
    thaddeus = Child(first_name="Thaddeus", last_name="Quenby", date_of_birth=DATES_OF_BIRTH[1], school=SCHOOLS[1])
    family = FamilyFactory(
        worker=worker, household_name="Quenby household", postcode="LS10 4QZ",
        referral_source="Dr Hartigan at Meadow Surgery", opened_on=opened, consent_recorded_on=opened,
        phase="closed", phase_since=closed, closed_on=closed, closure_reason="step_down",
        children=[zephyrine, thaddeus],
        concern_rows=[FamilyConcern(code="neglect_physical"), FamilyConcern(code="housing")],
    )
    marisol = CarerFactory(family=family, first_name="Marisol", last_name="Quenby", relationship_to_children="Mother")
    ignatius = CarerFactory(family=family, first_name="Ignatius", last_name="Barrowcliffe",
                            relationship_to_children="Mother's partner")
    day = lambda n: opened + dt.timedelta(days=n)  # noqa: E731
    _db.session.add_all([
        PhaseMove(family=family, from_phase="engagement", to_phase="making_changes", date=day(21),
                  note="Marisol agreed the plan with Zephyrine's school", by=worker),
        PhaseMove(family=family, from_phase="making_changes", to_phase="moving_on", date=day(120),
                  note="Ignatius moved out; things calmer", by=worker),
        PhaseMove(family=family, from_phase="moving_on", to_phase="closed", date=closed, reason="step_down",
                  note="Stepped down: Marisol well supported", by=worker),
    ])
    goal = GoalFactory(family=family, title="Zephyrine gets to school on time", area="education", baseline=3,
                       target=8, status="achieved", start_date=day(10))
    rating = RatingFactory(goal=goal, date=day(60), rating=7, note="Marisol walks Zephyrine in every morning",
                           recorded_by=worker)
    home = GoalFactory(family=family, title="Marisol keeps the kitchen clean", area="home_conditions", baseline=2,
                       target=7, start_date=day(10))
    RatingFactory(goal=home, date=day(70), rating=5, note="Kitchen much better, says Ignatius", recorded_by=worker)
    both = VisitFactory(family=family, date=day(14), duration_minutes=60,
                        notes="Zephyrine showed me her room. Thaddeus napping. Ignatius present.",
                        children_seen=[VisitChild(child=zephyrine, seen_alone=True), VisitChild(child=thaddeus)])
    both.goals_discussed = [goal]
    only_thaddeus = VisitFactory(family=family, date=day(28), notes="Thaddeus had a rash; the GP saw him.",
                                 children_seen=[VisitChild(child=thaddeus)])
    no_access = VisitFactory(family=family, date=day(35), outcome="no_access", notes="Nobody home; left a card.")
    naming = VisitFactory(family=family, date=day(42), notes="Thaddeus at home; Zephyrine was at her swimming club.",
                          children_seen=[VisitChild(child=thaddeus)])
    review = ReviewFactory(family=family, held_on=day(42), attendees="Marisol, Ignatius and Wendy",
                           notes="Marisol says the mornings are calmer", recorded_by=worker)
    review.views_not_gathered.append(ReviewViewNotGathered(child=thaddeus, reason="Thaddeus napping; Wendy asks later"))
    family_first = AssessmentFactory(family=family, date=day(12), recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=4, evidence="Fridge empty at first visit to the Quenby home"),
        AssessmentScore(domain="home_conditions", score=4, evidence="Ignatius smokes indoors"),
    ])
    AssessmentFactory(family=family, date=day(150), stage="closing", recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=2, evidence="Fridge stocked; Marisol batch cooks"),
        AssessmentScore(domain="home_conditions", score=3, evidence="Smoking outside now"),
    ])
    zephyrine_assessed = AssessmentFactory(family=family, child=zephyrine, date=day(15), recorded_by=worker, scores=[
        AssessmentScore(domain="emotional_warmth", score=2, evidence="Zephyrine chatty and proud of her drawings"),
    ])
    thaddeus_assessed = AssessmentFactory(family=family, child=thaddeus, date=day(15), recorded_by=worker, scores=[
        AssessmentScore(domain="physical_care", score=3, evidence="Nappy rash, clothes too small for the toddler"),
    ])
    _db.session.flush()
    made_at = dt.datetime.combine(day(50), dt.time(12), tzinfo=dt.UTC)
    _db.session.add_all([
        Correction(family_id=family.id, record_type="visit", record_id=both.id, made_at=made_at, made_on=day(50),
                   by_id=worker.id, note="Corrected: Barrowcliffe was not shouting",
                   old_values={"notes": "Ignatius Barrowcliffe shouting at Zephyrine",
                               "children_seen": [zephyrine.id]}),
        Correction(family_id=family.id, record_type="rating", record_id=rating.id, made_at=made_at, made_on=day(50),
                   by_id=worker.id, note="Typo in the rating note", old_values={"note": "Marisol walks Zephrine in"}),
        Flag(family_id=family.id, rule="child_not_seen", subject_key=f"child:{thaddeus.id}", severity="medium",
             message="Thaddeus was last seen on 3 Feb.", raised_on=day(40), status="resolved", resolved_on=day(42),
             resolved_by_id=manager.id, resolution="Thaddeus seen at nursery"),
        Flag(family_id=family.id, rule="no_access", subject_key="family", severity="low",
             message="Two visits in a row without access.", raised_on=day(36), status="resolved",
             acknowledged_by_id=worker.id, resolved_on=day(37), resolved_by_id=manager.id,
             resolution="Marisol asked to rebook"),
        Allocation(family_id=family.id, from_worker_id=None, to_worker_id=worker.id, by_id=manager.id,
                   reason="Wendy already knows Marisol", made_at=made_at, made_on=opened),
        Transfer(family_id=family.id, from_team_id=family.team_id, to_team_id=other_team.id,
                 requested_by_id=manager.id, requested_at=made_at, reason="Marisol may move to the south side",
                 status="declined", decided_by_id=other_manager.id, decided_at=made_at,
                 comment="Declined: Marisol decided to stay"),
        ClosureProposal(family_id=family.id, proposed_on=closed, reason="step_down",
                        note="Zephyrine thriving at Hollybrook Primary", by_id=worker.id, status="approved",
                        decided_by_id=manager.id, decided_at=made_at),
        Draft(user_id=worker.id, form_key=f"visit:new:family:{family.id}", family_id=family.id,
              data={"notes": "Unsaved: Ignatius came back"}),
    ])
    _db.session.flush()
    texts = [
        "Marisol agreed the plan with Zephyrine's school", "Ignatius moved out; things calmer",
        "Stepped down: Marisol well supported", "Zephyrine gets to school on time",
        "Marisol walks Zephyrine in every morning", "Marisol keeps the kitchen clean",
        "Kitchen much better, says Ignatius", "Zephyrine showed me her room", "Thaddeus had a rash",
        "Nobody home; left a card.", "Zephyrine was at her swimming club", "Marisol, Ignatius and Wendy",
        "Marisol says the mornings are calmer", "Fridge empty at first visit", "Ignatius smokes indoors",
        "Fridge stocked; Marisol batch cooks", "Smoking outside now", "Zephyrine chatty and proud",
        "Nappy rash, clothes too small", "Corrected: Barrowcliffe was not shouting",
        "Ignatius Barrowcliffe shouting at Zephyrine", "Typo in the rating note", "Marisol walks Zephrine in",
        "Thaddeus was last seen", "Thaddeus seen at nursery", "Marisol asked to rebook",
        "Wendy already knows Marisol", "Marisol may move to the south side", "Declined: Marisol decided to stay",
        "Zephyrine thriving", "Unsaved: Ignatius came back", "Mother's partner", "Meadow Surgery",
    ]
    # The Team Around the Family: a partner's contact, consent in the child's words, a meeting.
    school = Partner(family=family, agency="Hillside Primary", kind="school", contact_name="Perpetua Quillfeather",
                     email="perpetua.quillfeather@hillside.example.org", phone="0113 496 0999")
    meeting = Meeting(family=family, held_on=opened, notes="Marisol came with her sister", attendees=[school])
    meeting.actions.append(MeetingAction(family_id=family.id, owner_partner=school, due_on=opened,
                                         action="Breakfast club for Zephyrine", note="Zephyrine loves it"))
    _db.session.add_all([school, meeting, Consent(
        family=family, given_by="Marisol Barrowcliffe", relationship_to_family="mother", given_on=opened,
        scope=["plan"], partners=[school], child_view="Zephyrine wants Miss Quillfeather to know",
        withdrawn_on=opened, withdrawal_note="Marisol changed her mind")])
    _db.session.flush()
    texts += ["Perpetua Quillfeather", "perpetua.quillfeather@hillside.example.org", "0113 496 0999",
              "Marisol came with her sister", "Breakfast club for Zephyrine", "Zephyrine loves it",
              "Zephyrine wants Miss Quillfeather to know", "Marisol changed her mind"]
    # The diary, and visits typed on a tablet that the server could not record.
    planned_both = PlannedVisit(family=family, worker=worker, date=both.date, kind="home_visit", status="done",
                                visit=both, note="Ask Zephyrine about the sleepover with Wendy's leaflet")
    planned_thaddeus = PlannedVisit(family=family, worker=worker, date=day(30), kind="office", status="cancelled",
                                    cancelled_by="family", note="Thaddeus's nursery forms")
    held_zephyrine = UnrecordedVisit(
        user=worker, device_key="rich-1", family_id=family.id, family_reference=family.reference, status=409,
        reason="The family is closed.", received_at=made_at, resolved_at=made_at, resolved_by_id=manager.id,
        resolution_note="Mina recorded it for Wendy",
        payload=json.dumps({"date": day(44).isoformat(), "kind": "home_visit", "outcome": "completed",
                            "notes": "Zephyrine and Thaddeus baking with Wendy", "children_seen": [zephyrine.id],
                            "seen_alone": [zephyrine.id]}))
    held_thaddeus = UnrecordedVisit(
        user=worker, device_key="rich-2", family_id=family.id, family_reference=family.reference, status=422,
        reason="Refused.", received_at=made_at, payload=json.dumps({"notes": "Thaddeus's cough is better",
                                                                    "children_seen": [thaddeus.id]}))
    _db.session.add_all([planned_both, planned_thaddeus, held_zephyrine, held_thaddeus])
    _db.session.flush()
    texts += ["sleepover with Wendy's leaflet", "Thaddeus's nursery forms", "Mina recorded it for Wendy",
              "baking with Wendy", "Thaddeus's cough is better", "napping; Wendy asks later"]
    return SimpleNamespace(
        family=family, zephyrine=zephyrine, thaddeus=thaddeus, marisol=marisol, ignatius=ignatius,
        goal=goal, rating=rating, both=both, only_thaddeus=only_thaddeus, no_access=no_access, naming=naming,
        review=review, family_first=family_first, zephyrine_assessed=zephyrine_assessed,
        thaddeus_assessed=thaddeus_assessed, other_manager=other_manager, opened=opened, closed=closed,
        planned_both=planned_both, planned_thaddeus=planned_thaddeus, held_zephyrine=held_zephyrine,
        held_thaddeus=held_thaddeus, texts=texts,
    )


# --- authorisation: the path of a route in the world, and the class of an answer -------------


def _path(rule, ids):
    path = rule
    for name, value in ids.items():
        for converter in ("int", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
        path = path.replace(f"<{name}>", str(value))
    return path


def _answer_class(response, api):
    # Flask-Login sends a stranger to /login?next=...; signing out also ends at /login, but
    # without ``next``.
    sent_to_sign_in = response.status_code == 302 and "/login?next=" in response.headers["Location"]
    if response.status_code == 401 or (not api and sent_to_sign_in):
        return LOGIN
    if response.status_code in (403, 404):
        return response.status_code
    return OK


def team_around(family, email: str, *, withdrawn_email: str | None = None) -> dict:
    """A Team Around the Family for ``family``: a school whose contact signs in as ``email``,
    with the family's consent to share the plan and meetings, and a meeting whose action the
    school owns; with ``withdrawn_email``, a second partner whose consent was withdrawn. The
    ids of the consent and the action."""
    day = family.opened_on
    school = Partner(family=family, agency="Hillside Primary", kind="school", contact_name="Tess Teacher",
                     email=email)
    consent = Consent(family=family, given_by="Dana", relationship_to_family="mother", given_on=day,
                      scope=["plan", "meetings"], partners=[school])
    meeting = Meeting(family=family, held_on=day, notes="", attendees=[school])
    meeting.actions.append(MeetingAction(family_id=family.id, owner_partner=school, action="Breakfast club",
                                         due_on=day + dt.timedelta(days=14)))
    _db.session.add_all([school, consent, meeting])
    if withdrawn_email:
        other = Partner(family=family, agency="Surgery", kind="gp", contact_name="Will", email=withdrawn_email)
        _db.session.add(Consent(family=family, given_by="Dana", relationship_to_family="mother", given_on=day,
                                scope=["plan"], partners=[other], withdrawn_on=day))
    _db.session.flush()
    return dict(consent_id=consent.id, action_id=meeting.actions[0].id)
