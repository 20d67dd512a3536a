from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs and enrollment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import pre_delete

        from accounts.rights import rights_follow
        from mentoring.admin_scope import scope_register
        from programs.models import Program
        from programs.permissions import programs_coordinated_by

        scope_register(model=Program, visible_to=programs_coordinated_by, label_fields=("name",))
        # The programs a person coordinates or reports on are part of their rights
        # (mentoring/rights.py): the admin's scope and the reports' access are kept with them.
        rights_follow(Program.coordinators.through)
        rights_follow(Program.reporting_staff.through)
        pre_delete.connect(_staff_lose_program, sender=Program, dispatch_uid="rights")


def _staff_lose_program(sender, instance, **kwargs):
    from accounts.rights import rights_changed

    rights_changed(
        [
            *instance.coordinators.values_list("pk", flat=True),
            *instance.reporting_staff.values_list("pk", flat=True),
        ]
    )
