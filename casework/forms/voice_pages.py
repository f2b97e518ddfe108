"""The child's voice on the pages: what each child said, asked beside a visit or a review (one
small entry per child, named ``voice-<child id>-...``), and the page recording or correcting a
voice of its own."""
from __future__ import annotations

from wtforms import FormField, RadioField, TextAreaField
from wtforms.validators import Optional

from ..models.voice import SCALE_MAX, SCALE_MIN, VOICE_HOWS
from . import voice
from .fields import NOTE_LIMIT, EntryForm, TextLimit

SCALE_QUESTION = "How are things at home?"
SCALE_HINT = f"{SCALE_MIN} is very bad, {SCALE_MAX} is really good. Leave it empty if you did not ask."
SCALE_CHOICES = {number: str(number) for number in range(SCALE_MIN, SCALE_MAX + 1)}
WORDS_HINT = "In the child's own words, not a summary."


def _scale(label=SCALE_QUESTION):
    return RadioField(label, choices=SCALE_CHOICES, coerce=int, validators=[Optional()],
                      description=SCALE_HINT)


class ChildVoiceEntry(EntryForm):
    """What one child said at a visit: their words and the scale, both optional."""

    words = TextAreaField("What did the child say? (optional)", [Optional(), TextLimit(NOTE_LIMIT)],
                          description=WORDS_HINT)
    scale = _scale()

    def name_child(self, first_name: str) -> None:
        self.words.label.text = f"What did {first_name} say? (optional)"
        self.scale.label.text = f"{first_name}: how are things at home? (optional)"

    @property
    def given(self) -> bool:
        return bool((self.words.data or "").strip()) or self.scale.data is not None

    def voice_data(self) -> dict:
        return {"words": (self.words.data or "").strip() or None, "scale": self.scale.data}


class ReviewVoiceEntry(ChildVoiceEntry):
    """A child's view at a review, or why it was not gathered."""

    not_gathered = TextAreaField("Or why was the child's view not gathered? (optional)",
                                 [Optional(), TextLimit(NOTE_LIMIT)],
                                 description="For example: Ben is 8 months old; Ava was at her dad's.")

    def name_child(self, first_name: str) -> None:
        super().name_child(first_name)
        self.words.label.text = f"What is {first_name}'s view? (optional)"
        self.not_gathered.label.text = f"Or why was {first_name}'s view not gathered? (optional)"


def with_voices(form_class, children, entry=ChildVoiceEntry):
    """``form_class`` with one ``entry`` per child, named ``voice-<child id>`` (its fields
    ``voice-<child id>-words``, ``-scale``): a class made for this family's children."""
    fields = {f"voice-{child.id}": FormField(entry, label=child.first_name) for child in children}
    return type(form_class.__name__, (form_class,), fields)


def voice_entries(form, children) -> list[tuple]:
    """``[(child, entry)]`` of a form made by ``with_voices``, each entry's labels naming its child."""
    entries = []
    for child in children:
        entry = form[f"voice-{child.id}"].form
        entry.name_child(child.first_name)
        entries.append((child, entry))
    return entries


class VoiceForm(voice.VoiceForm):
    """A child's voice recorded on its own page (direct work, an observation, anything said
    outside a visit or a review): the API's form (forms/voice.py), its scale asked with the
    same 0 to 10 buttons as on the visit and review forms."""

    scale = _scale()

    def name_child(self, first_name: str, keep_how: str | None = None) -> None:
        """Labels naming the child; how they were heard offered without "at a visit" and "at a
        review" (those forms ask it), unless ``keep_how`` (a voice corrected) is one of them."""
        self.words.label.text = f"What did {first_name} say? (optional)"
        self.scale.label.text = f"{first_name}: how are things at home? (optional)"
        self.how.label.text = f"How was {first_name} heard?"
        self.shared_with_parents.label.text = f"{first_name} agreed that their parents may see this"
        self.how.choices = [(code, label) for code, label in VOICE_HOWS.items()
                            if code not in ("visit", "review") or code == keep_how]

    def page_data(self) -> dict:
        """What the service takes from the page: a voice's visit and review are not on it, and
        stay as they are."""
        data = self.voice_data()
        for name in ("visit_id", "review_id"):
            data.pop(name)
        return data


class VoiceCorrectionForm(VoiceForm, voice.VoiceCorrectionForm):
    """Correcting a voice on its page: the API's correction form (a note, the version), asked
    as the page asks a voice."""
