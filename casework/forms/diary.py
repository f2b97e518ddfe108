"""Forms of the visit diary: planning a visit, rearranging or cancelling one, the API's change
of a planned visit, and the period of the caller's own list."""
from __future__ import annotations

import datetime as dt

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp

from ..models import CANCELLED_BY, VISIT_KINDS, PlannedStatus
from .fields import NOTE_LIMIT, BaseForm, CreatesRecord, LocalDateField, QueryForm, TextLimit, VersionField
from .queries import Choice

TIME_MESSAGE = "Enter the time as HH:MM on the 24-hour clock, such as 14:30."
# "HH:MM" on the 24-hour clock: what a browser's time picker sends. The form reads it without
# the spaces around it, and nothing (or only spaces) as no time: its pattern says so.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TIME_INPUT = r"^\s*(([01][0-9]|2[0-3]):[0-5][0-9])?\s*$"
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 28
PERIOD_MESSAGE = f"A diary covers at most {MAX_PERIOD_DAYS} days: choose a shorter period."


def read_time(value: str | None) -> dt.time | None:
    """An ``HH:MM`` the form accepted as a time of day; empty is no time."""
    return dt.datetime.strptime(value, "%H:%M").time() if value else None


def _date(label: str, message: str | None = None):
    return LocalDateField(label, [InputRequired(message)] if message else [Optional()])


def _time():
    return StringField("Time (optional)", [Optional(), Regexp(TIME_INPUT, message=TIME_MESSAGE)],
                       description="HH:MM, such as 14:30. Leave it empty for a visit on the day at any time.")


def _cancelled_by(validators):
    return RadioField("Who cancelled?", choices=dict(CANCELLED_BY), validators=validators)


class PlannedVisitForm(CreatesRecord, BaseForm):
    date = _date("Date of the visit", "Enter the date of the visit.")
    time = _time()
    kind = RadioField("Kind of visit", choices=dict(VISIT_KINDS),
                      validators=[InputRequired("Choose the kind of visit.")])
    note = TextAreaField("Note (optional)", [Optional(), TextLimit(NOTE_LIMIT)],
                         description="For you: it stays in casework, never in the calendar feed.")

    def planned_data(self) -> dict:
        return {"date": self.date.data, "time": read_time(self.time.data), "kind": self.kind.data,
                "note": self.note.data}


class RearrangeForm(BaseForm):
    date = _date("New date", "Enter the new date of the visit.")
    time = _time()
    version = VersionField()

    def changes(self) -> dict:
        return {"date": self.date.data, "time": read_time(self.time.data)}


class CancelPlannedVisitForm(BaseForm):
    cancelled_by = _cancelled_by([InputRequired("Say who cancelled the visit.")])
    version = VersionField()


class PlannedVisitChangeForm(BaseForm):
    """A change through the API: members left out keep their values; ``time`` null clears it.
    Naming who cancelled (``cancelled_by``) cancels."""

    date = _date("Date of the visit")
    time = _time()
    status = Choice("Status", (PlannedStatus.CANCELLED.value,), "status may only be set to cancelled.",
                    description="cancelled: the visit will not happen.")
    cancelled_by = Choice("Cancelled by", CANCELLED_BY, "cancelled_by must be family or worker.",
                          description="Who cancelled: family or worker (the default).")
    version = VersionField()

    def changes(self, sent) -> dict:
        """What the body sent, as the service takes it."""
        found = {name: getattr(self, name).data for name in ("date", "status", "cancelled_by") if name in sent}
        if "time" in sent:
            found["time"] = read_time(self.time.data)
        return found


class DiaryPeriodQuery(QueryForm):
    """``?from=&to=``: from today for four weeks unless said; at most a year."""

    start = LocalDateField("From", [Optional()], name="from",
                           description=f"The first day (YYYY-MM-DD); if absent, {DEFAULT_PERIOD_DAYS} days up to "
                                       "to, or today when to is absent too.")
    end = LocalDateField("To", [Optional()], name="to",
                         description=f"The last day (YYYY-MM-DD), at most {MAX_PERIOD_DAYS} days from from; "
                                     f"{DEFAULT_PERIOD_DAYS} days on if absent.")

    def period(self, today: dt.date) -> tuple[dt.date, dt.date] | None:
        """The period asked for, or None with the errors set."""
        if not self.validate():
            return None
        start, end = self.start.data, self.end.data
        span = dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start is None:
            start = today if end is None else max(dt.date.min + span, end) - span
        if end is None:
            end = min(start, dt.date.max - span) + span
        if end < start:
            self.end.errors = ["The end of the period must not be before its start."]
            return None
        if (end - start).days >= MAX_PERIOD_DAYS:
            self.end.errors = [PERIOD_MESSAGE]
            return None
        return start, end
