"""Admin filters over a program's vocabulary name the program of each choice."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.roles import COORDINATORS_GROUP
from programs.models import Program
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:programs_application_changelist"


def _choices(client, title: str) -> list[str]:
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    (spec,) = [f for f in page.context["cl"].filter_specs if f.title == title]
    return [label for _pk, label in spec.lookup_choices]


def _programs() -> tuple[Program, Program]:
    older = make_program(name="Career Connect")
    newer = make_program(name="Research Buddies")
    Program.objects.filter(pk=older.pk).update(created_at=newer.created_at.replace(year=2000))
    return older, newer


def test_career_stage_and_topic_choices_name_their_program(client):
    _programs()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    stages = ["First-year", "Second-year", "Final-year", "Graduate"]
    assert _choices(client, "career stage") == [
        *(f"{s} (Research Buddies)" for s in stages),
        *(f"{s} (Career Connect)" for s in stages),
    ]
    topics = ["Careers", "Research", "Study skills"]
    assert _choices(client, "topics") == [
        *(f"{t} (Research Buddies)" for t in topics),
        *(f"{t} (Career Connect)" for t in topics),
    ]
    assert _choices(client, "program") == ["Research Buddies", "Career Connect"]


def test_coordinator_sees_only_their_programs_choices_labelled(client):
    mine, _theirs = _programs()
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    mine.coordinators.add(coordinator)
    client.force_login(coordinator)

    assert _choices(client, "career stage") == [
        "First-year (Career Connect)",
        "Second-year (Career Connect)",
        "Final-year (Career Connect)",
        "Graduate (Career Connect)",
    ]
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "First-year (Career Connect)" in page
    assert "Research Buddies" not in page


def test_the_labels_leave_the_vocabulary_names_alone(client):
    program, _other = _programs()
    stage = program.career_stages.get(name="First-year")
    ApplicationFactory(program=program, career_stage=stage)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse(CHANGELIST))

    assert str(stage) == "First-year"
    assert '<td class="field-career_stage nowrap">First-year</td>' in page.content.decode()


def test_the_filter_reads_each_program_once_whatever_the_count(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    counts = []
    for _ in range(2):
        for _ in range(3):
            make_program()
        with CaptureQueriesContext(connection) as queries:
            _choices(client, "career stage")
        counts.append(len(queries))
    assert counts[0] == counts[1]
