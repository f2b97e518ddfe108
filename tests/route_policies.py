"""Who may use each route: the policy every route and method follows (test_authorisation.py
tries each one for every kind of caller; the trust tests read it too). A route missing from
ROUTES fails the suite, so a new page or endpoint cannot ship without deciding who may use it."""

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404
ROLES = ("anonymous", "worker", "colleague", "manager", "other_manager", "admin")
# People of other agencies (the ``partner`` role): one the world's family shares its plan and
# meetings with, one whose consent was withdrawn, and one named by no consent at all.
PARTNER_ROLES = ("partner", "partner_withdrawn", "partner_without")

POLICIES = {
    # everyone, signed in or not
    "public": dict(anonymous=OK, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=OK),
    # anyone signed in
    "signed_in": dict(anonymous=LOGIN, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=OK),
    # case work, within the caller's own scope (lists and new referrals)
    "case_work": dict(anonymous=LOGIN, worker=OK, colleague=OK, manager=OK, other_manager=OK, admin=FORBIDDEN),
    # one family's record: its worker and their manager only
    "family_record": dict(anonymous=LOGIN, worker=OK, colleague=NOT_FOUND, manager=OK, other_manager=NOT_FOUND,
                          admin=FORBIDDEN),
    # a manager's decision on one family: scope first (a colleague or another team's manager
    # gets 404), then the role (the family's own worker gets 403)
    "manager_family": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=NOT_FOUND, manager=OK, other_manager=NOT_FOUND,
                           admin=FORBIDDEN),
    # a manager's own team as a whole (caseloads, transfers offered to it)
    "manager_only": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=OK,
                         admin=FORBIDDEN),
    # a manager's page about one record of their team (a family, a flag, a worker): any
    # worker 403 (the role first), another team's manager 404
    "manager_record": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=NOT_FOUND,
                           admin=FORBIDDEN),
    # a transfer offered to the manager's team: only that team's manager may decide
    "incoming_transfer": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK,
                              other_manager=NOT_FOUND, admin=FORBIDDEN),
    # something of the caller's own (a notification of the worker's): nobody else's, admins' included
    "own_record": dict(anonymous=LOGIN, worker=OK, colleague=NOT_FOUND, manager=NOT_FOUND, other_manager=NOT_FOUND,
                       admin=NOT_FOUND),
    # reports: a manager's own team, an admin's whole service (aggregate only); workers 403
    "reports": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK, other_manager=OK, admin=OK),
    # users and teams
    "administration": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=FORBIDDEN,
                           other_manager=FORBIDDEN, admin=OK),
    # a partner's own pages (the families shared with them): no member of staff (403); a
    # partner's answer is ``expected``'s
    "partner_only": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=FORBIDDEN,
                         other_manager=FORBIDDEN, admin=FORBIDDEN),
    # an address whose secret is its query string (a calendar feed): without the secret it
    # names nothing, whoever asks (the feed itself: tests/test_calendar_feed.py)
    "secret_link": dict(anonymous=NOT_FOUND, worker=NOT_FOUND, colleague=NOT_FOUND, manager=NOT_FOUND,
                        other_manager=NOT_FOUND, admin=NOT_FOUND),
    # confirming an account an administrator added: a manager of its team; for a team without
    # an active manager (not the world's), an administrator other than the one who added it;
    # anyone else 403
    "account_confirmation": dict(anonymous=LOGIN, worker=FORBIDDEN, colleague=FORBIDDEN, manager=OK,
                                 other_manager=FORBIDDEN, admin=FORBIDDEN),
}

# What a partner may use: the families shared with them, and the actions they own. A partner
# asking for anything else gets 404 when it is about a family not shared with them, 403 when
# it is (a kind of record they may not read), and 403 for what is about no family.
PARTNER_ROUTES = {
    ("GET", "/api/v1/families"),
    ("GET", "/api/v1/families/<int:family_id>"),
    ("PATCH", "/api/v1/actions/<int:action_id>"),
    ("GET", "/partners/families"),
    ("GET", "/partners/families/<int:family_id>"),
    ("POST", "/partners/actions/<int:action_id>/done"),
}
# The ids in a URL that name a record of one family.
FAMILY_RECORD_IDS = ("family_id", "goal_id", "visit_id", "child_id", "carer_id", "rating_id", "flag_id",
                     "consent_id", "action_id", "planned_visit_id", "voice_id")


def expected(method: str, rule: str, role: str, shared: bool = True):
    """The answer class ``role`` gets on ``rule``: the policy's, or for a partner the rule
    above; ``shared``: the object asked about is of the family shared with ``partner``."""
    policy = ROUTES[(method, rule)]
    if role not in PARTNER_ROLES:
        return POLICIES[policy][role]
    shared = shared and role == "partner"
    if policy == "public":
        return OK
    if policy == "secret_link":
        return NOT_FOUND
    names_family = any(f"<int:{name}>" in rule for name in FAMILY_RECORD_IDS)
    if (method, rule) in PARTNER_ROUTES:
        return NOT_FOUND if names_family and not shared else OK
    if policy == "signed_in":
        return OK
    if policy == "own_record" or "<int:transfer_id>" in rule:
        return NOT_FOUND  # someone else's notification; a family in transfer is never shared
    if names_family:
        return FORBIDDEN if shared else NOT_FOUND
    return FORBIDDEN


ROUTES = {
    ("GET", "/static/<path:filename>"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/login/code"): "public",
    ("POST", "/login/code"): "public",
    ("GET", "/account/two-factor"): "signed_in",
    ("POST", "/account/two-factor"): "signed_in",
    ("POST", "/account/two-factor/disable"): "signed_in",
    ("POST", "/session/keep-alive"): "signed_in",
    ("POST", "/admin/users/<int:user_id>/two-factor/reset"): "administration",
    # Server-side drafts: a form of one family (form_key names it)
    ("POST", "/drafts/<form_key>"): "family_record",
    ("POST", "/drafts/<form_key>/discard"): "family_record",
    ("GET", "/"): "signed_in",
    ("POST", "/logout"): "signed_in",
    ("GET", "/account/password"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("GET", "/admin/users"): "administration",
    ("GET", "/admin/users/new"): "administration",
    ("POST", "/admin/users/new"): "administration",
    ("GET", "/admin/teams/new"): "administration",
    ("POST", "/admin/teams/new"): "administration",
    # Accounts an administrator added (views/accounts.py), and choosing a password by link
    ("GET", "/team/accounts"): "manager_only",
    ("POST", "/accounts/<int:user_id>/confirm"): "account_confirmation",
    ("GET", "/setup/<token>"): "public",
    ("POST", "/setup/<token>"): "public",
    ("POST", "/admin/training"): "administration",
    ("POST", "/admin/training/remove"): "administration",
    ("POST", "/admin/users/<int:user_id>/activate"): "administration",
    ("POST", "/admin/users/<int:user_id>/deactivate"): "administration",
    ("GET", "/admin/users/<int:user_id>/password"): "administration",
    ("POST", "/admin/users/<int:user_id>/password"): "administration",
    ("GET", "/families"): "case_work",
    ("GET", "/families/new"): "case_work",
    ("POST", "/families/new"): "case_work",
    ("GET", "/families/<int:family_id>"): "family_record",
    ("GET", "/families/<int:family_id>/edit"): "family_record",
    ("POST", "/families/<int:family_id>/edit"): "family_record",
    ("GET", "/families/<int:family_id>/phase"): "family_record",
    ("POST", "/families/<int:family_id>/phase"): "family_record",
    ("GET", "/families/<int:family_id>/visits/new"): "family_record",
    ("POST", "/families/<int:family_id>/visits/new"): "family_record",
    ("GET", "/families/<int:family_id>/goals/new"): "family_record",
    ("POST", "/families/<int:family_id>/goals/new"): "family_record",
    ("GET", "/goals/<int:goal_id>"): "family_record",
    ("GET", "/goals/<int:goal_id>/chart.svg"): "family_record",
    ("GET", "/goals/<int:goal_id>/edit"): "family_record",
    ("POST", "/goals/<int:goal_id>/edit"): "family_record",
    ("POST", "/goals/<int:goal_id>/ratings"): "family_record",
    ("POST", "/goals/<int:goal_id>/status"): "family_record",
    ("GET", "/goals/<int:goal_id>/withdraw"): "family_record",
    ("POST", "/goals/<int:goal_id>/withdraw"): "family_record",
    ("GET", "/families/<int:family_id>/reviews/new"): "family_record",
    ("POST", "/families/<int:family_id>/reviews/new"): "family_record",
    ("POST", "/families/<int:family_id>/reopen"): "manager_family",
    ("GET", "/families/<int:family_id>/children/new"): "family_record",
    ("POST", "/families/<int:family_id>/children/new"): "family_record",
    ("GET", "/children/<int:child_id>/edit"): "family_record",
    ("POST", "/children/<int:child_id>/edit"): "family_record",
    ("GET", "/families/<int:family_id>/carers/new"): "family_record",
    ("POST", "/families/<int:family_id>/carers/new"): "family_record",
    ("GET", "/carers/<int:carer_id>/edit"): "family_record",
    ("POST", "/carers/<int:carer_id>/edit"): "family_record",
    ("GET", "/visits/<int:visit_id>/correct"): "family_record",
    ("POST", "/visits/<int:visit_id>/correct"): "family_record",
    # The child's voice (views/voices.py)
    ("GET", "/children/<int:child_id>/voice"): "family_record",
    ("GET", "/children/<int:child_id>/voice/new"): "family_record",
    ("POST", "/children/<int:child_id>/voice/new"): "family_record",
    ("GET", "/children/<int:child_id>/voice/chart.svg"): "family_record",
    ("GET", "/voice/<int:voice_id>"): "family_record",
    ("GET", "/voice/<int:voice_id>/correct"): "family_record",
    ("POST", "/voice/<int:voice_id>/correct"): "family_record",
    ("GET", "/ratings/<int:rating_id>/correct"): "family_record",
    ("POST", "/ratings/<int:rating_id>/correct"): "family_record",
    ("GET", "/families/<int:family_id>/chronology"): "family_record",
    ("GET", "/families/<int:family_id>/plan"): "family_record",
    ("GET", "/notifications"): "signed_in",
    ("POST", "/notifications/read"): "signed_in",
    ("POST", "/notifications/<int:notification_id>/read"): "own_record",
    # A manager's pages (views/team.py, transfers.py, closures.py and flags.py)
    ("GET", "/team"): "manager_only",
    ("GET", "/team/caseload"): "manager_only",
    ("GET", "/team/caseload/chart.svg"): "manager_only",
    ("GET", "/team/families.csv"): "manager_only",
    ("GET", "/families/<int:family_id>/allocate"): "manager_record",
    ("POST", "/families/<int:family_id>/allocate"): "manager_record",
    ("GET", "/families/<int:family_id>/transfer"): "manager_record",
    ("POST", "/families/<int:family_id>/transfer"): "manager_record",
    ("GET", "/team/transfers"): "manager_only",
    ("POST", "/team/transfers/<int:transfer_id>/accept"): "incoming_transfer",
    ("POST", "/team/transfers/<int:transfer_id>/decline"): "incoming_transfer",
    ("GET", "/team/closures"): "manager_only",
    ("POST", "/families/<int:family_id>/closure/approve"): "manager_record",
    ("POST", "/families/<int:family_id>/closure/return"): "manager_record",
    ("GET", "/team/flags"): "manager_only",
    ("POST", "/team/flags/acknowledge"): "manager_only",
    ("POST", "/flags/<int:flag_id>/acknowledge"): "family_record",
    ("POST", "/flags/<int:flag_id>/resolve"): "manager_record",
    ("GET", "/team/workers/<int:user_id>"): "manager_record",
    # Assessments (views/assessments.py) and reports (views/reports.py)
    ("GET", "/families/<int:family_id>/assessments"): "family_record",
    ("GET", "/families/<int:family_id>/assessments/chart.svg"): "family_record",
    ("GET", "/families/<int:family_id>/assessments/new"): "family_record",
    ("POST", "/families/<int:family_id>/assessments/new"): "family_record",
    ("GET", "/reports/outcomes"): "reports",
    ("GET", "/reports/outcomes/chart.svg"): "reports",
    ("GET", "/reports"): "reports",
    ("GET", "/reports/outcomes/domains-chart.svg"): "reports",
    ("GET", "/reports/outcomes/voice-chart.svg"): "reports",
    ("GET", "/reports/outcomes/print"): "reports",
    # the families behind a figure: a manager's own team; admins see figures only (403)
    ("GET", "/reports/outcomes/families"): "manager_only",
    ("GET", "/reports/outcomes.csv"): "reports",
    ("GET", "/reports/sustained"): "reports",
    ("GET", "/reports/local-area"): "reports",
    ("GET", "/reports/local-area.csv"): "reports",
    # Data protection (views/records.py): subject access, retention, legal hold, anonymising
    ("GET", "/families/<int:family_id>/subject-access"): "manager_record",
    ("GET", "/families/<int:family_id>/subject-access.json"): "manager_record",
    ("GET", "/children/<int:child_id>/subject-access"): "manager_record",
    ("GET", "/children/<int:child_id>/subject-access.json"): "manager_record",
    ("GET", "/records/retention"): "manager_only",
    ("GET", "/families/<int:family_id>/retention"): "manager_record",
    ("POST", "/families/<int:family_id>/legal-hold"): "manager_record",
    ("POST", "/families/<int:family_id>/legal-hold/lift"): "manager_record",
    ("POST", "/families/<int:family_id>/anonymise"): "manager_record",
    # The JSON API
    ("GET", "/api/v1/openapi.json"): "public",
    ("POST", "/api/v1/tokens"): "public",
    ("DELETE", "/api/v1/tokens/current"): "signed_in",
    ("GET", "/api/v1/me"): "signed_in",
    ("POST", "/api/v1/me/password"): "signed_in",
    ("GET", "/api/v1/users"): "administration",
    ("POST", "/api/v1/users"): "administration",
    ("POST", "/api/v1/users/<int:user_id>/confirm"): "account_confirmation",
    ("POST", "/api/v1/users/<int:user_id>/password-reset"): "administration",
    ("POST", "/api/v1/users/<int:user_id>/deactivate"): "administration",
    ("GET", "/api/v1/teams"): "administration",
    ("POST", "/api/v1/teams"): "administration",
    ("GET", "/api/v1/families"): "case_work",
    ("POST", "/api/v1/families"): "case_work",
    ("GET", "/api/v1/families/<int:family_id>"): "family_record",
    ("PATCH", "/api/v1/families/<int:family_id>"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/phase"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/visits"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/visits"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/goals"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/goals"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/reviews"): "family_record",
    ("GET", "/api/v1/visits/<int:visit_id>"): "family_record",
    ("PATCH", "/api/v1/goals/<int:goal_id>"): "family_record",
    ("POST", "/api/v1/goals/<int:goal_id>/progress"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/reviews"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/chronology"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/closure/approve"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/closure/return"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/reopen"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/allocation"): "manager_family",
    ("POST", "/api/v1/families/<int:family_id>/transfer"): "manager_family",
    ("GET", "/api/v1/children/matches"): "case_work",
    ("PATCH", "/api/v1/visits/<int:visit_id>"): "family_record",
    ("PATCH", "/api/v1/ratings/<int:rating_id>"): "family_record",
    ("GET", "/api/v1/flags"): "case_work",
    ("POST", "/api/v1/flags/<int:flag_id>/acknowledge"): "family_record",
    ("POST", "/api/v1/flags/<int:flag_id>/resolve"): "manager_family",
    ("GET", "/api/v1/notifications"): "signed_in",
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): "own_record",
    ("GET", "/api/v1/caseload"): "manager_only",
    ("GET", "/api/v1/reports/outcomes"): "reports",
    ("GET", "/api/v1/reports/local-area"): "reports",
    ("GET", "/api/v1/families/<int:family_id>/subject-access"): "manager_family",
    ("GET", "/api/v1/children/<int:child_id>/subject-access"): "manager_family",
    ("GET", "/api/v1/transfers"): "manager_only",
    ("POST", "/api/v1/transfers/<int:transfer_id>/accept"): "incoming_transfer",
    ("POST", "/api/v1/transfers/<int:transfer_id>/decline"): "incoming_transfer",
    # The Team Around the Family (views/api/partners.py, views/partners.py)
    ("GET", "/api/v1/families/<int:family_id>/partners"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/partners"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/consents"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/consents"): "family_record",
    ("POST", "/api/v1/consents/<int:consent_id>/withdraw"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/meetings"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/meetings"): "family_record",
    ("PATCH", "/api/v1/actions/<int:action_id>"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/sharing-log"): "family_record",
    ("GET", "/api/v1/families/<int:family_id>/handoff"): "family_record",
    ("GET", "/families/<int:family_id>/partners/new"): "family_record",
    ("POST", "/families/<int:family_id>/partners/new"): "family_record",
    ("GET", "/families/<int:family_id>/consents/new"): "family_record",
    ("POST", "/families/<int:family_id>/consents/new"): "family_record",
    ("GET", "/consents/<int:consent_id>/withdraw"): "family_record",
    ("POST", "/consents/<int:consent_id>/withdraw"): "family_record",
    ("GET", "/families/<int:family_id>/meetings/new"): "family_record",
    ("POST", "/families/<int:family_id>/meetings/new"): "family_record",
    ("GET", "/partners/families"): "partner_only",
    ("GET", "/partners/families/<int:family_id>"): "partner_only",
    ("POST", "/partners/actions/<int:action_id>/done"): "partner_only",
    ("GET", "/families/<int:family_id>/handoff"): "family_record",
    ("POST", "/families/<int:family_id>/handoff/reference"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/handoff/reference"): "family_record",
    # The visit diary and the calendar feed (views/api/diary.py, views/diary.py)
    ("GET", "/api/v1/families/<int:family_id>/planned-visits"): "family_record",
    ("POST", "/api/v1/families/<int:family_id>/planned-visits"): "family_record",
    ("GET", "/api/v1/planned-visits"): "case_work",
    ("PATCH", "/api/v1/planned-visits/<int:planned_visit_id>"): "family_record",
    ("POST", "/api/v1/me/calendar-feed"): "case_work",
    ("DELETE", "/api/v1/me/calendar-feed"): "case_work",
    ("GET", "/diary"): "case_work",
    ("POST", "/diary"): "case_work",
    ("GET", "/families/<int:family_id>/planned-visits/new"): "family_record",
    ("POST", "/families/<int:family_id>/planned-visits/new"): "family_record",
    ("GET", "/planned-visits/<int:planned_visit_id>/change"): "family_record",
    ("POST", "/planned-visits/<int:planned_visit_id>/rearrange"): "family_record",
    ("POST", "/planned-visits/<int:planned_visit_id>/cancel"): "family_record",
    ("GET", "/account/calendar"): "case_work",
    ("POST", "/account/calendar"): "case_work",
    ("POST", "/account/calendar/revoke"): "case_work",
    ("GET", "/calendar/feed.ics"): "secret_link",
    # The child's voice (views/api/voices.py)
    ("GET", "/api/v1/children/<int:child_id>/voice"): "family_record",
    ("POST", "/api/v1/children/<int:child_id>/voice"): "family_record",
    ("PATCH", "/api/v1/voice/<int:voice_id>"): "family_record",
    # Offline use of a device (views/offline.py): the service worker, the page that turns it on,
    # what the device's script asks for; and visits that could not be recorded (a worker's own,
    # their manager's; a manager marks one dealt with)
    ("GET", "/sw.js"): "public",
    ("GET", "/account/offline"): "case_work",
    ("GET", "/account/offline/state"): "case_work",
    ("GET", "/visits/unrecorded"): "case_work",
    ("GET", "/visits/unrecorded/<int:unrecorded_id>"): "family_record",
    ("POST", "/visits/unrecorded/<int:unrecorded_id>/resolve"): "manager_record",
    ("GET", "/api/v1/unrecorded-visits"): "case_work",
    ("POST", "/api/v1/unrecorded-visits"): "case_work",
}
