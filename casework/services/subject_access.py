"""Subject access: everything casework holds about one family or one child, for a subject
access request under data protection law, with third parties optionally redacted.

Two subjects:

* **A family** (``family_export``): the whole record. The family's own carers and children are
  the subject, not third parties. Included: the family's details, children, carers, concerns,
  phase moves, visits (notes, which children were seen and seen alone, goals discussed), goals
  with every rating, reviews, assessments (of the family and of each child) with their scores
  and evidence, corrections with the values they replaced, flags, allocations, transfers,
  closure proposals, the closure, each child's voice, the visits planned in the diary (their
  notes) and the visits held as "Could not be recorded" (as the device sent them).
* **One child** (``child_export``): the child's own details, and the family-level records that
  concern the child:

  - the family's details (reference, household, postcode, referral, phases, concerns, closure)
    and its parents and carers (their relationship to the child; their names are third-party);
  - visits where the child was seen, or named (by first name) in the notes, now or in a
    correction; of each, only whether *this* child was seen and seen alone; planned visits that
    became one of those visits or name the child in their note; visits held as "Could not be
    recorded" that say the child was seen or name them;
  - every goal of the family plan with its ratings (the plan is the child's plan as much as
    the parents'), every review (each decides on the plan) and every phase move;
  - assessments of the family as a whole and of this child, not of a brother or sister;
  - corrections of the visits, ratings and voices included;
  - the child's own voice (what they said), not a brother's or sister's;
  - flags about the family as a whole or about this child (not "Ben not seen" in Amy's);
  - allocations, transfers and closure proposals (who held the case, and why).

  Other children of the family appear nowhere: not in the list of children, not among the
  children seen, not in assessments or flags about them. Visits where only they were seen, and
  that do not name the child, are left out.

Not included in either: the audit trail (who opened the record: staff activity, holding no
personal values), in-app notifications (they name the family by reference only), unsaved
drafts (a worker's work in progress, kept on the server briefly) and a legal hold's reason
(legal advice about the record, usually exempt from disclosure).

**Redaction** (``redact=True``) replaces the names of third parties with "[redacted]", and
withholds what a child said that they did not agree to share with their parents (with a line
saying so), as services/redaction.py says; services/subject_access_entries.py writes each record's entry.

The export is a plain dict of dates, datetimes, strings, numbers and lists; ``to_json`` makes
it JSON-ready, ``json_document`` the file the page and the API hand over. Each export is audited
(``record_export``: action ``export``)."""
from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    CONCERNS,
    Allocation,
    Assessment,
    Child,
    ClosureProposal,
    Correction,
    Family,
    Flag,
    Goal,
    PlannedVisit,
    Review,
    Transfer,
    UnrecordedVisit,
    User,
    Visit,
    Voice,
)
from . import audit
from .errors import ValidationFailed
from .families import load_family_record
from .partners import subject_access_section
from .redaction import Redactor
from .subject_access_entries import Entries, sent_visit

REDACT_MESSAGE = "Choose whether to redact third parties: redact=1 or redact=0."
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")

NOT_INCLUDED = (
    "The audit trail of who opened the record, in-app notifications (which name the family by "
    "reference only), unsaved drafts and the reason for any legal hold are not part of this export."
)
WITHHELD_NOTE = (
    "Something was withheld: some of what a child said (their words, their scale or their three "
    "houses), which they did not agree to share with their parents."
)
REDACTION_NOTE = (
    "Third parties are redacted: staff appear by role only, other people's names as [redacted]. "
    "Names that casework does not hold (for example a neighbour named in a note) cannot be "
    "found automatically: read the export through before releasing it."
)


def parse_redact(raw: str | None) -> bool:
    """``?redact=``: 1/true/yes/on redacts, absent or 0/false/no/off does not; anything else is
    refused (422 naming ``redact``), so a typo never releases an unredacted export by mistake."""
    value = (raw or "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValidationFailed(REDACT_MESSAGE, {"redact": [REDACT_MESSAGE]})


def record_export(session: Session, family_id: int, record_type: str, record_id: int, fmt: str, redacted: bool,
                  via: str) -> None:
    """Audit an export once it is made: its format, whether it was redacted, and through which
    face (``web``, ``api``). The caller commits."""
    audit.record(session, "export", record_type=record_type, record_id=record_id, family_id=family_id,
                 detail={"format": fmt, "redacted": redacted, "via": via})


# --- Loading the record -----------------------------------------------------------------------


class _Record:
    """Every row of one family that the export reads: a fixed number of queries."""

    def __init__(self, session: Session, family: Family):
        self.family = load_family_record(session, family)
        fid = family.id
        self.users = {user.id: user for user in session.scalars(select(User))}
        self.visits = list(session.scalars(
            select(Visit).where(Visit.family_id == fid).order_by(Visit.date, Visit.id)
            .options(selectinload(Visit.children_seen), selectinload(Visit.goals_discussed))
        ))
        self.goals = list(session.scalars(
            select(Goal).where(Goal.family_id == fid).order_by(Goal.start_date, Goal.id)
            .options(selectinload(Goal.ratings), selectinload(Goal.status_changes))
        ))
        self.reviews = list(session.scalars(
            select(Review).where(Review.family_id == fid).order_by(Review.held_on, Review.id)
            .options(selectinload(Review.views_not_gathered))
        ))
        self.assessments = list(session.scalars(
            select(Assessment).where(Assessment.family_id == fid).order_by(Assessment.date, Assessment.id)
            .options(selectinload(Assessment.scores))
        ))
        self.corrections = list(session.scalars(
            select(Correction).where(Correction.family_id == fid).order_by(Correction.made_at, Correction.id)
        ))
        self.flags = list(session.scalars(
            select(Flag).where(Flag.family_id == fid).order_by(Flag.raised_on, Flag.id)
        ))
        self.allocations = list(session.scalars(
            select(Allocation).where(Allocation.family_id == fid).order_by(Allocation.made_at, Allocation.id)
        ))
        self.transfers = list(session.scalars(
            select(Transfer).where(Transfer.family_id == fid).order_by(Transfer.requested_at, Transfer.id)
            .options(selectinload(Transfer.from_team), selectinload(Transfer.to_team))
        ))
        self.proposals = list(session.scalars(
            select(ClosureProposal).where(ClosureProposal.family_id == fid)
            .order_by(ClosureProposal.made_at, ClosureProposal.id)
        ))
        self.voices = list(session.scalars(
            select(Voice).where(Voice.family_id == fid).order_by(Voice.date, Voice.id)
        ))
        self.voices_by_id = {voice.id: voice for voice in self.voices}
        self.planned_visits = list(session.scalars(
            select(PlannedVisit).where(PlannedVisit.family_id == fid).order_by(PlannedVisit.date, PlannedVisit.id)
        ))
        self.unrecorded_visits = list(session.scalars(
            select(UnrecordedVisit).where(UnrecordedVisit.family_id == fid)
            .order_by(UnrecordedVisit.received_at, UnrecordedVisit.id)
        ))
        self.children = {child.id: child for child in self.family.children}
        self.goal_titles = {goal.id: goal.title for goal in self.goals}
        self.rating_goal = {rating.id: goal.id for goal in self.goals for rating in goal.ratings}


def _full_name(person) -> str:
    return " ".join(part for part in (person.first_name, person.last_name) if part)


# --- Building the export ----------------------------------------------------------------------


def family_export(session: Session, family: Family, *, redact: bool, now: dt.datetime) -> dict:
    """Everything held about ``family`` (see the module's docstring)."""
    record = _Record(session, family)
    family = record.family
    subject_names = [_full_name(p) for p in (*family.children, *family.carers)]
    redactor = Redactor(redact, third_parties=[u.name for u in record.users.values()],
                        subject_names=subject_names, users=record.users)
    builder = _Builder(record, redactor, child=None)
    sections = builder.sections()
    return {
        "subject": {"kind": "family", "id": family.id, "reference": family.reference,
                    "description": f"the family {family.reference}"},
        "generated_at": now,
        "redacted": redact,
        "notes": [NOT_INCLUDED] + ([REDACTION_NOTE] if redact else []) + builder.withheld_notes(),
        **sections,
        "team_around_the_family": subject_access_section(session, family, redactor),
    }


def child_export(session: Session, child: Child, *, redact: bool, now: dt.datetime) -> dict:
    """What is held about ``child``: their details and the family's records that concern them
    (see the module's docstring)."""
    record = _Record(session, child.family)
    family = record.family
    child = record.children[child.id]
    others = [_full_name(c) for c in family.children if c.id != child.id]
    carers = [_full_name(c) for c in family.carers]
    redactor = Redactor(redact, third_parties=[u.name for u in record.users.values()] + others + carers,
                        subject_names=[_full_name(child)], users=record.users)
    builder = _Builder(record, redactor, child=child)
    sections = builder.sections()
    return {
        "subject": {"kind": "child", "id": child.id, "reference": family.reference,
                    "description": f"a child of the family {family.reference}"},
        "generated_at": now,
        "redacted": redact,
        "notes": [NOT_INCLUDED,
                  "Records of the family that concern this child only; brothers and sisters are left out."]
                 + ([REDACTION_NOTE] if redact else []) + builder.withheld_notes(),
        **sections,
    }


class _Builder:
    """Which of the family's records the export holds (for a child, only those that concern
    them), each as ``Entries`` writes it."""

    def __init__(self, record: _Record, redactor: Redactor, child: Child | None):
        self.r = record
        self.child = child
        self.entry = Entries(record, redactor, child)
        self.visit_ids: set[int] = set()

    # Which family-level records concern the child.

    def _names_child(self, text) -> bool:
        if not text or not isinstance(text, str):
            return False
        return re.search(rf"(?<!\w){re.escape(self.child.first_name)}(?!\w)", text, re.IGNORECASE) is not None

    def _visit_concerns_child(self, visit: Visit, corrections: list[Correction]) -> bool:
        if self.child.id in visit.children_seen_ids or self._names_child(visit.notes):
            return True
        for correction in corrections:
            old = correction.old_values or {}
            if self.child.id in (old.get("children_seen") or []) or self.child.id in (old.get("seen_alone") or []):
                return True
            if self._names_child(old.get("notes")):
                return True
        return False

    def _planned_concerns_child(self, planned: PlannedVisit) -> bool:
        return planned.visit_id in self.visit_ids or self._names_child(planned.note)

    def _held_concerns_child(self, held: UnrecordedVisit) -> bool:
        sent = sent_visit(held.payload)
        if sent is None:
            return self._names_child(held.payload)
        seen = [child_id for name in ("children_seen", "seen_alone") if isinstance(sent.get(name), list)
                for child_id in sent[name]]
        return self.child.id in seen or any(self._names_child(value) for value in sent.values())

    def _flag_concerns_child(self, flag: Flag) -> bool:
        if flag.subject_key.startswith("child:"):
            return flag.subject_id == self.child.id
        return True

    # Sections.

    def sections(self) -> dict:
        visit_corrections: dict[int, list[Correction]] = {}
        for correction in self.r.corrections:
            if correction.record_type == "visit":
                visit_corrections.setdefault(correction.record_id, []).append(correction)
        visits = self.r.visits
        if self.child is not None:
            visits = [v for v in visits if self._visit_concerns_child(v, visit_corrections.get(v.id, []))]
        self.visit_ids = {v.id for v in visits}
        return {
            "family": self.entry.family(),
            "children": self.entry.children(),
            "carers": self.entry.carers(),
            "concerns": [{"code": code, "label": CONCERNS.get(code, code)} for code in self.r.family.concerns],
            "phase_moves": [self.entry.phase_move(m) for m in self.r.family.phase_moves],
            "visits": [self.entry.visit(v) for v in visits],
            "planned_visits": [self.entry.planned_visit(p) for p in self.r.planned_visits
                               if self.child is None or self._planned_concerns_child(p)],
            "unrecorded_visits": [self.entry.unrecorded_visit(u) for u in self.r.unrecorded_visits
                                  if self.child is None or self._held_concerns_child(u)],
            "goals": [self.entry.goal(g) for g in self.r.goals],
            "reviews": [self.entry.review(rv) for rv in self.r.reviews],
            "assessments": [self.entry.assessment(a) for a in self.r.assessments
                            if self.child is None or a.child_id in (None, self.child.id)],
            "corrections": [self.entry.correction(c) for c in self.r.corrections if self._correction_included(c)],
            "flags": [self.entry.flag(f) for f in self.r.flags if self.child is None or self._flag_concerns_child(f)],
            "allocations": [self.entry.allocation(a) for a in self.r.allocations],
            "transfers": [self.entry.transfer(t) for t in self.r.transfers],
            "closure_proposals": [self.entry.proposal(p) for p in self.r.proposals],
            "closure": self.entry.closure(),
            "voices": [self.entry.voice(v) for v in self.r.voices
                       if self.child is None or v.child_id == self.child.id],
        }

    def withheld_notes(self) -> list[str]:
        """The line saying something a child said was withheld (after ``sections``)."""
        return [WITHHELD_NOTE] if self.entry.withheld else []

    def _correction_included(self, correction: Correction) -> bool:
        if correction.record_type == "visit":
            return correction.record_id in self.visit_ids
        if correction.record_type == "rating":
            return correction.record_id in self.r.rating_goal
        if correction.record_type == "voice":
            voice = self.r.voices_by_id.get(correction.record_id)
            return self.child is None or (voice is not None and voice.child_id == self.child.id)
        return self.child is None


def to_json(value):
    """The export with dates as YYYY-MM-DD and instants as ISO 8601 with their offset."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def json_document(export: dict) -> str:
    """The export as the JSON file handed over, by the page's download and the API alike."""
    return json.dumps(to_json(export), indent=2, ensure_ascii=False)


def filename(export: dict) -> str:
    """A download name that carries the reference only, never a name."""
    subject = export["subject"]
    suffix = f"-child-{subject['id']}" if subject["kind"] == "child" else ""
    return f"subject-access-{subject['reference']}{suffix}.json"
