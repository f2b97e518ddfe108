"""When is a child not seen: one answer from the flag rule, the family lists' filter, the
caseload's count and supervision, at the edges of the window."""
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from casework.extensions import db
from casework.models import Child, VisitChild
from casework.services import caseload, families, flag_rules, supervision
from casework.services.family_filters import FamilyFilters

from .factories import FamilyFactory, VisitFactory

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def not_seen_everywhere(manager, worker) -> dict:
    """Which children (by first name) each face says were not seen, and which families."""
    findings = flag_rules.evaluate(db.session, TODAY, rules=["child_not_seen"])
    names = dict(db.session.execute(select(Child.id, Child.first_name)).all())
    listed, _ = families.list_families(db.session, manager, NOW, filters=FamilyFilters(child_not_seen=True))
    counted = sum(load.families_with_child_not_seen for load in caseload.team_caseload(db.session, manager, NOW))
    seen_in_supervision = supervision.supervision(db.session, manager, worker.id, NOW).children_not_seen
    return {
        "flag rule": sorted(names[int(f.subject_key.split(":")[1])] for f in findings),
        "supervision": sorted(child.first_name for child in seen_in_supervision),
        "families": sorted({f.family_id for f in findings}) == sorted(s.family.id for s in listed) and counted,
    }


def test_a_child_not_seen_is_the_same_child_everywhere(worker, manager):
    # Seen 27 days ago: within the window. Seen 28 days ago: not (the window is today - 28 < d).
    within = FamilyFactory(worker=worker, opened_on=days_ago(90), household_name="Within")
    VisitFactory(family=within, date=days_ago(27))
    edge = FamilyFactory(worker=worker, opened_on=days_ago(90), household_name="Edge",
                         children=[_child("Cara"), _child("Dev")])
    VisitFactory(family=edge, date=days_ago(28))
    # A phone call sees nobody; a visit where only one child was seen sees only that child.
    phoned = FamilyFactory(worker=worker, opened_on=days_ago(90), household_name="Phoned",
                           children=[_child("Eve"), _child("Finn")])
    VisitFactory(family=phoned, date=days_ago(3), kind="phone")
    VisitFactory(family=phoned, date=days_ago(2), children_seen=[VisitChild(child=phoned.children[1])],
                 all_children_seen=False)
    # Open for 27 days, nobody seen: not yet long enough for the 28-day window.
    FamilyFactory(worker=worker, opened_on=days_ago(27), household_name="New", children=[_child("Gus")])

    found = not_seen_everywhere(manager, worker)
    assert found["flag rule"] == found["supervision"] == ["Cara", "Dev", "Eve"]
    assert found["families"] == 2  # the list shows the flagged families, and the caseload counts them


def _child(first_name):
    return Child(first_name=first_name, last_name="Smith", date_of_birth=dt.date(2018, 3, 1))
