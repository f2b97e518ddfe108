"""Subject access: everything casework holds about one family or one child, for a subject
access request under data protection law, with third parties optionally redacted.

Two subjects:

* **A family** (``family_export``): the whole record. The family's own carers and children are
  the subject, not third parties. Included: the family's details, children, carers, concerns,
  phase moves, visits (notes, which children were seen and seen alone, goals discussed), goals
  with every rating, reviews, assessments (of the family and of each child) with their scores
  and evidence, corrections with the values they replaced, flags, allocations, transfers,
  closure proposals and the closure.
* **One child** (``child_export``): the child's own details, and the family-level records that
  concern the child:

  - the family's details (reference, household, postcode, referral, phases, concerns, closure)
    and its parents and carers (their relationship to the child; their names are third-party);
  - visits where the child was seen, or named (by first name) in the notes, now or in a
    correction; of each, only whether *this* child was seen and seen alone;
  - every goal of the family plan with its ratings (the plan is the child's plan as much as
    the parents'), every review (each decides on the plan) and every phase move;
  - assessments of the family as a whole and of this child, not of a brother or sister;
  - corrections of the visits and ratings included;
  - flags about the family as a whole or about this child (not "Ben not seen" in Amy's);
  - allocations, transfers and closure proposals (who held the case, and why).

  Other children of the family appear nowhere: not in the list of children, not among the
  children seen, not in assessments or flags about them. Visits where only they were seen, and
  that do not name the child, are left out.

Not included in either: the audit trail (who opened the record: staff activity, holding no
personal values), in-app notifications (they name the family by reference only), unsaved
drafts (a worker's work in progress, kept on the server briefly) and a legal hold's reason
(legal advice about the record, usually exempt from disclosure).

**Redaction** (``redact=True``) replaces the names of people other than the data subject with
"[redacted]": staff appear by role only ("Family worker", "Manager"); the referral source is
"[redacted]"; in a child's export the carers' names are "[redacted]". In every free-text field
(notes, goal titles, who attended, evidence, comments, the household name) each word that is
the name, or part of the name, of a third party the service knows (any member of staff, and in
a child's export the carers and the other children) is replaced by "[redacted]", unless it is
also part of the subject's own name (a brother's surname is the child's too). Names casework
does not know (a neighbour, a grandmother named in a note) cannot be found this way: whoever
releases the export still reads it through first, as the page says.

The export is a plain dict of dates, datetimes, strings, numbers and lists; ``to_json`` makes
it JSON-ready. The views audit each export (``audit`` action ``export``)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    CLOSURE_REASONS,
    CONCERNS,
    FLAG_RULES,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
    Allocation,
    Assessment,
    Child,
    ClosureProposal,
    Correction,
    Family,
    Flag,
    Goal,
    Review,
    Role,
    Transfer,
    User,
    Visit,
)
from .assessments import load_frameworks
from .families import load_family_record
from .goals import area_label

REDACTED = "[redacted]"
ROLE_LABELS = {Role.WORKER: "Family worker", Role.MANAGER: "Manager", Role.ADMIN: "Administrator"}
VISIT_FIELD_LABELS = {
    "date": "Date", "kind": "Kind", "outcome": "Outcome", "duration_minutes": "Duration (minutes)",
    "notes": "Notes", "children_seen": "Children seen", "seen_alone": "Seen alone",
    "goals_discussed": "Goals discussed", "rating": "Rating", "note": "Note",
}
NOT_INCLUDED = (
    "The audit trail of who opened the record, in-app notifications (which name the family by "
    "reference only), unsaved drafts and the reason for any legal hold are not part of this export."
)
REDACTION_NOTE = (
    "Third parties are redacted: staff appear by role only, other people's names as [redacted]. "
    "Names that casework does not hold (for example a neighbour named in a note) cannot be "
    "found automatically: read the export through before releasing it."
)


# --- Redaction --------------------------------------------------------------------------------


def _name_parts(name: str | None) -> set[str]:
    """A name and each part of it (split on spaces and hyphens), of at least two letters."""
    if not name:
        return set()
    name = " ".join(name.split())
    parts = {name} | set(name.split(" ")) | set(re.split(r"[\s\-]+", name))
    return {part for part in parts if len(part) >= 2 and any(ch.isalpha() for ch in part)}


class Redactor:
    """Replaces third parties' names, or does nothing when redaction is off."""

    def __init__(self, enabled: bool, third_parties: Iterable[str | None] = (),
                 subject_names: Iterable[str | None] = (), users: dict[int, User] | None = None):
        self.enabled = enabled
        self.users = users or {}
        own = {part.casefold() for name in subject_names for part in _name_parts(name)}
        words = {part for name in third_parties for part in _name_parts(name) if part.casefold() not in own}
        self.pattern = None
        if enabled and words:
            alternatives = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
            self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def text(self, value: str | None) -> str | None:
        """Free text with every known third party's name replaced."""
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(REDACTED, value)

    def name(self, value: str | None) -> str | None:
        """A third party's name: replaced as a whole."""
        if not value or not self.enabled:
            return value
        return REDACTED

    def staff(self, user_id: int | None) -> str | None:
        """A member of staff: their name, or only their role when redacting."""
        if user_id is None:
            return None
        user = self.users.get(user_id)
        if user is None:
            return None
        if self.enabled:
            return ROLE_LABELS.get(user.role, "Member of staff")
        return user.name


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
    return {
        "subject": {"kind": "family", "id": family.id, "reference": family.reference,
                    "description": f"the family {family.reference}"},
        "generated_at": now,
        "redacted": redact,
        "notes": [NOT_INCLUDED] + ([REDACTION_NOTE] if redact else []),
        **builder.sections(),
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
    return {
        "subject": {"kind": "child", "id": child.id, "reference": family.reference,
                    "description": f"a child of the family {family.reference}"},
        "generated_at": now,
        "redacted": redact,
        "notes": [NOT_INCLUDED,
                  "Records of the family that concern this child only; brothers and sisters are left out."]
                 + ([REDACTION_NOTE] if redact else []),
        **builder.sections(),
    }


class _Builder:
    def __init__(self, record: _Record, redactor: Redactor, child: Child | None):
        self.r = record
        self.x = redactor
        self.child = child
        self.frameworks = load_frameworks()
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

    def _flag_concerns_child(self, flag: Flag) -> bool:
        if flag.subject_key.startswith("child:"):
            return flag.subject_key == f"child:{self.child.id}"
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
            "family": self._family(),
            "children": self._children(),
            "carers": self._carers(),
            "concerns": [{"code": code, "label": CONCERNS.get(code, code)} for code in self.r.family.concerns],
            "phase_moves": [self._phase_move(m) for m in self.r.family.phase_moves],
            "visits": [self._visit(v) for v in visits],
            "goals": [self._goal(g) for g in self.r.goals],
            "reviews": [self._review(rv) for rv in self.r.reviews],
            "assessments": [self._assessment(a) for a in self.r.assessments
                            if self.child is None or a.child_id in (None, self.child.id)],
            "corrections": [self._correction(c) for c in self.r.corrections if self._correction_included(c)],
            "flags": [self._flag(f) for f in self.r.flags if self.child is None or self._flag_concerns_child(f)],
            "allocations": [self._allocation(a) for a in self.r.allocations],
            "transfers": [self._transfer(t) for t in self.r.transfers],
            "closure_proposals": [self._proposal(p) for p in self.r.proposals],
            "closure": self._closure(),
        }

    def _family(self) -> dict:
        f, x = self.r.family, self.x
        return {
            "reference": f.reference,
            "household_name": x.text(f.household_name),
            "postcode": f.postcode,
            "team": f.team.name if f.team else None,
            "family_worker": x.staff(f.worker_id),
            "referral_date": f.referral_date,
            "referral_source": x.name(f.referral_source),
            "opened_on": f.opened_on,
            "consent_recorded_on": f.consent_recorded_on,
            "phase": f.phase,
            "phase_label": PHASE_LABELS.get(f.phase, f.phase),
            "phase_since": f.phase_since,
            "closed_on": f.closed_on,
            "closure_reason": f.closure_reason,
            "earlier_case": f.previous_family.reference if f.previous_family else None,
            "anonymised_at": f.anonymised_at,
        }

    def _child(self, child: Child) -> dict:
        return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name,
                "date_of_birth": child.date_of_birth, "school": child.school}

    def _children(self) -> list[dict]:
        if self.child is not None:
            return [self._child(self.child)]
        return [self._child(c) for c in self.r.family.children]

    def _carers(self) -> list[dict]:
        # In a family's export the carers are the subject; in a child's, third parties.
        name = self.x.name if self.child is not None else (lambda value: value)
        return [{"id": c.id, "first_name": name(c.first_name), "last_name": name(c.last_name),
                 "relationship": self.x.text(c.relationship_to_children)} for c in self.r.family.carers]

    def _phase_move(self, move) -> dict:
        return {"date": move.date, "from_phase": move.from_phase, "to_phase": move.to_phase,
                "from_label": PHASE_LABELS.get(move.from_phase, move.from_phase),
                "to_label": PHASE_LABELS.get(move.to_phase, move.to_phase),
                "reason": move.reason, "reason_label": CLOSURE_REASONS.get(move.reason) if move.reason else None,
                "note": self.x.text(move.note), "by": self.x.staff(move.by_id)}

    def _children_named(self, ids) -> list[str]:
        """Children (by first name) from a list of ids; a child's export names only the child."""
        names = []
        for child_id in ids or []:
            if self.child is not None and child_id != self.child.id:
                continue
            child = self.r.children.get(child_id)
            names.append(child.first_name if child else "a child no longer recorded")
        return names

    def _visit(self, visit: Visit) -> dict:
        entry = {
            "id": visit.id, "date": visit.date, "kind": visit.kind,
            "kind_label": VISIT_KINDS.get(visit.kind, visit.kind), "outcome": visit.outcome,
            "outcome_label": VISIT_OUTCOMES.get(visit.outcome, visit.outcome),
            "duration_minutes": visit.duration_minutes,
            "goals_discussed": [self.x.text(goal.title) for goal in visit.goals_discussed],
            "notes": self.x.text(visit.notes),
            "recorded_by": self.x.staff(visit.recorded_by_id),
        }
        if self.child is None:
            entry["children_seen"] = self._children_named(visit.children_seen_ids)
            entry["seen_alone"] = self._children_named(visit.seen_alone_ids)
        else:
            entry["child_seen"] = self.child.id in visit.children_seen_ids
            entry["child_seen_alone"] = self.child.id in visit.seen_alone_ids
        return entry

    def _goal(self, goal: Goal) -> dict:
        return {
            "id": goal.id, "title": self.x.text(goal.title), "area": goal.area,
            "area_label": area_label(goal.area),
            "baseline": goal.baseline, "target": goal.target, "start_date": goal.start_date,
            "target_date": goal.target_date, "status": goal.status, "status_changed_on": goal.status_changed_on,
            "next_step": self.x.text(goal.next_step),
            "status_changes": [{"status": change.status, "date": change.date, "reason": self.x.text(change.reason),
                                "by": self.x.staff(change.by_id)} for change in goal.status_changes],
            "ratings": [{"id": rating.id, "date": rating.date, "rating": rating.rating,
                         "note": self.x.text(rating.note), "recorded_by": self.x.staff(rating.recorded_by_id)}
                        for rating in goal.ratings],
        }

    def _review(self, review: Review) -> dict:
        return {"held_on": review.held_on, "decision": review.decision,
                "decision_label": REVIEW_DECISIONS.get(review.decision, review.decision),
                "reason": review.reason, "attendees": self.x.text(review.attendees),
                "notes": self.x.text(review.notes), "recorded_by": self.x.staff(review.recorded_by_id)}

    def _assessment(self, assessment: Assessment) -> dict:
        framework = self.frameworks.get(assessment.framework)
        labels = {d.code: d.label for d in framework.domains} if framework else {}
        child = self.r.children.get(assessment.child_id) if assessment.child_id else None
        return {
            "date": assessment.date, "framework": assessment.framework,
            "framework_name": framework.name if framework else assessment.framework,
            "stage": assessment.stage, "of": child.first_name if child else "the family",
            "recorded_by": self.x.staff(assessment.recorded_by_id),
            "scores": [{"domain": s.domain, "label": labels.get(s.domain, s.domain), "score": s.score,
                        "score_label": framework.label(s.score) if framework else str(s.score),
                        "evidence": self.x.text(s.evidence)} for s in assessment.scores],
        }

    def _correction_included(self, correction: Correction) -> bool:
        if correction.record_type == "visit":
            return correction.record_id in self.visit_ids
        if correction.record_type == "rating":
            return correction.record_id in self.r.rating_goal
        return self.child is None

    def _old_value(self, name: str, value):
        if name in ("children_seen", "seen_alone"):
            if self.child is not None:
                return "yes" if self.child.id in (value or []) else "no"
            return ", ".join(self._children_named(value)) or "none"
        if name == "goals_discussed":
            return "; ".join(self.x.text(self.r.goal_titles.get(gid, "a goal no longer recorded"))
                             for gid in value or []) or "none"
        if isinstance(value, str):
            return self.x.text(value)
        return value

    def _correction(self, correction: Correction) -> dict:
        if correction.record_type == "visit":
            what = "visit"
        else:
            goal_id = self.r.rating_goal.get(correction.record_id)
            what = f"rating of the goal “{self.x.text(self.r.goal_titles.get(goal_id, ''))}”"
        return {
            "record_type": correction.record_type, "record_id": correction.record_id, "what": what,
            "made_on": correction.made_on, "made_at": correction.made_at, "by": self.x.staff(correction.by_id),
            "note": self.x.text(correction.note),
            "old_values": [{"field": name, "label": VISIT_FIELD_LABELS.get(name, name),
                            "value": self._old_value(name, value)}
                           for name, value in (correction.old_values or {}).items()],
        }

    def _flag(self, flag: Flag) -> dict:
        return {"rule": flag.rule, "rule_label": FLAG_RULES.get(flag.rule, flag.rule), "severity": flag.severity,
                "message": self.x.text(flag.message), "raised_on": flag.raised_on, "status": flag.status,
                "acknowledged_at": flag.acknowledged_at, "acknowledged_by": self.x.staff(flag.acknowledged_by_id),
                "resolved_on": flag.resolved_on, "resolved_by": self.x.staff(flag.resolved_by_id),
                "resolution": self.x.text(flag.resolution)}

    def _allocation(self, allocation: Allocation) -> dict:
        return {"made_on": allocation.made_on, "from_worker": self.x.staff(allocation.from_worker_id),
                "to_worker": self.x.staff(allocation.to_worker_id), "by": self.x.staff(allocation.by_id),
                "reason": self.x.text(allocation.reason)}

    def _transfer(self, transfer: Transfer) -> dict:
        return {"requested_at": transfer.requested_at,
                "from_team": transfer.from_team.name if transfer.from_team else None,
                "to_team": transfer.to_team.name if transfer.to_team else None,
                "requested_by": self.x.staff(transfer.requested_by_id), "reason": self.x.text(transfer.reason),
                "status": transfer.status, "decided_by": self.x.staff(transfer.decided_by_id),
                "decided_at": transfer.decided_at, "comment": self.x.text(transfer.comment)}

    def _proposal(self, proposal: ClosureProposal) -> dict:
        return {"proposed_on": proposal.proposed_on, "reason": proposal.reason,
                "reason_label": CLOSURE_REASONS.get(proposal.reason, proposal.reason),
                "note": self.x.text(proposal.note), "by": self.x.staff(proposal.by_id), "status": proposal.status,
                "decided_by": self.x.staff(proposal.decided_by_id), "decided_at": proposal.decided_at,
                "comment": self.x.text(proposal.comment)}

    def _closure(self) -> dict | None:
        f = self.r.family
        if f.closed_on is None:
            return None
        return {"closed_on": f.closed_on, "reason": f.closure_reason,
                "reason_label": CLOSURE_REASONS.get(f.closure_reason, f.closure_reason) if f.closure_reason else None}


def to_json(value):
    """The export with dates as YYYY-MM-DD and instants as ISO 8601 with their offset."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def filename(export: dict) -> str:
    """A download name that carries the reference only, never a name."""
    subject = export["subject"]
    suffix = f"-child-{subject['id']}" if subject["kind"] == "child" else ""
    return f"subject-access-{subject['reference']}{suffix}.json"
