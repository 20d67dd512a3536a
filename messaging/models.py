import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Longest message anyone may send.
MAX_MESSAGE_LENGTH = 5000
MAX_REASON_LENGTH = 1000


class Conversation(models.Model):
    """Where messages are exchanged: a match's pair, a mentor's group in a group program, or a
    participant with the coordinators of a program (which also carries the announcements
    sent to that participant). Who belongs is worked out from matches and roles
    (`messaging.permissions`); `ConversationMember` rows only keep each person's read state."""

    class Kind(models.TextChoices):
        PAIR = "pair", _("Mentor and mentee")
        GROUP = "group", _("Group")
        COORDINATORS = "coordinators", _("With the coordinators")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("program"),
    )
    match = models.ForeignKey(
        "matching.Match",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("match"),
    )
    mentor = models.ForeignKey(
        "programs.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Group conversations: the mentor whose group it is."),
        verbose_name=_("mentor"),
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Conversations with the coordinators: the participant."),
        verbose_name=_("participant"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_message_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last message at"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["match"], condition=Q(kind="pair"), name="conversation_one_per_match"
            ),
            models.UniqueConstraint(
                fields=["mentor"], condition=Q(kind="group"), name="conversation_one_per_group"
            ),
            models.UniqueConstraint(
                fields=["program", "participant"],
                condition=Q(kind="coordinators"),
                name="conversation_one_with_coordinators",
            ),
            models.CheckConstraint(
                condition=Q(kind="pair", match__isnull=False, mentor__isnull=True)
                | Q(kind="group", mentor__isnull=False, match__isnull=True)
                | Q(kind="coordinators", participant__isnull=False, match__isnull=True),
                name="conversation_kind_shape",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} conversation {self.pk} ({self.program_id})"


class ConversationMember(models.Model):
    """One person's place in a conversation: how far they have read (messages with a larger
    id than `last_read_id` are new to them), and the subject of their batched emails."""

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("conversation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    last_read_id = models.PositiveBigIntegerField(default=0, verbose_name=_("last read id"))
    last_read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last read at"))

    class Meta:
        verbose_name_plural = _("conversation members")
        verbose_name = _("conversation member")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="member_once"),
        ]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self):
        return f"{self.user} in conversation {self.conversation_id}"

    @property
    def new_messages_summary(self) -> dict:
        """What the batched email says: how many messages are new to this person and who
        sent them (rendered when the email goes out, so it counts what is new then)."""
        from messaging.selectors import member_new_messages_summary

        return member_new_messages_summary(member=self)


def attachment_upload_path(instance, filename: str) -> str:
    """messaging/<conversation>/<random>.<ext>: the stored name reveals nothing and cannot be
    guessed; the name the sender gave is kept in `attachment_name` for downloads."""
    extension = os.path.splitext(filename)[1].lower()
    return f"messaging/{instance.conversation_id}/{uuid.uuid4().hex}{extension}"


class Announcement(models.Model):
    """A coordinator's message to a program's participants (all, mentors, mentees or one
    mentor's group); each recipient gets it as a message in their conversation with the
    coordinators."""

    class Audience(models.TextChoices):
        ALL = "all", _("Everyone in the program")
        MENTORS = "mentors", _("Mentors")
        MENTEES = "mentees", _("Mentees")
        GROUP = "group", _("One mentor's group")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="announcements",
        verbose_name=_("program"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    audience = models.CharField(_("to"), max_length=8, choices=Audience.choices)
    mentor = models.ForeignKey(
        "programs.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For one group: the mentor whose group it goes to."),
        verbose_name=_("mentor"),
    )
    text = models.TextField(_("announcement"), max_length=MAX_MESSAGE_LENGTH)
    recipients = models.PositiveIntegerField(default=0, verbose_name=_("recipients"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="group") | Q(mentor__isnull=False),
                name="announcement_group_names_mentor",
            ),
        ]

    def __str__(self):
        return f"Announcement {self.pk} to {self.audience} in {self.program_id}"


class Message(models.Model):
    """One message: text, an attachment, or both. An announcement's copy carries no text of
    its own (it shows the announcement's). `removed` marks the message of an erased person:
    its text and file are gone, its place in the conversation stays."""

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("message"), max_length=MAX_MESSAGE_LENGTH, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to=attachment_upload_path, max_length=200, blank=True
    )
    attachment_name = models.CharField(
        max_length=200, blank=True, verbose_name=_("attachment name")
    )
    attachment_size = models.PositiveIntegerField(default=0, verbose_name=_("attachment size"))
    announcement = models.ForeignKey(
        Announcement,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="copies",
        verbose_name=_("announcement"),
    )
    removed = models.BooleanField(default=False, verbose_name=_("removed"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["conversation", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="")
                | ~Q(attachment="")
                | Q(announcement__isnull=False)
                | Q(removed=True),
                name="message_not_empty",
            ),
        ]

    def __str__(self):
        return f"Message {self.pk} in conversation {self.conversation_id}"


class Report(models.Model):
    """A member tells the coordinators about a message; they then see it and the messages
    around it, and nothing else of the conversation."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reports", verbose_name=_("message")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reason = models.TextField(_("what is wrong"), max_length=MAX_REASON_LENGTH)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reported message")
        verbose_name_plural = _("reported messages")
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="report_once"),
        ]

    def __str__(self):
        return f"Report {self.pk} of message {self.message_id}"
