"""Trust check, round two, item 8: ``previous_family_id`` names only an earlier case of the same
family, a case holding a child with the same first name (any case) and date of birth as one of
the new referral's children. Any other id (another team's unrelated family, an id no family
has) answers the same 422, word for word, on the API and the page: the answer never tells
which ids exist.

Figures: ids tried; answers that differ between an unknown id and an existing unrelated one (0)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Family
from casework.services.referrals import NO_EARLIER_CASE

from ..factories import FamilyFactory
from ..helpers import assert_error, referral
from .figures import record
from .web import signed_in_client


def test_an_earlier_case_must_hold_one_of_the_referrals_children(app, api, worker, outsider, today):
    # Another team's family holding Amy, born 1 March 2018 (the factory's children), and one
    # holding neither of the referral's children.
    earlier = FamilyFactory(worker=outsider, phase="closed", closed_on=today - dt.timedelta(days=300),
                            phase_since=today - dt.timedelta(days=300))
    unrelated = FamilyFactory(worker=outsider, children=[])
    _db.session.commit()
    caller = api(worker)
    answers = {}
    for name, previous_id in (("unknown", 987_654), ("unrelated", unrelated.id), ("huge", 2**40),
                              ("own team's", FamilyFactory(worker=worker, children=[]).id)):
        sent = referral(today, previous_family_id=previous_id)
        answers[name] = assert_error(caller.post("/api/v1/families", json=sent), 422)
    assert all(body == answers["unknown"] for body in answers.values()), answers
    assert answers["unknown"]["fields"] == {"previous_family_id": [NO_EARLIER_CASE]}
    before = _db.session.scalar(select(func.count(Family.id)))
    # The page's answer is the same for an unknown and an unrelated id.
    page = signed_in_client(app, worker)
    form = {"household_name": "Smith household", "postcode": "LS6 2AB", "referral_date": today.isoformat(),
            "concerns": "housing", "children-0-first_name": "Amy", "children-0-date_of_birth": "2018-03-01"}
    texts = [page.post("/families/new", data={**form, "previous_family_id": str(previous_id)})
             for previous_id in (987_654, unrelated.id)]
    assert [response.status_code for response in texts] == [422, 422]
    assert texts[0].get_data(as_text=True).count(NO_EARLIER_CASE) == texts[1].get_data(as_text=True).count(
        NO_EARLIER_CASE) > 0
    assert _db.session.scalar(select(func.count(Family.id))) == before
    # The same child, whatever the case of her name: linked, across teams.
    amy = {"first_name": "aMY", "date_of_birth": "2018-03-01"}
    linked = caller.post("/api/v1/families", json=referral(today, previous_family_id=earlier.id, children=[amy]))
    assert linked.status_code == 201 and linked.get_json()["previous_family_id"] == earlier.id
    differing = sum(body != answers["unknown"] for body in answers.values())
    record("earlier case by child (#13.8)", ids_tried=len(answers) + 2, differing_answers=differing,
           linked_by_child=1, bound_ok=differing == 0)
