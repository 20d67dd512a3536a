"""The structure of a relationship: the program's agreement template, each pair's
mentorship agreement, confirmed by both sides, and the pair's goals with their milestones
and progress."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

DEFAULT_CONFIDENTIALITY = gettext_noop(
    "What we talk about stays between the two of us. The one exception: if someone's safety "
    "is at risk, the program coordinators are told."
)


def default_confidentiality() -> str:
    """The standard statement, in the language of whoever creates the template."""
    return gettext(DEFAULT_CONFIDENTIALITY)


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "every_two_weeks", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone")
    CHAT = "chat_email", _("Chat or email")
    MIXED = "mixed", _("A mix of these")


class AgreementTemplate(models.Model):
    """What a program's pairs agree on besides the standard terms: an introduction, the
    confidentiality statement both sides sign up to, and the coordinator's own fields."""

    program = models.OneToOneField(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="agreement_template",
        verbose_name=_("program"),
    )
    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=4000,
        help_text=_("Shown to both sides above the agreement."),
    )
    confidentiality_statement = models.TextField(
        _("confidentiality statement"),
        max_length=2000,
        default=default_confidentiality,
        help_text=_("Each side ticks a box agreeing to this before confirming."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")

    def __str__(self):
        return str(_("Agreement template of %(program)s") % {"program": self.program})


class AgreementField(models.Model):
    """A question of the coordinator's that each pair answers together in its agreement."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")

    template = models.ForeignKey(
        AgreementTemplate,
        on_delete=models.CASCADE,
        related_name="fields",
        verbose_name=_("template"),
    )
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHORT_TEXT)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agreement field")
        verbose_name_plural = _("agreement fields")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["short_text", "long_text"]), name="agreement_field_kind_valid"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def max_length(self) -> int:
        return 300 if self.kind == self.Kind.SHORT_TEXT else 4000


def _confirmed_needs(side: str) -> Q:
    """A side's confirmation stands only on a complete agreement it agreed to keep private."""
    return Q(**{f"{side}_confirmed_at__isnull": True}) | (
        Q(**{f"{side}_confidentiality": True})
        & ~Q(**{f"{side}_hopes": ""})
        & ~Q(meeting_frequency="")
        & ~Q(channel="")
        & Q(planned_end_on__isnull=False)
    )


class Agreement(models.Model):
    """A pair's mentorship agreement. The shared terms are edited by either side; each side
    writes only its own hopes. A change to the terms after a confirmation withdraws the
    other side's confirmation, so both have always confirmed the same terms."""

    match = models.OneToOneField(
        "matching.Match",
        on_delete=models.CASCADE,
        related_name="agreement",
        verbose_name=_("match"),
    )
    meeting_frequency = models.CharField(
        _("how often we meet"), max_length=16, choices=Frequency.choices, blank=True
    )
    frequency_note = models.CharField(
        _("how often, in your words"),
        max_length=200,
        blank=True,
        help_text=_("When you chose “Other”."),
    )
    channel = models.CharField(
        _("how we keep in touch"), max_length=12, choices=Channel.choices, blank=True
    )
    planned_end_on = models.DateField(_("planned end date"), null=True, blank=True)
    mentor_hopes = models.TextField(_("what the mentor hopes for"), max_length=2000, blank=True)
    mentee_hopes = models.TextField(_("what the mentee hopes for"), max_length=2000, blank=True)
    mentor_confidentiality = models.BooleanField(
        _("mentor agreed to confidentiality"), default=False
    )
    mentee_confidentiality = models.BooleanField(
        _("mentee agreed to confidentiality"), default=False
    )
    mentor_confirmed_at = models.DateTimeField(_("mentor confirmed"), null=True, blank=True)
    mentee_confirmed_at = models.DateTimeField(_("mentee confirmed"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_fields = models.JSONField(default=list, blank=True, verbose_name=_("changed fields"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("mentorship agreement")
        verbose_name_plural = _("mentorship agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting_frequency__in=["", *Frequency.values]),
                name="agreement_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["", *Channel.values]), name="agreement_channel_valid"
            ),
            models.CheckConstraint(
                condition=_confirmed_needs("mentor"), name="agreement_mentor_confirmed_complete"
            ),
            models.CheckConstraint(
                condition=_confirmed_needs("mentee"), name="agreement_mentee_confirmed_complete"
            ),
        ]

    def __str__(self):
        return str(_("Agreement of %(match)s") % {"match": self.match})

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None


class AgreementAnswer(models.Model):
    """A pair's answer to one of the template's own fields."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="answers", verbose_name=_("agreement")
    )
    field = models.ForeignKey(
        AgreementField, on_delete=models.CASCADE, related_name="answers", verbose_name=_("field")
    )
    value = models.TextField(max_length=4000, blank=True, verbose_name=_("value"))

    class Meta:
        verbose_name = _("agreement answer")
        verbose_name_plural = _("agreement answers")
        ordering = ["field__position", "field_id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "field"], name="agreement_answer_once")
        ]

    def __str__(self):
        return f"{self.field}: {self.value}"


# --- goals per pair ------------------------------------------------------------------------


class Level(models.TextChoices):
    """How far a goal has come, as the session log has always asked it."""

    NONE = "none", _("No progress yet")
    SOME = "some", _("Some progress")
    GOOD = "good", _("Good progress")
    DONE = "done", _("Achieved")


class Goal(models.Model):
    """One of a pair's goals in the SMART shape: what, why, how it is measured, by when. The
    mentee sets them with the mentor; either of the two may edit them. A goal may start from
    the program's goal vocabulary (`vocabulary`), which keeps the program's figures by goal."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    match = models.ForeignKey(
        "matching.Match", on_delete=models.CASCADE, related_name="goals", verbose_name=_("match")
    )
    vocabulary = models.ForeignKey(
        "programs.Goal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pair_goals",
        verbose_name=_("from the program's goals"),
    )
    title = models.CharField(_("what"), max_length=200)
    why = models.TextField(_("why it matters"), max_length=2000, blank=True)
    measure = models.TextField(_("how you will know"), max_length=2000, blank=True)
    start_on = models.DateField(_("start date"), default=timezone.localdate)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals of pairs")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "achieved", "dropped"]), name="goal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(target_on__isnull=True) | Q(target_on__gte=F("start_on")),
                name="goal_target_not_before_start",
                violation_error_message=_("The target date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Milestone(models.Model):
    """A step towards a goal, with its own date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("goal")
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=4, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open") & Q(done_at__isnull=True))
                | (Q(status="done") & Q(done_at__isnull=False)),
                name="milestone_done_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class GoalProgress(models.Model):
    """A dated entry in a goal's timeline: a level, a note, or both; from a session log
    (`log`) or written directly on the goals page."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="progress", verbose_name=_("goal")
    )
    level = models.CharField(_("progress"), max_length=4, choices=Level.choices, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goal_progress",
        verbose_name=_("author"),
    )
    log = models.ForeignKey(
        "mentoring_sessions.SessionLog",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goal_entries",
        verbose_name=_("log"),
    )
    # Not auto_now_add: entries migrated from session logs keep the log's date.
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("goal progress")
        verbose_name_plural = _("goal progress entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="") | ~Q(note=""), name="goal_progress_level_or_note"
            ),
            models.CheckConstraint(
                condition=Q(level__in=["", *Level.values]), name="goal_progress_level_valid"
            ),
            models.UniqueConstraint(
                fields=["goal", "log"],
                condition=Q(log__isnull=False),
                name="goal_progress_once_per_log",
            ),
        ]
        indexes = [models.Index(fields=["goal", "-created_at"])]

    def __str__(self):
        return f"{self.goal}: {self.get_level_display() or self.note[:40]}"
