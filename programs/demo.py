"""Demo data for screening: the checklist a university program keeps before approving."""

from django.db import transaction

from programs.models import Application, Audience, Program, ScreeningItem
from programs.screening import screening_items_for, screening_note_for, screening_save

CHECKLIST = [
    ("Interview held", Audience.BOTH),
    ("Reference checked", Audience.MENTORS),
    ("Code of conduct signed", Audience.BOTH),
]


@transaction.atomic
def demo_screening_seed(*, program: Program, applications: list[Application]) -> None:
    """Give `program` a three-item screening checklist (interview held and code of conduct
    signed for everyone, reference checked for mentors) and check every item that applies
    for each of `applications` (already approved ones: approval is not asked again).
    Running it again adds nothing."""
    for position, (label, audience) in enumerate(CHECKLIST):
        ScreeningItem.objects.update_or_create(
            program=program, label=label, defaults={"audience": audience, "position": position}
        )
    for application in applications:
        screening_save(
            application=application,
            checked=screening_items_for(application=application),
            note=screening_note_for(application=application),
            by=program.coordinators.first(),
        )
