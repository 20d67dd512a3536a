"""A program's training: ordered steps coordinators build, and what each person has done.

A step is one of four kinds: a resource to read or watch (text, a link, an uploaded file), an
acknowledgement (a code of conduct: the text and a statement to tick), a short quiz (questions
answered in the browser, scored on the server) or a live workshop (the coordinator records who
came). Each step is for mentors, mentees or both, required or optional, and may be due a number
of days after the person's approval.

Completion belongs to the person (`user`), not to one application: someone who is both mentor
and mentee in a peer program signs the code of conduct once.
"""

import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.models import Audience, Program
from training.files import validate_training_file

#: Audiences a role's steps come from.
ROLE_AUDIENCES = {
    "mentor": (Audience.MENTORS, Audience.BOTH),
    "mentee": (Audience.MENTEES, Audience.BOTH),
}


def training_upload_path(instance, filename: str) -> str:
    """training/<program>/<random>.<ext>: the stored name reveals nothing and is not guessed;
    the name the coordinator uploaded is kept in `file_name` for downloads."""
    extension = os.path.splitext(filename)[1].lower()
    return f"training/{instance.program_id}/{uuid.uuid4().hex}{extension}"


class TrainingStep(models.Model):
    class Kind(models.TextChoices):
        RESOURCE = "resource", _("Read or watch")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        QUIZ = "quiz", _("Quiz")
        WORKSHOP = "workshop", _("Live workshop")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="training_steps", verbose_name=_("program")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, help_text=_("Steps are shown in this order.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESOURCE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        blank=True,
        max_length=20000,
        help_text=_(
            "Plain text shown on the step's page: blank lines start paragraphs and web "
            "addresses become links. For an acknowledgement, the code or pledge itself."
        ),
    )
    link = models.URLField(
        _("link"),
        blank=True,
        max_length=500,
        help_text=_("Resources: a page or video to read or watch."),
    )
    file = models.FileField(
        _("file"),
        blank=True,
        max_length=200,
        upload_to=training_upload_path,
        validators=[validate_training_file],
        help_text=_(
            "Resources: a document, slides, image or video (PDF, Word, PowerPoint, Excel, "
            "PNG, JPEG, MP4, MP3 or text; at most 20 MB). Only the program's participants "
            "can open it."
        ),
    )
    file_name = models.CharField(
        max_length=200, blank=True, editable=False, verbose_name=_("file name")
    )
    statement = models.CharField(
        _("statement to tick"),
        max_length=300,
        blank=True,
        help_text=_("Acknowledgements: e.g. “I have read and will follow the code of conduct.”"),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Quizzes: the share of questions to answer right to pass."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Quizzes: leave empty for unlimited attempts."),
    )
    starts_at = models.DateTimeField(_("workshop starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("workshop ends"), null=True, blank=True)
    location = models.CharField(
        _("place"),
        max_length=300,
        blank=True,
        help_text=_("Workshops: a room, an address or an online meeting link."),
    )
    audience = models.CharField(
        _("for"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Required steps count towards finishing the training (and gate matching)."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("due (days after approval)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=_("Leave empty for no due date."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["program", "position", "pk"]
        verbose_name = _("training step")
        verbose_name_plural = _("training steps")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["resource", "acknowledgement", "quiz", "workshop"]),
                name="training_step_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["mentors", "mentees", "both"]),
                name="training_step_audience_valid",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__lte=100), name="training_step_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1),
                name="training_step_attempts_positive",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="training_step_workshop_ordered",
            ),
        ]
        indexes = [models.Index(fields=["program", "position"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:step", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        K = self.Kind
        if self.kind == K.RESOURCE and not (self.body.strip() or self.link or self.file):
            errors["body"] = _("A resource needs text, a link or a file.")
        if self.kind == K.ACKNOWLEDGEMENT:
            if not self.body.strip():
                errors["body"] = _("Write the text people acknowledge.")
            if not self.statement.strip():
                errors["statement"] = _("Write the statement people tick.")
        if self.kind == K.WORKSHOP:
            if self.starts_at is None:
                errors["starts_at"] = _("Give the workshop's date and time.")
            if not self.location.strip():
                errors["location"] = _("Say where the workshop takes place.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The workshop must end after it starts.")
        if self.kind != K.RESOURCE and (self.link or self.file):
            errors["link" if self.link else "file"] = _("Only resources have links and files.")
        if errors:
            raise ValidationError(errors)

    def applies_to(self, role: str) -> bool:
        return self.audience in ROLE_AUDIENCES.get(role, ())

    @property
    def is_quiz(self) -> bool:
        return self.kind == self.Kind.QUIZ

    @property
    def is_workshop(self) -> bool:
        return self.kind == self.Kind.WORKSHOP


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool


def parse_choices(text: str) -> list[Choice]:
    """Choices typed one per line; a leading * marks a correct one."""
    choices = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line.startswith("*")
        label = line[1:].strip() if correct else line
        if label:
            choices.append(Choice(text=label, correct=correct))
    return choices


class QuizQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One answer")
        MULTIPLE = "multiple", _("Several answers")

    step = models.ForeignKey(
        TrainingStep, on_delete=models.CASCADE, related_name="questions", verbose_name=_("step")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("answers"), max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    choices = models.TextField(
        _("choices"),
        max_length=4000,
        help_text=_("One choice per line; mark the correct ones with a leading *."),
    )

    class Meta:
        ordering = ["step", "position", "pk"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["single", "multiple"]), name="quiz_question_kind_valid"
            ),
        ]

    def __str__(self):
        return self.text

    def clean(self):
        choices = parse_choices(self.choices)
        correct = sum(c.correct for c in choices)
        if len(choices) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})
        if len({c.text for c in choices}) < len(choices):
            raise ValidationError({"choices": _("Each choice must be different.")})
        if not correct:
            raise ValidationError(
                {"choices": _("Mark the correct choice(s) with a * at the start of the line.")}
            )
        if self.kind == self.Kind.SINGLE and correct != 1:
            raise ValidationError(
                {"choices": _("A one-answer question has exactly one correct choice (one *).")}
            )

    @property
    def choice_list(self) -> list[Choice]:
        return parse_choices(self.choices)

    @property
    def correct_indexes(self) -> frozenset[int]:
        return frozenset(i for i, c in enumerate(self.choice_list) if c.correct)


class QuizAttempt(models.Model):
    """One submission of a quiz, scored on the server when it was submitted."""

    step = models.ForeignKey(
        TrainingStep, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("step")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name=_("user"),
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    answers = models.JSONField(
        default=dict, verbose_name=_("answers")
    )  # question id -> chosen choice indexes
    wrong = models.JSONField(
        default=list, verbose_name=_("wrong")
    )  # ids of the questions answered wrongly
    correct = models.PositiveSmallIntegerField(verbose_name=_("correct"))
    total = models.PositiveSmallIntegerField(verbose_name=_("total"))
    score = models.PositiveSmallIntegerField(verbose_name=_("score"))  # percent, rounded down
    passed = models.BooleanField(verbose_name=_("passed"))
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"))

    class Meta:
        ordering = ["step", "user", "number"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "user", "number"], name="quiz_attempt_numbered_once"
            ),
            models.CheckConstraint(
                condition=Q(correct__lte=F("total")), name="quiz_attempt_correct_of_total"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="quiz_attempt_score_percent"),
        ]

    def __str__(self):
        return f"{self.user} · {self.step} · #{self.number}"


class StepCompletion(models.Model):
    """A person finished a step: read it, ticked it, passed it, or came to the workshop."""

    step = models.ForeignKey(
        TrainingStep, on_delete=models.CASCADE, related_name="completions", verbose_name=_("step")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="step_completions",
        verbose_name=_("user"),
    )
    completed_at = models.DateTimeField(verbose_name=_("completed at"))
    attempt = models.OneToOneField(
        QuizAttempt,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="completion",
        verbose_name=_("attempt"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The coordinator who recorded workshop attendance."),
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["step", "completed_at"]
        verbose_name = _("step completion")
        verbose_name_plural = _("step completions")
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="step_completed_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.step}"
