from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, not_personal, register
from relationships.models import Agreement, AgreementAnswer, AgreementField, AgreementTemplate

for model in (AgreementTemplate, AgreementField):
    not_personal(model, reason="agreement templates written by coordinators")

BOTH_SIDES = ["match__mentor__user", "match__mentee__user"]
REMOVED = "(removed)"


def _agreements_erase(user) -> int:
    """The shared terms stay for the partner; the erased side's own hopes go, replaced by
    "(removed)": a confirmed side's hopes may not be empty (agreement_*_confirmed_complete),
    and the confirmation stays in the partner's history."""
    agreements = Agreement.objects.filter
    as_mentor = (
        agreements(match__mentor__user=user).exclude(mentor_hopes="").update(mentor_hopes=REMOVED)
    )
    as_mentee = (
        agreements(match__mentee__user=user).exclude(mentee_hopes="").update(mentee_hopes=REMOVED)
    )
    return as_mentor + as_mentee


register(
    Agreement,
    people=BOTH_SIDES,
    export=[
        "match__program__name",
        "meeting_frequency",
        "frequency_note",
        "channel",
        "planned_end_on",
        "mentor_hopes",
        "mentee_hopes",
        "mentor_confidentiality",
        "mentee_confidentiality",
        "mentor_confirmed_at",
        "mentee_confirmed_at",
    ],
    erase=_agreements_erase,
    program="match__program",
    retention=Erase.BLANK,
    # A confirmed side's hopes may not be empty (agreement_*_confirmed_complete): they are
    # replaced, and the confirmations, which the program's figures count, stay.
    blank={"mentor_hopes": REMOVED, "mentee_hopes": REMOVED, "frequency_note": ""},
    section=_("Mentorship agreements"),
)

register(
    AgreementAnswer,
    people=["agreement__match__mentor__user", "agreement__match__mentee__user"],
    export=["agreement__match__program__name", "field__label", "value"],
    erase=Erase.KEEP,
    program="agreement__match__program",
    retention=Erase.BLANK,
    blank={"value": ""},
    section=_("Answers in mentorship agreements"),
)
