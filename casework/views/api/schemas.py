"""Every JSON answer of the API, built through its model (views/api/spec/): one function per
answer, used by every endpoint that gives it. A value the model does not take fails here, not
in a client.

These functions never query: the endpoints load what they need first (with eager loading on
lists) and pass it in."""
from __future__ import annotations

import datetime as dt

from ...models import (
    ApiToken,
    Carer,
    ClosureProposal,
    Correction,
    Family,
    Flag,
    Goal,
    GoalRating,
    Notification,
    Review,
    Team,
    Transfer,
    User,
    Visit,
    Voice,
)
from ...services.families import ChildMatch, FamilySummary
from ...services.visits import visit_values
from ...services.voices import voice_values
from .spec import accounts as out
from .spec import records as rec
from .spec import reports as rep
from .spec import voices as vo


def date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def me(user: User) -> dict:
    return out.Me.model_validate(user).dump()


def account(user: User) -> dict:
    """A user as an administrator manages them (GET/POST /api/v1/users)."""
    return _account(user).dump()


def _account(user: User, **extra) -> out.Account:
    model = out.AccountCreated if extra else out.Account
    return model(id=user.id, email=user.email, name=user.name, role=user.role, team=user.team, agency=user.agency,
                 status=user.status, totp_enabled=bool(user.totp_secret), **extra)


def account_created(user: User, setup_url: str) -> dict:
    return _account(user, setup_url=setup_url).dump()


def account_list(users: list[User]) -> dict:
    return out.AccountList(items=[_account(user) for user in users]).dump()


def password_reset(reset) -> dict:
    return out.PasswordReset.model_validate(reset).dump()


def token(secret: str, record: ApiToken) -> dict:
    return out.Token(token=secret, expires_at=record.expires_at).dump()


def team(value: Team) -> dict:
    return rec.Team.model_validate(value).dump()


def team_list(teams: list[Team]) -> dict:
    return out.TeamList(items=teams).dump()


def carer_model(value: Carer) -> rec.Carer:
    return rec.Carer(id=value.id, first_name=value.first_name, last_name=value.last_name,
                     relationship=value.relationship_to_children)


def goal_model(value: Goal) -> rec.Goal:
    latest = value.latest_rating
    return rec.Goal(
        id=value.id, family_id=value.family_id, title=value.title, area=value.area, baseline=value.baseline,
        target=value.target, start_date=value.start_date, target_date=value.target_date, status=value.status,
        status_changed_on=value.status_changed_on, next_step=value.next_step,
        latest_rating=latest.rating if latest else None, latest_rating_on=latest.date if latest else None,
        ratings=value.ratings, version=value.version,
    )


def goal(value: Goal) -> dict:
    return goal_model(value).dump()


def goal_list(goals: list[Goal]) -> dict:
    return rec.GoalList(items=[goal_model(g) for g in goals]).dump()


def rating(value: GoalRating) -> dict:
    return rec.GoalRating.model_validate(value).dump()


def rating_created(value: GoalRating, of: Goal) -> dict:
    return rec.RatingCreated(**_fields(rec.GoalRating.model_validate(value)), goal=goal_model(of)).dump()


def corrected_rating(value: GoalRating, corrections: list[Correction]) -> dict:
    return rec.CorrectedRating(**_fields(rec.GoalRating.model_validate(value)),
                               corrections=[_correction(c) for c in corrections]).dump()


def _correction(value: Correction) -> rec.Correction:
    """What a record said before it was corrected, with who, when and why (``by`` loaded)."""
    return rec.Correction(made_at=value.made_at, by=value.by, note=value.note, old=dict(value.old_values))


def _fields(model) -> dict:
    return {name: getattr(model, name) for name in type(model).model_fields}


def family(
    value: Family,
    goals: list[Goal],
    next_review_due: dt.date | None,
    proposal: ClosureProposal | None = None,
    open_flags: list[Flag] = (),
    *,
    pending_approval: bool = False,
    latest_voices: dict[int, Voice] | None = None,
) -> dict:
    """The whole family record: ``goals`` (with their ratings loaded), the next review date,
    the pending closure (with its proposer loaded), the open flags and each child's latest
    voice are passed in, so this never queries on its own. ``pending_approval``: a worker's
    closing waits for approval."""
    model = rec.PendingFamily if pending_approval else rec.Family
    extra = {"pending_approval": True} if pending_approval else {}
    return model(
        id=value.id, reference=value.reference, household_name=value.household_name, postcode=value.postcode,
        concerns=value.concerns, consent_recorded_on=value.consent_recorded_on, phase=value.phase,
        phase_since=value.phase_since, opened_on=value.opened_on, closed_on=value.closed_on,
        closure_reason=value.closure_reason, pending_closure=proposal,
        previous_family_id=value.previous_family_id, referral_date=value.referral_date,
        referral_source=value.referral_source,
        external_reference=value.external_reference, worker=value.worker, team=value.team,
        children=[child_model(c, (latest_voices or {}).get(c.id)) for c in value.children],
        carers=[carer_model(c) for c in value.carers], goals=[goal_model(g) for g in goals],
        next_review_due=next_review_due, open_flags=list(open_flags), version=value.version, **extra,
    ).dump()


def child_model(value, latest: Voice | None = None) -> rec.Child:
    """A child, with when they were last heard (``latest``, their latest voice)."""
    return rec.Child(id=value.id, first_name=value.first_name, last_name=value.last_name,
                     date_of_birth=value.date_of_birth, school=value.school,
                     latest_voice=rec.LatestVoice(date=latest.date, scale=latest.scale) if latest else None)


def family_list(summaries: list[FamilySummary], flags: dict[int, list[Flag]], total: int) -> dict:
    """One page of families: each row enough to pick a family, not the whole record."""
    items = []
    for summary in summaries:
        value = summary.family
        items.append(rec.FamilySummary(
            id=value.id, reference=value.reference, household_name=value.household_name,
            postcode=value.postcode, concerns=value.concerns, phase=value.phase, phase_since=value.phase_since,
            opened_on=value.opened_on, closed_on=value.closed_on, worker=value.worker, team=value.team,
            weeks_in_service=summary.weeks_in_service, last_visit_on=summary.last_visit_on,
            last_visit_all_seen=summary.last_visit_all_seen, next_review_due=summary.next_review_due,
            open_flags=flags[value.id], version=value.version,
        ))
    return rec.FamilyList(items=items, total=total).dump()


def flag(value: Flag) -> dict:
    return rec.Flag.model_validate(value).dump()


def flag_list(flags: list[Flag]) -> dict:
    return rec.FlagList(items=flags).dump()


def _visit(value: Visit, corrections: list[Correction]) -> rec.Visit:
    # The visit's own fields as the service holds them (the shape a correction merges into).
    return rec.Visit(
        **visit_values(value), id=value.id, family_id=value.family_id, all_children_seen=value.all_children_seen,
        recorded_by=value.recorded_by, recorded_at=value.created_at, recorded_offline=value.recorded_offline,
        device_recorded_at=value.device_recorded_at, received_at=value.received_at,
        corrections=[_correction(c) for c in corrections], version=value.version,
    )


def visit(value: Visit, corrections: list[Correction] = ()) -> dict:
    return _visit(value, list(corrections)).dump()


def visit_list(visits: list[Visit], corrections: dict[int, list[Correction]]) -> dict:
    return rec.VisitList(items=[_visit(v, corrections[v.id]) for v in visits]).dump()


def _voice(value: Voice, corrections: list[Correction]) -> vo.Voice:
    # The voice's own fields as the service holds them (the shape a correction merges into).
    return vo.Voice(
        **voice_values(value), id=value.id, child_id=value.child_id, family_id=value.family_id,
        recorded_by=value.recorded_by, recorded_at=value.recorded_at,
        corrections=[_correction(c) for c in corrections], version=value.version,
    )


def voice(value: Voice, corrections: list[Correction] = ()) -> dict:
    return _voice(value, list(corrections)).dump()


def voice_list(voices: list[Voice], corrections: dict[int, list[Correction]]) -> dict:
    return vo.VoiceList(items=[_voice(v, corrections[v.id]) for v in voices]).dump()


def review(value: Review) -> dict:
    return rec.Review.model_validate(value).dump()


def review_list(reviews: list[Review], next_due: dt.date | None) -> dict:
    return rec.ReviewList(items=reviews, next_due=next_due).dump()


def chronology(entries) -> dict:
    """``by``: who recorded each entry, or None for the system's own entries (flags)."""
    return rec.Chronology(items=entries).dump()


def child_match_list(matches: list[ChildMatch]) -> dict:
    """Known children's cases, by reference only: no names, no details."""
    return rec.ChildMatchList(items=matches).dump()


def notification(value: Notification) -> dict:
    return _notification(value).dump()


def _notification(value: Notification) -> rec.Notification:
    return rec.Notification(id=value.id, kind=value.kind, family_id=value.family_id, message=value.message,
                            detail=value.detail, created_at=value.created_at, read=value.read_at is not None,
                            read_at=value.read_at)


def notification_list(notifications: list[Notification], unread_count: int) -> dict:
    return rec.NotificationList(items=[_notification(n) for n in notifications], unread_count=unread_count).dump()


def _transfer(value: Transfer) -> rec.Transfer:
    """A family offered to another team (family, teams and requester loaded)."""
    return rec.Transfer(
        id=value.id, family_id=value.family_id, reference=value.family.reference, from_team=value.from_team,
        to_team=value.to_team, reason=value.reason, status=value.status, requested_at=value.requested_at,
        requested_by=value.requested_by, decided_at=value.decided_at, comment=value.comment,
    )


def transfer(value: Transfer) -> dict:
    return _transfer(value).dump()


def transfer_list(transfers: list[Transfer]) -> dict:
    return rec.TransferList(items=[_transfer(t) for t in transfers]).dump()


def caseload(loads, totals) -> dict:
    """The team's caseloads: each worker's load (``as_dict``) and the team's totals."""
    totals = {name: value for name, value in totals.as_dict().items() if name not in ("id", "name")}
    return rep.Caseload(workers=[load.as_dict() for load in loads], totals=totals).dump()


def outcomes(report: dict) -> dict:
    return rep.Outcomes.model_validate(report).dump()


def local_area(report: dict) -> dict:
    return rep.LocalArea.model_validate(report).dump()
