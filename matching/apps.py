from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_program_copied(sender, source, copy, **kwargs):
    from matching.services.copying import matching_config_copy

    matching_config_copy(source=source, copy=copy)


def _on_application_decided(sender, application, status, **kwargs):
    from matching.models import WaitlistOffer
    from matching.services.exclusions import exclusion_requests_apply
    from matching.services.waitlist import waitlist_place_freed

    if status != "approved":
        return
    exclusion_requests_apply(application=application)
    if application.role == "mentor":
        waitlist_place_freed(mentor=application, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)


def _on_application_updated(sender, application, capacity_before, **kwargs):
    from matching.models import WaitlistOffer
    from matching.services.waitlist import waitlist_place_freed

    if application.role == "mentor" and (application.capacity or 0) > (capacity_before or 0):
        waitlist_place_freed(mentor=application, trigger=WaitlistOffer.Trigger.CAPACITY)


def _on_training_finished(sender, application, **kwargs):
    """A mentor who finished their training can now take mentees: offer their places."""
    from matching.models import WaitlistOffer
    from matching.services.waitlist import waitlist_place_freed

    if application.role == "mentor":
        waitlist_place_freed(mentor=application, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.signals import application_decided, application_updated, program_copied

        program_copied.connect(_on_program_copied, dispatch_uid="matching.program_copied")
        application_decided.connect(
            _on_application_decided, dispatch_uid="matching.application_decided"
        )
        application_updated.connect(
            _on_application_updated, dispatch_uid="matching.application_updated"
        )
        from training.signals import training_finished

        training_finished.connect(_on_training_finished, dispatch_uid="matching.training_finished")
