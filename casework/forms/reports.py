"""The reporting period of a report page, CSV or API call: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``.
Every report reads its period here, and only here.

Both missing: the last full calendar quarter before today. Only ``from``: up to today (for a
report of whole months, to the end of today's month). Only ``to``: from the first day of that
quarter. Refused (422, naming the field), never a server error: a date that is not real,
``from`` after ``to``, a period longer than MAX_YEARS, and, for a report of whole months (the
local-area counts), a ``from`` that is not the 1st or a ``to`` that is not a month's last day
(comparing periods a day apart would show one family's referral)."""
from __future__ import annotations

import calendar
import datetime as dt

from wtforms.validators import Optional, ValidationError

from ..services.clock import day_text
from .fields import LocalDateField, QueryForm

MAX_YEARS = 10


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def last_full_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    end = quarter_start(today) - dt.timedelta(days=1)
    return quarter_start(end), end


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month (31 December 9999 included: nothing past it is made)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole months covering [start, end]: from the 1st of the first to the end of the last."""
    return start.replace(day=1), month_end(end)


def latest_end(start: dt.date) -> dt.date | None:
    """The last day a period from ``start`` may reach (MAX_YEARS); None past the calendar's end."""
    try:
        return start.replace(year=start.year + MAX_YEARS) - dt.timedelta(days=1)
    except ValueError:  # 29 February, or a year past 9999
        if start.year + MAX_YEARS > dt.MAXYEAR:
            return None
        return start.replace(year=start.year + MAX_YEARS, day=28)


class PeriodForm(QueryForm):
    """Read from the query string."""

    whole_months = False
    start = LocalDateField("From", [Optional()], name="from",
                           description="The first day (YYYY-MM-DD). Both missing: the last full calendar quarter; "
                                       "only to: from the first day of its quarter.")
    end = LocalDateField("To", [Optional()], name="to",
                         description=f"The last day (YYYY-MM-DD), at most {MAX_YEARS} years on from from (422 "
                                     "beyond). Only from: up to today.")

    def period(self, today: dt.date) -> tuple[dt.date, dt.date] | None:
        """The period asked for (with the defaults above), or None with the errors set."""
        if not self.validate():
            return None
        start, end = self.start.data, self.end.data
        if start is None and end is None:
            start, end = last_full_quarter(today)
        elif end is None:
            end = max(today, start)
            if self.whole_months:
                end = month_end(end)
        elif start is None:
            start = quarter_start(end)
        problems = self._problems(start, end)
        for field, message in problems:
            field.errors = [*field.errors, message]
        if problems:
            return None
        self.start.data, self.end.data = start, end
        return start, end

    def _problems(self, start: dt.date, end: dt.date) -> list[tuple]:
        if start > end:
            return [(self.end, "The end of the period must not be before its start.")]
        if (latest := latest_end(start)) is not None and end > latest:
            return [(self.end, f"A report covers at most {MAX_YEARS} years: end the period by {day_text(latest)}.")]
        return []


class MonthStart:
    """A date that is the first day of a month."""

    pattern = "^(?!0000)[0-9]{4}-[0-9]{2}-01$"

    def __call__(self, form, field):
        if field.data is not None and field.data.day != 1:
            raise ValidationError("Start the period on the first day of a month: the counts are of whole months, "
                                  f"for example from {day_text(field.data.replace(day=1))}.")


class MonthEnd:
    """A date that is the last day of a month."""

    pattern = "^(?!0000)[0-9]{4}-(?:(?:01|03|05|07|08|10|12)-31|(?:04|06|09|11)-30|02-2[89])$"

    def __call__(self, form, field):
        if field.data is not None and field.data != month_end(field.data):
            raise ValidationError("End the period on the last day of a month: the counts are of whole months, "
                                  f"for example to {day_text(month_end(field.data))}.")


class MonthlyPeriodForm(PeriodForm):
    """A period of whole months (the local-area counts: comparing periods a day apart would
    show one family's referral)."""

    whole_months = True
    start = LocalDateField("From", [Optional(), MonthStart()], name="from",
                           description="The first day of a month (YYYY-MM-DD). Both missing: the last full calendar "
                                       "quarter; only to: from the first day of its quarter.")
    end = LocalDateField("To", [Optional(), MonthEnd()], name="to",
                         description=f"The last day of a month (YYYY-MM-DD), at most {MAX_YEARS} years on from "
                                     "from. Only from: to the end of this month.")
