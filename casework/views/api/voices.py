"""The child's voice: what each child said, recorded and corrected (the old values kept, as
for visits)."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.voice import VoiceCorrectionForm, VoiceForm
from ...models import Voice
from ...services import scope
from ...services import voices as voice_service
from ...services.corrections import corrections_of
from ...services.editing import ensure_open
from . import bp, schemas
from .core import api_now, case_user, check_form, created, read_body, read_correction


def voice_payload(voice: Voice) -> dict:
    return schemas.voice(voice, corrections_of(db.session, "voice", [voice.id])[voice.id])


@bp.get("/children/<int:child_id>/voice")
def list_voices(child_id: int):
    child = scope.get_child(db.session, case_user(), child_id)
    voices = voice_service.voices_of_child(db.session, child)
    return jsonify(schemas.voice_list(voices, corrections_of(db.session, "voice", [v.id for v in voices])))


@bp.post("/children/<int:child_id>/voice")
def record_voice(child_id: int):
    user = case_user()
    body = read_body(VoiceForm)
    child = scope.get_child(db.session, user, child_id)
    ensure_open(child.family)
    form = check_form(from_json(VoiceForm, body))
    begin_write()
    voice = voice_service.record_voice(db.session, child, form.voice_data(), user, api_now())
    db.session.commit()
    return created(voice_payload(voice), url_for("api.list_voices", child_id=child.id))


@bp.patch("/voice/<int:voice_id>")
def correct_voice(voice_id: int):
    """Correct a child's voice: the merged voice is checked as a new one would be, and the
    values it replaces are kept with the note, who and when."""
    user = case_user()
    body = read_body(VoiceCorrectionForm)
    voice = voice_service.get_voice(db.session, user, voice_id)
    form, changes = read_correction(VoiceCorrectionForm, voice, voice.family, body,
                                    voice_service.voice_values(voice), voice_service.VOICE_FIELDS)
    begin_write()
    voice_service.correct_voice(db.session, user, voice, changes, form.correction_note.data, api_now())
    db.session.commit()
    return jsonify(voice_payload(voice))
