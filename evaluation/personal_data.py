from django.utils.translation import gettext_lazy as _

from evaluation.models import (
    AnonymousResponse,
    CheckIn,
    RiskFlag,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from mentoring.personal_data import Erase, not_personal, register

for model in (Survey, SurveyQuestion):
    not_personal(model, reason="surveys written by coordinators")
not_personal(
    AnonymousResponse,
    reason="an anonymous response has no link to a person (program, moment and week only); "
    "it stays after erasure and is never in anyone's archive",
)

INVITED = "application__user"
register(
    SurveyInvitation,
    people=[INVITED],
    export=["survey__title", "created_at", "due_on", "completed"],
    erase=Erase.KEEP,
    program="application__program",
    retention=Erase.KEEP,
    section=_("Survey invitations"),
)
register(
    SurveyResponse,
    people=[f"invitation__{INVITED}"],
    export=["invitation__survey__title", "submitted_at"],
    erase=Erase.KEEP,
    program="invitation__application__program",
    retention=Erase.KEEP,
    section=_("Survey responses"),
)

TEXT = SurveyQuestion.Kind.TEXT


def _answers_erase(user) -> int:
    """Numbers and choices stay in the program's results; free text goes."""
    return SurveyAnswer.objects.filter(
        response__invitation__application__user=user, question__kind=TEXT
    ).update(value="")


def _answers_anonymise(program) -> int:
    return SurveyAnswer.objects.filter(
        response__invitation__application__program=program, question__kind=TEXT
    ).update(value="")


# Only answers given with a name reach a person; anonymous answers never do.
register(
    SurveyAnswer,
    people=[f"response__invitation__{INVITED}"],
    export=["response__invitation__survey__title", "question__text", "value"],
    erase=_answers_erase,
    program="response__invitation__application__program",
    retention=_answers_anonymise,
    section=_("Your survey answers (not anonymous ones)"),
)

register(
    CheckIn,
    people=[INVITED],
    export=[
        "match__program__name",
        "opens_on",
        "due_on",
        "score",
        "met",
        "blocking",
        "answered_at",
    ],
    erase=Erase.BLANK,
    blank={"blocking": ""},
    program="application__program",
    retention=Erase.BLANK,
    section=_("Check-ins"),
)

# Coordinators' monitoring of a pair, worked out from both sides' answers: not in either
# side's archive (it would show one side what the other answered).
register(
    RiskFlag,
    people=["match__mentor__user", "match__mentee__user"],
    export=[],
    erase=Erase.KEEP,
    program="match__program",
    retention=Erase.KEEP,
    section=_("Pairs at risk"),
)
