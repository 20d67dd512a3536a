"""Builders for API tests: a program with a row in every app (tests/privacy/helpers.py),
people in every role around it, and their tokens."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from api.models import AccessToken
from api.services import token_create, token_revoke
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from privacy.notice import notice_accept, notice_accepted_before, notice_current
from programs.models import Program
from tests.factories import ProgramFactory, UserFactory
from tests.privacy.helpers import Everything, make_person_with_everything


@dataclass
class World:
    everything: Everything
    program: Program
    other_program: Program
    coordinator: object
    other_coordinator: object
    reporting: object
    participant: object


def make_coordinator(*programs, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    for program in programs:
        program.coordinators.add(user)
    return user


def make_reporting(*programs, **fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=REPORTING_GROUP))
    for program in programs:
        program.reporting_staff.add(user)
    return user


def make_world() -> World:
    everything = make_person_with_everything()
    program = everything.program
    program.outcome_terms = "2025-fall\n2026-spring"
    program.save(update_fields=["outcome_terms"])
    other_program = ProgramFactory(name="Another program")
    return World(
        everything=everything,
        program=program,
        other_program=other_program,
        coordinator=everything.coordinator,
        other_coordinator=make_coordinator(other_program, email="other.coord@example.org"),
        reporting=make_reporting(program, email="rita.reports@example.org"),
        participant=everything.person,
    )


def make_token(user, *, scope="read", days=30, name="Integration") -> tuple[AccessToken, str]:
    return token_create(
        user=user, name=name, scope=scope, expires_at=timezone.now() + timedelta(days=days)
    )


def token_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def expired_token_client(user) -> Client:
    token, secret = make_token(user, scope="write")
    AccessToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    return token_client(secret)


def revoked_token_client(user) -> Client:
    token, secret = make_token(user, scope="write")
    token_revoke(token=token)
    return token_client(secret)


def session_client(user) -> Client:
    """Signed in, the privacy notice in force accepted (else every page asks for it first)."""
    notice = notice_current()
    if notice is not None and not notice_accepted_before(user=user, notice=notice):
        notice_accept(user=user, notice=notice)
    client = Client()
    client.force_login(user)
    return client


def error_of(response) -> dict:
    """The error body's inner object; every refusal has one."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


def seed_sessions(program: Program, count: int, *, pairs: int = 20) -> None:
    """`count` booked one-on-one sessions in `program`, spread over `pairs` matched pairs,
    each with its mentor's log; bulk-written (no services, nothing sent)."""
    from datetime import UTC, datetime

    from accounts.models import User
    from matching.models import Match
    from programs.models import Application
    from sessions.models import Meeting, SessionLog

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(days=400 * Meeting.objects.count())
    base = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"seed{base + i}@example.org", display_name=f"Seed {i}")
        for i in range(2 * pairs)
    )
    applications = Application.objects.bulk_create(
        Application(
            program=program,
            user=user,
            role="mentor" if i % 2 == 0 else "mentee",
            status=Application.Status.APPROVED,
            capacity=2 if i % 2 == 0 else None,
        )
        for i, user in enumerate(users)
    )
    matches = Match.objects.bulk_create(
        Match(program=program, mentor=applications[i], mentee=applications[i + 1])
        for i in range(0, len(applications), 2)
    )
    meetings = Meeting.objects.bulk_create(
        (
            Meeting(
                program=program,
                mentor=matches[i % pairs].mentor.user,
                match=matches[i % pairs],
                start=start + timedelta(hours=i),
                end=start + timedelta(hours=i, minutes=45),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    SessionLog.objects.bulk_create(
        (
            SessionLog(meeting=meeting, author=meeting.mentor, outcome="held", duration_minutes=45)
            for meeting in meetings
        ),
        batch_size=2000,
    )
