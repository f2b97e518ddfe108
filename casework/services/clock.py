"""Time at the edges. Rules take ``now`` as an argument; only views, the CLI and the
scheduler ask the clock, and they pass what it says down."""
from datetime import UTC, date, datetime, time
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
