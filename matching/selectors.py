from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import user_name_fields
from matching.models import Match, MatchingConfig, MatchRequest
from mentoring.compiled import compiled
from programs.models import Application
from programs.screening import screening_annotate, screening_missing
from training.selectors import application_training_unready, training_unready


@compiled
def _matching_configs(*, program):
    return MatchingConfig.objects.filter(program=program)


def matching_config_for(program) -> MatchingConfig:
    """The program's matching settings, created with the defaults on first use."""
    config = _matching_configs.first(program=program)
    return config or MatchingConfig.objects.get_or_create(program=program)[0]


def match_list_for_user(*, user) -> QuerySet[Match]:
    """Every match the person is in, active first, newest first. Found through the person's
    applications (two index lookups), not by ORing over the joined people, which reads every
    match of the table."""
    theirs = Application.objects.filter(user=user).values("pk")
    return (
        Match.objects.filter(Q(mentor__in=theirs) | Q(mentee__in=theirs))
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("status", "-started_at")
    )


#: What a row naming a pair reads of its match: the program's name and both people's names.
MATCH_NAME_FIELDS = (
    "program__name",
    *user_name_fields("mentor__user"),
    *user_name_fields("mentee__user"),
)


def matches_attach(rows, *, known=()) -> None:
    """Set `match` on each of `rows` (check-ins, meetings) that has one to its match with its
    program's name and both people's names (`MATCH_NAME_FIELDS`): those in `known`, which the
    page has read already, as they are; the others in one query. A row that names its pair
    then joins nothing (the five joins to reach the names were most of such a query's time)."""
    ids = {row.match_id for row in rows if row.match_id}
    named = {match.pk: match for match in known if match.pk in ids}
    missing = ids - named.keys()
    if missing:
        named |= (
            Match.objects.select_related("program", "mentor__user", "mentee__user")
            .only(*MATCH_NAME_FIELDS)
            .in_bulk(missing)
        )
    for row in rows:
        if row.match_id:
            row.match = named[row.match_id]


def requests_received(*, user) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(mentor__user=user).select_related(
        "mentee__user", "mentee__career_stage", "program"
    )


def requests_sent(*, user) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(mentee__user=user).select_related("mentor__user", "program")


def mentor_active_count(*, mentor) -> int:
    """How many active matches `mentor` (an application) holds: the places it has taken."""
    return Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()


def mentors_active_counts(*, program) -> dict[int, int]:
    """`mentor_active_count` of every mentor of `program` that has one, by application id."""
    rows = (
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    )
    return {row["mentor_id"]: row["n"] for row in rows}


# --- who matching may use ---------------------------------------------------------------------
#
# Every path that picks people to match (formal runs, suggestions and requests, the waitlist,
# re-optimisation, a pair the coordinator adds) asks these, so the training gate holds
# everywhere: a person whose role the program's training gates, with required steps left, is
# not matchable.

#: Mentees a run places: approved ones and the waitlist. Mentors must be approved.
MATCHABLE = (Application.Status.APPROVED, Application.Status.WAITLISTED)


def matchable_split(
    *, program, applications: list[Application]
) -> tuple[list[Application], dict[int, tuple[int, int]]]:
    """`applications` (of `program`) without those its training holds back, in the same
    order, and the ones held back: application id -> (required steps done, required steps).
    Two queries however many applications."""
    held = training_unready(program=program, applications=applications)
    return [a for a in applications if a.pk not in held], held


def applications_eligible(*, program, role: str) -> QuerySet[Application]:
    """Applications of `program` in `role` whose status lets matching use them: mentors
    approved, mentees approved or waitlisted (the training gate is not asked: a query)."""
    statuses = MATCHABLE if role == "mentee" else (Application.Status.APPROVED,)
    return Application.objects.filter(program=program, role=role, status__in=statuses)


def applications_matchable(*, program, role: str) -> QuerySet[Application]:
    """`applications_eligible` without those the training holds back."""
    people = applications_eligible(program=program, role=role)
    held = training_unready(program=program, applications=people)
    return people.exclude(pk__in=list(held)) if held else people


def mentors_matchable(*, program) -> QuerySet[Application]:
    """Approved mentors of `program` whose training (if it gates them) is done."""
    return applications_matchable(program=program, role="mentor")


def training_held_for(*, applications) -> dict[int, tuple[int, int]]:
    """Of `applications` (any programs), those the training holds back: id -> (required
    steps done, required steps). Two queries per program among them."""
    by_program: dict[int, list[Application]] = {}
    for application in applications:
        by_program.setdefault(application.program_id, []).append(application)
    held: dict[int, tuple[int, int]] = {}
    for group in by_program.values():
        held |= training_unready(program=group[0].program, applications=group)
    return held


def training_gate_message(*, application: Application) -> str:
    """Why the training holds this application back from matching, or "" when it does not."""
    held = application_training_unready(application=application)
    if held is None:
        return ""
    done, required = held
    return ngettext(
        "%(name)s has not finished the program's training yet "
        "(%(done)d of %(required)d required step).",
        "%(name)s has not finished the program's training yet "
        "(%(done)d of %(required)d required steps).",
        required,
    ) % {"name": application.user.name, "done": done, "required": required}


def training_gate_check(*, applications: list[Application]) -> None:
    """ValidationError naming the first of `applications` the training holds back."""
    for application in applications:
        message = training_gate_message(application=application)
        if message:
            raise ValidationError(message)


# A waitlisted mentee is approved when matching places them (publishing a run, accepting a
# waitlist proposal), so one whose screening checklist is incomplete is not matchable until the
# coordinator completes it: approval would otherwise skip the screening it requires.


def screening_split(
    *, applications: list[Application]
) -> tuple[list[Application], dict[int, tuple[int, int]]]:
    """`applications` without the waitlisted ones whose screening is incomplete, in the same
    order, and those: application id -> (items ticked, items for the role). One query."""
    waiting = [a.pk for a in applications if a.status == Application.Status.WAITLISTED]
    if not waiting:
        return list(applications), {}
    rows = (
        screening_annotate(Application.objects.filter(pk__in=waiting))
        .filter(screening_done__lt=F("screening_total"))
        .values_list("pk", "screening_done", "screening_total")
    )
    held = {pk: (done, total) for pk, done, total in rows}
    return [a for a in applications if a.pk not in held], held


def screening_gate_message(*, application: Application) -> str:
    """Why matching may not place this waitlisted application yet, or ""."""
    if application.status != Application.Status.WAITLISTED:
        return ""
    missing = screening_missing(application=application)
    if not missing:
        return ""
    return _("%(name)s cannot be matched until their screening is complete (%(items)s).") % {
        "name": application.user.name,
        "items": ", ".join(item.label for item in missing),
    }
