"""`{% training_held application as held %}`: (required steps done, required steps) when the
program's training holds the application back from matching, else None. For pages of higher
apps (matching's suggestions and requests) that say why someone cannot be matched yet."""

from django import template

from training.selectors import application_training_unready

register = template.Library()


@register.simple_tag
def training_held(application):
    return application_training_unready(application=application)
