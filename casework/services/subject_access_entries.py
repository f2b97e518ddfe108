"""How each kind of record reads in a subject access export (services/subject_access.py): plain
values with a label beside each code, staff and third parties as the ``Redactor`` gives them
(services/redaction.py), and in a child's export only that child among the children."""
from __future__ import annotations

import json

from ..models import (
    CANCELLED_BY,
    CLOSURE_REASONS,
    CORRECTED_FIELDS,
    FLAG_RULES,
    PHASE_LABELS,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
    VOICE_HOWS,
    Allocation,
    Assessment,
    Child,
    ClosureProposal,
    Correction,
    Flag,
    Goal,
    PlannedVisit,
    Review,
    Transfer,
    UnrecordedVisit,
    Visit,
    Voice,
)
from .assessments import load_frameworks
from .goals import area_label
from .redaction import Redactor

# What a child said: withheld from the copy released to the family unless they agreed to share it.
HEARD = ("words", "scale", "worries", "good_things", "wishes")
WITHHELD = "Withheld: the child did not agree to share this with their parents."


def sent_visit(payload: str) -> dict | None:
    """A held visit's payload as the JSON object the device sent, or None if it is not one."""
    try:
        sent = json.loads(payload)
    except ValueError:
        return None
    return sent if isinstance(sent, dict) else None


class Entries:
    """The export's entry for each record of ``record`` (a ``subject_access`` loaded family)."""

    def __init__(self, record, redactor: Redactor, child: Child | None):
        self.r = record
        self.x = redactor
        self.child = child
        self.frameworks = load_frameworks()
        # Whether anything a child said was withheld (the export then says so).
        self.withheld = False

    def family(self) -> dict:
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

    def children(self) -> list[dict]:
        if self.child is not None:
            return [self._child(self.child)]
        return [self._child(c) for c in self.r.family.children]

    def carers(self) -> list[dict]:
        # In a family's export the carers are the subject; in a child's, third parties.
        name = self.x.name if self.child is not None else (lambda value: value)
        return [{"id": c.id, "first_name": name(c.first_name), "last_name": name(c.last_name),
                 "relationship": self.x.text(c.relationship_to_children)} for c in self.r.family.carers]

    def phase_move(self, move) -> dict:
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

    def visit(self, visit: Visit) -> dict:
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

    def planned_visit(self, planned: PlannedVisit) -> dict:
        return {"id": planned.id, "date": planned.date, "time": planned.time_text, "kind": planned.kind,
                "kind_label": VISIT_KINDS.get(planned.kind, planned.kind), "note": self.x.text(planned.note),
                "status": planned.status, "cancelled_by": planned.cancelled_by,
                "cancelled_by_label": CANCELLED_BY.get(planned.cancelled_by) if planned.cancelled_by else None,
                "visit_id": planned.visit_id, "planned_by": self.x.staff(planned.worker_id)}

    def unrecorded_visit(self, held: UnrecordedVisit) -> dict:
        """A visit typed on a device that the server could not record, as the device sent it."""
        return {"id": held.id, "device_recorded_at": held.device_recorded_at, "received_at": held.received_at,
                "recorded_by": self.x.staff(held.user_id), "status": held.status, "reason": self.x.text(held.reason),
                "as_sent": self._as_sent(held.payload), "resolved_at": held.resolved_at,
                "resolved_by": self.x.staff(held.resolved_by_id),
                "resolution_note": self.x.text(held.resolution_note)}

    def _as_sent(self, payload: str):
        """The visit's fields as sent (children by first name, free text as any other), or the
        text itself when it is not a JSON object."""
        sent = sent_visit(payload)
        if sent is None:
            return self.x.text(payload)
        return {name: self._children_named(value) if name in ("children_seen", "seen_alone") and isinstance(value, list)
                else self.x.text(value) if isinstance(value, str) else value
                for name, value in sent.items()}

    def goal(self, goal: Goal) -> dict:
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

    def review(self, review: Review) -> dict:
        return {"held_on": review.held_on, "decision": review.decision,
                "decision_label": REVIEW_DECISIONS.get(review.decision, review.decision),
                "reason": review.reason, "attendees": self.x.text(review.attendees),
                "notes": self.x.text(review.notes), "recorded_by": self.x.staff(review.recorded_by_id),
                "views_not_gathered": [{"child": name, "reason": self.x.text(view.reason)}
                                       for view in review.views_not_gathered
                                       for name in self._children_named([view.child_id])]}

    def assessment(self, assessment: Assessment) -> dict:
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

    def voice(self, voice: Voice) -> dict:
        child = self.r.children.get(voice.child_id)
        entry = {"id": voice.id, "child": child.first_name if child else "a child no longer recorded",
                 "date": voice.date, "how": voice.how, "how_label": VOICE_HOWS.get(voice.how, voice.how),
                 "shared_with_parents": voice.shared_with_parents, "visit_id": voice.visit_id,
                 "review_id": voice.review_id, "recorded_by": self.x.staff(voice.recorded_by_id)}
        if self.x.withholds_voice(voice.shared_with_parents):
            self.withheld = True
            return {**entry, **dict.fromkeys(HEARD), "withheld": WITHHELD}
        return {**entry, "words": self.x.text(voice.words), "scale": voice.scale, "worries": self.x.text(voice.worries),
                "good_things": self.x.text(voice.good_things), "wishes": self.x.text(voice.wishes), "withheld": None}

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

    def correction(self, correction: Correction) -> dict:
        old_values = correction.old_values or {}
        if correction.record_type == "visit":
            what = "visit"
        elif correction.record_type == "voice":
            voice = self.r.voices_by_id.get(correction.record_id)
            child = self.r.children.get(voice.child_id) if voice else None
            what = f"{child.first_name}'s voice" if child else "a child's voice"
            # What the child said before: withheld unless shared then and now.
            if self.x.withholds_voice(voice is not None and voice.shared_with_parents
                                      and old_values.get("shared_with_parents", True)):
                withheld = [name for name in old_values if name in HEARD]
                self.withheld = self.withheld or bool(withheld)
                old_values = {name: WITHHELD if name in withheld else value for name, value in old_values.items()}
        else:
            goal_id = self.r.rating_goal.get(correction.record_id)
            what = f"rating of the goal “{self.x.text(self.r.goal_titles.get(goal_id, ''))}”"
        return {
            "record_type": correction.record_type, "record_id": correction.record_id, "what": what,
            "made_on": correction.made_on, "made_at": correction.made_at, "by": self.x.staff(correction.by_id),
            "note": self.x.text(correction.note),
            "old_values": [{"field": name, "label": CORRECTED_FIELDS.get(name, name),
                            "value": value if value == WITHHELD else self._old_value(name, value)}
                           for name, value in old_values.items()],
        }

    def flag(self, flag: Flag) -> dict:
        return {"rule": flag.rule, "rule_label": FLAG_RULES.get(flag.rule, flag.rule), "severity": flag.severity,
                "message": self.x.text(flag.message), "raised_on": flag.raised_on, "status": flag.status,
                "acknowledged_at": flag.acknowledged_at, "acknowledged_by": self.x.staff(flag.acknowledged_by_id),
                "resolved_on": flag.resolved_on, "resolved_by": self.x.staff(flag.resolved_by_id),
                "resolution": self.x.text(flag.resolution)}

    def allocation(self, allocation: Allocation) -> dict:
        return {"made_on": allocation.made_on, "from_worker": self.x.staff(allocation.from_worker_id),
                "to_worker": self.x.staff(allocation.to_worker_id), "by": self.x.staff(allocation.by_id),
                "reason": self.x.text(allocation.reason)}

    def transfer(self, transfer: Transfer) -> dict:
        return {"requested_at": transfer.requested_at,
                "from_team": transfer.from_team.name if transfer.from_team else None,
                "to_team": transfer.to_team.name if transfer.to_team else None,
                "requested_by": self.x.staff(transfer.requested_by_id), "reason": self.x.text(transfer.reason),
                "status": transfer.status, "decided_by": self.x.staff(transfer.decided_by_id),
                "decided_at": transfer.decided_at, "comment": self.x.text(transfer.comment)}

    def proposal(self, proposal: ClosureProposal) -> dict:
        return {"proposed_on": proposal.proposed_on, "reason": proposal.reason,
                "reason_label": CLOSURE_REASONS.get(proposal.reason, proposal.reason),
                "note": self.x.text(proposal.note), "by": self.x.staff(proposal.by_id), "status": proposal.status,
                "decided_by": self.x.staff(proposal.decided_by_id), "decided_at": proposal.decided_at,
                "comment": self.x.text(proposal.comment)}

    def closure(self) -> dict | None:
        f = self.r.family
        if f.closed_on is None:
            return None
        return {"closed_on": f.closed_on, "reason": f.closure_reason,
                "reason_label": CLOSURE_REASONS.get(f.closure_reason, f.closure_reason) if f.closure_reason else None}
