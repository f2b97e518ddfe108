"""Forms for visits recorded on a device without a connection: the API's visit body with the
device's time of recording, a visit the server could not record, and marking one dealt with."""
from __future__ import annotations

import datetime as dt
import re

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..models.unrecorded_visit import PAYLOAD_LIMIT, REASON_LIMIT
from .case import VisitForm
from .fields import MAX_ID, NOTE_LIMIT, BaseForm, TextLimit, WholeNumberField

RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
INSTANT_MESSAGE = "Enter a date and time in ISO 8601 with its offset, such as 2026-03-02T14:05:00+00:00."


class InstantField(StringField):
    """An instant in ISO 8601 with its offset from UTC (``...Z`` or ``...+01:00``): a time
    without an offset could be any of several instants, so it is refused."""

    json_schema = {"type": "string", "format": "date-time"}  # for the OpenAPI document

    def process_formdata(self, valuelist):
        self.data = None
        text = ((valuelist[0] if valuelist else "") or "").strip()
        if not text:
            return
        self.data = parse_instant(text)


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 date-time (ISO 8601 with an offset), in UTC; ValueError otherwise. Fractions
    of a second past microseconds are dropped, a leap second read as the second before."""
    found = RFC3339.match(text)
    if found is None:
        raise ValueError(INSTANT_MESSAGE)
    day, hour, minute, second, fraction, zone = found.groups()
    try:
        year, month, date = (int(part) for part in day.split("-"))
        offset = dt.timedelta(0)
        if zone.upper() != "Z":
            sign = -1 if zone[0] == "-" else 1
            offset = sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        value = dt.datetime(year, month, date, int(hour), int(minute), min(int(second), 59),
                            int((fraction or ".0")[1:7].ljust(6, "0")), tzinfo=dt.timezone(offset))
    except ValueError:
        raise ValueError(INSTANT_MESSAGE) from None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # within a day of the calendar's ends: as far as it goes (refused as such)
        return (dt.datetime.max if year > 1 else dt.datetime.min).replace(tzinfo=dt.UTC)


class ApiVisitForm(VisitForm):
    """A visit sent to the API: the page's fields, and, from a device that kept it while it had
    no connection, when the worker saved it there."""

    device_recorded_at = InstantField("When the visit was saved on the device", [Optional()])
    recorded_offline = BooleanField("Recorded on a device without a connection")


class UnrecordedVisitForm(BaseForm):
    """A visit the device could not get recorded (CONTRACT: "Could not be recorded")."""

    device_key = StringField("The device's key for the visit",
                             [InputRequired("Send the key the device made for the visit."), TextLimit(255)])
    family_id = WholeNumberField("Family", [Optional(), NumberRange(1, MAX_ID, "Send a family's id.")])
    family_reference = StringField("Family reference", [Optional(), TextLimit(40)])
    payload = TextAreaField("The visit as it was sent",
                            [InputRequired("Send the visit as the device kept it."), TextLimit(PAYLOAD_LIMIT)])
    status = WholeNumberField("The answer's status", [Optional(), NumberRange(100, 599, "Send an HTTP status.")])
    reason = TextAreaField("Why it could not be recorded", [Optional(), TextLimit(REASON_LIMIT)])
    device_recorded_at = InstantField("When the visit was saved on the device", [Optional()])


class ResolveUnrecordedForm(BaseForm):
    note = TextAreaField("What was done (optional)", [Optional(), TextLimit(NOTE_LIMIT)],
                         description="For example: reopened the family and recorded the visit, or recorded it "
                                     "for the family's new worker.")
