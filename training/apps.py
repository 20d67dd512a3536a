from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_program_copied(sender, source, copy, **kwargs):
    from training.services import training_copy_to_program

    training_copy_to_program(source=source, copy=copy)


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.signals import program_copied

        program_copied.connect(_on_program_copied, dispatch_uid="training.program_copied")
