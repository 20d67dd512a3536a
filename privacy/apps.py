from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy and personal data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Every app declares its models in <app>/personal_data.py (mentoring/personal_data.py).
        autodiscover_modules("personal_data")

        from django.contrib.auth.signals import user_logged_in

        from privacy.deletion import deletion_cancel_on_login

        # Signing in (allauth signs in through Django's login) during the grace period keeps
        # the account.
        user_logged_in.connect(deletion_cancel_on_login, dispatch_uid="privacy_deletion_cancel")
