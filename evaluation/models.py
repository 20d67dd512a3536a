"""Surveys, check-ins, their answers, and the flags that mark pairs at risk.

Who was asked and whether they answered (SurveyInvitation) is kept apart from what anonymous
respondents said (AnonymousResponse and its answers): see AnonymousResponse for how.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from programs.models import Audience


class Moment(models.TextChoices):
    BASELINE = "baseline", _("Baseline (when the application is approved)")
    MID = "mid", _("Mid-program (halfway between the program dates)")
    END = "end", _("End of program (on the end date)")
    AFTER_SESSION = "after_session", _("After each logged session")


class Survey(models.Model):
    """A coordinator's questionnaire, sent to a program's participants at one moment."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("program"),
    )
    title = models.CharField(max_length=150, verbose_name=_("title"))
    intro = models.TextField(
        blank=True,
        max_length=2000,
        help_text=_("Shown above the questions."),
        verbose_name=_("intro"),
    )
    moment = models.CharField(max_length=14, choices=Moment.choices, verbose_name=_("moment"))
    audience = models.CharField(
        max_length=10, choices=Audience.choices, default=Audience.BOTH, verbose_name=_("audience")
    )
    anonymous = models.BooleanField(
        default=False,
        help_text=_(
            "Answers are stored with no link to the person. Anonymous answers cannot be "
            "compared before/after per person in the impact report. Fixed once sent."
        ),
        verbose_name=_("anonymous"),
    )
    is_active = models.BooleanField(
        _("send it"), default=True, help_text=_("Untick to stop sending new invitations.")
    )
    answer_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Days people have to answer."),
        verbose_name=_("answer days"),
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "Remind people this many days before the due date if they have not answered "
            "(0: no reminder)."
        ),
        verbose_name=_("reminder days"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["program", "moment", "title"]
        permissions = [
            (
                "view_program_reports",
                "Can see program dashboards and download evaluation reports",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(moment__in=Moment.values), name="survey_moment_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="survey_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(answer_days__gte=1) & Q(reminder_days__lt=F("answer_days")),
                name="survey_reminder_before_due",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_moment_display().split(' (')[0].lower()})"

    def clean(self):
        if self.answer_days and self.reminder_days >= self.answer_days:
            raise ValidationError(
                {"reminder_days": _("The reminder must come before the due date.")}
            )

    @property
    def roles(self) -> list[str]:
        return {
            Audience.MENTORS: ["mentor"],
            Audience.MENTEES: ["mentee"],
        }.get(self.audience, ["mentor", "mentee"])


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Likert scale (1 to 5)")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        NUMBER = "number", _("Number")
        TEXT = "text", _("Free text")

    NUMERIC_KINDS = (Kind.LIKERT, Kind.NUMBER)
    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    text = models.CharField(
        max_length=300,
        help_text=_(
            "Use exactly the same text in the baseline and end-of-program surveys to "
            "compare answers in the impact report."
        ),
        verbose_name=_("text"),
    )
    help_text = models.CharField(max_length=300, blank=True, verbose_name=_("help text"))
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.LIKERT, verbose_name=_("kind")
    )
    required = models.BooleanField(default=True, verbose_name=_("required"))
    choices = models.TextField(
        blank=True, help_text=_("Choice questions: one choice per line."), verbose_name=_("choices")
    )
    low_label = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("Likert: what 1 means, e.g. Strongly disagree."),
        verbose_name=_("low label"),
    )
    high_label = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("Likert: what 5 means, e.g. Strongly agree."),
        verbose_name=_("high label"),
    )
    min_value = models.FloatField(
        null=True, blank=True, help_text=_("Number: smallest answer."), verbose_name=_("min value")
    )
    max_value = models.FloatField(
        null=True, blank=True, help_text=_("Number: largest answer."), verbose_name=_("max value")
    )

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["likert", "single_choice", "multiple_choice", "number", "text"]
                ),
                name="survey_question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="survey_question_bounds_ordered",
            ),
        ]

    def __str__(self):
        return self.text

    def clean(self):
        if self.kind in self.CHOICE_KINDS and len(self.choice_list) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.max_value < self.min_value
        ):
            raise ValidationError(
                {"max_value": _("The largest answer must not be below the smallest.")}
            )

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def is_numeric(self) -> bool:
        return self.kind in self.NUMERIC_KINDS


class SurveyInvitation(models.Model):
    """One person (in one role) asked to answer one survey, once; after-session surveys
    invite again for each logged meeting. `completed` is all that is kept of the answering:
    no time, so that it cannot be lined up with an anonymous response."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey")
    )
    application = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("application"),
    )
    meeting = models.ForeignKey(
        "mentoring_sessions.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("meeting"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    due_on = models.DateField(verbose_name=_("due on"))
    completed = models.BooleanField(default=False, verbose_name=_("completed"))

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "application"],
                condition=Q(meeting__isnull=True),
                name="survey_invitation_once",
            ),
            models.UniqueConstraint(
                fields=["survey", "application", "meeting"],
                condition=Q(meeting__isnull=False),
                name="survey_invitation_once_per_meeting",
            ),
        ]
        indexes = [models.Index(fields=["application", "completed"])]

    def __str__(self):
        return f"{self.survey.title} for {self.application.user}"


class SurveyResponse(models.Model):
    """The answers of a non-anonymous survey: linked to the person through the invitation."""

    invitation = models.OneToOneField(
        SurveyInvitation,
        on_delete=models.CASCADE,
        related_name="response",
        verbose_name=_("invitation"),
    )
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self):
        return f"Response to {self.invitation}"


class AnonymousResponse(models.Model):
    """The answers of an anonymous survey, with nothing that leads back to the person.

    The row has no foreign key to the invitation or to any user, so no join connects the two.
    What could still line them up is time and order, so: the primary key (and those of its
    answers) is a random UUID, which says nothing about insertion order; the only date kept is
    the Monday of the week it was submitted, and the invitation keeps no completion time at
    all, just `completed`. Reports and exports order anonymous rows by survey, week and this
    random id. What remains is what any anonymous survey has: in a week where only one person
    of a program answered, the week says who; and someone with the server's raw logs or the
    database's physical files can see more than the tables show. Likewise, if only one
    person's invitation was open in a given week, the week says who: small surveys with
    staggered invitations (baseline surveys of a rolling enrollment) are the weak spot.
    """

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    survey = models.ForeignKey(
        Survey,
        on_delete=models.CASCADE,
        related_name="anonymous_responses",
        verbose_name=_("survey"),
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="+", verbose_name=_("program")
    )
    moment = models.CharField(max_length=14, choices=Moment.choices, verbose_name=_("moment"))
    submitted_week = models.DateField(
        help_text=_("Monday of the week it was submitted."), verbose_name=_("submitted week")
    )

    class Meta:
        verbose_name = _("anonymous response")
        verbose_name_plural = _("anonymous responses")
        ordering = ["survey", "submitted_week", "id"]

    def __str__(self):
        return f"Anonymous response to {self.survey.title}"


class SurveyAnswer(models.Model):
    """One answer, belonging to exactly one response, identified or anonymous. `number` holds
    Likert and number answers for statistics; `value` the answer as given (text, list of
    choices or number)."""

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    response = models.ForeignKey(
        SurveyResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("response"),
    )
    anonymous_response = models.ForeignKey(
        AnonymousResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("anonymous response"),
    )
    # RESTRICT: a question with answers cannot be deleted on its own (its answers would lose
    # their meaning), but deleting its whole survey or program takes the answers along.
    question = models.ForeignKey(
        SurveyQuestion,
        on_delete=models.RESTRICT,
        related_name="answers",
        verbose_name=_("question"),
    )
    value = models.JSONField(verbose_name=_("value"))
    number = models.FloatField(null=True, blank=True, verbose_name=_("number"))

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(response__isnull=False, anonymous_response__isnull=True)
                | Q(response__isnull=True, anonymous_response__isnull=False),
                name="survey_answer_one_response",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(response__isnull=False),
                name="survey_answer_once",
            ),
            models.UniqueConstraint(
                fields=["anonymous_response", "question"],
                condition=Q(anonymous_response__isnull=False),
                name="survey_answer_once_anonymous",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.display_value}"

    @property
    def display_value(self) -> str:
        return answer_display(self.value)


def answer_display(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


class CheckIn(models.Model):
    """A short check-in asked of one person in one match, and (once answered) their answer.
    Not anonymous: coordinators act on it."""

    SCORE_LABELS = {
        1: _("Very poorly"),
        2: _("Poorly"),
        3: _("OK"),
        4: _("Well"),
        5: _("Very well"),
    }

    match = models.ForeignKey(
        "matching.Match", on_delete=models.CASCADE, related_name="checkins", verbose_name=_("match")
    )
    application = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("application"),
    )
    opens_on = models.DateField(verbose_name=_("opens on"))
    due_on = models.DateField(verbose_name=_("due on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        verbose_name=_("score"),
    )
    met = models.BooleanField(null=True, blank=True, verbose_name=_("met"))
    blocking = models.TextField(
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        verbose_name=_("blocking"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))

    class Meta:
        verbose_name_plural = _("check-ins")
        ordering = ["-opens_on", "pk"]
        verbose_name = _("check-in")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "application", "opens_on"], name="checkin_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="checkin_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, score__isnull=True, met__isnull=True)
                | Q(answered_at__isnull=False, score__isnull=False, met__isnull=False),
                name="checkin_answered_complete",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opens_on")), name="checkin_due_after_open"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("blocking"), 1000),
                name="checkin_blocking_max_1000",
            ),
        ]
        indexes = [models.Index(fields=["application", "answered_at"])]

    def __str__(self):
        return f"Check-in of {self.application.user} opened {self.opens_on}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class RiskFlag(models.Model):
    """A reason a pair needs the coordinator's attention; cleared, not deleted, when the
    cause goes away, so the history stays."""

    class Reason(models.TextChoices):
        LOW_CHECKIN = "low_checkin", _("Low check-in score")
        NO_SESSION = "no_session", _("No session for a while")
        MISSED_SESSION = "missed_session", _("Missed session")
        NO_AGREEMENT = "no_agreement", _("No confirmed agreement")
        STALE_GOAL = "stale_goal", _("Goal without progress")

    match = models.ForeignKey(
        "matching.Match",
        on_delete=models.CASCADE,
        related_name="risk_flags",
        verbose_name=_("match"),
    )
    reason = models.CharField(max_length=16, choices=Reason.choices, verbose_name=_("reason"))
    detail = models.CharField(max_length=300, verbose_name=_("detail"))
    raised_at = models.DateTimeField(verbose_name=_("raised at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["match", "reason"],
                condition=Q(cleared_at__isnull=True),
                name="risk_flag_one_open_per_reason",
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("raised_at")),
                name="risk_flag_cleared_after_raised",
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "low_checkin",
                        "no_session",
                        "missed_session",
                        "no_agreement",
                        "stale_goal",
                    ]
                ),
                name="risk_flag_reason_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.detail}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
