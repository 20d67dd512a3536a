from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_program_copied(sender, source, copy, **kwargs):
    from sessions.services import session_guides_copy

    session_guides_copy(source=source, copy=copy)


class SessionsConfig(AppConfig):
    name = "sessions"
    # Our own label: the default "sessions" collides with django.contrib.sessions.
    label = "mentoring_sessions"
    verbose_name = _("Mentoring sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from matching.panels import match_panel_register
        from notifications.rendering import register_attachment
        from programs.signals import program_copied
        from sessions.ics import ICS_KINDS, email_attachment
        from sessions.panels import sessions_panel

        for kind in ICS_KINDS:
            register_attachment(kind, email_attachment)
        program_copied.connect(_on_program_copied, dispatch_uid="sessions.program_copied")
        match_panel_register(sessions_panel)
