"""A coordinator of program A cannot see or touch program B anywhere in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mentoring.roles import COORDINATORS_GROUP
from programs.models import Application, Invitation, Program
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import admin_post_data, make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    mine = make_program(name="Mine")
    mine.coordinators.add(coordinator)
    theirs = make_program(name="Theirs")
    theirs.topics.create(name="Secret topic of B")
    return {
        "coordinator": coordinator,
        "mine": mine,
        "theirs": theirs,
        "my_app": ApplicationFactory(program=mine),
        "their_app": ApplicationFactory(program=theirs),
        "their_invite": Invitation.objects.create(
            program=theirs, email="x@example.org", role="mentee", token="tok-b"
        ),
    }


def test_changelists_show_only_my_programs_rows(client, setup):
    client.force_login(setup["coordinator"])
    programs = client.get(reverse("admin:programs_program_changelist")).content.decode()
    assert "Mine" in programs and "Theirs" not in programs
    page = client.get(reverse("admin:programs_application_changelist"))
    assert [a.pk for a in page.context["cl"].result_list] == [setup["my_app"].pk]
    assert "Secret topic of B" not in page.content.decode()


@pytest.mark.parametrize(
    "url_name, key",
    [
        ("admin:programs_program_change", "theirs"),
        ("admin:programs_program_delete", "theirs"),
        ("admin:programs_program_history", "theirs"),
        ("admin:programs_program_roster_import", "theirs"),
        ("admin:programs_application_change", "their_app"),
        ("admin:programs_application_history", "their_app"),
        ("admin:programs_invitation_change", "their_invite"),
        ("admin:programs_invitation_delete", "their_invite"),
    ],
)
def test_other_programs_objects_are_404(client, setup, url_name, key):
    client.force_login(setup["coordinator"])
    assert client.get(reverse(url_name, args=[setup[key].pk])).status_code == 404
    assert client.post(reverse(url_name, args=[setup[key].pk])).status_code == 404


def test_lifecycle_transition_of_another_program_is_404(client, setup):
    client.force_login(setup["coordinator"])
    url = reverse("admin:programs_program_transition", args=[setup["theirs"].pk, "running"])
    assert client.post(url).status_code == 404
    assert Program.objects.get(pk=setup["theirs"].pk).status == "enrolling"


def test_bulk_actions_ignore_other_programs_applications(client, setup):
    client.force_login(setup["coordinator"])
    client.post(
        reverse("admin:programs_application_changelist"),
        {
            "action": "approve",
            "_selected_action": [setup["my_app"].pk, setup["their_app"].pk],
        },
    )
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {setup["my_app"].pk: "approved", setup["their_app"].pk: "applied"}


def test_copy_action_ignores_other_programs(client, setup):
    client.force_login(setup["coordinator"])
    client.post(
        reverse("admin:programs_program_changelist"),
        {"action": "copy_for_next_cohort", "_selected_action": [setup["theirs"].pk]},
    )
    assert Program.objects.count() == 2


def test_coordinator_creating_a_program_becomes_its_coordinator(client, setup):
    client.force_login(setup["coordinator"])
    add = reverse("admin:programs_program_add")
    # Every inline on the page (other apps attach theirs) posts its empty rows unchanged.
    data = admin_post_data(client.get(add))
    data.update({"name": "New cohort", "slug": "new-cohort", "status": "draft"})
    response = client.post(add, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    program = Program.objects.get(slug="new-cohort")
    assert list(program.coordinators.all()) == [setup["coordinator"]]
    assert program.status == "draft"


def test_foreign_key_choices_are_scoped(client, setup):
    client.force_login(setup["coordinator"])
    page = client.get(reverse("admin:programs_invitation_changelist"))
    assert page.status_code == 200
    assert "Theirs" not in page.content.decode()


def test_superuser_sees_everything(client, setup):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:programs_application_changelist"))
    assert len(page.context["cl"].result_list) == 2
    url = reverse("admin:programs_program_change", args=[setup["theirs"].pk])
    assert client.get(url).status_code == 200


def test_participant_cannot_open_the_admin(client, setup):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:programs_program_changelist"), follow=True)
    assert response.redirect_chain == [("/admin/login/?next=/admin/programs/program/", 302)]
    assert response.status_code == 403


def test_application_export_contains_only_my_programs_and_is_formula_safe(client, setup):
    setup["my_app"].motivation = "=HYPERLINK(1)"
    setup["my_app"].save()
    setup["my_app"].user.display_name = "=cmd|' /C calc'!A0"
    setup["my_app"].user.save()
    client.force_login(setup["coordinator"])
    response = client.post(
        reverse("admin:programs_application_changelist"),
        {
            "action": "export_csv",
            "_selected_action": [setup["my_app"].pk, setup["their_app"].pk],
        },
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Mine,'=cmd|' /C calc'!A0,")
    assert setup["their_app"].user.email not in lines[1]
