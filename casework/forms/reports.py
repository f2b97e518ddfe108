"""The reporting period of a report page, CSV or API call: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``.

Both missing: the last full calendar quarter before today. Only ``from``: up to today. Only
``to``: from the first day of that quarter. A date that is not real, or ``from`` after ``to``,
is refused (422), never a server error."""
from __future__ import annotations

import datetime as dt

from wtforms.validators import Optional

from .fields import BaseForm, LocalDateField


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def last_full_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    end = quarter_start(today) - dt.timedelta(days=1)
    return quarter_start(end), end


class PeriodForm(BaseForm):
    """Read from the query string (a GET form): no CSRF token."""

    class Meta(BaseForm.Meta):
        csrf = False

    start = LocalDateField("From", [Optional()], name="from")
    end = LocalDateField("To", [Optional()], name="to")

    def period(self, today: dt.date) -> tuple[dt.date, dt.date] | None:
        """The period asked for (with the defaults above), or None with the errors set."""
        if not self.validate():
            return None
        start, end = self.start.data, self.end.data
        if start is None and end is None:
            start, end = last_full_quarter(today)
        elif end is None:
            end = max(today, start)
        elif start is None:
            start = quarter_start(end)
        if start > end:
            self.end.errors = list(self.end.errors) + ["The end of the period must not be before its start."]
            return None
        self.start.data, self.end.data = start, end
        return start, end
