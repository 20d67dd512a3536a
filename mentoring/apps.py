from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs):
    from mentoring.roles import role_groups_ensure
    from mentoring.schedules import schedules_ensure
    from mentoring.sites import site_ensure

    role_groups_ensure()
    schedules_ensure()
    site_ensure()


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring (system)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="mentoring-defaults")


class MentoringAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (mentoring/admin_site.py) as admin.site."""

    default_site = "mentoring.admin_site.MentoringAdminSite"
