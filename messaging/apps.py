from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


def _attachment_delete(sender, instance, **kwargs):
    """A deleted message's file leaves storage once the deletion commits (a match deleted in
    the admin, a program's retention run)."""
    if instance.attachment:
        name, storage = instance.attachment.name, instance.attachment.storage
        transaction.on_commit(lambda: storage.delete(name))


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from matching.panels import match_panel_register
        from messaging.models import Message
        from messaging.panels import messages_panel

        post_delete.connect(_attachment_delete, sender=Message, dispatch_uid="messaging.file")
        match_panel_register(messages_panel)
