"""Trust figure 4, concurrency: separate processes (8 x 250 updates in the full run) edit the
same few families at once through the JSON API (``PATCH /api/v1/families/<id>`` with the
version they read, the same code the pages' edit form reaches), on SQLite and on PostgreSQL.

Each update reads a family, adds one to a counter kept in its ``referral_source`` and sends it
back with the version it read. Every update must be either accepted or refused as stale (409):
accepted + refused = all of them; no accepted update silently overwrites another (the counters
end at exactly the number accepted, and no two accepted updates wrote the same value), and
SQLite never answers "database is locked"."""
from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter

from sqlalchemy import select

from casework.models import Family

from ..factories import PASSWORD, FamilyFactory
from .figures import record, scale
from .processes import database_spec, start_python

FAMILIES = 2  # the "same records" every process edits


def test_concurrent_updates_are_accepted_or_refused_and_never_lost(app, db, worker):
    processes, updates = scale(4, 8), scale(40, 250)
    families = [FamilyFactory(worker=worker, referral_source="0") for _ in range(FAMILIES)]
    ids = [family.id for family in families]
    versions_before = {family.id: family.version for family in families}
    spec = {**database_spec(app), "email": worker.email, "password": PASSWORD, "families": ids, "updates": updates}
    db.session.commit()  # and hold no transaction (on SQLite: no lock) while the children run

    children = [
        start_python(__name__, {**spec, "seed": number}, app, stdin=True) for number in range(processes)
    ]
    try:
        for child in children:
            assert child.wait_for(lambda line: line == "ready", 120), child.output()
        started = time.monotonic()
        for child in children:  # all at once
            child.send("go\n")
        for child in children:
            assert child.finish(timeout=900) == 0, child.output()
        elapsed = time.monotonic() - started
    finally:
        for child in children:
            child.kill()
    results = [json.loads(child.wait_for(lambda line: line.startswith("{"), 1)) for child in children]

    totals = Counter()
    written: dict[int, list[int]] = {family_id: [] for family_id in ids}
    for result in results:
        totals.update(result["counts"])
        for family_id, value in result["accepted"]:
            written[family_id].append(value)
    db.session.expire_all()
    after = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(ids)))}
    # An accepted update that overwrote another's would leave the counter short of the number
    # accepted, and two accepted updates would have written the same value.
    silent_overwrites = sum(
        len(values) - int(after[family_id].referral_source) for family_id, values in written.items()
    ) + sum(len(values) - len(set(values)) for values in written.values())
    version_moves = {family_id: after[family_id].version - versions_before[family_id] for family_id in ids}
    attempted = processes * updates
    figures = {
        "database": db.engine.dialect.name,
        "processes": processes,
        "updates_each": updates,
        "attempted": attempted,
        "accepted": totals["accepted"],
        "refused": totals["refused"],
        "silent_overwrites": silent_overwrites,
        "database_locked_errors": totals["locked"],
        "other_errors": totals["other"],
        "seconds": round(elapsed, 1),
    }
    ok = (
        totals["accepted"] + totals["refused"] == attempted
        and silent_overwrites == 0
        and totals["locked"] == 0
        and totals["other"] == 0
        and all(version_moves[family_id] == len(written[family_id]) for family_id in ids)
    )
    record("concurrency", **figures, bound_ok=ok)

    errors = [error for result in results for error in result["errors"]]
    assert totals["locked"] == 0, errors
    assert totals["other"] == 0, errors
    assert totals["accepted"] + totals["refused"] == attempted, figures
    assert silent_overwrites == 0, (figures, written)
    db.session.commit()
    for family_id in ids:
        # Every accepted update, and only those, moved the family's version and its counter on.
        assert sorted(written[family_id]) == list(range(1, len(written[family_id]) + 1))
        assert version_moves[family_id] == len(written[family_id])
    # The processes really did collide: some updates were refused as stale, and some accepted.
    assert totals["refused"] > 0 and totals["accepted"] > 0, figures


# --- the child process ------------------------------------------------------------------------


def _child(spec: dict) -> int:
    """One process: sign in for an API token, then read-and-update ``updates`` times."""
    from .processes import child_app

    app = child_app(spec)
    client = app.test_client()
    response = client.post("/api/v1/tokens", json={"email": spec["email"], "password": spec["password"]})
    if response.status_code != 201:
        print(f"token refused: {response.status_code} {response.get_data(as_text=True)}", flush=True)
        return 1
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    rng = random.Random(spec["seed"])
    counts = Counter(accepted=0, refused=0, locked=0, other=0)
    accepted, errors = [], []
    print("ready", flush=True)
    sys.stdin.readline()  # "go": every process starts at once

    def failed(kind: str, what: str) -> None:
        counts[kind] += 1
        if len(errors) < 20:
            errors.append(what)

    for _ in range(spec["updates"]):
        family_id = rng.choice(spec["families"])
        try:
            got = client.get(f"/api/v1/families/{family_id}", headers=headers)
            if got.status_code != 200:
                failed("other", f"GET {got.status_code}: {got.get_data(as_text=True)[:200]}")
                continue
            family = got.get_json()
            value = int(family["referral_source"]) + 1
            sent = client.patch(
                f"/api/v1/families/{family_id}",
                json={"version": family["version"], "referral_source": str(value)},
                headers=headers,
            )
        except Exception as error:  # noqa: BLE001 - every failure is counted, by kind
            failed("locked" if "database is locked" in str(error) else "other",
                   f"{type(error).__name__}: {error}"[:300])
            continue
        if sent.status_code == 200:
            counts["accepted"] += 1
            accepted.append((family_id, value))
        elif sent.status_code == 409:
            counts["refused"] += 1
        else:
            body = sent.get_data(as_text=True)
            failed("locked" if "database is locked" in body else "other", f"PATCH {sent.status_code}: {body[:200]}")
    print(json.dumps({"counts": counts, "accepted": accepted, "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child(json.loads(sys.argv[1])))
