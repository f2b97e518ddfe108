"""What only words can say of each endpoint, by its Flask endpoint name: a summary, which
answers it gives, and which form reads its body or query string. Paths, methods and path
parameters come from the URL map, answers from the models, bodies and queries from the forms
(``document`` puts them together); an API route missing here fails the document."""
from __future__ import annotations

from ....forms.accounts import ChangePasswordForm, TeamForm, TokenForm, UserForm
from ....forms.case import (
    FamilyEditForm,
    GoalChangeForm,
    GoalForm,
    PhaseMoveForm,
    RatingCorrectionForm,
    RatingForm,
    ReferralForm,
    ReopenForm,
    ReviewInputForm,
    VisitCorrectionForm,
    VisitForm,
)
from ....forms.diary import DiaryPeriodQuery, PlannedVisitChangeForm, PlannedVisitForm
from ....forms.manager import (
    AcceptTransferForm,
    AllocationRequest,
    ClosureApprovalForm,
    DeclineTransferForm,
    ResolveFlagForm,
    ReturnClosureForm,
    TransferForm,
)
from ....forms.offline import ApiVisitForm, UnrecordedVisitForm
from ....forms.partners import (
    ActionUpdateForm,
    ConsentForm,
    HandoffReferenceForm,
    MeetingForm,
    PartnerForm,
    WithdrawConsentForm,
)
from ....forms.queries import (
    ChildMatchQuery,
    ChronologyQuery,
    FamilyListQuery,
    FlagListQuery,
    NotificationQuery,
    SubjectAccessQuery,
    UserListQuery,
)
from ....forms.reports import MonthlyPeriodForm, PeriodForm
from ....forms.voice import VoiceCorrectionForm, VoiceForm
from ....services import child_search
from . import accounts as out
from . import diary as dia
from . import offline as off
from . import partners as tac
from . import records as rec
from . import reports as rep
from . import voices as vo
from .op import Body, Op

CASE = {401: None, 403: None, 404: None}
LIST = {401: None, 403: None, 422: None}
WRITE = {**CASE, 409: None, 422: None}
MANAGER = {**WRITE, 403: "An admin, or the family's own worker: only a manager may do this."}
NOT_MANAGER = {401: None, 403: "Not a manager."}
ADMINS = {401: None, 403: "Not an administrator."}
NO_PENDING = "No closure is waiting for approval, or the version is stale."
EXPORT = ({"type": "object", "description": "subject, generated_at, redacted, notes, family, children, carers, "
           "concerns, phase_moves, visits, planned_visits, unrecorded_visits, goals (with ratings), reviews, "
           "assessments, corrections, flags, "
           "allocations, transfers, closure_proposals, closure."})
EXPORT_ERRORS = {**CASE, 403: "An admin, or a worker: only a manager of the family's team may export.", 422: None}
REPORT_ERRORS = {401: None, 403: "A worker: reports are for managers and admins.", 422: None}
ONE_USER = {**ADMINS, 404: None}
INCOMING = {**NOT_MANAGER, 404: "No pending transfer to the caller's team has this id.", 422: None}

OPERATIONS: dict[str, Op] = {
    "main.healthz": Op("health", "The database answers", "service", {
        200: ("Healthy.", out.Health), 503: ("The database does not answer.", out.Health)}, public=True),
    "api.openapi": Op("openapi", "This document", "service", {
        200: ("The OpenAPI document.", {"type": "object"})}, public=True),
    "api.create_token": Op(
        "createToken", "Exchange an e-mail and password for a token", "auth", {201: ("A new token.", out.Token)},
        {401: "Wrong e-mail or password; or, for a user with two-step sign-in, totp_code missing, wrong or "
              "already used (fields names totp_code).",
         403: "The password is right but the account is pending (waiting for a manager to confirm it) or "
              "deactivated; or an administrator without two-step sign-in, when the service requires it.",
         422: None,
         429: "Too many failed attempts (passwords or codes) for the account or the address: try again later."},
        body=Body(TokenForm, "TokenRequest"), public=True,
        description="A wrong code counts towards the same limit as a wrong password."),
    "api.revoke_current_token": Op("revokeToken", "Revoke the token of this request", "auth", {
        204: ("Revoked; the token now answers 401.", None)}, {401: None}),
    "api.me": Op("me", "The caller's own account", "auth", {200: ("The caller.", out.Me)}, {401: None}),
    "api.change_password": Op(
        "changePassword", "Change the caller's own password", "auth", {
            204: ("Changed. Every other session and token of the caller has ended; this token continues.", None)},
        {401: None, 422: "The current password is not right, or the new one is too weak.",
         429: "Too many wrong current passwords (the fifth in 15 minutes): every session and token of the caller "
              "has ended, this one too."},
        body=Body(ChangePasswordForm, "PasswordChange"),
        description="A wrong current password counts towards the same lock as a wrong password at sign-in."),
    "api.list_families": Op(
        "listFamilies", "Families in the caller's scope", "families",
        {200: ("One page of families, by household name; for a partner, the families shared with them "
               "(SharedFamilyList).", tac.FamiliesAnswer)}, LIST, query=FamilyListQuery,
        description="A worker sees the families allocated to them; a manager every family of their team; a "
                    "partner the families whose consent names them, each read written to the sharing log."),
    "api.create_family": Op(
        "openReferral", "Open a referral as a new family", "families",
        {201: ("The new family, in engagement.", rec.Family)}, {401: None, 403: None, 422: None},
        body=Body(ReferralForm, "ReferralInput"),
        description="worker_id defaults to the caller when the caller is a worker, who cannot allocate to anyone "
                    "else (422); a manager may leave it empty (unallocated) or name an active worker of the team. "
                    "previous_family_id names an earlier case of the same family, in any team: one holding a "
                    "child with the same first name (any case) and date of birth as one of children; any other "
                    "id answers 422, the same as an unknown one."),
    "api.get_family": Op(
        "getFamily", "The family record", "families",
        {200: ("The family; for a partner, only what the consent covers (SharedFamily).", tac.FamilyAnswer)}, CASE,
        description="A partner's read is written to the sharing log."),
    "api.update_family": Op(
        "updateFamily", "Edit the family's details or allocation", "families", {200: ("The family.", rec.Family)},
        WRITE, body=Body(FamilyEditForm, "FamilyUpdate", partial=True),
        description="Any editable field; those left out keep their values. A closed "
                    "family is read-only (422)."),
    "api.move_phase": Op(
        "movePhase", "Move the family to another phase, or close it", "families", {
            200: ("The family, in its new phase.", rec.Family),
            202: ("A worker's closing, waiting for the manager's approval (when closure approval is on): the "
                  "family, still open, with pending_approval true and pending_closure set.", rec.PendingFamily)},
        WRITE, body=Body(PhaseMoveForm, "PhaseMove"),
        description="Moving to making_changes needs consent and an active goal; moving back needs a note; "
                    "closing needs a reason and, for a worker, the family to be in moving_on, and is never dated "
                    "before the family's latest visit, rating, review, assessment or phase move. A refused move "
                    "answers 422 with the reason; a closing while another is waiting answers 409."),
    "api.approve_closure": Op(
        "approveClosure", "Approve the closure waiting for approval", "closure",
        {200: ("The family, now closed on the proposal's date.", rec.Family)},
        {**MANAGER, 409: NO_PENDING, 422: "The proposal's date is before the family's latest visit, rating, "
                                          "review, assessment or phase move (return it instead), or the family "
                                          "is closed."},
        body=Body(ClosureApprovalForm, "ClosureApproval", required=False)),
    "api.return_closure": Op(
        "returnClosure", "Return a proposed closure to the worker", "closure",
        {200: ("The family, still open; the proposal is withdrawn and the worker notified.", rec.Family)},
        {**MANAGER, 409: NO_PENDING}, body=Body(ReturnClosureForm, "ClosureReturn")),
    "api.reopen_family": Op(
        "reopenFamily", "Reopen a closed family", "closure",
        {200: ("The family, back in engagement from today; closed_on and closure_reason cleared.", rec.Family)},
        MANAGER, body=Body(ReopenForm, "Reopening"), description="422 when the family is not closed."),
    "api.allocate": Op(
        "allocateFamily", "Allocate the family to a worker of the team", "allocation",
        {200: ("The family; the allocation is kept with who, when and why, and the new worker is notified.",
               rec.Family)},
        MANAGER, body=Body(AllocationRequest, "AllocationInput"),
        description="422 for a worker outside the team, inactive, or already holding the family."),
    "api.request_transfer": Op(
        "requestTransfer", "Offer the family to another team", "allocation",
        {201: ("The transfer, pending until the receiving manager decides; the family stays with this team "
               "meanwhile.", rec.Transfer)},
        {**MANAGER, 409: "A transfer of this family is already waiting, or the version is stale."},
        body=Body(TransferForm, "TransferRequest")),
    "api.list_transfers": Op("listTransfers", "Transfers offered to the caller's team", "allocation",
                             {200: ("Pending transfers, oldest first.", rec.TransferList)}, NOT_MANAGER),
    "api.accept_transfer": Op(
        "acceptTransfer", "Accept a family into the team", "allocation",
        {200: ("The family, now this team's.", rec.Family)},
        INCOMING,
        body=Body(AcceptTransferForm, "TransferAcceptance", required=False)),
    "api.decline_transfer": Op(
        "declineTransfer", "Decline a family offered to the team", "allocation",
        {200: ("The transfer, declined; the sending manager is notified.", rec.Transfer)},
        INCOMING,
        body=Body(DeclineTransferForm, "TransferDecline")),
    "api.chronology": Op(
        "chronology", "Everything recorded about the family, newest first", "families",
        {200: ("The chronology.", rec.Chronology)}, {**CASE, 422: None}, query=ChronologyQuery,
        description="A correction appears on the day it was made."),
    "api.child_matches": Op(
        "childMatches", "Cases across the service that know this child", "families",
        {200: ("Matching cases, by reference only (no names, no details).", rec.ChildMatchList)},
        {**LIST, 429: f"{child_search.SEARCH_LIMIT} searches by this user in the last "
                      f"{child_search.SEARCH_WINDOW.seconds // 60} minutes: try again later."},
        query=ChildMatchQuery,
        description="For linking a new referral to an earlier case with previous_family_id, also one in another "
                    "team. Each search is audited (who, when, how many matches; never the name or date asked "
                    "about)."),
    "api.list_visits": Op("listVisits", "The family's visits, newest first", "visits",
                          {200: ("Visits.", rec.VisitList)}, CASE),
    "api.create_visit": Op(
        "logVisit", "Record a visit", "visits", {201: ("The visit.", rec.Visit)}, WRITE,
        body=Body(ApiVisitForm, "VisitInput"),
        description="children_seen and seen_alone name children of this family (seen alone counts as seen); "
                    "goals_discussed names the family's active goals (422 otherwise). A visit kept on a device "
                    "without a connection carries device_recorded_at (ISO 8601 with its offset; not in the future "
                    "beyond 5 minutes, not more than 31 days ago: 422 naming it otherwise); recorded_offline "
                    "defaults to whether device_recorded_at is sent."),
    "api.list_unrecorded_visits": Op(
        "listUnrecordedVisits", "Visits a device could not get recorded", "visits",
        {200: ("The caller's own (a worker's) or their team's (a manager's), not yet dealt with.",
               off.UnrecordedVisitList)}, {401: None, 403: None}),
    "api.keep_unrecorded_visit": Op(
        "keepUnrecordedVisit", "Keep a visit the server would not record", "visits",
        {201: ("The visit, kept in the list \"Could not be recorded\".", off.UnrecordedVisit),
         200: ("Sent before with this device_key: the one kept.", off.UnrecordedVisit)},
        {401: None, 403: None, 422: None}, body=Body(UnrecordedVisitForm, "UnrecordedVisitInput"),
        description="For a visit saved on a device without a connection that POST /families/{id}/visits refused "
                    "when it was sent (404, 409 or 422): kept as sent, never discarded, until a manager marks it "
                    "dealt with."),
    # The visit diary (views/api/diary.py)
    "api.list_family_planned_visits": Op(
        "listPlannedVisits", "The family's planned visits", "visits",
        {200: ("Planned visits, by day and time, of every status.", dia.PlannedVisitList)}, CASE),
    "api.plan_visit": Op(
        "planVisit", "Plan a visit to the family", "visits",
        {201: ("The planned visit, owned by the caller: done at once when a visit is already recorded for the "
               "family on its day.", dia.PlannedVisit)}, WRITE, body=Body(PlannedVisitForm, "PlannedVisitInput"),
        description="A visit recorded for the family on the planned day makes it done, with visit_id."),
    "api.my_planned_visits": Op(
        "myPlannedVisits", "The caller's own planned visits in a period", "visits",
        {200: ("Planned visits, by day and time, of every status.", dia.PlannedVisitList)}, LIST,
        query=DiaryPeriodQuery, description="Of families still in the caller's scope."),
    "api.change_planned_visit": Op(
        "changePlannedVisit", "Rearrange or cancel a planned visit", "visits",
        {200: ("The planned visit.", dia.PlannedVisit)}, WRITE,
        body=Body(PlannedVisitChangeForm, "PlannedVisitChange", partial=True),
        description="date and time rearrange it (time null: on the day at any time); status cancelled, or "
                    "cancelled_by (family or worker, the default), cancels it. A visit already recorded (done) "
                    "cannot change, nor a cancelled one be rearranged (422); nothing sent changes nothing."),
    "api.create_calendar_feed": Op(
        "createCalendarFeed", "Turn on the caller's calendar feed", "auth",
        {201: ("A new secret feed address; any earlier one stops working.", dia.CalendarFeed)},
        {401: None, 403: "An admin or a partner: the feed is a worker's or a manager's diary."},
        description="The address answers text/calendar (RFC 5545) without any other authentication: one event "
                    "per planned visit (at its time, when set) and per review due (all day), naming families by "
                    "reference only, from 8 weeks back to 6 months ahead."),
    "api.revoke_calendar_feed": Op(
        "revokeCalendarFeed", "Turn off the caller's calendar feed", "auth",
        {204: ("Revoked (or there was none): the feed address answers 404 from now on.", None)},
        {401: None, 403: "An admin or a partner."}),
    "api.get_visit": Op("getVisit", "One visit, with its corrections", "visits", {200: ("The visit.", rec.Visit)},
                        CASE),
    "api.correct": Op(
        "correctVisit", "Correct a visit, keeping what it said", "visits",
        {200: ("The corrected visit; the old values are in corrections.", rec.Visit)}, WRITE,
        body=Body(VisitCorrectionForm, "VisitCorrection", partial=True, keep=("correction_note",), corrects=VisitForm),
        description="At least one visit field; those left out keep their values. The corrected visit is checked "
                    "as a new one would be. 422 when nothing changes, or for a closed family."),
    "api.list_voices": Op("listVoices", "A child's voice: what they said, newest first", "voice",
                          {200: ("The child's voices, each with its corrections.", vo.VoiceList)}, CASE),
    "api.record_voice": Op(
        "recordVoice", "Record a child's voice", "voice", {201: ("The voice.", vo.Voice)}, WRITE,
        body=Body(VoiceForm, "VoiceInput"),
        description="words, scale or one of the three houses (worries, good_things, wishes) is required; date not "
                    "in the future; visit_id and review_id name a visit and a review of the child's family (422 "
                    "otherwise). Resolves the child's child_voice_missing flag when it clears it."),
    "api.correct_voice": Op(
        "correctVoice", "Correct a child's voice, keeping what it said", "voice",
        {200: ("The corrected voice; the old values are in corrections.", vo.Voice)}, WRITE,
        body=Body(VoiceCorrectionForm, "VoiceCorrection", partial=True, keep=("correction_note",),
                  corrects=VoiceForm),
        description="At least one field; those left out keep their values. The corrected voice is checked as a "
                    "new one would be. 422 when nothing changes, or for a closed family."),
    "api.correct_progress_rating": Op(
        "correctRating", "Correct a progress rating, keeping what it said", "goals",
        {200: ("The corrected rating, with its corrections.", rec.CorrectedRating)}, WRITE,
        body=Body(RatingCorrectionForm, "RatingCorrection", partial=True, keep=("correction_note",),
                  corrects=RatingForm)),
    "api.list_goals": Op("listGoals", "The family plan", "goals", {200: ("Goals with their ratings.", rec.GoalList)},
                         CASE),
    "api.create_goal": Op("agreeGoal", "Add a goal to the family plan", "goals", {201: ("The goal, active.", rec.Goal)},
                          WRITE, body=Body(GoalForm, "GoalInput")),
    "api.update_goal": Op(
        "updateGoal", "Edit a goal or set its status", "goals", {200: ("The goal.", rec.Goal)}, WRITE,
        body=Body(GoalChangeForm, "GoalUpdate", partial=True),
        description="Any goal field; those left out keep their values. The target stays above the baseline. "
                    "reason says why the status changes (say, why a goal is withdrawn): kept and shown in the "
                    "chronology."),
    "api.rate_progress": Op(
        "rateProgress", "Record a progress rating for an active goal", "goals",
        {201: ("The rating, with the goal.", rec.RatingCreated)}, WRITE, body=Body(RatingForm, "RatingInput")),
    "api.list_reviews": Op("listReviews", "Reviews held, newest first, and the next due", "reviews",
                           {200: ("Reviews.", rec.ReviewList)}, CASE),
    "api.create_review": Op(
        "holdReview", "Record a review of the family plan", "reviews",
        {201: ("The review. A closing decision closes the family on the day held; a worker's waits for "
               "approval when closure approval is on (pending_approval true).", rec.Review)},
        WRITE, body=Body(ReviewInputForm, "ReviewInput"),
        description="Not in the future, not before opened_on; a closing decision not before phase_since. "
                    "step_up, step_down and close close the family; close needs a reason (disengaged, moved_away "
                    "or other); step_up and step_down are their own, and any other decision may send any closing "
                    "reason, which it does not keep. views_not_gathered (optional) says why a child's view was "
                    "not gathered: each a child of the family, at most once, with a reason."),
    "api.list_flags": Op(
        "listFlags", "Flags on the caller's families", "flags",
        {200: ("Flags, open before resolved, most severe and oldest first.", rec.FlagList)}, LIST,
        query=FlagListQuery, description="A worker sees their families' flags; a manager their team's."),
    "api.acknowledge_flag": Op(
        "acknowledgeFlag", "Acknowledge a flag: someone has seen it", "flags",
        {200: ("The flag, acknowledged (still open).", rec.Flag)}, {**CASE, 422: None},
        description="422 when the flag is already resolved, or its family is closed (a closed family's record "
                    "is read-only)."),
    "api.resolve_flag": Op(
        "resolveFlag", "Resolve a flag with what was decided", "flags", {200: ("The flag, resolved.", rec.Flag)},
        {**CASE, 403: "An admin or a worker: only a manager resolves flags.", 422: None},
        body=Body(ResolveFlagForm, "FlagResolution"),
        description="422 when the flag is already resolved, or its family is closed."),
    "api.list_notifications": Op(
        "listNotifications", "The caller's own notifications, newest first", "notifications",
        {200: ("Notifications.", rec.NotificationList)}, {401: None, 422: None}, query=NotificationQuery),
    "api.read_notification": Op(
        "readNotification", "Mark one of the caller's notifications read", "notifications",
        {200: ("The notification.", rec.Notification)}, {401: None, 404: "Unknown, or someone else's."}),
    "api.caseload": Op("caseload", "The team's caseloads, per worker", "caseload",
                       {200: ("Per worker, and totals for the team.", rep.Caseload)}, NOT_MANAGER),
    "api.report_outcomes": Op(
        "reportOutcomes", "Outcomes of the families closed in a period", "reports",
        {200: ("Families closed in [from, to]: goals, areas, weeks, reasons.", rep.Outcomes)}, REPORT_ERRORS,
        query=PeriodForm),
    "api.report_local_area": Op(
        "reportLocalArea", "Families referred in a period by district and concern", "reports",
        {200: ("District x concern cells; counts from 1 to 4 suppressed; an admin's rounded to the nearest 5.",
               rep.LocalArea)}, REPORT_ERRORS, query=MonthlyPeriodForm,
        description="Periods are whole months: from the 1st of a month to a month's last day."),
    "api.family_subject_access": Op(
        "familySubjectAccess", "Everything held about a family (subject access)", "families",
        {200: ("The export, as an attachment.", EXPORT)}, EXPORT_ERRORS, query=SubjectAccessQuery,
        description="Audited as an export."),
    "api.child_subject_access": Op(
        "childSubjectAccess", "What is held about one child (subject access)", "families",
        {200: ("The export, as an attachment: the child's details and the family's records that concern the "
               "child; brothers and sisters are left out.", EXPORT)}, EXPORT_ERRORS, query=SubjectAccessQuery,
        description="Audited as an export."),
    "api.list_users": Op("listUsers", "Every account, by name", "accounts", {200: ("The accounts.", out.AccountList)},
                         {**ADMINS, 422: None}, query=UserListQuery),
    "api.create_user": Op(
        "createUser", "Add an account (no password: a setup link)", "accounts",
        {201: ("The account, with its setup_url. A worker or a manager is pending until confirmed; an admin is "
               "active.", out.AccountCreated)}, {**ADMINS, 422: None}, body=Body(UserForm, "AccountInput"),
        description="team_id is required for a worker or a manager."),
    "api.confirm_user": Op(
        "confirmUser", "Confirm a pending account", "accounts", {200: ("The account, now active.", out.Account)},
        {401: None, 403: "Neither a manager of the account's team nor (for a team without an active manager) an "
                         "administrator other than the one who added it.",
         404: None, 409: "The account is not pending."}),
    "api.reset_password": Op(
        "resetPassword", "Reset a password: never to one the administrator knows", "accounts",
        {202: ("Every session and token of the person has ended and their old password no longer works; they and "
               "their team's managers are told.", out.PasswordReset)},
        {**ONE_USER, 409: "The account is deactivated.", 422: "Your own account: change your password instead."}),
    "api.deactivate_user": Op(
        "deactivateUser", "Deactivate an account", "accounts",
        {200: ("The account, deactivated: every session, token and setup link has ended.", out.Account)},
        {**ONE_USER, 422: "Your own account."}),
    "api.list_teams": Op("listTeams", "Every team, by name", "accounts", {200: ("The teams.", out.TeamList)}, ADMINS),
    "api.create_team": Op(
        "createTeam", "Add a team", "accounts", {201: ("The team.", rec.Team)},
        {**ADMINS, 422: "No name, or a name like an existing team's (in any case, with or without accents)."},
        body=Body(TeamForm, "TeamInput")),
    # The Team Around the Family
    "api.list_partners": Op("listPartners", "The family's partners", "partners",
                            {200: ("The partners.", tac.PartnerList)}, CASE),
    "api.add_partner": Op("addPartner", "Add a partner (another agency) to the family", "partners",
                          {201: ("The partner.", tac.Partner)}, WRITE, body=Body(PartnerForm, "PartnerInput")),
    "api.list_consents": Op("listConsents", "The family's consents to share", "partners",
                            {200: ("The consents, newest first.", tac.ConsentList)}, CASE),
    "api.record_consent": Op(
        "recordConsent", "Record the family's consent to share with named partners", "partners",
        {201: ("The consent.", tac.Consent)}, WRITE, body=Body(ConsentForm, "ConsentInput"),
        description="partner_ids name partners of this family (422 otherwise)."),
    "api.withdraw_consent": Op(
        "withdrawConsent", "Withdraw a consent: nothing more is shared under it", "partners",
        {200: ("The consent, withdrawn.", tac.Consent)}, WRITE, body=Body(WithdrawConsentForm, "ConsentWithdrawal")),
    "api.list_meetings": Op("listMeetings", "The family's Team Around the Family meetings", "partners",
                            {200: ("The meetings, newest first.", tac.MeetingList)}, CASE),
    "api.record_meeting": Op(
        "recordMeeting", "Record a meeting and the actions agreed", "partners",
        {201: ("The meeting with its actions.", tac.Meeting)}, WRITE, body=Body(MeetingForm, "MeetingInput"),
        description="attendee_partner_ids and each action's owner_partner_id name partners of this family, "
                    "owner_user_id its worker (422 otherwise)."),
    "api.update_action": Op(
        "updateAction", "Mark an action done or open", "partners", {200: ("The action.", tac.Action)},
        {**WRITE, 403: "A partner, for an action that is not theirs; or an admin."},
        body=Body(ActionUpdateForm, "ActionUpdate"),
        description="The family's worker or manager may change any of its actions; a partner only their own "
                    "(404 when the family is not shared with them)."),
    "api.sharing_log": Op("sharingLog", "What partners read or received, under which consent", "partners",
                          {200: ("The sharing log, newest first.", tac.SharingLog)}, CASE),
    "api.handoff": Op("handoff", "The step-up package for children's social care", "partners",
                      {200: ("The package.", tac.Handoff)}, CASE, description="Audited as an export."),
    "api.record_handoff_reference": Op(
        "recordHandoffReference", "Record the receiving service's reference on the step-up handoff", "partners",
        {200: ("The reference recorded.", tac.HandoffReference)}, WRITE,
        body=Body(HandoffReferenceForm, "HandoffReferenceInput"),
        description="Also once the family has closed with step_up; any other closed family answers 422. The "
                    "latest recorded is the handoff's receiving_reference."),
}
