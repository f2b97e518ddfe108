"""Time at the edges, and how casework writes a day. Rules take ``now`` as an argument; only
views, the CLI and the scheduler ask the clock, and they pass what it says down."""
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


def service_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CASEWORK_TIMEZONE"])


def current_time() -> datetime:
    """The real time, aware, in the service's zone."""
    return datetime.now(UTC).astimezone(service_zone())


def local_date(now: datetime) -> date:
    """The service's local date at ``now``."""
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(service_zone()).date()


def sweep_time(day: date) -> datetime:
    """When the daily sweep runs on ``day``: 06:00 local time unless configured otherwise."""
    return datetime.combine(day, time(current_app.config["CASEWORK_SWEEP_HOUR"], 0), tzinfo=service_zone())


def day_text(value: date | datetime | str | None, year: bool = True) -> str:
    """7 Dec 2026 (7 Dec without the year): every date the pages, their CSVs' headings and
    prints, messages and flags show. Takes a date, an instant (its local date) or a date as a
    report's JSON carries it ("2026-12-07"); nothing gives ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local_date(value)
    return _day_text(value, year)


@lru_cache(maxsize=4096)
def _day_text(day: date, year: bool) -> str:
    # Remembered: the sweep writes tens of thousands of messages about a few hundred days.
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def long_day_text(day: date) -> str:
    """7 December 2026: a day in the sentence of a refusal."""
    return f"{day.day} {day:%B %Y}"


def time_text(value: datetime | None) -> str:
    """14:05, local time."""
    return value.astimezone(service_zone()).strftime("%H:%M") if value else ""
