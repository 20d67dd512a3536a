"""Admin filters over a program's vocabulary name the program of each choice."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

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


def test_each_rows_change_link_and_checkbox_label_are_djangos(client):
    """The list reverses its change address once and names each row without Django's
    `get_role_display()`: the links and labels are what Django's own would be."""
    from django.contrib.admin.utils import quote
    from django.utils import translation

    from programs.models import Application

    program = make_program(name="Career Connect")
    applications = [ApplicationFactory(program=program, role=role) for role in ("mentor", "mentee")]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for language in ("en", "es"):
        page = client.get(reverse(CHANGELIST), {"lang": language}).content.decode()
        with translation.override(language):
            for application in Application.objects.filter(pk__in=[a.pk for a in applications]):
                link = reverse("admin:programs_application_change", args=[quote(application.pk)])
                assert f'href="{link}"' in page
                expected = gettext("%(user)s as %(role)s in %(program)s") % {
                    "user": application.user,
                    "role": application.get_role_display().lower(),
                    "program": application.program,
                }
                assert str(application) == expected
                assert escape(expected) in page


def test_each_coordinator_gets_their_own_programs_choices_as_they_change(client):
    mine, theirs = _programs()
    first, second = (UserFactory(is_staff=True) for _ in range(2))
    for coordinator, program in ((first, mine), (second, theirs)):
        coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
        program.coordinators.add(coordinator)
    topics = ["Careers", "Research", "Study skills"]

    client.force_login(first)
    assert _choices(client, "topics") == [f"{t} (Career Connect)" for t in topics]
    client.force_login(second)
    assert _choices(client, "topics") == [f"{t} (Research Buddies)" for t in topics]
    theirs.coordinators.add(first)
    theirs.topics.create(name="Wellbeing")
    client.force_login(first)
    assert _choices(client, "program") == ["Research Buddies", "Career Connect"]
    assert _choices(client, "topics") == [
        *(f"{t} (Research Buddies)" for t in [*topics, "Wellbeing"]),
        *(f"{t} (Career Connect)" for t in topics),
    ]
