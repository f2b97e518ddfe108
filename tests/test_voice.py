"""The child's voice: recording, correcting and reading back what a child said."""
import datetime as dt

import pytest

from casework.extensions import db as _db
from casework.models import Correction
from casework.services import voices
from casework.services.errors import StaleVersion, ValidationFailed


def test_record_and_correct_a_voice(family, worker, now, today):
    amy = family.children[0]
    voice = voices.record_voice(_db.session, amy, {"date": today, "how": "visit", "words": "  I like school  ",
                                                   "scale": 6}, worker, now)
    assert voice.words == "I like school" and voice.family_id == family.id and voice.version == 1
    assert voices.latest_voices(_db.session, [family.id]) == {amy.id: voice}
    voices.correct_voice(_db.session, worker, voice, {"scale": 7, "version": 1}, "Misheard the number", now)
    assert voice.scale == 7 and voice.version == 2
    kept = _db.session.query(Correction).filter_by(record_type="voice").one()
    assert kept.old_values == {"scale": 6}
    with pytest.raises(StaleVersion):
        voices.correct_voice(_db.session, worker, voice, {"scale": 8, "version": 1}, "again", now)


def test_a_voice_needs_something_heard(family, worker, now, today):
    with pytest.raises(ValidationFailed) as refused:
        voices.record_voice(_db.session, family.children[0], {"date": today + dt.timedelta(days=1), "how": "visit"},
                            worker, now)
    assert set(refused.value.fields) == {"date", "words", "scale"}
