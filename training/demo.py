"""Demo training for a program: what a university peer-mentoring program would ask of its
people, and completion as it looks a few weeks in. Called from mentoring.demo."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from programs.models import Application, Program
from training.models import QuizAttempt, QuizQuestion, StepCompletion, TrainingStep

K = TrainingStep.Kind

HANDBOOK = """Welcome to the mentoring team. This handbook explains what the program expects of \
you and what you can expect from us.

Your role: listen first, share what worked for you, and help your mentee find their own \
answers. You are not a tutor or a counsellor.

Meeting: aim for one conversation every two weeks, on campus or online. Log each session \
so the coordinators can see how pairs are doing.

Getting help: if your mentee tells you something that worries you, talk to the \
coordinators the same day. The university's support services are listed at \
https://www.example.edu/student-support"""

CONDUCT = """We ask every mentor and mentee to:

- treat each other with respect, whatever your background, beliefs or opinions;
- keep what is shared in sessions confidential, unless someone is at risk of harm;
- be on time, and give notice if you cannot make a session;
- keep the relationship professional: no money, gifts of value or romantic relationships;
- raise any concern with the coordinators early."""

QUESTIONS = [
    (
        "Your mentee tells you they feel unsafe at home. What do you do?",
        QuizQuestion.Kind.SINGLE,
        "*Tell the program coordinators the same day\nKeep it between the two of you\n"
        "Wait to see whether it happens again",
    ),
    (
        "Which of these belong in a mentoring session?",
        QuizQuestion.Kind.MULTIPLE,
        "*Listening to what your mentee wants to work on\n*Sharing how you handled a "
        "similar situation\nWriting their assignment for them",
    ),
    (
        "How often should a pair aim to meet?",
        QuizQuestion.Kind.SINGLE,
        "Once a term\n*Every two weeks\nEvery day",
    ),
]


def _steps(program: Program) -> list[TrainingStep]:
    workshop_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=10)
    specs = [
        {
            "kind": K.RESOURCE,
            "title": "Read the mentor handbook",
            "body": HANDBOOK,
            "link": "https://www.example.edu/mentoring/handbook",
            "audience": "mentors",
            "due_days": 7,
        },
        {
            "kind": K.ACKNOWLEDGEMENT,
            "title": "Code of conduct",
            "body": CONDUCT,
            "statement": "I have read the code of conduct and will follow it.",
            "audience": "both",
            "due_days": 7,
        },
        {
            "kind": K.QUIZ,
            "title": "Safeguarding basics quiz",
            "body": "Three questions on what to do when a conversation turns serious.",
            "pass_mark": 70,
            "max_attempts": 3,
            "audience": "mentors",
            "due_days": 14,
        },
        {
            "kind": K.WORKSHOP,
            "title": "Active listening workshop",
            "body": "Ninety minutes of practice in pairs, led by the student support team.",
            "starts_at": workshop_at,
            "ends_at": workshop_at + timedelta(minutes=90),
            "location": "Student Union, Meeting Room 3",
            "audience": "mentors",
            "due_days": 21,
        },
    ]
    steps = []
    for position, spec in enumerate(specs, start=1):
        step = TrainingStep(program=program, position=position, **spec)
        step.full_clean()
        step.save()
        steps.append(step)
    for position, (text, kind, choices) in enumerate(QUESTIONS, start=1):
        question = QuizQuestion(
            step=steps[2], position=position, text=text, kind=kind, choices=choices
        )
        question.full_clean()
        question.save()
    return steps


def _done(step: TrainingStep, application: Application, days_after: int) -> None:
    start = application.decided_at or timezone.now()
    at = min(start + timedelta(days=days_after), timezone.now())
    attempt = None
    if step.kind == K.QUIZ:
        questions = list(step.questions.all())
        attempt = QuizAttempt.objects.create(
            step=step,
            user=application.user,
            number=1,
            answers={str(q.pk): sorted(q.correct_indexes) for q in questions},
            wrong=[],
            correct=len(questions),
            total=len(questions),
            score=100,
            passed=True,
            submitted_at=at,
        )
    StepCompletion.objects.create(
        step=step, user=application.user, completed_at=at, attempt=attempt
    )


@transaction.atomic
def demo_training_seed(*, program: Program, mentors: list, mentees: list) -> None:
    """Give `program` a realistic training (handbook, code of conduct, a three-question
    safeguarding quiz passed at 70%, a live workshop) unless it has one, and leave completion
    part-way as it is a few weeks in: every mentor but one has done all four steps, one
    mentor has done two of four (and failed the quiz once), every mentee but one has signed
    the code of conduct. Running it again changes nothing."""
    if program.training_steps.exists():
        return
    handbook, conduct, quiz, workshop = _steps(program)
    for index, mentor in enumerate(mentors):
        part_way = index == len(mentors) - 1 and len(mentors) > 1
        for days, step in enumerate((handbook, conduct, quiz, workshop), start=1):
            if part_way and step in (quiz, workshop):
                continue
            _done(step, mentor, days)
        if part_way:
            QuizAttempt.objects.create(
                step=quiz,
                user=mentor.user,
                number=1,
                answers={str(q.pk): [2] for q in quiz.questions.all()},
                wrong=list(quiz.questions.values_list("pk", flat=True)),
                correct=0,
                total=3,
                score=0,
                passed=False,
                submitted_at=timezone.now() - timedelta(days=1),
            )
    for index, mentee in enumerate(mentees):
        if index != len(mentees) - 1:
            _done(conduct, mentee, 2)
