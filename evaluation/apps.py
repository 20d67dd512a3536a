from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_session_logged(sender, log, **kwargs):
    from evaluation.services import session_logged

    session_logged(log=log)


def _on_application_decided(sender, application, status, **kwargs):
    from evaluation.services import survey_invitations_for_approval
    from programs.models import Application

    if status == Application.Status.APPROVED:
        survey_invitations_for_approval(application=application)


def _on_program_copied(sender, source, copy, **kwargs):
    from evaluation.services.copying import surveys_copy_to_program

    surveys_copy_to_program(source=source, copy=copy)


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.signals import application_decided, program_copied
        from sessions.signals import session_logged

        session_logged.connect(_on_session_logged, dispatch_uid="evaluation.session_logged")
        application_decided.connect(
            _on_application_decided, dispatch_uid="evaluation.application_decided"
        )
        program_copied.connect(_on_program_copied, dispatch_uid="evaluation.program_copied")
