"""The data model, one module per aggregate. Importing this package registers every table."""
from .allocation import Allocation, ClosureProposal, ProposalStatus, Transfer, TransferStatus  # noqa: F401
from .assessment import ASSESSMENT_STAGES, Assessment, AssessmentScore, FrameworkTraining  # noqa: F401
from .audit import AuditEvent, Draft, LoginAttempt, PendingSignIn, UserSession  # noqa: F401
from .calendar_feed import CalendarFeed  # noqa: F401
from .correction import CORRECTED_FIELDS, CORRECTED_RECORDS, Correction  # noqa: F401
from .family import (  # noqa: F401
    CLOSURE_REASONS,
    CONCERNS,
    NEGLECT_CONCERNS,
    OPEN_PHASES,
    PARENTAL_FACTORS,
    PHASE_LABELS,
    PHASE_ORDER,
    STEP_DOWN_SOURCE,
    Carer,
    Child,
    Family,
    FamilyConcern,
    Phase,
    PhaseMove,
    ReferenceCounter,
)
from .flag import (  # noqa: F401
    FLAG_RULES,
    FLAG_STATUSES,
    SEVERITIES,
    SEVERITY_RANK,
    EmailDigest,
    Flag,
    FlagStatus,
    Notification,
    Severity,
    subject_key,
)
from .goal import GOAL_STATUSES, Goal, GoalRating, GoalStatus, GoalStatusChange  # noqa: F401
from .outcome import AreaOutcome, ChildScaleOutcome, DomainOutcome, FamilyOutcome  # noqa: F401
from .partners import (  # noqa: F401
    PARTNER_KINDS,
    SHARING_SCOPES,
    ActionStatus,
    Consent,
    ConsentStatus,
    HandoffReference,
    Meeting,
    MeetingAction,
    Partner,
    SharingLogEntry,
)
from .planned_visit import CANCELLED_BY, PLANNED_STATUSES, PlannedStatus, PlannedVisit  # noqa: F401
from .review import REVIEW_DECISIONS, Review, ReviewViewNotGathered  # noqa: F401
from .submission import Submission  # noqa: F401
from .unrecorded_visit import UnrecordedVisit  # noqa: F401
from .user import CASE_ROLES, USER_STATUSES, ApiToken, Role, SetupLink, Team, User, UserStatus  # noqa: F401
from .visit import VISIT_KINDS, VISIT_OUTCOMES, Visit, VisitChild, VisitGoal, VisitOutcome  # noqa: F401
from .voice import HOUSES, SCALE_MAX, SCALE_MIN, VOICE_HOWS, Voice, VoiceHow  # noqa: F401
