from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs and enrollment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from mentoring.admin_scope import scope_register
        from programs.models import Program
        from programs.permissions import programs_coordinated_by

        scope_register(model=Program, visible_to=programs_coordinated_by, label_fields=("name",))
