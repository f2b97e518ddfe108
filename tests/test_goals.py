"""The family plan: agreeing goals, recording progress, status, editing, and the chart."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from casework.models import Goal, GoalRating
from casework.services import charts
from casework.services import goals as goals_service
from casework.services import visits as visits_service

from . import factories
from .helpers import (
    assert_every_input_labelled,
    assert_field_error,
    input_value,
    page_text,
    signed_in,
    squash,
)


def goal_form(family, today, **overrides) -> dict:
    data = {
        "title": "The children have a regular bedtime",
        "area": "family_routine",
        "baseline": "3",
        "target": "8",
        "start_date": today.isoformat(),
        "target_date": (today + dt.timedelta(weeks=12)).isoformat(),
    }
    data.update(overrides)
    return data


def edit_form(goal, **overrides) -> dict:
    data = {
        "title": goal.title,
        "area": goal.area,
        "baseline": str(goal.baseline),
        "target": str(goal.target),
        "start_date": goal.start_date.isoformat(),
        "target_date": goal.target_date.isoformat(),
        "version": str(goal.version),
    }
    data.update(overrides)
    return data


# --- Agreeing a goal -----------------------------------------------------------------------


def test_agreeing_a_goal_puts_it_in_the_family_plan(login, worker, family, today, db):
    client = login(worker)
    form = client.get(f"/families/{family.id}/goals/new")
    assert form.status_code == 200
    assert "Family routine" in page_text(form) and "Parental wellbeing" in page_text(form)
    assert input_value(form, "start_date") == today.isoformat()
    assert_every_input_labelled(form)

    response = client.post(f"/families/{family.id}/goals/new", data=goal_form(family, today))
    assert response.status_code == 302
    goal = db.session.scalar(select(Goal).where(Goal.family_id == family.id))
    assert (goal.baseline, goal.target, goal.status) == (3, 8, "active")
    text = page_text(client.get(response.headers["Location"]))
    assert "Goal agreed: The children have a regular bedtime" in text
    assert "3 at the start" in text and "target 8" in text


def test_a_goal_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today, db):
    response = login(worker).post(
        f"/families/{family.id}/goals/new", data=goal_form(family, today, baseline="7", target="5", area="")
    )
    assert response.status_code == 422
    assert_field_error(response, "target", "The target must be higher than the rating now.")
    assert_field_error(response, "area", "Choose an outcome area.")
    assert input_value(response, "title") == "The children have a regular bedtime"
    assert input_value(response, "baseline") == "7"
    assert db.session.scalar(select(Goal)) is None


def test_the_service_refuses_a_goal_starting_in_the_future(login, worker, family, today):
    later = (today + dt.timedelta(days=5)).isoformat()
    response = login(worker).post(f"/families/{family.id}/goals/new", data=goal_form(family, today, start_date=later))
    assert response.status_code == 422
    assert_field_error(response, "start_date", "A goal cannot start in the future.")


def test_who_may_agree_a_goal(app, colleague, outsider, admin, manager, family, today, db):
    data = goal_form(family, today)
    assert signed_in(app, colleague).post(f"/families/{family.id}/goals/new", data=data).status_code == 404
    assert signed_in(app, outsider).get(f"/families/{family.id}/goals/new").status_code == 404
    assert signed_in(app, admin).get(f"/families/{family.id}/goals/new").status_code == 403
    assert db.session.scalar(select(Goal)) is None
    assert signed_in(app, manager).post(f"/families/{family.id}/goals/new", data=data).status_code == 302


# --- The goal page and progress --------------------------------------------------------------


def test_the_goal_page_shows_details_ratings_and_chart(login, worker, family, today):
    goal = factories.GoalFactory(family=family, baseline=3, target=8, start_date=today - dt.timedelta(days=28))
    first = factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=14), rating=4, note="Bedtime most nights")
    last = factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=2), rating=6)
    response = login(worker).get(f"/goals/{goal.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "The children have a regular bedtime" in text and "Family routine" in text
    assert "Active" in text and "Target rating 8" in text
    assert f"{first.date.day} {first.date:%b %Y} 4 Bedtime most nights Wendy Worker" in text
    assert f"{last.date.day} {last.date:%b %Y} 6" in text
    body = squash(response)
    assert f'src="/goals/{goal.id}/chart.svg"' in body
    start = goal.start_date
    alt = re.search(r'<img class="cw-chart" src="[^"]+" alt="([^"]+)"', body).group(1)
    same_year = start.year == last.date.year
    start_words = f"{start.day} {start:%b}" + ("" if same_year else f" {start.year}")
    assert alt.startswith(f"Ratings from 3 on {start_words} to 6 on ") and alt.endswith("; target 8")
    assert "Mark achieved" in text and "Withdraw" in text and "Make active again" not in text
    assert "Record progress" in text


def test_recording_progress_adds_a_rating(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    response = client.post(f"/goals/{goal.id}/ratings", data={
        "date": today.isoformat(), "rating": "6", "note": "Bedtime 8pm most nights"})
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert f"Rating of 6 on {today.day} {today:%b %Y} recorded." in text
    assert "Bedtime 8pm most nights" in text and "Latest rating 6" in text
    rating = db.session.scalar(select(GoalRating))
    assert rating.recorded_by_id == worker.id


def test_a_rating_with_mistakes_shows_them_and_keeps_the_text(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    response = client.post(f"/goals/{goal.id}/ratings", data={
        "date": today.isoformat(), "rating": "11", "note": "Said it is going really well"})
    assert response.status_code == 422
    assert_field_error(response, "rating", "Enter a rating from 1 to 10.")
    assert input_value(response, "rating") == "11"
    assert "Said it is going really well" in response.get_data(as_text=True)

    before_start = (goal.start_date - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/goals/{goal.id}/ratings", data={"date": before_start, "rating": "5"})
    assert response.status_code == 422
    assert "A rating cannot be dated before the goal started" in page_text(response)
    assert db.session.scalar(select(GoalRating)) is None


def test_marking_a_goal_achieved_and_active_again(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    response = client.post(f"/goals/{goal.id}/status", data={"status": "achieved", "version": str(goal.version)})
    assert response.status_code == 302
    text = page_text(client.get(f"/goals/{goal.id}"))
    assert "The goal is marked as achieved." in text
    assert "Achieved" in text and "Make active again" in text and "Mark achieved" not in text
    assert "only active goals are rated" in text  # no rating form for an achieved goal
    db.session.expire_all()
    goal = db.session.get(Goal, goal.id)
    assert goal.status == "achieved" and goal.status_changed_on == today

    response = client.post(f"/goals/{goal.id}/status", data={"status": "active", "version": str(goal.version)})
    assert response.status_code == 302
    assert "The goal is active again." in page_text(client.get(f"/goals/{goal.id}"))


def test_a_stale_status_change_answers_409(login, worker, family, now, db):
    goal = factories.GoalFactory(family=family)
    opened_with = goal.version
    goals_service.update_goal(db.session, goal, {"title": "Reworded by a colleague"}, now)
    db.session.commit()
    response = login(worker).post(f"/goals/{goal.id}/status", data={"status": "achieved", "version": str(opened_with)})
    assert response.status_code == 409
    assert "changed by someone else" in page_text(response)
    assert "Reworded by a colleague" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).status == "active"


def test_rating_a_withdrawn_goal_is_refused(login, worker, family, today):
    goal = factories.GoalFactory(family=family, status="withdrawn")
    response = login(worker).post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "5"})
    assert response.status_code == 422
    assert "This goal is withdrawn; only active goals are rated." in page_text(response)


# --- Editing a goal --------------------------------------------------------------------------


def test_editing_a_goal(login, worker, family, db):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    form = client.get(f"/goals/{goal.id}/edit")
    assert input_value(form, "title") == goal.title
    assert input_value(form, "version") == str(goal.version)
    response = client.post(f"/goals/{goal.id}/edit", data=edit_form(goal, title="Bedtime by 8pm", target="9"))
    assert response.status_code == 302
    text = page_text(client.get(f"/goals/{goal.id}"))
    assert "The goal has been saved." in text and "Bedtime by 8pm" in text and "Target rating 9" in text


def test_a_stale_goal_edit_answers_409_and_keeps_the_users_text(login, worker, family, now, db):
    goal = factories.GoalFactory(family=family)
    opened_with = goal.version
    client = login(worker)
    goals_service.update_goal(db.session, goal, {"target": 9}, now)
    db.session.commit()
    response = client.post(f"/goals/{goal.id}/edit", data=edit_form(
        goal, title="My own rewording", target="8", version=str(opened_with)))
    assert response.status_code == 409
    assert ("This record was changed by someone else since you opened it. "
            "Your changes are below: check them and save again.") in page_text(response)
    assert input_value(response, "title") == "My own rewording"
    assert input_value(response, "version") == str(goal.version)
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).title != "My own rewording"


def test_a_goal_edit_with_mistakes_keeps_the_text(login, worker, family):
    goal = factories.GoalFactory(family=family)
    response = login(worker).post(f"/goals/{goal.id}/edit", data=edit_form(goal, title="", target="2"))
    assert response.status_code == 422
    assert_field_error(response, "title", "Enter the goal.")
    assert_field_error(response, "target", "The target must be higher than the rating now.")
    assert input_value(response, "target") == "2"


def test_who_may_see_and_change_a_goal(app, colleague, outsider, admin, manager, family, today):
    goal = factories.GoalFactory(family=family)
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        client = signed_in(app, user)
        for path in (f"/goals/{goal.id}", f"/goals/{goal.id}/edit", f"/goals/{goal.id}/chart.svg"):
            assert client.get(path).status_code == status, (user.name, path)
        rated = client.post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "5"})
        assert rated.status_code == status
        assert client.post(f"/goals/{goal.id}/status", data={"status": "achieved"}).status_code == status
    client = signed_in(app, manager)
    assert client.get(f"/goals/{goal.id}").status_code == 200
    assert client.post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "5"}).status_code == 302


def test_a_closed_familys_goal_is_read_only(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family)
    family.phase = "closed"
    family.closed_on = today
    family.closure_reason = "step_down"
    client = login(worker)
    response = client.get(f"/goals/{goal.id}")
    text = page_text(response)
    assert response.status_code == 200
    assert "Record progress" not in text and "Mark achieved" not in text and "Edit the goal" not in text
    assert client.post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "5"}).status_code == 422
    achieved = {"status": "achieved", "version": str(goal.version)}
    assert client.post(f"/goals/{goal.id}/status", data=achieved).status_code == 422
    assert client.post(f"/goals/{goal.id}/edit", data=edit_form(goal, title="Changed")).status_code == 422
    assert client.post(f"/families/{family.id}/goals/new", data=goal_form(family, today)).status_code == 422
    assert client.get(f"/goals/{goal.id}/edit").status_code == 302


# --- The chart ---------------------------------------------------------------------------------


def test_the_chart_is_an_svg_without_script_and_never_cached(login, worker, family, today):
    goal = factories.GoalFactory(family=family, start_date=today - dt.timedelta(days=20))
    factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=10), rating=5)
    response = login(worker).get(f"/goals/{goal.id}/chart.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    svg = response.get_data(as_text=True)
    assert "<svg" in svg and "<script" not in svg.lower()
    assert "http://" not in svg.replace("http://www.w3.org", "").replace("http://pygal.org", "").replace(
        "http://github.com/Kozea/pygal", "")


def _goal(ratings, start=dt.date(2026, 9, 1), target_date=dt.date(2026, 12, 1)):
    return SimpleNamespace(
        start_date=start, target_date=target_date, baseline=3, target=8,
        ratings=[SimpleNamespace(date=day, rating=value) for day, value in ratings],
    )


def test_chart_summary_in_words():
    goal = _goal([(dt.date(2026, 9, 20), 4), (dt.date(2026, 10, 20), 6)])
    assert charts.chart_summary(goal) == "Ratings from 3 on 1 Sep to 6 on 20 Oct; target 8"
    across_years = _goal([(dt.date(2027, 1, 5), 7)], start=dt.date(2026, 11, 1))
    assert charts.chart_summary(across_years) == "Ratings from 3 on 1 Nov 2026 to 7 on 5 Jan 2027; target 8"
    assert charts.chart_summary(_goal([])) == (
        "Rated 3 on 1 Sep 2026 when agreed; no progress ratings yet; target 8")


def test_chart_draws_ratings_with_baseline_and_target_series():
    svg = charts.goal_chart_svg(_goal([(dt.date(2026, 9, 20), 4)])).decode()
    assert "<script" not in svg
    for series in ("Rating", "Target", "Baseline"):
        assert series in svg
    # A goal agreed today with its target date the same day still draws.
    assert b"<svg" in charts.goal_chart_svg(_goal([], target_date=dt.date(2026, 9, 1)))


def test_family_plan_lists_active_goals_first_with_ratings(family, db, today):
    factories.GoalFactory(family=family, title="Done", status="achieved")
    active = factories.GoalFactory(family=family, title="Active")
    factories.RatingFactory(goal=active, rating=5)
    plan = goals_service.family_plan(db.session, family)
    assert [goal.title for goal in plan] == ["Active", "Done"]
    assert visits_service.goals_to_discuss(db.session, family) == [active]


# --- Correcting a rating --------------------------------------------------------------------


@pytest.fixture
def rating(family, today, db):
    rating = factories.RatingFactory(goal=factories.GoalFactory(family=family), date=today - dt.timedelta(days=6),
                                     rating=5, note="Bedtime chart is working.")
    db.session.flush()
    return rating


def rating_correction(entry, **overrides) -> dict:
    data = {"date": entry.date.isoformat(), "rating": str(entry.rating), "note": entry.note,
            "correction_note": "", "version": str(entry.version)}
    data.update(overrides)
    return data


def test_the_goal_page_offers_to_correct_each_rating(login, worker, rating):
    body = squash(login(worker).get(f"/goals/{rating.goal_id}"))
    assert f'href="/ratings/{rating.id}/correct"' in body


def test_correcting_a_rating_keeps_what_it_said(login, worker, rating, today, db):
    client = login(worker)
    page = client.get(f"/ratings/{rating.id}/correct")
    assert page.status_code == 200
    assert input_value(page, "rating") == "5" and input_value(page, "date") == rating.date.isoformat()
    assert_every_input_labelled(page)
    response = client.post(f"/ratings/{rating.id}/correct",
                           data=rating_correction(rating, rating="4", correction_note="Agreed 4 with mum, not 5."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/goals/{rating.goal_id}")
    assert db.session.get(GoalRating, rating.id).rating == 4
    text = page_text(client.get(f"/goals/{rating.goal_id}"))
    assert "The rating has been corrected." in text
    assert f"Corrected on {today.day} {today:%b %Y} by Wendy Worker: Agreed 4 with mum, not 5." in text
    assert "Rating was: 5 out of 10" in text


def test_a_rating_correction_with_mistakes_keeps_the_text(login, worker, rating, db):
    client = login(worker)
    response = client.post(f"/ratings/{rating.id}/correct",
                           data=rating_correction(rating, rating="11", note="New note"))
    assert response.status_code == 422
    assert_field_error(response, "rating", "Enter a rating from 1 to 10.")
    assert_field_error(response, "correction_note", "Say what was wrong and why it is being corrected.")
    assert input_value(response, "rating") == "11" and "New note" in page_text(response)
    response = client.post(f"/ratings/{rating.id}/correct", data=rating_correction(rating, correction_note="Nothing."))
    assert response.status_code == 422
    assert_field_error(response, "correction_note", "Change something before saving a correction.")
    assert db.session.get(GoalRating, rating.id).rating == 5


def test_a_stale_rating_correction_answers_409(login, worker, rating, db):
    old_version = rating.version
    rating.note = "Changed meanwhile."
    db.session.flush()
    response = login(worker).post(f"/ratings/{rating.id}/correct",
                                  data=rating_correction(rating, rating="6", correction_note="x",
                                                         version=str(old_version)))
    assert response.status_code == 409
    assert input_value(response, "rating") == "6"


def test_who_may_correct_a_rating(app, worker, colleague, manager, outsider, admin, rating, family, today, db):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403), (manager, 200)):
        assert signed_in(app, user).get(f"/ratings/{rating.id}/correct").status_code == status
    family.phase, family.closed_on, family.closure_reason = "closed", today, "step_down"
    client = signed_in(app, worker)
    assert client.get(f"/ratings/{rating.id}/correct").status_code == 302
    response = client.post(f"/ratings/{rating.id}/correct",
                           data=rating_correction(rating, rating="4", correction_note="x"))
    assert response.status_code == 422
    assert db.session.get(GoalRating, rating.id).rating == 5


# --- Small things a newcomer noticed ------------------------------------------------------------------


def test_a_rating_in_words_gets_one_clear_message(login, worker, family, today, db):
    goal = factories.GoalFactory(family=family)
    response = login(worker).post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "five"})
    assert response.status_code == 422
    assert_field_error(response, "rating", "Enter the rating as a number from 1 to 10, such as 5.")
    body = squash(response)
    assert body.count('class="govuk-error-message"') == 1
    assert "Not a valid integer" not in body and "Enter a rating from 1 to 10." not in body
    assert db.session.scalar(select(GoalRating).where(GoalRating.goal_id == goal.id)) is None
    # A number out of range still says so, once.
    response = login(worker).post(f"/goals/{goal.id}/ratings", data={"date": today.isoformat(), "rating": "11"})
    assert_field_error(response, "rating", "Enter a rating from 1 to 10.")
    assert squash(response).count('class="govuk-error-message"') == 1


def test_every_goal_area_has_a_real_label(app, login, worker, family):
    body = squash(login(worker).get(f"/families/{family.id}/goals/new"))
    options = dict(re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', body))
    assert set(options) == set(app.config["CASEWORK_GOAL_AREAS"])
    assert options["money_housing"] == "Money and housing"
    assert options["boundaries_behaviour"] == "Boundaries and behaviour"
    assert all("_" not in label and label[0].isupper() for label in options.values())


def test_an_area_without_a_label_reads_as_its_code_in_words(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_GOAL_AREAS", (*app.config["CASEWORK_GOAL_AREAS"], "play_and_leisure"))
    assert goals_service.area_label("play_and_leisure") == "Play and leisure"
    assert goals_service.area_label("money_housing") == "Money and housing"


def test_a_rating_note_starts_on_its_rows_line(login, worker, family, today):
    goal = factories.GoalFactory(family=family)
    factories.RatingFactory(goal=goal, date=today, rating=5, note="Bedtime by eight\non most nights")
    body = login(worker).get(f"/goals/{goal.id}").get_data(as_text=True)
    # The note keeps its own line breaks (white-space: pre-line), so nothing may come before it
    # in its element: a line break there would push it a line below the row's other cells.
    assert '<span class="cw-notes">Bedtime by eight\non most nights</span>' in body
    for inside in re.findall(r'class="[^"]*\bcw-notes\b[^"]*">(.*?)<', body, flags=re.S):
        assert inside == inside.strip(), repr(inside)


@pytest.mark.parametrize("size, width", [("small", 320), ("medium", 460), ("large", 640), ("huge", 640)])
def test_the_chart_is_drawn_at_the_width_it_is_shown(login, worker, family, size, width):
    goal = factories.GoalFactory(family=family)
    svg = login(worker).get(f"/goals/{goal.id}/chart.svg?size={size}").get_data(as_text=True)
    assert re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1) == str(width)


def test_the_pages_ask_for_the_chart_they_show(login, worker, family):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    family_page = squash(client.get(f"/families/{family.id}"))
    assert f'<source srcset="/goals/{goal.id}/chart.svg?size=small">' in family_page  # shown at 320 px at most
    goal_page = squash(client.get(f"/goals/{goal.id}"))
    assert f'srcset="/goals/{goal.id}/chart.svg?size=medium"' in goal_page  # beside the details
    assert f'srcset="/goals/{goal.id}/chart.svg?size=small"' in goal_page  # on a phone
