from datetime import time

from programs.models import Program
from programs.services import ApplicationData, program_set_vocabulary
from tests.factories import ProgramFactory


def make_program(**fields) -> Program:
    """An enrolling program with a small vocabulary."""
    program = ProgramFactory(**fields)
    program_set_vocabulary(
        program=program,
        topics=["Study skills", "Careers", "Research"],
        goals=["Settle in", "Find an internship"],
        stages=["First-year", "Second-year", "Final-year", "Graduate"],
    )
    return program


def make_data(program: Program, role: str = "mentee", **overrides) -> ApplicationData:
    fields = {
        "role": role,
        "career_stage": program.career_stages.first(),
        "topics": list(program.topics.all()[:2]),
        "goals": list(program.goals.all()[:1]),
        "availability": [(0, time(17), time(19))],
        "capacity": 2 if role == "mentor" else None,
    }
    fields.update(overrides)
    return ApplicationData(**fields)


def admin_post_data(response) -> dict:
    """What the admin change page `response` would post unchanged: its form's and every
    inline formset's current values, management forms included (tests change a few keys)."""
    from django import forms as django_forms

    data = {}
    pages = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        pages.extend(formset.forms)
    for form in pages:
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            if isinstance(field, django_forms.BooleanField):
                if value:
                    data[key] = "on"
            elif value is None:
                many = (django_forms.MultipleChoiceField, django_forms.ModelMultipleChoiceField)
                if not isinstance(field, many):
                    data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data
