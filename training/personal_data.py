from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, not_personal, register
from training.models import QuizAttempt, QuizQuestion, StepCompletion, TrainingStep

for model in (TrainingStep, QuizQuestion):
    not_personal(model, reason="training content written by coordinators")

# Attempts and completions feed the program's completion counts: they stay, naming the
# "Deleted user" (answers are choice numbers, not text).
register(
    QuizAttempt,
    people=["user"],
    export=[
        "step__program__name",
        "step__title",
        "number",
        "answers",
        "correct",
        "total",
        "score",
        "passed",
        "submitted_at",
    ],
    erase=Erase.KEEP,
    program="step__program",
    retention=Erase.KEEP,
    section=_("Training quiz attempts"),
)

register(
    StepCompletion,
    people=["user"],
    export=["step__program__name", "step__title", "completed_at"],
    erase=Erase.KEEP,
    program="step__program",
    retention=Erase.KEEP,
    section=_("Training completed"),
)
