"""Who may answer which check-in or survey, and see which program's reports.

A check-in or invitation that is not the user's own is 404, as is a program they may not
report on: its existence is not revealed.
"""

from django.http import Http404

from evaluation.models import CheckIn, SurveyInvitation
from mentoring.compiled import compiled
from programs.models import Program
from programs.permissions import program_for_reporting, reportable_programs

__all__ = [
    "checkin_for_respondent",
    "invitation_for_respondent",
    "program_for_reporting",
    "programs_for_report",
]


@compiled
def _own_checkin(*, user, pk):
    return CheckIn.objects.select_related(
        "match__program", "match__mentor__user", "match__mentee__user", "application"
    ).filter(pk=pk, application__user=user)[:1]


@compiled
def _own_invitation(*, user, pk):
    return SurveyInvitation.objects.select_related("survey__program", "application").filter(
        pk=pk, application__user=user
    )[:1]


def checkin_for_respondent(*, user, pk) -> CheckIn:
    """The user's own check-in; anyone else's is 404. Read by kept SQL: five tables joined,
    on every check-in a participant opens."""
    checkin = _own_checkin.first(user=user, pk=pk)
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin


def invitation_for_respondent(*, user, pk) -> SurveyInvitation:
    """The user's own survey invitation; anyone else's is 404."""
    invitation = _own_invitation.first(user=user, pk=pk)
    if invitation is None:
        raise Http404("No such survey invitation.")
    return invitation


def programs_for_report(*, user, chosen=None) -> list[Program]:
    """The programs a report covers: those chosen (each must be reportable by the user), or
    all the user may report on. 404 when that leaves none."""
    allowed = reportable_programs(user=user)
    if not chosen:
        programs = allowed
    else:
        programs = list(chosen)
        allowed_ids = {p.pk for p in allowed}
        if any(p.pk not in allowed_ids for p in programs):
            raise Http404("No such program.")
    if not programs:
        raise Http404("No such program.")
    return programs
