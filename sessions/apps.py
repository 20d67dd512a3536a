from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # Our own label: the default "sessions" collides with django.contrib.sessions.
    label = "mentoring_sessions"
    verbose_name = "Mentoring sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from notifications.rendering import register_attachment
        from sessions.ics import ICS_KINDS, email_attachment

        for kind in ICS_KINDS:
            register_attachment(kind, email_attachment)
