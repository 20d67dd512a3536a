from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, emails_q, not_personal, register
from programs.models import (
    Answer,
    Application,
    AvailabilityWindow,
    CareerStage,
    Goal,
    Invitation,
    Program,
    Question,
    RecordsConsent,
    ScreeningCheck,
    ScreeningItem,
    ScreeningNote,
    StaffInvitation,
    Topic,
)

CONFIGURATION = "program configuration written by coordinators"
for model in (Topic, Goal, CareerStage, Question, ScreeningItem):
    not_personal(model, reason=CONFIGURATION)


def _program_roles_erase(user) -> int:
    """A coordinator or reporting staff member leaves the programs' staff lists (the deletion
    page refuses while they are a running program's only coordinator)."""
    removed = 0
    for program in Program.objects.filter(Q(coordinators=user) | Q(reporting_staff=user)):
        program.coordinators.remove(user)
        program.reporting_staff.remove(user)
        removed += 1
    return removed


register(
    Program,
    people=["coordinators", "reporting_staff"],
    export=["name", "status"],
    erase=_program_roles_erase,
    section=_("Programs you run or report on"),
)

register(
    Application,
    people=["user"],
    export=[
        "program__name",
        "role",
        "status",
        "submitted_at",
        "decided_at",
        "decision_reason",
        "career_stage__name",
        "topics",
        "goals",
        "languages",
        "format_preference",
        "time_zone",
        "capacity",
        "motivation",
    ],
    erase=Erase.BLANK,
    blank={"motivation": "", "decision_reason": "", "languages": []},
    program="program",
    retention=Erase.BLANK,
    section=_("Applications"),
)

register(
    AvailabilityWindow,
    people=["application__user"],
    export=["application__program__name", "weekday", "start", "end"],
    erase=Erase.DELETE,
    program="application__program",
    retention=Erase.DELETE,
    section=_("Weekly availability in applications"),
)

register(
    Answer,
    people=["application__user"],
    export=["application__program__name", "question__text", "value"],
    erase=Erase.DELETE,
    program="application__program",
    retention=Erase.DELETE,
    section=_("Answers to application questions"),
)


def _institutional(user) -> Q:
    return Q(institutional_id=user.institutional_id) if user.institutional_id else Q(pk__in=[])


register(
    Invitation,
    people=[lambda user: emails_q("email", user) | _institutional(user)],
    export=["program__name", "email", "name", "role", "created_at", "accepted_at"],
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("Invitations"),
)

register(
    ScreeningCheck,
    people=["application__user"],
    export=["application__program__name", "item__label", "checked_at"],
    erase=Erase.KEEP,
    program="application__program",
    retention=Erase.DELETE,
    section=_("Screening"),
)

# The coordinators' private note on an application: erased with the person, never in their
# archive (it is the coordinators' working note, like a participant's private note is theirs).
register(
    ScreeningNote,
    people=["application__user"],
    export=[],
    erase=Erase.DELETE,
    program="application__program",
    retention=Erase.DELETE,
    section=_("Coordinators' screening notes"),
)

register(
    RecordsConsent,
    people=["user"],
    export=["program__name", "granted", "decided_at", "source"],
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("Consents to use your academic records"),
)

# Colleagues invited to a program's staff: the invited address, and who accepted it. Erasing
# the person deletes the invitations sent to them; the links to the coordinators who invited
# or revoked stay until those accounts go (then they are empty).
register(
    StaffInvitation,
    people=[lambda user: emails_q("email", user), "accepted_by"],
    export=["program__name", "email", "role", "created_at", "expires_at", "accepted_at"],
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("Invitations to a program's staff"),
)
