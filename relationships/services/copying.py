"""Relationships' part of copying a program for the next cohort (`program_copied`)."""

from mentoring.services import model_field_values
from programs.models import Program
from relationships.models import AgreementField, AgreementTemplate


def agreement_template_copy(*, source: Program, copy: Program) -> AgreementTemplate | None:
    """Give `copy` the agreement template of `source` with every field it has (labels, help
    texts, kinds, required, order). A source without a template gives none."""
    template = AgreementTemplate.objects.filter(program=source).first()
    if template is None:
        return None
    copied = AgreementTemplate(**model_field_values(template, exclude=["program"]), program=copy)
    copied.full_clean(exclude=["program"])
    copied.save()
    fields = [
        AgreementField(**model_field_values(field, exclude=["template"]), template=copied)
        for field in template.fields.all()
    ]
    for field in fields:
        field.full_clean(exclude=["template"])
    AgreementField.objects.bulk_create(fields)
    return copied
