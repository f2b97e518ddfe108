"""The child's voice: recording what a child said through the API, correcting it, who may read
it, the flag when a child has not been heard, the family's released copy of the record, the
chronology, the review reminder, the handoff and the outcomes report."""
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Child, Correction, Notification, Voice
from casework.services import voices
from casework.services.clock import sweep_time
from casework.services.errors import StaleVersion, ValidationFailed
from casework.services.flag_rules import evaluate
from casework.services.sweep import run_sweep

from . import factories
from .helpers import assert_error, assert_refused, closed_family, keep_outcomes

VOICE_FIELDS = {"id", "child_id", "date", "how", "words", "scale", "worries", "good_things", "wishes",
                "shared_with_parents", "recorded_by", "version", "corrections"}


def voice_body(today, **changes):
    body = {"date": today.isoformat(), "how": "direct_work", "words": "I like it when Mum reads to me.",
            "scale": 6, "worries": "Dad shouting at night.", "good_things": "My cat.", "wishes": "A bike.",
            "shared_with_parents": False}
    body.update(changes)
    return body


def voice_count() -> int:
    return _db.session.scalar(select(func.count(Voice.id)))


# --- recording, through the API --------------------------------------------------------------


def test_a_worker_records_what_a_child_said(api, worker, family, today):
    amy, ben = family.children
    calls = api(worker)
    response = calls.post(f"/api/v1/children/{amy.id}/voice", json=voice_body(today))
    assert response.status_code == 201, response.get_json()
    voice = response.get_json()
    assert set(voice) >= VOICE_FIELDS
    assert (voice["child_id"], voice["date"], voice["how"], voice["scale"]) == (amy.id, today.isoformat(),
                                                                                  "direct_work", 6)
    assert voice["words"] == "I like it when Mum reads to me."
    assert (voice["worries"], voice["good_things"], voice["wishes"]) == ("Dad shouting at night.", "My cat.", "A bike.")
    assert voice["shared_with_parents"] is False
    assert voice["recorded_by"] == {"id": worker.id, "name": "Wendy Worker"}
    assert voice["corrections"] == [] and voice["version"] == 1
    # A baby, or a child who does not talk yet: what the worker observed.
    observed = calls.post(f"/api/v1/children/{ben.id}/voice", json={
        "date": (today - dt.timedelta(days=3)).isoformat(), "how": "observation",
        "words": "Ben laughed and reached for his mum."})
    assert observed.status_code == 201
    assert observed.get_json()["scale"] is None and observed.get_json()["shared_with_parents"] is False


def test_a_childs_voices_read_newest_first_and_the_family_shows_the_latest(api, worker, family, today):
    amy, ben = family.children
    calls = api(worker)
    for days, scale in ((20, 3), (2, 7), (10, 5)):
        calls.post(f"/api/v1/children/{amy.id}/voice",
                   json=voice_body(today - dt.timedelta(days=days), scale=scale, how="visit"))
    items = calls.get(f"/api/v1/children/{amy.id}/voice").get_json()["items"]
    assert [item["scale"] for item in items] == [7, 5, 3]
    children = {c["id"]: c for c in calls.get(f"/api/v1/families/{family.id}").get_json()["children"]}
    assert children[amy.id]["latest_voice"] == {"date": (today - dt.timedelta(days=2)).isoformat(), "scale": 7}
    assert children[ben.id]["latest_voice"] is None


def test_the_family_record_reads_the_latest_voices_in_one_query_whatever_the_children(api, worker, today):
    from .helpers import count_queries

    def queries(children: int) -> int:
        family = factories.FamilyFactory(worker=worker, children=[
            Child(first_name=f"Child{n}", date_of_birth=dt.date(2016, 1, 1 + n)) for n in range(children)])
        for child in family.children:
            factories.VoiceFactory(family=family, child=child)
        calls = api(worker)
        with count_queries() as statements:
            assert calls.get(f"/api/v1/families/{family.id}").status_code == 200
        return len(statements)

    assert queries(1) == queries(6)


@pytest.mark.parametrize("changes, field", [
    ({"words": None, "scale": None, "worries": None, "good_things": None, "wishes": None}, "words"),
    ({"words": "  ", "scale": None, "worries": "", "good_things": None, "wishes": None}, "scale"),
    ({"scale": 11}, "scale"),
    ({"scale": -1}, "scale"),
    ({"scale": "six"}, "scale"),
    ({"how": "telepathy"}, "how"),
    ({"how": None}, "how"),
    ({"date": None}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"words": "x" * 4001}, "words"),
    ({"wishes": "x" * 4001}, "wishes"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(api, worker, family, today, changes, field):
    response = api(worker).post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today, **changes))
    body = assert_error(response, 422)
    assert field in body["fields"], body
    assert voice_count() == 0


def test_a_date_in_the_future_and_a_visit_or_review_of_another_family_are_refused(api, worker, family, today):
    other = factories.FamilyFactory(worker=worker)
    visit = factories.VisitFactory(family=other)
    review = factories.ReviewFactory(family=other, recorded_by=worker)
    calls = api(worker)
    url = f"/api/v1/children/{family.children[0].id}/voice"
    body = assert_error(calls.post(url, json=voice_body(today + dt.timedelta(days=1))), 422)
    assert body["fields"]["date"] == ["A child's voice cannot be dated in the future."]
    body = assert_error(calls.post(url, json=voice_body(today, visit_id=visit.id, review_id=review.id)), 422)
    assert set(body["fields"]) == {"visit_id", "review_id"}
    assert voice_count() == 0
    own = factories.VisitFactory(family=family)
    assert calls.post(url, json=voice_body(today, visit_id=own.id)).get_json()["visit_id"] == own.id


def test_a_closed_familys_voices_are_read_only(api, worker, today):
    family = closed_family(worker, today - dt.timedelta(days=100), today - dt.timedelta(days=5))
    response = api(worker).post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today))
    assert "closed" in assert_error(response, 422)["error"]
    assert voice_count() == 0


# --- corrections -------------------------------------------------------------------------------


def test_a_correction_keeps_what_the_voice_said(api, worker, family, today):
    calls = api(worker)
    voice = calls.post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today)).get_json()
    response = calls.patch(f"/api/v1/voice/{voice['id']}", json={
        "scale": 8, "shared_with_parents": True, "version": voice["version"],
        "correction_note": "Amy said eight, and that Mum may read it."})
    assert response.status_code == 200, response.get_json()
    corrected = response.get_json()
    assert (corrected["scale"], corrected["shared_with_parents"], corrected["version"]) == (8, True, 2)
    assert corrected["words"] == voice["words"]  # left out: kept
    [correction] = corrected["corrections"]
    assert correction["old"] == {"scale": 6, "shared_with_parents": False}
    assert correction["note"] == "Amy said eight, and that Mum may read it."
    assert correction["by"] == {"id": worker.id, "name": "Wendy Worker"}
    [item] = calls.get(f"/api/v1/children/{family.children[0].id}/voice").get_json()["items"]
    assert item["corrections"] == corrected["corrections"]
    chronology = calls.get(f"/api/v1/families/{family.id}/chronology?kind=correction").get_json()["items"]
    assert chronology[0]["summary"].startswith("Voice corrected (scale, shared_with_parents)")


def test_a_stale_correction_a_missing_note_and_no_change_are_refused(api, worker, family, today):
    calls = api(worker)
    voice = calls.post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today)).get_json()
    url = f"/api/v1/voice/{voice['id']}"
    assert_error(calls.patch(url, json={"scale": 2, "version": 0, "correction_note": "Wrong."}), 409)
    assert "correction_note" in assert_error(calls.patch(url, json={"scale": 2}), 422)["fields"]
    assert "correction_note" in assert_error(calls.patch(url, json={"scale": 6, "correction_note": "Same."}),
                                             422)["fields"]
    assert "scale" in assert_error(calls.patch(url, json={"scale": 12, "correction_note": "Typo."}), 422)["fields"]
    _db.session.expire_all()
    assert _db.session.get(Voice, voice["id"]).scale == 6
    assert _db.session.scalar(select(func.count(Correction.id))) == 0


def test_the_service_refuses_a_stale_correction_and_changes_nothing(family, worker, now, today):
    voice = voices.record_voice(_db.session, family.children[0], {"date": today, "how": "visit", "scale": 6},
                                worker, now)
    voices.correct_voice(_db.session, worker, voice, {"scale": 7, "version": 1}, "Misheard", now)
    with assert_refused(StaleVersion, "version", unchanged=[voice]):
        voices.correct_voice(_db.session, worker, voice, {"scale": 8, "version": 1}, "Again", now)
    with assert_refused(ValidationFailed, "words", "scale", unchanged=[voice]):
        voices.correct_voice(_db.session, worker, voice, {"scale": None}, "Nothing heard after all", now)


# --- who may read and write ---------------------------------------------------------------------


@pytest.mark.parametrize("role, answer", [
    ("worker", 200), ("colleague", 404), ("manager", 200), ("other_manager", 404), ("admin", 403),
    ("partner", 403), ("partner_without", 404),
])
def test_who_may_read_and_record_a_childs_voice(api, world, today, role, answer):
    people, ids = world
    calls = api(people[role])
    read = calls.get(f"/api/v1/children/{ids['child_id']}/voice")
    assert read.status_code == answer
    written = calls.post(f"/api/v1/children/{ids['child_id']}/voice", json=voice_body(today))
    assert written.status_code == (201 if answer == 200 else answer)
    corrected = calls.patch(f"/api/v1/voice/{ids['voice_id']}", json={"scale": 2, "correction_note": "Typo."})
    assert corrected.status_code == answer
    if answer != 200:
        assert "I like it" not in read.get_data(as_text=True)


# --- the flag: a child not heard -----------------------------------------------------------------


@pytest.fixture
def household(worker, today):
    """Open 50 days: Amy (8), Ben (5) heard 10 days ago, Cal (2) too young to be asked."""
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=50), children=[
        Child(first_name="Amy", last_name="Smith", date_of_birth=today.replace(year=today.year - 8)),
        Child(first_name="Ben", last_name="Smith", date_of_birth=today.replace(year=today.year - 5)),
        Child(first_name="Cal", last_name="Smith", date_of_birth=today - dt.timedelta(days=800)),
    ])
    factories.VoiceFactory(family=family, child=family.children[1], date=today - dt.timedelta(days=10))
    return family


def voice_flags(today):
    return sorted((f.subject_key, f.severity, f.message) for f in evaluate(_db.session, today)
                  if f.rule == "child_voice_missing")


def test_a_child_not_heard_is_flagged_by_first_name_only(household, today):
    amy = household.children[0]
    [(subject, severity, message)] = voice_flags(today)
    assert (subject, severity) == (f"child:{amy.id}", "low")
    assert message.startswith("Amy's voice has not been recorded since the family opened on")
    assert "Smith" not in message and "42 days" in message


def test_the_flag_waits_for_the_family_to_be_open_28_days(worker, today):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=27))
    assert voice_flags(today) == []
    family.opened_on = today - dt.timedelta(days=28)
    _db.session.flush()
    assert len(voice_flags(today)) == 2


def test_a_child_heard_in_the_last_42_days_is_not_flagged_and_the_flag_is_medium_after_84(household, today):
    amy, ben, _ = household.children
    factories.VoiceFactory(family=household, child=amy, date=today - dt.timedelta(days=41))
    assert voice_flags(today) == []
    later = today + dt.timedelta(days=1)
    assert [subject for subject, *_ in voice_flags(later)] == [f"child:{amy.id}"]
    flags = {subject: (severity, message) for subject, severity, message in voice_flags(today + dt.timedelta(days=43))}
    assert flags[f"child:{amy.id}"][0] == "medium"  # 84 days since Amy was heard
    assert flags[f"child:{amy.id}"][1].startswith("Amy was last heard on")
    assert flags[f"child:{ben.id}"][0] == "low"  # 53 days since Ben was
    flags = voice_flags(today + dt.timedelta(days=42))  # Amy 83 days, Ben 52: both low
    assert [severity for _, severity, _ in flags] == ["low", "low"]


def test_a_child_turning_four_on_the_day_is_asked(worker, today):
    factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60), children=[
        Child(first_name="Dee", date_of_birth=today.replace(year=today.year - 4)),
        Child(first_name="Eli", date_of_birth=today.replace(year=today.year - 4) + dt.timedelta(days=1)),
    ])
    assert [message.split("'")[0] for _, _, message in voice_flags(today)] == ["Dee"]


def test_recording_the_childs_voice_resolves_the_flag_in_the_same_request(api, worker, household, today, now):
    amy = household.children[0]
    run_sweep(_db.session, now)
    _db.session.commit()
    calls = api(worker)
    flags = calls.get(f"/api/v1/flags?status=open&family_id={household.id}").get_json()["items"]
    assert [f["rule"] for f in flags].count("child_voice_missing") == 1
    # Heard too long ago: the condition still holds, the flag stays.
    calls.post(f"/api/v1/children/{amy.id}/voice", json=voice_body(today - dt.timedelta(days=60)))
    assert "child_voice_missing" in [f["rule"] for f in calls.get(
        f"/api/v1/flags?status=open&family_id={household.id}").get_json()["items"]]
    calls.post(f"/api/v1/children/{amy.id}/voice", json=voice_body(today))
    items = calls.get(f"/api/v1/flags?status=open&family_id={household.id}").get_json()["items"]
    assert "child_voice_missing" not in [f["rule"] for f in items]
    [resolved] = [f for f in calls.get(f"/api/v1/flags?status=resolved&family_id={household.id}").get_json()["items"]
                  if f["rule"] == "child_voice_missing"]
    assert resolved["resolution"].startswith("Amy heard on")
    assert run_sweep(_db.session, now).flags_raised == 0


def test_the_review_reminder_names_the_children_not_heard_in_the_app_only(worker, today, now):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=38))
    amy, ben = family.children
    factories.VoiceFactory(family=family, child=amy, date=today - dt.timedelta(days=3))
    run_sweep(_db.session, now)
    [note] = _db.session.scalars(select(Notification).where(Notification.kind == "review_due")).all()
    assert note.detail == "Not heard since the family opened: Ben."
    assert "Ben" not in note.message and family.reference in note.message


def test_the_review_reminder_counts_from_the_last_review(worker, today):
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=80))
    amy, ben = family.children
    held = today - dt.timedelta(days=38)
    factories.ReviewFactory(family=family, held_on=held, recorded_by=worker)
    factories.VoiceFactory(family=family, child=amy, date=held - dt.timedelta(days=1))
    factories.VoiceFactory(family=family, child=ben, date=held + dt.timedelta(days=1))
    run_sweep(_db.session, sweep_time(today))
    [note] = _db.session.scalars(select(Notification).where(Notification.kind == "review_due")).all()
    assert note.detail == f"Not heard since the last review on {held.day} {held:%b}: Amy."


# --- the record: chronology, subject access, handoff ---------------------------------------------


def test_the_chronology_shows_the_child_and_the_scale_never_the_words(api, worker, family, today):
    calls = api(worker)
    calls.post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today, how="visit"))
    [entry] = calls.get(f"/api/v1/families/{family.id}/chronology?kind=voice").get_json()["items"]
    assert entry["summary"] == "Amy's voice recorded (at a visit): 6 out of 10 on the scale"
    assert entry["by"]["id"] == worker.id
    whole = json.dumps(calls.get(f"/api/v1/families/{family.id}/chronology").get_json())
    assert "reads to me" not in whole and "shouting" not in whole


@pytest.fixture
def heard(api, worker, family, today):
    """Amy said something she agreed her parents may read, and something she did not; the
    second was corrected."""
    calls = api(worker)
    amy = family.children[0]
    calls.post(f"/api/v1/children/{amy.id}/voice",
               json=voice_body(today - dt.timedelta(days=5), words="I like school.", scale=7, worries=None,
                               good_things=None, wishes=None, shared_with_parents=True))
    secret = calls.post(f"/api/v1/children/{amy.id}/voice", json=voice_body(today)).get_json()
    calls.patch(f"/api/v1/voice/{secret['id']}", json={"words": "I am scared when Dad shouts.",
                                                        "correction_note": "Her exact words."})
    return family


def export(api, manager, family, redact):
    response = api(manager).get(f"/api/v1/families/{family.id}/subject-access?redact={redact}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_the_familys_copy_withholds_what_a_child_did_not_agree_to_share(api, manager, heard):
    released = export(api, manager, heard, 1)
    shared, secret = released["voices"]
    assert (shared["words"], shared["scale"], shared["withheld"]) == ("I like school.", 7, None)
    assert all(secret[name] is None for name in ("words", "scale", "worries", "good_things", "wishes"))
    assert "did not agree to share" in secret["withheld"]
    assert any(note.startswith("Something was withheld") for note in released["notes"])
    text = json.dumps(released)
    assert "scared" not in text and "shouting" not in text and "reads to me" not in text
    [correction] = [c for c in released["corrections"] if c["record_type"] == "voice"]
    assert {old["field"]: old["value"] for old in correction["old_values"]}["words"].startswith("Withheld")


def test_the_full_export_keeps_every_voice(api, manager, heard):
    full = export(api, manager, heard, 0)
    assert [v["words"] for v in full["voices"]] == ["I like school.", "I am scared when Dad shouts."]
    assert not any(note.startswith("Something was withheld") for note in full["notes"])
    text = json.dumps(full)
    assert "reads to me" in text  # the corrected words, kept in the correction


def test_nothing_withheld_says_nothing_withheld(api, worker, manager, family, today):
    api(worker).post(f"/api/v1/children/{family.children[0].id}/voice",
                     json=voice_body(today, shared_with_parents=True))
    released = export(api, manager, family, 1)
    assert released["voices"][0]["words"] == "I like it when Mum reads to me."
    assert not any(note.startswith("Something was withheld") for note in released["notes"])


def test_a_childs_own_export_holds_only_their_voice(api, manager, heard, worker, today):
    ben = heard.children[1]
    api(worker).post(f"/api/v1/children/{ben.id}/voice", json=voice_body(today, words="Ben's words."))
    response = api(manager).get(f"/api/v1/children/{ben.id}/subject-access")
    voices_out = json.loads(response.get_data(as_text=True))["voices"]
    assert [v["words"] for v in voices_out] == ["Ben's words."]


def test_the_handoff_carries_every_voice_in_full(api, manager, heard):
    package = api(manager).get(f"/api/v1/families/{heard.id}/handoff").get_json()
    assert [v["words"] for v in package["voices"]] == ["I like school.", "I am scared when Dad shouts."]
    amy = next(c for c in package["children"] if c["first_name"] == "Amy")
    assert amy["latest_voice"]["scale"] == 6


# --- the outcomes report -----------------------------------------------------------------------


def test_the_outcomes_report_counts_the_children_heard(api, worker, manager):
    closed = dt.date(2026, 6, 30)
    family = closed_family(worker, dt.date(2026, 1, 5), closed)
    family.children = [
        Child(first_name="Amy", date_of_birth=dt.date(2018, 1, 1)),  # heard twice, scale 3 then 7
        Child(first_name="Ben", date_of_birth=dt.date(2020, 1, 1)),  # heard once, words only
        Child(first_name="Cal", date_of_birth=dt.date(2022, 7, 1)),  # 3 at closing: not counted
        Child(first_name="Dee", date_of_birth=dt.date(2022, 6, 30)),  # 4 on the day: never heard
        Child(first_name="Eve", date_of_birth=dt.date(2019, 1, 1)),  # twice on one day: scale 5 then 4
    ]
    _db.session.flush()
    amy, ben, cal, _dee, eve = family.children
    for child, day, scale, words in ((amy, dt.date(2026, 2, 1), 3, None), (amy, dt.date(2026, 5, 1), 7, None),
                                     (ben, dt.date(2026, 3, 1), None, "It's fine."),
                                     (cal, dt.date(2026, 3, 1), 9, None),
                                     (eve, dt.date(2026, 4, 1), 5, None), (eve, dt.date(2026, 4, 1), 4, None)):
        factories.VoiceFactory(family=family, child=child, date=day, scale=scale, words=words)
    other_team = closed_family(factories.UserFactory(), dt.date(2026, 1, 5), closed)
    factories.VoiceFactory(family=other_team, date=dt.date(2026, 2, 1))
    keep_outcomes()
    report = api(manager).get("/api/v1/reports/outcomes?from=2026-06-01&to=2026-06-30").get_json()
    # Four children aged 4 or over: Amy, Ben, Dee, Eve. First scales 3 and 5, latest 7 and 4.
    assert report["child_voice"] == {"children": 4, "heard": 3, "heard_twice": 1, "with_two_scales": 2,
                                     "scale_rose": 1, "median_first_scale": 4.0, "median_latest_scale": 5.5}
    empty = api(manager).get("/api/v1/reports/outcomes?from=2026-07-01&to=2026-07-31").get_json()
    assert empty["child_voice"] == {"children": 0, "heard": 0, "heard_twice": 0, "with_two_scales": 0,
                                    "scale_rose": 0, "median_first_scale": None, "median_latest_scale": None}


def test_the_audit_trail_never_copies_what_a_child_said(api, worker, family, today):
    from casework.models import AuditEvent

    calls = api(worker)
    voice = calls.post(f"/api/v1/children/{family.children[0].id}/voice", json=voice_body(today)).get_json()
    calls.patch(f"/api/v1/voice/{voice['id']}", json={"words": "I hide under the stairs.", "scale": 2,
                                                        "correction_note": "Her words."})
    events = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "voices").order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == ["create", "update"]
    text = json.dumps([event.detail for event in events])
    for said in ("reads to me", "stairs", "shouting", "My cat", "A bike"):
        assert said not in text
    assert set(events[1].detail["personal_fields_changed"]) >= {"words", "scale"}


def test_anonymising_removes_what_the_children_said(api, worker, manager, today, now):
    from casework.services import retention

    family = closed_family(worker, dt.date(2010, 1, 4), dt.date(2012, 3, 1))
    voice = factories.VoiceFactory(family=family, date=dt.date(2011, 5, 1), worries="Dad.", wishes="A dog.")
    retention.anonymise(_db.session, family, manager, now)
    assert (voice.words, voice.worries, voice.good_things, voice.wishes) == (None, None, None, None)
    assert voice.scale == 6 and voice.date == dt.date(2011, 5, 1)  # the report's figures stay
