"""A manager's pages: the team home, caseloads, the families CSV, allocation and transfer,
closures awaiting approval, the flag queue and the supervision view. Each page is for managers
of the team only, and reads the database in a fixed number of queries."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from casework.extensions import db
from casework.models import Allocation, ClosureProposal, Flag, GoalRating, Notification, PhaseMove, Transfer
from casework.services import caseload as caseload_service
from casework.services import phases as phases_service
from casework.services import supervision as supervision_service
from casework.services import transfers as transfers_service
from casework.services.clock import current_time
from casework.services.errors import Forbidden, NotFound

from .factories import FamilyFactory, GoalFactory, UserFactory, VisitFactory
from .helpers import assert_refused, sign_in

# --- helpers --------------------------------------------------------------------------------------


def text_of(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def body_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@contextmanager
def counting_queries():
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def notes_for(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def raise_flag(family, rule="no_access", severity="medium", days_ago=1, status="open", subject_key=None, message=None):
    raised = current_time() - dt.timedelta(days=days_ago)
    flag = Flag(family=family, rule=rule, subject_key=subject_key or f"{rule}:{family.id}:{days_ago}",
                severity=severity, message=message or f"{rule} on {family.reference}", raised_at=raised,
                raised_on=raised.date(),
                status=status)
    db.session.add(flag)
    db.session.flush()
    return flag


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def login(client, db):
    """``login(user)`` signs ``user`` in on ``client``, signing out whoever was signed in."""

    def _login(user):
        db.session.commit()
        client.post("/logout")
        sign_in(client, user)
        return client

    return _login


@pytest.fixture
def other_manager(other_team):
    return UserFactory(team=other_team, role="manager", name="Otto Other", email="otto@example.org")


@pytest.fixture
def approval(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)


# --- who may use the pages ------------------------------------------------------------------------

TEAM_PAGES = ["/team", "/team/caseload", "/team/caseload/chart.svg", "/team/families.csv", "/team/transfers",
              "/team/closures", "/team/flags"]


@pytest.mark.parametrize("path", TEAM_PAGES)
def test_team_pages_are_for_managers_only(client, login, worker, manager, admin, path):
    assert client.get(path).status_code == 302  # to sign in
    login(worker)
    assert client.get(path).status_code == 403
    login(admin)
    assert client.get(path).status_code == 403
    login(manager)
    assert client.get(path).status_code == 200


def test_another_teams_records_are_not_found(client, login, worker, manager, other_manager, family):
    flag = raise_flag(family)
    records = [
        ("get", f"/families/{family.id}/allocate"),
        ("get", f"/families/{family.id}/transfer"),
        ("post", f"/families/{family.id}/allocate"),
        ("post", f"/families/{family.id}/transfer"),
        ("post", f"/families/{family.id}/closure/approve"),
        ("post", f"/families/{family.id}/closure/return"),
        ("post", f"/flags/{flag.id}/acknowledge"),
        ("post", f"/flags/{flag.id}/resolve"),
        ("get", f"/team/workers/{worker.id}"),
    ]
    login(other_manager)
    for method, path in records:
        assert getattr(client, method)(path).status_code == 404, path
    login(worker)
    for method, path in records:
        expected = 302 if path.endswith("/acknowledge") else 403  # a worker acknowledges their own flag
        assert getattr(client, method)(path).status_code == expected, path


def test_home_sends_managers_to_their_team_and_workers_to_their_families(client, login, worker, manager):
    login(manager)
    assert client.get("/").headers["Location"].endswith("/team")
    login(worker)
    assert client.get("/").headers["Location"].endswith("/families")


def test_managers_see_caseload_and_flags_in_the_menu(client, login, worker, manager):
    login(manager)
    nav = body_of(client.get("/team"))
    assert 'href="/team/caseload">Caseload</a>' in nav and 'href="/team/flags">Flags</a>' in nav
    login(worker)
    assert 'href="/team/caseload"' not in body_of(client.get("/families"))


# --- the manager's home ---------------------------------------------------------------------------


def test_home_counts_what_waits_for_the_manager(approval, client, login, worker, manager, other_manager, other_team,
                                                today):
    overdue = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60))
    FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=10))
    FamilyFactory(worker=None, team=manager.team, opened_on=today - dt.timedelta(days=5))
    FamilyFactory(worker=worker, phase="closed", closed_on=today)
    raise_flag(overdue, severity="high")
    raise_flag(overdue, rule="phase_overrun", severity="low")
    raise_flag(overdue, rule="goal_stalled", severity="low", status="acknowledged")
    moving = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=20), phase="moving_on",
                           phase_since=today - dt.timedelta(days=3))
    phases_service.move_phase(db.session, worker, moving, "closed", today, current_time(), reason="step_down")
    theirs = FamilyFactory(worker=UserFactory(team=other_team))
    transfers_service.request_transfer(db.session, other_manager, theirs, manager.team_id, "Moved north.",
                                      current_time())

    login(manager)
    page = text_of(client.get("/team"))
    for words in ("4 open families", "1 unallocated", "1 overdue review", "1 high flag", "0 medium flags",
                  "2 low flags", "1 closure awaiting approval", "1 transfer offered to your team"):
        assert words in page, words
    body = body_of(client.get("/team"))
    assert 'href="/team/flags?severity=high"' in body
    assert 'href="/team/closures"' in body and 'href="/team/transfers"' in body
    assert body.index("high flag") < body.index("medium flags") < body.index("low flags")


def test_the_home_counts_take_a_fixed_number_of_queries(manager, worker, today):
    for index in range(3):
        FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=50 + index))
    db.session.commit()
    db.session.refresh(manager)
    with counting_queries() as few:
        caseload_service.team_overview(db.session, manager, current_time())
    for index in range(30):
        raise_flag(FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=index)))
    db.session.commit()
    db.session.refresh(manager)
    with counting_queries() as many:
        caseload_service.team_overview(db.session, manager, current_time())
    assert len(few) == len(many) <= 4


# --- caseloads ------------------------------------------------------------------------------------


@pytest.fixture
def team_of_three(worker, colleague, manager, today):
    """Wendy holds three families, Colin one, Uma none; one family is unallocated."""
    third = UserFactory(team=manager.team, role="worker", name="Uma Underused", email="uma@example.org")
    for days in (10, 20, 70):
        family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=days))
        VisitFactory(family=family, date=today - dt.timedelta(days=2))
    colins = FamilyFactory(worker=colleague, opened_on=today - dt.timedelta(days=50), phase="making_changes",
                           phase_since=today - dt.timedelta(days=10))
    raise_flag(colins, severity="high")
    FamilyFactory(worker=None, team=manager.team)
    return worker, colleague, third


def _names_in_order(response, names):
    body = response.get_data(as_text=True)
    return sorted(names, key=body.index)


def test_the_caseload_has_a_row_per_worker_and_a_team_total(client, login, manager, team_of_three):
    login(manager)
    response = client.get("/team/caseload")
    assert response.status_code == 200
    page = text_of(response)
    assert "Team total 5 " in page  # open families: 3 + 1 + 0 + 1 unallocated
    assert "Unallocated families 1 " in page
    body = body_of(response)
    wendy, colin, uma = team_of_three
    for person in team_of_three:
        assert f'href="/team/workers/{person.id}">{person.name}</a>' in body
    assert '<tfoot>' in body and 'scope="row" class="govuk-table__header">Team total' in body
    # the default sort is by name, announced on its header
    assert ('aria-sort="ascending"> <a class="govuk-link cw-sort" href="/team/caseload?sort=name&amp;dir=desc">'
            'Family worker') in body
    assert body.count('aria-sort="none"') == 12
    assert _names_in_order(response, [p.name for p in team_of_three]) == [
        "Colin Colleague", "Uma Underused", "Wendy Worker"]


def test_sorting_changes_the_order(client, login, manager, team_of_three):
    wendy, colin, uma = team_of_three
    names = [p.name for p in team_of_three]
    login(manager)
    busiest = client.get("/team/caseload?sort=open&dir=desc")
    assert _names_in_order(busiest, names) == ["Wendy Worker", "Colin Colleague", "Uma Underused"]
    assert ('aria-sort="descending"> <a class="govuk-link cw-sort" href="/team/caseload?sort=open&amp;dir=asc">'
            'Open families') in body_of(busiest)
    quietest = client.get("/team/caseload?sort=open&dir=asc")
    assert _names_in_order(quietest, names) == ["Uma Underused", "Colin Colleague", "Wendy Worker"]
    flagged = client.get("/team/caseload?sort=high&dir=desc")
    assert _names_in_order(flagged, names)[0] == "Colin Colleague"
    # the unallocated row stays below the workers whatever the order
    for response in (busiest, quietest, flagged):
        body = response.get_data(as_text=True)
        assert body.index("Unallocated families") > max(body.index(name) for name in names)
    # nonsense falls back to the default
    assert client.get("/team/caseload?sort=drop+table&dir=sideways").status_code == 200


def test_the_load_chart_is_a_script_free_image_with_alt_text(client, login, manager, team_of_three):
    login(manager)
    page = body_of(client.get("/team/caseload"))
    alt = re.search(r'<img class="cw-chart--load" src="/team/caseload/chart.svg" alt="([^"]+)"', page).group(1)
    assert "Wendy Worker 3.6" in html.unescape(alt) and "Uma Underused 0.0" in html.unescape(alt)
    chart = client.get("/team/caseload/chart.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert chart.headers["Cache-Control"] == "no-store"
    svg = chart.get_data(as_text=True)
    assert "<script" not in svg and "Wendy Worker" in svg


def test_the_caseload_page_takes_a_fixed_number_of_queries(client, login, manager, today):
    def grow(count):
        workers = [UserFactory(team=manager.team, role="worker") for _ in range(max(1, count // 10))]
        for index in range(count):
            family = FamilyFactory(worker=workers[index % len(workers)],
                                   opened_on=today - dt.timedelta(days=30 + index))
            VisitFactory(family=family, date=today - dt.timedelta(days=index % 35))
            if index % 3 == 0:
                raise_flag(family, severity=("high", "medium", "low")[index % 3])

    login(manager)
    grow(5)
    db.session.commit()
    with counting_queries() as five:
        assert client.get("/team/caseload").status_code == 200
    grow(45)
    db.session.commit()
    with counting_queries() as fifty:
        assert client.get("/team/caseload").status_code == 200
    assert len(fifty) == len(five), "the caseload page's queries grow with the team"
    assert len(five) <= 12


# --- the families CSV -----------------------------------------------------------------------------


@pytest.fixture
def csv_team(worker, colleague, manager, other_team, today):
    overdue = FamilyFactory(worker=worker, household_name="Adams household", postcode="LS6 2AB",
                            opened_on=today - dt.timedelta(days=60))
    VisitFactory(family=overdue, notes="Mum said the boiler is broken again.")
    raise_flag(overdue, severity="high")
    raise_flag(overdue, rule="phase_overrun", severity="low")
    fresh = FamilyFactory(worker=colleague, household_name="Brown household", postcode="LS7 3CD",
                          opened_on=today - dt.timedelta(days=10))
    lone = FamilyFactory(worker=None, team=manager.team, household_name="Clark household", postcode="LS8 1EF",
                         phase="making_changes", opened_on=today - dt.timedelta(days=20),
                         phase_since=today - dt.timedelta(days=5))
    raise_flag(lone, rule="goal_stalled", severity="medium", status="acknowledged")
    FamilyFactory(worker=worker, household_name="Done household", phase="closed", closed_on=today)
    FamilyFactory(worker=UserFactory(team=other_team), household_name="Elsewhere household")
    return overdue, fresh, lone


def test_the_csv_lists_the_teams_open_families_without_notes_or_childrens_names(client, login, manager, csv_team,
                                                                                  today):
    overdue, fresh, lone = csv_team
    login(manager)
    response = client.get("/team/families.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="team-families-{today.isoformat()}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "boiler" not in text and "Amy" not in text and "Ben" not in text and "Smith" not in text
    assert "2AB" not in text  # the postcode district only
    rows = csv_rows(response)
    assert [row["Household"] for row in rows] == ["Adams household", "Brown household", "Clark household"]
    assert list(rows[0]) == ["Reference", "Household", "Postcode district", "Family worker", "Phase", "Phase since",
                             "Weeks in service", "Next review due", "Review overdue", "Open flags", "Highest severity"]
    adams = rows[0]
    assert adams["Reference"] == overdue.reference
    assert adams["Postcode district"] == "LS6"
    assert adams["Family worker"] == "Wendy Worker"
    assert adams["Phase"] == "Engagement"
    assert adams["Weeks in service"] == "8"
    assert adams["Next review due"] == (today - dt.timedelta(days=18)).isoformat()
    assert (adams["Review overdue"], adams["Open flags"], adams["Highest severity"]) == ("yes", "2", "high")
    clark = rows[2]
    assert (clark["Family worker"], clark["Phase"], clark["Phase since"]) == (
        "Unallocated", "Making changes", (today - dt.timedelta(days=5)).isoformat())
    assert (clark["Review overdue"], clark["Open flags"], clark["Highest severity"]) == ("no", "1", "medium")


@pytest.mark.parametrize("query, expected", [
    ("phase=making_changes", ["Clark household"]),
    ("phase=closed", ["Done household"]),
    ("worker_id=none", ["Clark household"]),
    ("flag=any", ["Adams household", "Clark household"]),
    ("flag=none", ["Brown household"]),
    ("flag=high", ["Adams household"]),
    ("flag=medium", ["Clark household"]),
    ("flag=low", ["Adams household"]),
    ("overdue=yes", ["Adams household"]),
    ("overdue=no", ["Brown household", "Clark household"]),
    ("q=brown", ["Brown household"]),
    ("q=adams&flag=none", []),
])
def test_the_csv_respects_the_filters(client, login, manager, csv_team, query, expected):
    login(manager)
    response = client.get(f"/team/families.csv?{query}")
    assert response.status_code == 200
    assert [row["Household"] for row in csv_rows(response)] == expected


def test_the_csv_filters_by_worker(client, login, manager, colleague, csv_team):
    login(manager)
    rows = csv_rows(client.get(f"/team/families.csv?worker_id={colleague.id}"))
    assert [row["Household"] for row in rows] == ["Brown household"]


def test_a_bad_filter_answers_422_with_the_form(client, login, manager, outsider, csv_team):
    login(manager)
    for query in ("flag=purple", "phase=limbo", f"worker_id={outsider.id}", "overdue=maybe"):
        response = client.get(f"/team/families.csv?{query}")
        assert response.status_code == 422, query
        assert "There is a problem" in text_of(response)


def test_a_formula_in_a_household_name_is_not_run_by_a_spreadsheet(client, login, manager, worker):
    FamilyFactory(worker=worker, household_name="=HYPERLINK(\"http://evil\")")
    login(manager)
    [row] = csv_rows(client.get("/team/families.csv"))
    assert row["Household"].startswith("'=")


def test_team_family_rows_take_one_query(manager, worker, today):
    def grow(count):
        for index in range(count):
            family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=index * 3))
            if index % 2:
                raise_flag(family, severity="high")
        db.session.commit()

    grow(5)
    db.session.refresh(manager)
    with counting_queries() as five:
        caseload_service.team_family_rows(db.session, manager, current_time(), flag="any", overdue=True)
    grow(45)
    db.session.refresh(manager)
    with counting_queries() as fifty:
        rows = caseload_service.team_family_rows(db.session, manager, current_time(), flag="any", overdue=True)
    assert len(five) == len(fifty) == 1
    # of the 45 added, those opened 45 days ago or more with an odd index: 15, 17, ... 43
    assert len(rows) == 15 and all(row.open_flags and row.overdue for row in rows)
    with assert_refused(Forbidden):
        caseload_service.team_family_rows(db.session, worker, current_time())


# --- allocation -----------------------------------------------------------------------------------


def test_the_manager_reallocates_with_a_reason_and_the_new_worker_is_told(client, login, manager, worker, colleague,
                                                                           family):
    login(manager)
    form = client.get(f"/families/{family.id}/allocate")
    assert form.status_code == 200
    body = body_of(form)
    assert f'<option selected value="{worker.id}">Wendy Worker</option>' in body
    assert f'<option value="{colleague.id}">Colin Colleague</option>' in body

    missing = client.post(f"/families/{family.id}/allocate", data={"worker_id": colleague.id, "reason": " "})
    assert missing.status_code == 422
    assert "Give the reason for the allocation." in text_of(missing)
    assert f'<option selected value="{colleague.id}">' in body_of(missing)  # the choice is kept

    same = client.post(f"/families/{family.id}/allocate", data={"worker_id": worker.id, "reason": "Nothing."})
    assert same.status_code == 422 and "already allocated to Wendy Worker" in text_of(same)

    done = client.post(f"/families/{family.id}/allocate",
                       data={"worker_id": colleague.id, "reason": "Wendy is on leave.", "version": family.version})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/families/{family.id}")
    db.session.refresh(family)
    assert family.worker_id == colleague.id
    allocation = db.session.scalar(select(Allocation).where(Allocation.family_id == family.id))
    assert (allocation.from_worker_id, allocation.to_worker_id, allocation.reason) == (
        worker.id, colleague.id, "Wendy is on leave.")
    [note] = notes_for(colleague)
    assert note.kind == "allocated" and family.reference in note.message and family.household_name not in note.message
    assert "allocated to Colin Colleague" in text_of(client.get(f"/families/{family.id}"))


def test_allocation_stays_within_the_team_and_may_leave_a_family_unallocated(client, login, manager, outsider, family):
    login(manager)
    outside = client.post(f"/families/{family.id}/allocate", data={"worker_id": outsider.id, "reason": "Try"})
    assert outside.status_code == 422 and "Choose an active family worker in your team." in text_of(outside)
    garbage = client.post(f"/families/{family.id}/allocate", data={"worker_id": "abc", "reason": "Try"})
    assert garbage.status_code == 422
    done = client.post(f"/families/{family.id}/allocate", data={"worker_id": "", "reason": "Waiting list."})
    assert done.status_code == 302
    db.session.refresh(family)
    assert family.worker_id is None


def test_a_stale_allocation_answers_409_and_keeps_the_input(client, login, manager, colleague, family):
    login(manager)
    stale = client.post(f"/families/{family.id}/allocate",
                        data={"worker_id": colleague.id, "reason": "On leave.", "version": family.version - 1})
    assert stale.status_code == 409
    assert "On leave." in text_of(stale)


def test_a_closed_family_is_not_allocated(client, login, manager, worker, today):
    closed = FamilyFactory(worker=worker, phase="closed", closed_on=today)
    login(manager)
    assert client.get(f"/families/{closed.id}/allocate").status_code == 302


# --- transfer between teams -----------------------------------------------------------------------


def test_a_transfer_is_offered_then_accepted_by_the_other_team(client, login, manager, worker, other_team,
                                                                other_manager, family):
    their_worker = UserFactory(team=other_team, role="worker", name="Tess Theirs")
    login(manager)
    form = body_of(client.get(f"/families/{family.id}/transfer"))
    assert f'<option value="{other_team.id}">South</option>' in form
    assert f'<option value="{manager.team_id}">' not in form  # not to the family's own team

    refused = client.post(f"/families/{family.id}/transfer", data={"to_team_id": other_team.id, "reason": ""})
    assert refused.status_code == 422 and "Say why the family is moving to another team." in text_of(refused)
    offered = client.post(f"/families/{family.id}/transfer",
                          data={"to_team_id": other_team.id, "reason": "Moved to Leeds."})
    assert offered.status_code == 302
    transfer = db.session.scalar(select(Transfer).where(Transfer.family_id == family.id))
    assert (transfer.status, transfer.to_team_id) == ("pending", other_team.id)
    assert [n.kind for n in notes_for(other_manager)] == ["transfer_offered"]
    again = client.get(f"/families/{family.id}/transfer")
    assert "Already offered to South" in text_of(again)
    twice = client.post(f"/families/{family.id}/transfer", data={"to_team_id": other_team.id, "reason": "Again."})
    assert twice.status_code == 409

    login(other_manager)
    page = client.get("/team/transfers")
    assert family.reference in text_of(page) and "Moved to Leeds." in text_of(page)
    assert family.household_name not in text_of(page)  # not theirs to read until they accept
    accepted = client.post(f"/team/transfers/{transfer.id}/accept",
                           data={f"accept-{transfer.id}-worker_id": their_worker.id})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(f"/families/{family.id}")
    db.session.refresh(family)
    assert (family.team_id, family.worker_id) == (other_team.id, their_worker.id)
    assert "transfer_accepted" in [n.kind for n in notes_for(manager)]
    assert "allocated" in [n.kind for n in notes_for(their_worker)]
    login(manager)
    # No longer the sender's: their notification's link explains that, without any detail.
    moved = client.get(f"/families/{family.id}")
    assert moved.status_code == 200 and "now with another worker or team" in text_of(moved)
    assert family.household_name not in text_of(moved)
    assert client.get(f"/families/{family.id}/chronology").status_code == 404


def test_a_transfer_declined_with_a_comment_stays_with_the_sending_team(client, login, manager, other_team,
                                                                        other_manager, family):
    transfer = transfers_service.request_transfer(db.session, manager, family, other_team.id, "Moved.", current_time())
    login(other_manager)
    empty = client.post(f"/team/transfers/{transfer.id}/decline", data={f"decline-{transfer.id}-comment": "  "})
    assert empty.status_code == 422
    assert "Say why the transfer is declined." in text_of(empty)
    assert f'id="decline-{transfer.id}-comment-error"' in body_of(empty)
    declined = client.post(f"/team/transfers/{transfer.id}/decline",
                           data={f"decline-{transfer.id}-comment": "Not in our area yet."})
    assert declined.status_code == 302
    db.session.refresh(transfer)
    db.session.refresh(family)
    assert transfer.status == "declined" and family.team_id == manager.team_id
    assert "transfer_declined" in [n.kind for n in notes_for(manager)]
    assert client.post(f"/team/transfers/{transfer.id}/accept").status_code == 404  # no longer pending


def test_accepting_with_another_teams_worker_is_refused(client, login, manager, worker, other_team, other_manager,
                                                        family):
    transfer = transfers_service.request_transfer(db.session, manager, family, other_team.id, "Moved.", current_time())
    login(other_manager)
    refused = client.post(f"/team/transfers/{transfer.id}/accept", data={f"accept-{transfer.id}-worker_id": worker.id})
    assert refused.status_code == 422
    assert "Choose an active family worker in your team." in text_of(refused)
    db.session.refresh(transfer)
    assert transfer.status == "pending"


# --- closures awaiting approval -------------------------------------------------------------------


@pytest.fixture
def proposed(approval, worker, today):
    family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=150), phase="moving_on",
                           phase_since=today - dt.timedelta(days=20))
    phases_service.move_phase(db.session, worker, family, "closed", today - dt.timedelta(days=2), current_time(),
                                reason="step_down", note="Nursery place found; health visitor involved.")
    db.session.commit()
    return family


def test_the_closures_page_lists_proposals_with_approve_and_return(client, login, manager, proposed, today):
    login(manager)
    page = text_of(client.get("/team/closures"))
    for words in (proposed.reference, proposed.household_name, "Stepped down to universal services", "Wendy Worker",
                  "Nursery place found", "Approve closure", "Return with a comment"):
        assert words in page, words


def test_approving_closes_the_family_on_the_proposed_date(client, login, manager, worker, proposed, today):
    login(manager)
    family_page = text_of(client.get(f"/families/{proposed.id}"))
    assert "Closure waiting for your approval" in family_page and "Approve closure" in family_page
    approved = client.post(f"/families/{proposed.id}/closure/approve", data={"next": "/team/closures"})
    assert approved.status_code == 302 and approved.headers["Location"].endswith("/team/closures")
    db.session.refresh(proposed)
    assert (proposed.phase, proposed.closed_on, proposed.closure_reason) == (
        "closed", today - dt.timedelta(days=2), "step_down")
    assert "closure_approved" in [n.kind for n in notes_for(worker)]
    assert "No closures are waiting" in text_of(client.get("/team/closures"))
    again = client.post(f"/families/{proposed.id}/closure/approve")
    assert again.status_code == 302  # nothing pending: back to the family page, which says so


def test_returning_needs_a_comment_and_tells_the_worker(client, login, manager, worker, proposed):
    login(manager)
    empty = client.post(f"/families/{proposed.id}/closure/return", data={f"return-{proposed.id}-comment": ""})
    assert empty.status_code == 422
    assert "Say why the closure is returned." in text_of(empty)
    returned = client.post(f"/families/{proposed.id}/closure/return",
                           data={f"return-{proposed.id}-comment": "Hold a closing review with school first.",
                                 "next": "https://evil.example/"})
    assert returned.status_code == 302 and returned.headers["Location"].endswith(f"/families/{proposed.id}")
    db.session.refresh(proposed)
    assert proposed.phase == "moving_on"
    proposal = db.session.scalar(select(ClosureProposal).where(ClosureProposal.family_id == proposed.id))
    assert (proposal.status, proposal.comment) == ("returned", "Hold a closing review with school first.")
    [note] = [n for n in notes_for(worker) if n.kind == "closure_returned"]
    assert proposed.reference in note.message


def test_the_return_form_works_with_csrf_switched_on(app, client, login, manager, proposed):
    login(manager)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/team/closures").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    returned = client.post(f"/families/{proposed.id}/closure/return",
                           data={"csrf_token": token,
                                 f"return-{proposed.id}-comment": "Not yet.", "next": "/team/closures"})
    assert returned.status_code == 302, returned.get_data(as_text=True)
    without = client.post(f"/families/{proposed.id}/closure/approve", data={})
    app.config["WTF_CSRF_ENABLED"] = False
    assert without.status_code == 400


def test_the_flag_queue_forms_work_with_csrf_switched_on(app, client, login, manager, queue):
    old_high, new_high, old_medium, low = queue
    login(manager)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/team/flags").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        bulk = client.post("/team/flags/acknowledge", data={"csrf_token": token, "flag_ids": [old_medium.id]})
        resolved = client.post(f"/flags/{new_high.id}/resolve",
                               data={"csrf_token": token, f"resolve-{new_high.id}-note": "Seen."})
        forged = client.post(f"/flags/{old_high.id}/acknowledge", data={})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert (bulk.status_code, resolved.status_code, forged.status_code) == (302, 302, 400)
    for flag in (old_high, new_high, old_medium):
        db.session.refresh(flag)
    assert (old_high.status, new_high.status, old_medium.status) == ("open", "resolved", "acknowledged")


def test_the_family_page_shows_the_manager_actions_only_to_managers(client, login, worker, manager, family):
    login(manager)
    page = text_of(client.get(f"/families/{family.id}"))
    assert "Reallocate" in page and "Transfer to another team" in page
    assert "Closure waiting for your approval" not in page
    login(worker)
    assert "Transfer to another team" not in text_of(client.get(f"/families/{family.id}"))


# --- the flag queue -------------------------------------------------------------------------------


@pytest.fixture
def queue(worker, colleague, today):
    wendys = FamilyFactory(worker=worker, household_name="Adams household")
    colins = FamilyFactory(worker=colleague, household_name="Brown household")
    old_medium = raise_flag(wendys, rule="phase_overrun", severity="medium", days_ago=20)
    new_high = raise_flag(colins, rule="child_not_seen", severity="high", days_ago=1)
    old_high = raise_flag(wendys, rule="no_access", severity="high", days_ago=9)
    low = raise_flag(colins, rule="review_overdue", severity="low", days_ago=3, status="acknowledged")
    raise_flag(wendys, rule="goal_stalled", severity="high", status="resolved")
    return old_high, new_high, old_medium, low


def test_the_queue_is_most_severe_then_oldest_first(client, login, manager, queue, outsider):
    raise_flag(FamilyFactory(worker=outsider), severity="high", message="another team's flag")
    login(manager)
    response = client.get("/team/flags")
    page = text_of(response)
    assert "4 open flags" in page and "another team's flag" not in page
    order = [page.index(flag.message) for flag in queue]
    assert order == sorted(order)
    for words in ("No access", "High", "Adams household", "Wendy Worker", "Not yet"):
        assert words in page
    assert "Yes," in page  # the acknowledged one says so


def test_the_queue_filters_by_severity_and_worker(client, login, manager, colleague, queue):
    old_high, new_high, old_medium, low = queue
    login(manager)
    high = text_of(client.get("/team/flags?severity=high"))
    assert old_high.message in high and new_high.message in high and old_medium.message not in high
    colins = text_of(client.get(f"/team/flags?worker_id={colleague.id}"))
    assert new_high.message in colins and low.message in colins and old_high.message not in colins
    assert client.get("/team/flags?severity=urgent").status_code == 422


def test_acknowledge_and_resolve_from_the_queue(client, login, manager, queue):
    old_high, new_high, *_ = queue
    login(manager)
    acknowledged = client.post(f"/flags/{old_high.id}/acknowledge", data={"next": "/team/flags?severity=high"})
    assert acknowledged.status_code == 302 and acknowledged.headers["Location"].endswith("/team/flags?severity=high")
    db.session.refresh(old_high)
    assert old_high.status == "acknowledged" and old_high.acknowledged_by_id == manager.id

    empty = client.post(f"/flags/{new_high.id}/resolve", data={f"resolve-{new_high.id}-note": " "})
    assert empty.status_code == 422
    assert "Say what was decided about this flag." in text_of(empty)
    resolved = client.post(f"/flags/{new_high.id}/resolve",
                           data={f"resolve-{new_high.id}-note": "Seen at school on Monday.", "next": "/team/flags"})
    assert resolved.status_code == 302
    db.session.refresh(new_high)
    assert (new_high.status, new_high.resolution, new_high.resolved_by_id) == (
        "resolved", "Seen at school on Monday.", manager.id)
    assert new_high.message not in text_of(client.get("/team/flags"))


def test_bulk_acknowledge(client, login, manager, queue, outsider):
    old_high, new_high, old_medium, low = queue
    theirs = raise_flag(FamilyFactory(worker=outsider), severity="high")
    login(manager)
    none_chosen = client.post("/team/flags/acknowledge", data={})
    assert none_chosen.status_code == 422
    assert "Choose at least one flag to acknowledge." in text_of(none_chosen)
    done = client.post("/team/flags/acknowledge",
                       data={"flag_ids": [old_high.id, old_medium.id, theirs.id], "next": "/team/flags"})
    assert done.status_code == 302
    for flag in (old_high, old_medium, new_high, theirs):
        db.session.refresh(flag)
    assert (old_high.status, old_medium.status, new_high.status) == ("acknowledged", "acknowledged", "open")
    assert theirs.status == "open"  # another team's flag is left alone
    page = client.get("/team/flags")
    assert "2 flags acknowledged." in text_of(page)


def test_a_worker_acknowledges_their_own_flag_and_goes_back(client, login, worker, colleague, queue):
    old_high, new_high, *_ = queue
    login(worker)
    back = client.post(f"/flags/{old_high.id}/acknowledge", data={"next": f"/families/{old_high.family_id}#flags"})
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/families/{old_high.family_id}#flags")
    unsafe = client.post(f"/flags/{old_high.id}/acknowledge", data={"next": "//evil.example/"})
    assert unsafe.headers["Location"].endswith(f"/families/{old_high.family_id}")
    assert client.post(f"/flags/{new_high.id}/acknowledge").status_code == 404  # Colin's family
    assert client.post(f"/flags/{old_high.id}/resolve", data={"note": "x"}).status_code == 403


def test_the_queue_takes_a_fixed_number_of_queries(client, login, manager, worker):
    login(manager)

    def grow(count):
        for index in range(count):
            family = FamilyFactory(worker=UserFactory(team=manager.team))
            raise_flag(family, severity=("high", "medium", "low")[index % 3],
                       status=("open", "acknowledged")[index % 2])
            if index % 2:
                db.session.flush()
                flag = db.session.scalar(select(Flag).where(Flag.family_id == family.id))
                flag.acknowledged_by_id = family.worker_id
        db.session.commit()

    grow(3)
    with counting_queries() as few:
        assert client.get("/team/flags").status_code == 200
    grow(30)
    with counting_queries() as many:
        assert client.get("/team/flags").status_code == 200
    assert len(few) == len(many), "\n".join(s[:150] for s in many)


# --- supervision ----------------------------------------------------------------------------------


@pytest.fixture
def supervised(worker, manager, today):
    """Wendy: one family in making changes after 5 weeks of engagement, with a stalled goal and
    a review overdue; one new family whose children were seen."""
    long_case = FamilyFactory(worker=worker, household_name="Adams household",
                              opened_on=today - dt.timedelta(days=70),
                              consent_recorded_on=today - dt.timedelta(days=70))
    goal = GoalFactory(family=long_case, title="The children have a regular bedtime",
                       start_date=today - dt.timedelta(days=60))
    db.session.add(PhaseMove(family=long_case, from_phase="engagement", to_phase="making_changes",
                             date=today - dt.timedelta(days=35), by=worker))
    long_case.phase, long_case.phase_since = "making_changes", today - dt.timedelta(days=35)
    raise_flag(long_case, rule="goal_stalled", severity="medium", subject_key=f"goal:{goal.id}",
               message="“The children have a regular bedtime”: No rating since the goal started.")
    new_case = FamilyFactory(worker=worker, household_name="Brown household", opened_on=today - dt.timedelta(days=40))
    VisitFactory(family=new_case, date=today - dt.timedelta(days=3))
    db.session.flush()
    return long_case, new_case, goal


def test_the_supervision_view(client, login, manager, worker, supervised, today):
    long_case, new_case, goal = supervised
    login(manager)
    response = client.get(f"/team/workers/{worker.id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Wendy Worker" in page
    assert "Making changes for 5 weeks" in page
    assert "Time in each phase: Engagement 5 weeks (expected 4); Making changes 5 weeks (expected 14)." in page
    assert "Time in each phase: Engagement 5 weeks (expected 4)." in page  # the new family
    assert "the dashed lines mark weeks 4, 18, 22" in page
    assert "The children have a regular bedtime" in page  # the stalled goal
    assert f'href="/goals/{goal.id}"' in body_of(response)
    assert "overdue since" in page  # opened 70 days ago, no review held
    # children not seen: the long case's two children, never seen; the new case's were seen
    assert "Amy" in page and "Not seen since the family opened" in page
    assert page.count("Not seen since the family opened") == 2
    body = body_of(response)
    # The timeline is drawn in the page: no inline script or style (the CSP would refuse them).
    assert "<svg" in body and not re.search(r"<script(?![^>]*\bsrc=)", body) and "style=" not in body
    assert body.count('class="cw-timeline__expected"') == 2 * 3


def test_supervision_is_for_a_worker_of_the_team(client, login, manager, colleague, outsider, other_manager):
    login(manager)
    assert client.get(f"/team/workers/{colleague.id}").status_code == 200
    assert "holds no open families" in text_of(client.get(f"/team/workers/{colleague.id}"))
    assert client.get(f"/team/workers/{outsider.id}").status_code == 404
    assert client.get(f"/team/workers/{manager.id}").status_code == 404
    assert client.get("/team/workers/999999").status_code == 404


def test_the_supervision_service(manager, worker, supervised, today):
    long_case, new_case, goal = supervised
    db.session.commit()
    view = supervision_service.supervision(db.session, manager, worker.id, current_time())
    timelines = {family.id: family for family in view.families}
    spans = timelines[long_case.id].spans
    assert [(span.phase, span.weeks) for span in spans] == [("engagement", 5), ("making_changes", 5)]
    assert spans[-1].current and spans[-1].end == today
    assert [family.id for family in view.overdue_reviews] == [long_case.id]
    assert [(g.goal_id, g.title) for g in view.stalled_goals] == [(goal.id, "The children have a regular bedtime")]
    assert {child.reference for child in view.children_not_seen} == {long_case.reference}
    assert timelines[new_case.id].over_expected  # 5 weeks in engagement, 4 expected
    with assert_refused(NotFound):
        supervision_service.supervision(db.session, manager, manager.id, current_time())
    with assert_refused(Forbidden):
        supervision_service.supervision(db.session, worker, worker.id, current_time())


def test_a_reopened_family_shows_its_closed_spell(manager, worker, today):
    family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=100), phase="engagement",
                           phase_since=today - dt.timedelta(days=14))
    db.session.add_all([
        PhaseMove(family=family, from_phase="engagement", to_phase="closed", date=today - dt.timedelta(days=70),
                  by=manager),
        PhaseMove(family=family, from_phase="closed", to_phase="engagement", date=today - dt.timedelta(days=14),
                  by=manager),
    ])
    db.session.commit()
    view = supervision_service.supervision(db.session, manager, worker.id, current_time())
    [timeline] = view.families
    assert [(span.phase, span.weeks) for span in timeline.spans] == [
        ("engagement", 4), ("closed", 8), ("engagement", 2)]
    assert timeline.weeks_by_phase() == [("Engagement", 6, 4), ("Closed", 8, None)]


def test_the_supervision_view_takes_a_fixed_number_of_queries(manager, worker, today):
    def grow(count):
        for index in range(count):
            family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=40 + index))
            goal = GoalFactory(family=family)
            db.session.add(GoalRating(goal=goal, date=goal.start_date, rating=4, recorded_by=worker))
            db.session.add(PhaseMove(family=family, from_phase="engagement", to_phase="making_changes",
                                     date=family.opened_on + dt.timedelta(days=28), by=worker))
            raise_flag(family, rule="goal_stalled", subject_key=f"goal:{goal.id}")
            VisitFactory(family=family, date=today - dt.timedelta(days=index % 40))
        db.session.commit()

    grow(3)
    db.session.expire_all()
    db.session.refresh(manager)
    worker_id = worker.id
    with counting_queries() as few:
        supervision_service.supervision(db.session, manager, worker_id, current_time())
    grow(30)
    db.session.expire_all()
    db.session.refresh(manager)
    worker_id = worker.id
    with counting_queries() as many:
        view = supervision_service.supervision(db.session, manager, worker_id, current_time())
    assert len(few) == len(many) <= 6, "\n".join(s[:200] for s in many)
    assert len(view.families) == 33 and len(view.stalled_goals) == 33


# --- accessibility in a real browser --------------------------------------------------------------


def test_the_manager_pages_pass_axe(db, app, approval, manager, worker, colleague, other_team, today):
    """axe-core on each manager page (skipped where Debian's chromium is missing, as in
    test_browser)."""
    import os
    import threading
    from pathlib import Path

    from werkzeug.serving import make_server

    from .conftest import PASSWORD

    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("CI"):
            raise RuntimeError("/usr/bin/chromium is missing: CI must install it.")
        pytest.skip("/usr/bin/chromium is missing")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=70))
    raise_flag(family, severity="high")
    raise_flag(family, rule="phase_overrun", severity="low", status="acknowledged")
    proposed = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=150), phase="moving_on",
                             phase_since=today - dt.timedelta(days=20))
    phases_service.move_phase(db.session, worker, proposed, "closed", today, current_time(), reason="step_down")
    other_manager = UserFactory(team=other_team, role="manager")
    theirs = FamilyFactory(worker=UserFactory(team=other_team))
    transfers_service.request_transfer(db.session, other_manager, theirs, manager.team_id, "Moved.", current_time())
    email, paths = manager.email, [
        "/team", "/team/caseload", "/team/flags", "/team/closures", "/team/transfers", f"/team/workers/{worker.id}",
        f"/families/{family.id}/allocate", f"/families/{family.id}/transfer", f"/families/{proposed.id}",
        "/team/families.csv?flag=purple",
    ]
    db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    problems = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            page.goto(f"{base}/login")
            page.get_by_label("E-mail address").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/team")
            axe = Axe()
            for path in paths:
                page.goto(base + path)
                for violation in axe.run(page).response["violations"]:
                    if violation.get("impact") in ("serious", "critical"):
                        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
                        problems.append(f"{path}: {violation['id']}: {violation['help']} [{targets}]")
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert not problems, "\n".join(problems)
