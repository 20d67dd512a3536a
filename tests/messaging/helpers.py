"""Small builders for the messages tests: programs, pairs, groups, coordinators, messages."""

from django.contrib.auth.models import Group
from django.urls import reverse

from matching.models import Match
from mentoring.roles import COORDINATORS_GROUP
from messaging.services import conversation_for_group, conversation_for_match, message_send
from programs.models import Application, Program
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory


def make_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    return ProgramFactory(**fields)


def make_application(program: Program, role: str = "mentee", name: str = "", **fields):
    fields.setdefault("status", Application.Status.APPROVED)
    if name:
        fields["user"] = UserFactory(display_name=name)
    return ApplicationFactory(program=program, role=role, **fields)


def make_pair(program: Program | None = None, *, mentor=None, mentee=None) -> Match:
    program = program or make_program()
    return Match.objects.create(
        program=program,
        mentor=mentor or make_application(program, "mentor", name="Mo Mentor"),
        mentee=mentee or make_application(program, "mentee", name="Ana Mentee"),
    )


def make_group(mentees: int = 2):
    """A group program's mentor with `mentees` active matches; returns (mentor, matches)."""
    program = make_program(format=Program.Format.GROUP, group_size=5)
    mentor = make_application(program, "mentor", name="Gil Group", capacity=5)
    matches = [make_pair(program, mentor=mentor) for _ in range(mentees)]
    return mentor, matches


def make_coordinator(program: Program | None = None, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    if program is not None:
        program.coordinators.add(user)
    return user


def pair_conversation(match: Match):
    return conversation_for_match(match=match)


def group_conversation(mentor: Application):
    return conversation_for_group(mentor=mentor)


def send(conversation, author, text: str = "Hello", **fields):
    return message_send(conversation=conversation, author=author, text=text, **fields)


def url(name: str, *args) -> str:
    return reverse(f"messaging:{name}", args=args)
