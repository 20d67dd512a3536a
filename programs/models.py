from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from mentoring.models import choice_label

#: How far ahead a program may let people book, at most (sessions expands availability this far).
MAX_BOOKING_HORIZON_WEEKS = 26
TERM_MAX = 32


def validate_reminder_hours(value: str) -> None:
    try:
        hours = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ValidationError(
            _("Use whole numbers of hours separated by commas, e.g. 24,1.")
        ) from None
    if len(hours) > 5 or any(h < 1 or h > 24 * 14 for h in hours):
        raise ValidationError(_("Up to five reminders, each between 1 and 336 hours before."))


class Program(models.Model):
    class Kind(models.TextChoices):
        FORMAL = "formal", _("Formal (coordinator matches a fixed cohort)")
        INFORMAL = "informal", _("Informal (participants find each other)")

    class Format(models.TextChoices):
        ONE_ON_ONE = "one_on_one", _("One-on-one")
        GROUP = "group", _("Group")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ENROLLING = "enrolling", _("Enrolling")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.FORMAL, verbose_name=_("kind")
    )
    format = models.CharField(
        max_length=12, choices=Format.choices, default=Format.ONE_ON_ONE, verbose_name=_("format")
    )
    group_size = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_("Mentees per mentor in a group program."),
        verbose_name=_("group size"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    enrollment_opens = models.DateField(null=True, blank=True, verbose_name=_("enrollment opens"))
    enrollment_closes = models.DateField(null=True, blank=True, verbose_name=_("enrollment closes"))
    starts_on = models.DateField(null=True, blank=True, verbose_name=_("starts on"))
    ends_on = models.DateField(null=True, blank=True, verbose_name=_("ends on"))
    cadence_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Expected days between meetings; check-ins follow this cadence."),
        verbose_name=_("cadence days"),
    )
    default_mentor_capacity = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        verbose_name=_("default mentor capacity"),
    )
    min_booking_notice_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=[MaxValueValidator(24 * 30)],
        verbose_name=_("min booking notice hours"),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=[MaxValueValidator(24 * 30)],
        verbose_name=_("cancellation cutoff hours"),
    )
    booking_horizon_weeks = models.PositiveSmallIntegerField(
        _("booking horizon (weeks)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BOOKING_HORIZON_WEEKS)],
        help_text=_("How many weeks ahead participants can book sessions."),
    )
    reminder_hours = models.CharField(
        max_length=40,
        default="24,1",
        validators=[validate_reminder_hours],
        help_text=_("When to remind people of a session, in hours before it (comma-separated)."),
        verbose_name=_("reminder hours"),
    )
    no_session_alert_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(3), MaxValueValidator(365)],
        help_text=_("Flag a pair, and nudge it, after this many days without a session."),
        verbose_name=_("no session alert days"),
    )
    allow_dual_role = models.BooleanField(
        default=False,
        help_text=_("Reciprocal/peer program: a person may be both mentor and mentee in it."),
        verbose_name=_("allow dual role"),
    )
    # Program structure (training, agreement, session guides, closure). Each app reads
    # the settings it owns; they live here so a copy of the program carries them along.
    training_gates_mentors = models.BooleanField(
        _("mentors must finish training before matching"),
        default=True,
        help_text=_("Mentors with required training steps left are not matched."),
    )
    training_gates_mentees = models.BooleanField(
        _("mentees must finish training before matching"),
        default=False,
        help_text=_("Mentees with required training steps left are not matched."),
    )
    agreement_due_days = models.PositiveSmallIntegerField(
        _("agreement due (days after the match)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A pair with no confirmed agreement this many days after matching is at risk."),
    )
    guides_follow = models.CharField(
        _("session guides follow"),
        max_length=8,
        choices=[("session", _("the pair's session number")), ("week", _("the program week"))],
        default="session",
        help_text=_(
            "Whether guide 1 is for a pair's first session or for the program's first week."
        ),
    )
    closing_message = models.TextField(
        _("closing message"),
        blank=True,
        max_length=4000,
        help_text=_("Sent to both sides when their match closes at the program's end date."),
    )
    certificates_enabled = models.BooleanField(
        _("certificates of participation"),
        default=True,
        help_text=_("Mentors who complete the program can download a PDF certificate."),
    )
    certificate_min_sessions = models.PositiveSmallIntegerField(
        _("sessions held for a certificate"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # The pair's own space (goals, requests in informal programs).
    goal_stale_days = models.PositiveSmallIntegerField(
        _("goal without progress (days)"),
        default=30,
        validators=[MinValueValidator(3), MaxValueValidator(365)],
        help_text=_("A pair whose open goal has had no progress this many days is at risk."),
    )
    request_expiry_days = models.PositiveSmallIntegerField(
        _("requests expire after (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "Informal programs: a mentoring request the mentor has not answered expires, and "
            "the mentee can ask someone else; the mentor is reminded once the day before."
        ),
    )
    outcome_terms = models.TextField(
        _("terms"),
        blank=True,
        max_length=2000,
        help_text=_(
            "The academic terms outcome records may name, one per line, oldest first "
            "(e.g. 2025-fall, 2026-spring). Used by the outcome import and analysis."
        ),
    )
    outcome_first_term = models.CharField(
        _("first term of the program"),
        blank=True,
        max_length=32,
        help_text=_(
            "Terms before this one are the baseline; this term and the ones after it are "
            "compared with it."
        ),
    )
    min_cell_size = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=10,
        validators=[MinValueValidator(3), MaxValueValidator(1000)],
        help_text=_(
            "Outcome and anonymous survey figures for fewer people than this are withheld, "
            "and so is any figure that would let them be worked out from a total."
        ),
    )
    # Personal data (journey 8): how academic records are used, and how long data is kept.
    records_consent_required = models.BooleanField(
        _("participants' records only with their consent"),
        default=True,
        help_text=_(
            "Outcome analysis uses a participant's academic records only if they consented "
            "(asked when they apply; they can withdraw it under Privacy at any time)."
        ),
    )
    comparison_policy = models.CharField(
        _("comparison group"),
        max_length=12,
        choices=[
            (
                "institution",
                _(
                    "Non-participants' records supplied by the institution, known only by "
                    "institutional ID"
                ),
            ),
            ("none", _("No comparison group: records of non-participants are refused")),
        ],
        default="institution",
        help_text=_(
            "Students who did not take part cannot consent in this system: the institution "
            "supplies their records under its own legal basis (e.g. FERPA's school official "
            "exception, GDPR public task), or none are used."
        ),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("keep personal data (years after closing)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "This long after the program closes, a daily task anonymises its personal data; "
            "counts and anonymous answers stay."
        ),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_programs",
        blank=True,
        verbose_name=_("coordinators"),
    )
    reporting_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reported_programs",
        blank=True,
        help_text=_("Staff who may see this program's dashboard and download its reports."),
        verbose_name=_("reporting staff"),
    )
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-created_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrollment_closes__isnull=True)
                | Q(enrollment_opens__isnull=True)
                | Q(enrollment_closes__gte=F("enrollment_opens")),
                name="program_enrollment_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="program_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(format="one_on_one") | Q(group_size__gte=2),
                name="program_group_has_size",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "enrolling", "running", "closed"]),
                name="program_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(booking_horizon_weeks__gte=1)
                & Q(booking_horizon_weeks__lte=MAX_BOOKING_HORIZON_WEEKS),
                name="program_booking_horizon_sane",
            ),
            models.CheckConstraint(
                condition=Q(guides_follow__in=["session", "week"]),
                name="program_guides_follow_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programs:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        terms = self.term_list
        if len(set(terms)) != len(terms):
            raise ValidationError({"outcome_terms": _("Each term may be listed only once.")})
        if any(len(term) > TERM_MAX for term in terms):
            raise ValidationError(
                {"outcome_terms": _("A term is at most %(n)s characters.") % {"n": TERM_MAX}}
            )
        if self.outcome_first_term and self.outcome_first_term.strip() not in terms:
            raise ValidationError(
                {"outcome_first_term": _("The first term must be one of the terms listed.")}
            )
        if terms and not self.outcome_first_term:
            raise ValidationError(
                {"outcome_first_term": _("Say which of the terms is the program's first.")}
            )

    @property
    def term_list(self) -> list[str]:
        """The outcome terms in order, oldest first."""
        return [line.strip() for line in self.outcome_terms.splitlines() if line.strip()]

    @property
    def reminder_offsets(self) -> list[int]:
        return sorted({int(part) for part in self.reminder_hours.split(",") if part.strip()})

    @property
    def booking_horizon_days(self) -> int:
        return self.booking_horizon_weeks * 7

    @property
    def is_group(self) -> bool:
        return self.format == self.Format.GROUP

    @property
    def is_formal(self) -> bool:
        return self.kind == self.Kind.FORMAL

    def enrollment_is_open(self, *, on=None) -> bool:
        today = on or timezone.localdate()
        if self.status not in (self.Status.ENROLLING, self.Status.RUNNING):
            return False
        if self.enrollment_opens and today < self.enrollment_opens:
            return False
        if self.enrollment_closes and today > self.enrollment_closes:
            return False
        return True


class _Vocabulary(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, verbose_name=_("program"))
    name = models.CharField(max_length=80, verbose_name=_("name"))

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(_Vocabulary):
    """An expertise area: mentors offer it, mentees want it."""

    class Meta(_Vocabulary.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        default_related_name = "topics"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="topic_unique_per_program")
        ]


class Goal(_Vocabulary):
    class Meta(_Vocabulary.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        default_related_name = "goals"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="goal_unique_per_program")
        ]


class CareerStage(_Vocabulary):
    """One step of the program's ordered career ladder (first-year ... senior)."""

    position = models.PositiveSmallIntegerField(verbose_name=_("position"))

    class Meta(_Vocabulary.Meta):
        verbose_name = _("career stage")
        verbose_name_plural = _("career stages")
        default_related_name = "career_stages"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="stage_unique_per_program"),
            models.UniqueConstraint(
                fields=["program", "position"], name="stage_position_unique_per_program"
            ),
        ]


class Role(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")


class Audience(models.TextChoices):
    MENTORS = "mentors", _("Mentors")
    MENTEES = "mentees", _("Mentees")
    BOTH = "both", _("Mentors and mentees")


class Question(models.Model):
    """A custom application question; `is_selection_criterion` marks mentor criteria."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        NUMBER = "number", _("Number")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="questions", verbose_name=_("program")
    )
    text = models.CharField(max_length=300, verbose_name=_("text"))
    help_text = models.CharField(max_length=300, blank=True, verbose_name=_("help text"))
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.SHORT_TEXT, verbose_name=_("kind")
    )
    choices = models.TextField(
        blank=True,
        help_text=_("One choice per line (choice questions)."),
        verbose_name=_("choices"),
    )
    min_value = models.IntegerField(null=True, blank=True, verbose_name=_("min value"))
    max_value = models.IntegerField(null=True, blank=True, verbose_name=_("max value"))
    required = models.BooleanField(default=True, verbose_name=_("required"))
    audience = models.CharField(
        max_length=10, choices=Audience.choices, default=Audience.BOTH, verbose_name=_("audience")
    )
    is_selection_criterion = models.BooleanField(
        default=False,
        help_text=_("A mentor selection criterion coordinators review."),
        verbose_name=_("is selection criterion"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="question_bounds_ordered",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def applies_to(self, role: str) -> bool:
        return self.audience == Audience.BOTH or self.audience == f"{role}s"


class RequestStatus(models.TextChoices):
    """Whether a mentor takes new requests in an informal program."""

    OPEN = "open", _("Taking requests")
    FULL = "full", _("Full")
    AWAY = "away", _("Unavailable for now")


class Application(models.Model):
    """One person's application to one program in one role."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        WAITLISTED = "waitlisted", _("Waitlisted")

    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        EITHER = "either", _("Either")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="applications", verbose_name=_("program")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("user"),
    )
    role = models.CharField(max_length=6, choices=Role.choices, verbose_name=_("role"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPLIED, verbose_name=_("status")
    )
    decision_reason = models.TextField(
        blank=True, max_length=2000, verbose_name=_("decision reason")
    )
    career_stage = models.ForeignKey(
        CareerStage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("career stage"),
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="applications", verbose_name=_("topics")
    )
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="applications", verbose_name=_("goals")
    )
    languages = models.JSONField(default=list, blank=True, verbose_name=_("languages"))
    format_preference = models.CharField(
        max_length=10,
        choices=Format.choices,
        default=Format.EITHER,
        verbose_name=_("format preference"),
    )
    time_zone = TimeZoneField(default="UTC", verbose_name=_("time zone"))
    capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Mentors: how many mentees you can take."),
        verbose_name=_("capacity"),
    )
    motivation = models.TextField(blank=True, max_length=4000, verbose_name=_("motivation"))
    request_status = models.CharField(
        _("taking requests"),
        max_length=12,
        choices=RequestStatus.choices,
        default=RequestStatus.OPEN,
        help_text=_("Mentors in informal programs: full or away drops you out of suggestions."),
    )
    submitted_at = models.DateTimeField(default=timezone.now, verbose_name=_("submitted at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user", "role"], name="application_one_per_person_role"
            ),
            models.CheckConstraint(
                condition=Q(role="mentee") | Q(capacity__gte=1), name="application_mentor_capacity"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["mentor", "mentee"]), name="application_role_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "role", "status"]),
            # The admin's list, newest first (its order, with the key as tie-break): read
            # from the index's end instead of sorting every application.
            models.Index(fields=["submitted_at", "id"], name="application_submitted_id"),
        ]

    def __str__(self):
        return _("%(user)s as %(role)s in %(program)s") % {
            "user": self.user,
            "role": choice_label(Role, self.role).lower(),
            "program": self.program,
        }

    @property
    def is_mentor(self) -> bool:
        return self.role == Role.MENTOR


class AvailabilityWindow(models.Model):
    """A weekly window when the applicant can meet, in the application's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="availability",
        verbose_name=_("application"),
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, verbose_name=_("weekday"))
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(verbose_name=_("end"))

    class Meta:
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="window_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Answer(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name=_("application")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    value = models.JSONField(verbose_name=_("value"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="answer_one_per_question"
            )
        ]

    def __str__(self):
        return f"{self.question}: {self.display_value}"

    @property
    def display_value(self) -> str:
        if isinstance(self.value, list):
            return ", ".join(str(v) for v in self.value)
        return str(self.value)


class Invitation(models.Model):
    """A person invited to a program by roster import; they sign up through a link."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("program")
    )
    email = models.EmailField(verbose_name=_("email"))
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    role = models.CharField(max_length=6, choices=Role.choices, verbose_name=_("role"))
    career_stage = models.ForeignKey(
        CareerStage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("career stage"),
    )
    token = models.CharField(max_length=64, unique=True, verbose_name=_("token"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    # Copied onto the account when the invitation is accepted (never over an existing one).
    institutional_id = models.CharField(_("institutional ID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email", "role"], name="invitation_one_per_email_role"
            )
        ]
        # A person's open invitations are looked up by email whatever its case (`iexact`,
        # UPPER on PostgreSQL) on every participant's home page: without this, a scan of
        # every roster row (16 ms at 50,000).
        indexes = [models.Index(Upper("email"), name="invitation_email_ci")]

    def __str__(self):
        return _("%(email)s (%(role)s) to %(program)s") % {
            "email": self.email,
            "role": choice_label(Role, self.role).lower(),
            "program": self.program,
        }


class StaffInvitation(models.Model):
    """A colleague invited by email to be a co-coordinator or reporting staff of one program.

    The link's token is never stored: it is an HMAC of `link_salt` under the SECRET_KEY (so the
    ledger can render the email when it sends it), and the row keeps only its SHA-256 to find
    the invitation the link names. Pending until accepted, revoked or past `expires_at`.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Co-coordinator")
        REPORTING = "reporting", _("Reporting staff")

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="staff_invitations",
        verbose_name=_("program"),
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    link_salt = models.CharField(max_length=64, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email", "role"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="staff_invitation_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["coordinator", "reporting"]),
                name="staff_invitation_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="staff_invitation_accepted_or_revoked",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="staff_invitation_expires_after_created",
            ),
        ]

    def __str__(self):
        return _("%(email)s (%(role)s) to %(program)s") % {
            "email": self.email,
            "role": self.get_role_display().lower(),
            "program": self.program,
        }

    @property
    def link_token(self) -> str:
        """The token the invitation link carries (only with this SECRET_KEY)."""
        return salted_hmac(
            "programs.StaffInvitation", self.link_salt, algorithm="sha256"
        ).hexdigest()

    def is_expired(self, *, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired() else "pending"


class ScreeningItem(models.Model):
    """A step coordinators check off before approving someone (interview held, reference
    checked, ...); it applies to mentors, mentees or both."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="screening_items", verbose_name=_("program")
    )
    label = models.CharField(_("label"), max_length=200)
    audience = models.CharField(
        _("for"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("screening item")
        verbose_name_plural = _("screening checklist (checked on each application before approval)")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "label"],
                name="screening_item_unique_per_program",
                violation_error_message=_("The checklist already has an item with this label."),
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["mentors", "mentees", "both"]),
                name="screening_item_audience_valid",
            ),
        ]

    def __str__(self):
        return self.label

    def applies_to(self, role: str) -> bool:
        return self.audience == Audience.BOTH or self.audience == f"{role}s"


class ScreeningCheck(models.Model):
    """One checklist item ticked for one application: by whom and when."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="screening_checks",
        verbose_name=_("application"),
    )
    item = models.ForeignKey(
        ScreeningItem, on_delete=models.CASCADE, related_name="checks", verbose_name=_("item")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(default=timezone.now, verbose_name=_("checked at"))

    class Meta:
        verbose_name = _("screening check")
        verbose_name_plural = _("screening checks")
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="screening_check_once")
        ]

    def __str__(self):
        return _("%(item)s for %(application)s") % {
            "item": self.item,
            "application": self.application,
        }


class ScreeningNote(models.Model):
    """The coordinators' private note on an application's screening. Kept apart from the
    application so that nothing showing or exporting an application to its applicant (their
    page, a data export) carries it by accident."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="screening_note",
        verbose_name=_("application"),
    )
    text = models.TextField(max_length=4000, verbose_name=_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("screening note")
        verbose_name_plural = _("screening notes")

    def __str__(self):
        return _("Screening note %(pk)s") % {"pk": self.pk}


class RecordsConsent(models.Model):
    """A participant's decision on the use of their academic records in one program's outcome
    analysis. Every decision is a row; the newest for (program, user) is in force, so what was
    decided when stays on record after it is withdrawn."""

    class Source(models.TextChoices):
        APPLICATION = "application", _("When applying")
        SETTINGS = "settings", _("Privacy settings")

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="records_consents",
        verbose_name=_("program"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    granted = models.BooleanField(_("consent given"))
    decided_at = models.DateTimeField(default=timezone.now, verbose_name=_("decided at"))
    source = models.CharField(max_length=12, choices=Source.choices, verbose_name=_("source"))

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("consent to use academic records")
        verbose_name_plural = _("consents to use academic records")
        indexes = [models.Index(fields=["program", "user", "-decided_at"])]

    def __str__(self):
        return f"{self.user_id} {'granted' if self.granted else 'withdrew'} in {self.program_id}"
