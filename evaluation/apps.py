from django.apps import AppConfig


def _on_session_logged(sender, log, **kwargs):
    from evaluation.services import session_logged

    session_logged(log=log)


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sessions.signals import session_logged

        session_logged.connect(_on_session_logged, dispatch_uid="evaluation.session_logged")
