from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class EndReason(models.TextChoices):
    """Why a match ended: the planned closure at the program's end date, or an early ending
    (the reason a participant or the coordinator picks; the private feedback stays apart)."""

    PROGRAM_ENDED = "program_ended", _("Program ended (planned closure)")
    COMPLETED_GOALS = "completed_goals", _("Completed our goals")
    SCHEDULES = "schedules", _("Schedules did not work out")
    NOT_A_GOOD_FIT = "not_a_good_fit", _("Not a good fit")
    LEFT_INSTITUTION = "left_institution", _("Left the institution")
    ACCOUNT_DELETED = "account_deleted", _("Account deleted")
    OTHER = "other", _("Other")


# The reasons someone can give for ending early (the planned closure and an erased account
# are the system's).
EARLY_END_REASONS = [
    choice for choice in EndReason.choices if choice[0] not in {"program_ended", "account_deleted"}
]


class Match(models.Model):
    """A mentor-mentee pairing in a program; ended matches stay as history."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Origin(models.TextChoices):
        FORMAL = "formal", _("Matching run")
        REQUEST = "request", _("Mentee request")
        MANUAL = "manual", _("Added by coordinator")
        WAITLIST = "waitlist", _("From the waitlist")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("program"),
    )
    mentor = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="mentor_matches",
        verbose_name=_("mentor"),
    )
    mentee = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="mentee_matches",
        verbose_name=_("mentee"),
    )
    status = models.CharField(
        max_length=6, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    origin = models.CharField(
        max_length=10, choices=Origin.choices, default=Origin.FORMAL, verbose_name=_("origin")
    )
    score = models.FloatField(null=True, blank=True, verbose_name=_("score"))
    explanation = models.JSONField(default=list, blank=True, verbose_name=_("explanation"))
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_reason_text = models.CharField(_("end reason (other)"), max_length=300, blank=True)
    run = models.ForeignKey(
        "MatchingRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
        verbose_name=_("run"),
    )

    class Meta:
        verbose_name = _("match")
        ordering = ["-started_at"]
        verbose_name_plural = _("matches")
        constraints = [
            # In a one-on-one or group program a mentee has one active mentor at a time.
            models.UniqueConstraint(
                fields=["mentee"], condition=Q(status="active"), name="match_one_active_per_mentee"
            ),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="match_not_self"),
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True)
                | Q(status="ended", ended_at__isnull=False),
                name="match_ended_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"]),
            # The admin's list, newest first (its order, with the key as tie-break).
            models.Index(fields=["started_at", "id"], name="match_started_id"),
        ]

    def __str__(self):
        return f"{self.mentor.user} → {self.mentee.user} ({self.program})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def has_participant(self, user) -> bool:
        """`user` is this pair's mentor or mentee."""
        return user.pk in (self.mentor.user_id, self.mentee.user_id)


class MatchingConfig(models.Model):
    """A program's matching weights and rules, edited by its coordinators."""

    class Algorithm(models.TextChoices):
        OPTIMAL = "optimal", _("Best total score (as many mentees as possible first)")
        STABLE = "stable", _("Stable (no pair would both rather be together)")

    program = models.OneToOneField(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="matching_config",
        verbose_name=_("program"),
    )
    weight_topics = models.FloatField(default=3.0, verbose_name=_("weight topics"))
    weight_goals = models.FloatField(default=2.0, verbose_name=_("weight goals"))
    weight_stage = models.FloatField(default=2.0, verbose_name=_("weight stage"))
    weight_availability = models.FloatField(default=2.0, verbose_name=_("weight availability"))
    weight_language = models.FloatField(default=1.0, verbose_name=_("weight language"))
    weight_format = models.FloatField(default=1.0, verbose_name=_("weight format"))
    algorithm = models.CharField(
        max_length=10, choices=Algorithm.choices, default="optimal", verbose_name=_("algorithm")
    )
    allow_rematch_with_ended = models.BooleanField(
        default=False,
        help_text=_("Allow pairs whose earlier match ended to be proposed again."),
        verbose_name=_("allow rematch with ended"),
    )

    WEIGHT_FIELDS = (
        "weight_topics",
        "weight_goals",
        "weight_stage",
        "weight_availability",
        "weight_language",
        "weight_format",
    )

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_topics__gte=0, weight_topics__lte=10)
                & Q(weight_goals__gte=0, weight_goals__lte=10)
                & Q(weight_stage__gte=0, weight_stage__lte=10)
                & Q(weight_availability__gte=0, weight_availability__lte=10)
                & Q(weight_language__gte=0, weight_language__lte=10)
                & Q(weight_format__gte=0, weight_format__lte=10),
                name="matching_weights_in_range",
            ),
        ]

    def __str__(self):
        return gettext("Matching settings for %(program)s") % {"program": self.program}

    def weights(self) -> dict[str, float]:
        return {name.removeprefix("weight_"): getattr(self, name) for name in self.WEIGHT_FIELDS}


class MatchingRun(models.Model):
    """One run of the solver for a formal program: a draft the coordinator reviews."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DRAFT = "draft", _("Draft (ready to review)")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")
        FAILED = "failed", _("Failed")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="matching_runs",
        verbose_name=_("program"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    algorithm = models.CharField(
        max_length=10, choices=MatchingConfig.Algorithm.choices, verbose_name=_("algorithm")
    )
    weights = models.JSONField(default=dict, verbose_name=_("weights"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    progress_note = models.CharField(max_length=200, blank=True, verbose_name=_("progress note"))
    stats = models.JSONField(default=dict, blank=True, verbose_name=_("stats"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at"]
        constraints = [
            # One run in progress or in review per program at a time.
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(status__in=["queued", "running", "draft"]),
                name="matching_one_open_run_per_program",
            ),
        ]

    def __str__(self):
        return gettext("Matching run %(number)s for %(program)s (%(status)s)") % {
            "number": self.pk,
            "program": self.program,
            "status": self.status,
        }

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING, self.Status.DRAFT)


class ProposedPair(models.Model):
    class Source(models.TextChoices):
        SOLVER = "solver", _("Solver")
        MANUAL = "manual", _("Coordinator")
        KEPT = "kept", _("Existing match")

    run = models.ForeignKey(
        MatchingRun, on_delete=models.CASCADE, related_name="pairs", verbose_name=_("run")
    )
    mentee = models.ForeignKey(
        "programs.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("mentee")
    )
    mentor = models.ForeignKey(
        "programs.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("mentor")
    )
    score = models.FloatField(verbose_name=_("score"))
    explanation = models.JSONField(default=list, verbose_name=_("explanation"))
    locked = models.BooleanField(default=False, verbose_name=_("locked"))
    source = models.CharField(
        max_length=6, choices=Source.choices, default=Source.SOLVER, verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("proposed pair")
        verbose_name_plural = _("proposed pairs")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee"], name="proposed_one_per_mentee"),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="proposed_not_self"),
        ]

    def __str__(self):
        return f"{self.mentor.user} → {self.mentee.user} ({self.score:.2f})"


class UnmatchedEntry(models.Model):
    class Reason(models.TextChoices):
        NO_ALLOWED_MENTOR = "no_allowed", _("No allowed mentor")
        CAPACITY = "capacity", _("Every compatible mentor is full")
        OUTSCORED = "outscored", _("Outscored for the last places")
        NO_MENTEE = "no_mentee", _("Mentor with spare capacity")
        REMOVED = "removed", _("Removed by the coordinator")
        TRAINING = "training", _("Training not complete")
        SCREENING = "screening", _("Screening not complete")

    run = models.ForeignKey(
        MatchingRun, on_delete=models.CASCADE, related_name="unmatched", verbose_name=_("run")
    )
    application = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("application"),
    )
    reason = models.CharField(max_length=12, choices=Reason.choices, verbose_name=_("reason"))
    detail = models.CharField(max_length=300, blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("unmatched entry")
        verbose_name_plural = _("unmatched entries")
        constraints = [
            models.UniqueConstraint(fields=["run", "application"], name="unmatched_once_per_run")
        ]

    def __str__(self):
        return f"{self.application.user}: {self.get_reason_display()}"


class Exclusion(models.Model):
    """Two people who must never be matched in a program (set by a coordinator, or asked
    for by a participant)."""

    class Source(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        PARTICIPANT = "participant", _("Participant")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="exclusions",
        verbose_name=_("program"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    other = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("other"),
    )
    source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.COORDINATOR, verbose_name=_("source")
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    request = models.ForeignKey(
        "ExclusionRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exclusions",
        help_text=_("The participant's request this exclusion comes from (removed with it)."),
        verbose_name=_("request"),
    )

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person", "other"], name="exclusion_unique_pair"
            ),
            models.CheckConstraint(condition=~Q(person=F("other")), name="exclusion_not_self"),
        ]

    def __str__(self):
        return gettext("%(person)s ≠ %(other)s in %(program)s") % {
            "person": self.person,
            "other": self.other,
            "program": self.program,
        }


class ExclusionRequest(models.Model):
    """A participant asks not to be matched with someone they name by email or name.

    What they typed is kept and shown back as typed, so the page never tells them whether
    that person takes part; each participant of the program it names gets an `Exclusion`,
    now and when someone of that name or email is approved later."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="exclusion_requests",
        verbose_name=_("program"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    named = models.CharField(_("name or email"), max_length=200)
    key = models.CharField(
        max_length=200, editable=False, verbose_name=_("key")
    )  # lower case, single spaces
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("exclusion request")
        verbose_name_plural = _("exclusion requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person", "key"], name="exclusion_request_once"
            ),
        ]
        indexes = [models.Index(fields=["program", "key"])]

    def __str__(self):
        return gettext("%(person)s asks not to be matched with %(named)r in %(program)s") % {
            "person": self.person,
            "named": self.named,
            "program": self.program,
        }


class WaitlistOffer(models.Model):
    """Formal programs: a freed place proposed to the coordinators. The best-scoring
    waitlisted mentee for a mentor with room, with the review page's explanation; accepting
    it makes the match."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")
        STALE = "stale", _("No longer possible")

    class Trigger(models.TextChoices):
        MATCH_ENDED = "match_ended", _("A match ended")
        CAPACITY = "capacity", _("The mentor raised their capacity")
        MENTOR_APPROVED = "approved", _("The mentor was approved")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="waitlist_offers",
        verbose_name=_("program"),
    )
    mentee = models.ForeignKey(
        "programs.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("mentee")
    )
    mentor = models.ForeignKey(
        "programs.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("mentor")
    )
    score = models.FloatField(verbose_name=_("score"))
    explanation = models.JSONField(default=list, verbose_name=_("explanation"))
    trigger = models.CharField(max_length=12, choices=Trigger.choices, verbose_name=_("trigger"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROPOSED, verbose_name=_("status")
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    match = models.ForeignKey(
        Match,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("match"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("waitlist proposal")
        verbose_name_plural = _("waitlist proposals")
        constraints = [
            # A waitlisted mentee is proposed for one freed place at a time.
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="proposed"),
                name="waitlist_offer_one_open_per_mentee",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=F("mentee")), name="waitlist_offer_not_self"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "accepted", "dismissed", "stale"]),
                name="waitlist_offer_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self):
        return gettext("%(mentee)s for %(mentor)s (%(status)s)") % {
            "mentee": self.mentee.user,
            "mentor": self.mentor.user,
            "status": self.get_status_display(),
        }


class MatchRequest(models.Model):
    """Informal programs: a mentee asks a mentor; the mentor accepts or declines. Unanswered
    for the program's `request_expiry_days`, it expires (the mentor is reminded the day
    before) and the mentee can ask someone else. `responded_at` is when it stopped pending,
    whichever way."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired (no answer)")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="match_requests",
        verbose_name=_("program"),
    )
    mentee = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="requests_sent",
        verbose_name=_("mentee"),
    )
    mentor = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="requests_received",
        verbose_name=_("mentor"),
    )
    message = models.TextField(max_length=2000, verbose_name=_("message"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    response = models.TextField(max_length=2000, blank=True, verbose_name=_("response"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("responded at"))
    reminded_at = models.DateTimeField(
        _("mentor reminded"),
        null=True,
        blank=True,
        help_text=_("When the mentor was reminded that the request is about to expire."),
    )

    class Meta:
        verbose_name = _("match request")
        verbose_name_plural = _("match requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=Q(status="pending"),
                name="request_one_pending_per_pair",
            ),
        ]
        # The hourly expiry sweep looks for pending requests by age.
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return gettext("%(mentee)s asks %(mentor)s (%(status)s)") % {
            "mentee": self.mentee.user,
            "mentor": self.mentor.user,
            "status": self.status,
        }

    @property
    def expires_at(self):
        """When it expires if nobody answers (a day later if the reminder went out late)."""
        return self.created_at + timedelta(days=self.program.request_expiry_days)


class EndRequest(models.Model):
    """Either side asks to end a match, no-fault; the reason is for the coordinator only."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Match ended")

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="end_requests", verbose_name=_("match")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(max_length=2000, blank=True, verbose_name=_("reason"))
    end_reason = models.CharField(_("why"), max_length=20, choices=EARLY_END_REASONS, blank=True)
    end_reason_text = models.CharField(_("other reason"), max_length=300, blank=True)
    status = models.CharField(
        max_length=5, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("end request")
        verbose_name_plural = _("end requests")
        ordering = ["-created_at"]
        constraints = [
            # Each side may ask once; neither learns that the other asked.
            models.UniqueConstraint(
                fields=["match", "requested_by"],
                condition=Q(status="open"),
                name="end_request_one_open_per_person",
            ),
        ]

    def __str__(self):
        return gettext("End request for %(match)s") % {"match": self.match}
