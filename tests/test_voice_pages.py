"""The child's voice on the pages: what each child said, asked on the visit and review forms and
saved with them; a voice recorded, read and corrected on its own pages; the family page's "What
the children say"; the chronology; supervision; the parents' plan (only what a child agreed to
share); the outcomes report; and who may see each page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Correction, Family, Review, ReviewViewNotGathered, Visit, Voice

from . import factories
from .helpers import (
    _count_queries,
    assert_every_input_labelled,
    assert_field_error,
    closed_family,
    fuzz_form,
    keep_outcomes,
    page_text,
    rows_of,
    signed_in,
    team_around,
)


def heard(family, child, day, *, words="I like my new bed.", scale=6, shared=False, how="direct_work", **extra):
    voice = Voice(child=child, family_id=family.id, date=day, how=how, words=words, scale=scale,
                  shared_with_parents=shared, recorded_by=family.worker, **extra)
    _db.session.add(voice)
    _db.session.flush()
    return voice


def visit_form(today, **overrides) -> dict:
    data = {"date": (today - dt.timedelta(days=1)).isoformat(), "kind": "home_visit", "outcome": "completed",
            "duration_minutes": "", "notes": "Tea at the kitchen table."}
    data.update(overrides)
    return data


def count(model) -> int:
    return _db.session.scalar(select(func.count(model.id)))


# --- What each child said at a visit -------------------------------------------------------


def test_the_visit_form_asks_what_each_child_said(login, worker, family):
    amy, ben = family.children
    response = login(worker).get(f"/families/{family.id}/visits/new")
    text = page_text(response)
    assert "What did Amy say? (optional)" in text and "What did Ben say? (optional)" in text
    assert "Amy: how are things at home? (optional)" in text and "10 is really good" in text
    body = response.get_data(as_text=True)
    for name in (f"voice-{amy.id}-words", f"voice-{amy.id}-scale", f"voice-{ben.id}-words"):
        assert f'name="{name}"' in body
    # The contract's field names stay as they were.
    for name in ("date", "kind", "outcome", "duration_minutes", "children_seen", "seen_alone", "notes"):
        assert f'name="{name}"' in body
    assert_every_input_labelled(response)


def test_what_a_child_said_is_saved_with_the_visit(login, worker, family, today):
    amy, ben = family.children
    client = login(worker)
    response = client.post(f"/families/{family.id}/visits/new", data=visit_form(
        today, children_seen=[str(amy.id)], **{f"voice-{amy.id}-words": "  Mum reads to me now.  ",
                                               f"voice-{amy.id}-scale": "7"}))
    assert response.status_code == 302
    visit = _db.session.scalar(select(Visit))
    voice = _db.session.scalar(select(Voice))
    assert (voice.child_id, voice.how, voice.visit_id, voice.date, voice.words, voice.scale,
            voice.shared_with_parents, voice.recorded_by_id) == (
        amy.id, "visit", visit.id, visit.date, "Mum reads to me now.", 7, False, worker.id)
    assert count(Voice) == 1  # Ben said nothing

    page = page_text(client.get(f"/families/{family.id}"))
    assert "What the children say" in page and "“Mum reads to me now.”" in page
    assert f"Last heard on {visit.date.day} {visit.date:%b %Y}: 7 out of 10" in page


def test_words_for_a_child_not_seen_are_refused_and_nothing_is_saved(login, worker, family, today):
    amy, ben = family.children
    response = login(worker).post(f"/families/{family.id}/visits/new", data=visit_form(
        today, children_seen=[str(amy.id)], **{f"voice-{ben.id}-words": "I was at nan's."}))
    assert response.status_code == 422
    assert_field_error(response, f"voice-{ben.id}-words",
                       "Tick Ben under Children seen to record what they said at this visit.")
    assert "I was at nan&#39;s." in response.get_data(as_text=True)  # what was typed is kept
    assert count(Visit) == 0 and count(Voice) == 0


@pytest.mark.parametrize("field, value, message", [
    ("scale", "11", "Not a valid choice."),
    ("words", "x" * 4001, "What did Amy say must be 4,000 characters or fewer (it has 4,001)."),
])
def test_a_bad_entry_names_its_field_and_nothing_is_saved(login, worker, family, today, field, value, message):
    amy = family.children[0]
    response = login(worker).post(f"/families/{family.id}/visits/new", data=visit_form(
        today, children_seen=[str(amy.id)], **{f"voice-{amy.id}-{field}": value}))
    assert response.status_code == 422
    assert_field_error(response, f"voice-{amy.id}-{field}", message)
    assert count(Visit) == 0 and count(Voice) == 0


def test_a_draft_of_the_visit_keeps_what_a_child_said(login, worker, family, today):
    amy = family.children[0]
    client = login(worker)
    assert client.post(f"/drafts/visit:new:family:{family.id}", data=visit_form(
        today, children_seen=[str(amy.id)], **{f"voice-{amy.id}-words": "Draft words of Amy",
                                               f"voice-{amy.id}-scale": "4"})).status_code == 204
    body = client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    assert "Draft words of Amy</textarea>" in body
    assert re.search(rf'<input checked[^>]*name="voice-{amy.id}-scale"[^>]*value="4"', body)


# --- A child's view at a review ----------------------------------------------------------------


def test_the_review_asks_each_childs_view_and_saves_it_with_the_review(api, login, worker, family, today):
    amy, ben = family.children
    heard(family, amy, today - dt.timedelta(days=20), words="School is OK.", scale=5)
    client = login(worker)
    form = client.get(f"/families/{family.id}/reviews/new")
    text = page_text(form)
    assert "What is Amy's view? (optional)" in text and "Or why was Ben's view not gathered? (optional)" in text
    assert "Last heard on" in text and "School is OK." in text  # Amy's latest, beside the question
    assert_every_input_labelled(form)

    response = client.post(f"/families/{family.id}/reviews/new", data={
        "held_on": today.isoformat(), "decision": "continue", "reason": "", "attendees": "", "notes": "Going well.",
        f"voice-{amy.id}-words": "I want to stay at my school.", f"voice-{amy.id}-scale": "8",
        f"voice-{ben.id}-not_gathered": "Ben was asleep.",
    })
    assert response.status_code == 302
    review = _db.session.scalar(select(Review))
    voice = _db.session.scalar(select(Voice).where(Voice.review_id.is_not(None)))
    assert (voice.child_id, voice.how, voice.review_id, voice.date, voice.scale) == (
        amy.id, "review", review.id, today, 8)
    # Why Ben's view was not gathered is his own, beside the notes, not inside them.
    assert review.notes == "Going well."
    assert [(view.child_id, view.reason) for view in review.views_not_gathered] == [(ben.id, "Ben was asleep.")]
    api_reviews = api(worker).get(f"/api/v1/families/{family.id}/reviews").get_json()["items"]
    assert api_reviews[0]["views_not_gathered"] == [{"child_id": ben.id, "reason": "Ben was asleep."}]
    assert api_reviews[0]["notes"] == "Going well."
    chronology = page_text(client.get(f"/families/{family.id}/chronology"))
    assert "Ben's view was not gathered: Ben was asleep." in chronology


def test_a_long_reason_a_view_was_not_gathered_is_refused_naming_the_child(login, worker, family, today):
    amy, ben = family.children
    response = login(worker).post(f"/families/{family.id}/reviews/new", data={
        "held_on": today.isoformat(), "decision": "continue", "reason": "", "attendees": "", "notes": "Going well.",
        f"voice-{ben.id}-not_gathered": "x" * 20_001})
    assert response.status_code == 422
    assert "Ben" in page_text(response)
    assert _db.session.scalar(select(func.count(Review.id))) == 0


def test_a_childs_view_at_a_closing_review_is_kept(login, manager, family, today):
    amy = family.children[0]
    family.phase, family.consent_recorded_on = "moving_on", family.opened_on
    response = login(manager).post(f"/families/{family.id}/reviews/new", data={
        "held_on": today.isoformat(), "decision": "step_down", "reason": "", "attendees": "", "notes": "",
        f"voice-{amy.id}-words": "Things are better now.",
    })
    assert response.status_code == 302
    _db.session.refresh(family)
    assert family.is_closed
    voice = _db.session.scalar(select(Voice))
    assert voice.review_id == _db.session.scalar(select(Review.id)) and voice.words == "Things are better now."


# --- Recording, reading and correcting a voice on its own page ---------------------------------


def test_recording_a_voice_on_its_own_page(login, worker, family, today):
    amy = family.children[0]
    client = login(worker)
    form = client.get(f"/children/{amy.id}/voice/new")
    assert form.status_code == 200
    assert "Record what Amy said" in page_text(form)
    assert "Amy agreed that their parents may see this" in page_text(form)
    assert_every_input_labelled(form)
    response = client.post(f"/children/{amy.id}/voice/new", data={
        "date": today.isoformat(), "how": "direct_work", "words": "", "scale": "4",
        "worries": "Mum and dad shouting", "good_things": "My cat", "wishes": "A bike"})
    assert response.status_code == 302
    voice = _db.session.scalar(select(Voice))
    assert (voice.how, voice.scale, voice.worries, voice.good_things, voice.wishes, voice.shared_with_parents) == (
        "direct_work", 4, "Mum and dad shouting", "My cat", "A bike", False)
    page = page_text(client.get(f"/voice/{voice.id}"))
    assert "Mum and dad shouting" in page and "My cat" in page and "A bike" in page and "4 out of 10" in page


def test_a_voice_with_nothing_heard_is_refused(login, worker, family, today):
    amy = family.children[0]
    response = login(worker).post(f"/children/{amy.id}/voice/new", data={"date": today.isoformat(),
                                                                          "how": "direct_work"})
    assert response.status_code == 422
    assert "Write down what the child said" in page_text(response)
    assert count(Voice) == 0


def test_correcting_a_voice_keeps_and_shows_what_it_said(login, worker, family, today):
    voice = heard(family, family.children[0], today - dt.timedelta(days=2), words="I hate bedtime.", scale=3)
    client = login(worker)
    form = client.get(f"/voice/{voice.id}/correct")
    assert form.status_code == 200 and "I hate bedtime." in form.get_data(as_text=True)
    response = client.post(f"/voice/{voice.id}/correct", data={
        "date": voice.date.isoformat(), "how": "direct_work", "words": "I like bedtime now.", "scale": "3",
        "version": str(voice.version), "correction_note": "Typed the old session's words by mistake."})
    assert response.status_code == 302, page_text(response)
    _db.session.refresh(voice)
    assert voice.words == "I like bedtime now."
    correction = _db.session.scalar(select(Correction).where(Correction.record_type == "voice"))
    assert correction.old_values == {"words": "I hate bedtime."}
    page = page_text(client.get(f"/voice/{voice.id}"))
    assert "Typed the old session's words by mistake." in page and "I hate bedtime." in page


def test_a_correction_needs_a_note(login, worker, family, today):
    voice = heard(family, family.children[0], today)
    response = login(worker).post(f"/voice/{voice.id}/correct", data={
        "date": voice.date.isoformat(), "how": voice.how, "words": "Changed", "scale": "6",
        "version": str(voice.version), "correction_note": ""})
    assert response.status_code == 422
    _db.session.refresh(voice)
    assert voice.words == "I like my new bed."


# --- The family page, chronology, supervision ----------------------------------------------


def test_the_family_page_marks_a_child_not_heard_and_draws_the_scale(login, worker, family, today):
    amy, ben = family.children
    heard(family, amy, today - dt.timedelta(days=30), scale=3, words="It's noisy.")
    heard(family, amy, today - dt.timedelta(days=3), scale=6, words="Better.")
    client = login(worker)
    response = client.get(f"/families/{family.id}")
    body = response.get_data(as_text=True)
    text = page_text(response)
    assert "Not heard in 42 days" in body.split(f'id="voice-child-{ben.id}"')[1].split("</h3>")[1][:200]
    assert "Not heard in 42 days" not in body.split(f'id="voice-child-{amy.id}"')[1].split("</h3>")[1][:200]
    assert "Nothing Ben said is recorded yet." in text
    assert f'src="/children/{amy.id}/voice/chart.svg"' in body
    assert "from 0 (very bad) to 10 (really good): 3 on" in body and ", 6 on" in body  # the chart in words
    assert f'href="/children/{ben.id}/voice/new"' in body
    chart = client.get(f"/children/{amy.id}/voice/chart.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml" and b"<script" not in chart.data


def test_the_family_page_reads_voices_in_a_fixed_number_of_queries(login, worker, family, today, db):
    client = login(worker)
    heard(family, family.children[0], today)
    _db.session.commit()
    few = _count_queries(db, lambda: client.get(f"/families/{family.id}"))
    for child in family.children:
        for days in range(1, 8):
            heard(family, child, today - dt.timedelta(days=days))
    _db.session.commit()
    many = _count_queries(db, lambda: client.get(f"/families/{family.id}"))
    assert few == many


def test_the_chronology_shows_first_name_and_scale_and_keeps_the_words_on_the_entrys_page(
        login, worker, family, today):
    voice = heard(family, family.children[0], today, words="SECRET WORDS", scale=2)
    client = login(worker)
    response = client.get(f"/families/{family.id}/chronology?kind=voice")
    text = page_text(response)
    assert "Amy" in text and "2" in text
    assert "SECRET WORDS" not in text
    assert f'href="/voice/{voice.id}"' in response.get_data(as_text=True)
    assert "SECRET WORDS" in page_text(client.get(f"/voice/{voice.id}"))


def test_supervision_lists_the_children_not_heard_lately(login, manager, worker, family, today):
    heard(family, family.children[0], today - dt.timedelta(days=5))
    text = page_text(login(manager).get(f"/team/workers/{worker.id}"))
    section = text.split("Children not heard in 42 days")[-1]
    assert "Ben" in section and family.reference in section and "Amy" not in section


# --- The parents' plan ------------------------------------------------------------------------


def test_the_plan_shows_words_a_child_agreed_to_share(login, worker, family, today):
    heard(family, family.children[0], today - dt.timedelta(days=9), words="I like our Sunday walks.", shared=True)
    text = page_text(login(worker).get(f"/families/{family.id}/plan"))
    assert "What the children told us" in text and "“I like our Sunday walks.”" in text


def test_the_plan_never_shows_words_a_child_did_not_agree_to_share(login, worker, family, today):
    amy, ben = family.children
    heard(family, amy, today - dt.timedelta(days=9), words="I like our Sunday walks.", shared=True)
    heard(family, amy, today - dt.timedelta(days=1), words="NOT FOR PARENTS amy", shared=False)
    heard(family, ben, today, words="NOT FOR PARENTS ben", shared=False, worries="NOT FOR PARENTS worry")
    text = page_text(login(worker).get(f"/families/{family.id}/plan"))
    assert "NOT FOR PARENTS" not in text
    assert "I like our Sunday walks." in text  # Amy's latest shared words, not her latest
    assert "Ben," not in text


# --- The outcomes report ------------------------------------------------------------------------


def test_the_outcomes_report_shows_the_childrens_scale_first_and_latest(login, manager, worker, today):
    family = closed_family(worker, today - dt.timedelta(days=200), today - dt.timedelta(days=10))
    amy = family.children[0]
    heard(family, amy, today - dt.timedelta(days=150), scale=3)
    heard(family, amy, today - dt.timedelta(days=20), scale=7)
    client = login(manager)
    period = f"from={(today - dt.timedelta(days=60)).isoformat()}&to={today.isoformat()}"
    keep_outcomes()
    response = client.get(f"/reports/outcomes?{period}")
    text = page_text(response)
    assert "What the children said" in text
    assert "Median scale the first time asked 3" in text and "Median scale the latest time asked 7" in text
    body = response.get_data(as_text=True)
    assert "/reports/outcomes/voice-chart.svg?" in body
    assert "a median of 3 the first time they were asked and 7 the latest time" in body
    chart = client.get(f"/reports/outcomes/voice-chart.svg?{period}")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    # Each figure leads a manager to the families behind it, by reference.
    assert "measure=child_voice:scale_rose" in body
    behind = page_text(client.get(f"/reports/outcomes/families?measure=child_voice:scale_rose&{period}"))
    assert "Children whose scale rose from the first time to the latest" in behind and family.reference in behind


# --- Who may see the pages -------------------------------------------------------------------


@pytest.fixture
def people(app, worker, colleague, manager, other_team, admin, family, today):
    """Every kind of caller, and the pages of one voice of ``family``'s."""
    voice = heard(family, family.children[0], today)
    team_around(family, "tess@hillside.example.org")
    partner = factories.UserFactory(team=None, role="partner", agency="Hillside Primary",
                                    email="tess@hillside.example.org")
    stranger = factories.UserFactory(team=None, role="partner", agency="Housing", email="nora@housing.example.org")
    child = family.children[0].id
    paths = [f"/children/{child}/voice", f"/children/{child}/voice/new", f"/children/{child}/voice/chart.svg",
             f"/voice/{voice.id}", f"/voice/{voice.id}/correct"]
    other_manager = factories.UserFactory(team=other_team, role="manager", email="otto@example.org")
    callers = dict(worker=worker, colleague=colleague, manager=manager, other_team=other_manager, admin=admin,
                   partner=partner, partner_not_shared=stranger)
    return {name: signed_in(app, user) for name, user in callers.items()}, paths


@pytest.mark.parametrize("caller, status", [
    ("worker", 200), ("manager", 200), ("colleague", 404), ("other_team", 404), ("admin", 403),
    ("partner", 403), ("partner_not_shared", 404),
])
def test_who_may_see_the_voice_pages(people, caller, status):
    clients, paths = people
    for path in paths:
        assert clients[caller].get(path).status_code == status, path


@pytest.mark.parametrize("caller, status", [("colleague", 404), ("other_team", 404), ("admin", 403),
                                            ("partner", 403)])
def test_nobody_else_may_record_or_correct_a_voice(people, caller, status, today):
    clients, paths = people
    data = {"date": today.isoformat(), "how": "direct_work", "words": "Hello", "correction_note": "x"}
    assert clients[caller].post(paths[1], data=data).status_code == status
    assert clients[caller].post(paths[4], data=data).status_code == status
    assert count(Voice) == 1 and count(Correction) == 0


def test_the_report_chart_draws_first_against_latest_and_says_so_in_words():
    from casework.services.charts import voice_report_chart_summary, voice_report_chart_svg

    figures = {"children": 5, "heard": 4, "heard_twice": 3, "with_two_scales": 3, "scale_rose": 2,
               "median_first_scale": 3.5, "median_latest_scale": 6.0}
    svg = voice_report_chart_svg(figures)
    assert svg.startswith(b"<?xml") and b"<script" not in svg and b"First time asked" in svg
    assert voice_report_chart_summary(figures) == (
        "How children said things were at home, from 0 (very bad) to 10 (really good): a median of 3.5 the first "
        "time they were asked and 6 the latest time; the scale rose for 2 of the 3 children asked twice")
    assert voice_report_chart_summary({**figures, "median_first_scale": None}).startswith("No child")


# --- hostile input on the pages -----------------------------------------------------------------


def test_the_voice_forms_take_any_input(login, worker, family, today):
    amy, ben = family.children
    voice = heard(family, amy, today - dt.timedelta(days=2))
    _db.session.commit()
    client = login(worker)
    said = {"date": today.isoformat(), "how": "direct_work", "words": "I like school.", "scale": "6",
            "worries": "The dog", "good_things": "My cat", "wishes": "A bike", "shared_with_parents": "y"}
    fuzz_form(client, f"/children/{amy.id}/voice/new", lambda: said, lambda: rows_of(Voice))
    fuzz_form(client, f"/voice/{voice.id}/correct",
              lambda: {**said, "correction_note": "Typed the wrong words",
                       "version": str(_db.session.get(Voice, voice.id).version)},
              lambda: rows_of(Voice, Correction))
    fuzz_form(client, f"/families/{family.id}/reviews/new",
              lambda: {"held_on": today.isoformat(), "decision": "continue", "reason": "", "attendees": "Mum",
                       "notes": "Going well.", f"voice-{amy.id}-words": "I like school.", f"voice-{amy.id}-scale": "7",
                       f"voice-{ben.id}-not_gathered": "Ben was asleep."},
              lambda: rows_of(Review, ReviewViewNotGathered, Voice, Family))
