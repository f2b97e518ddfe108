"""Trust check, round two, item 7: the flags of a closed family are read-only, like the rest of
its record. Acknowledging and resolving answer 422 on the API and on the pages, a bulk
acknowledgement including one of them acknowledges nothing, and nothing changes; the pages
offer no button for them. (The daily sweep resolves them, as before.)

Figures: attempts on a closed family's flags, refused (all), flags changed (0)."""
from __future__ import annotations

import datetime as dt

from casework.extensions import db as _db
from casework.models import Flag

from ..factories import FamilyFactory
from ..helpers import assert_error, raise_flag
from .figures import record
from .web import checksum, signed_in_client


def test_a_closed_familys_flags_cannot_be_acknowledged_or_resolved(app, api, worker, manager, today):
    closed = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60), phase="closed",
                           phase_since=today - dt.timedelta(days=2), closed_on=today - dt.timedelta(days=2),
                           closure_reason="step_down")
    open_family = FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60))
    flag, acknowledged = raise_flag(closed), raise_flag(closed, status="acknowledged")
    other = raise_flag(open_family)
    _db.session.commit()
    as_worker, as_manager, pages = api(worker), api(manager), signed_in_client(app, manager)
    before = checksum()
    answers = {
        "api acknowledge (worker)": as_worker.post(f"/api/v1/flags/{flag.id}/acknowledge"),
        "api acknowledge (manager)": as_manager.post(f"/api/v1/flags/{flag.id}/acknowledge"),
        "api resolve": as_manager.post(f"/api/v1/flags/{acknowledged.id}/resolve", json={"note": "Done."}),
    }
    for name, response in answers.items():
        body = assert_error(response, 422)
        assert "closed" in body["error"] and closed.reference in body["error"], name
    page_answers = {
        "page acknowledge": pages.post(f"/flags/{flag.id}/acknowledge"),
        "page resolve": pages.post(f"/flags/{acknowledged.id}/resolve",
                                   data={f"resolve-{acknowledged.id}-note": "Done."}),
        "page bulk acknowledge": pages.post("/team/flags/acknowledge", data={"flag_ids": [other.id, flag.id]}),
    }
    for name, response in page_answers.items():
        assert response.status_code == 422, name
        assert f"{closed.reference} is closed" in response.get_data(as_text=True), name
    assert checksum() == before  # nothing changed, the open family's flag in the bulk included
    # The pages offer nothing to press for them.
    family_page = pages.get(f"/families/{closed.id}").get_data(as_text=True)
    queue = pages.get("/team/flags").get_data(as_text=True)
    for html in (family_page, queue):
        assert f"/flags/{flag.id}/acknowledge" not in html and f"/flags/{acknowledged.id}/resolve" not in html
    assert f"/flags/{other.id}/acknowledge" in queue
    # The open family's flag is acknowledged as ever.
    assert as_manager.post(f"/api/v1/flags/{other.id}/acknowledge").status_code == 200
    refused = len(answers) + len(page_answers)
    changed = sum(_db.session.get(Flag, f.id).status != status
                  for f, status in ((flag, "open"), (acknowledged, "acknowledged")))
    record("closed families' flags read-only (#13.7)", attempts=refused,
           refused=sum(r.status_code == 422 for r in (*answers.values(), *page_answers.values())),
           flags_changed=changed, bound_ok=changed == 0)
