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
        from relationships.log_section import goals_log_section
        from relationships.panels import agreement_panel, certificate_panel, goals_panel
        from sessions.log_sections import log_section_register

        program_copied.connect(_on_program_copied, dispatch_uid="relationships.program_copied")
        match_panel_register(agreement_panel)
        match_panel_register(goals_panel)
        match_panel_register(certificate_panel)
        log_section_register(goals_log_section)
