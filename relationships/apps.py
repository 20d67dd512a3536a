from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_program_copied(sender, source, copy, **kwargs):
    from relationships.services import agreement_template_copy

    agreement_template_copy(source=source, copy=copy)


class RelationshipsConfig(AppConfig):
    name = "relationships"
    verbose_name = _("Relationships")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from matching.panels import match_panel_register
        from programs.signals import program_copied
        from relationships.panels import agreement_panel, certificate_panel

        program_copied.connect(_on_program_copied, dispatch_uid="relationships.program_copied")
        match_panel_register(agreement_panel)
        match_panel_register(certificate_panel)
