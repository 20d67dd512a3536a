"""The admin's "view on site" redirect goes only to objects the user may see in the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.urls import resolve, reverse

from accounts.models import User
from mentoring import admin_views
from programs.models import Program
from tests.evaluation.helpers import make_coordinator
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def _view_on_site(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def _page_of(program: Program) -> str:
    return f"http://{Site.objects.get_current().domain}{program.get_absolute_url()}"


@pytest.fixture
def programs():
    mine = ProgramFactory(name="Mine", slug="mine-published")
    theirs = ProgramFactory(name="Theirs", slug="theirs-secret-draft", status="draft")
    return {"mine": mine, "theirs": theirs, "coordinator": make_coordinator(mine)}


def test_the_admins_view_on_site_url_is_served_by_our_view(programs):
    match = resolve(_view_on_site(programs["mine"]))
    assert match.func.__wrapped__ is admin_views.view_on_site


def test_coordinator_is_sent_to_their_own_programs_page(client, programs):
    client.force_login(programs["coordinator"])
    response = client.get(_view_on_site(programs["mine"]))
    assert response.status_code == 302
    assert response["Location"] == _page_of(programs["mine"])


def test_coordinator_gets_404_for_another_programs_object(client, programs):
    client.force_login(programs["coordinator"])
    response = client.get(_view_on_site(programs["theirs"]))
    assert response.status_code == 404
    assert "theirs-secret-draft" not in response.content.decode()


def test_superuser_is_sent_to_any_programs_page(client, programs):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(_view_on_site(programs["theirs"]))
    assert response.status_code == 302
    assert response["Location"] == _page_of(programs["theirs"])


@pytest.mark.parametrize("who", ["anonymous", "participant"])
def test_non_staff_are_sent_to_the_admin_login(client, programs, who):
    if who == "participant":
        client.force_login(UserFactory())
    url = _view_on_site(programs["mine"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_staff_without_view_permission_get_404(client, programs):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(_view_on_site(programs["mine"])).status_code == 404


@pytest.mark.parametrize(
    "content_type_id, object_id",
    [("999999", "1"), ("abc", "1"), ("program", "abc"), ("program", "999999"), ("user", "me")],
)
def test_unknown_unregistered_or_malformed_targets_are_404(
    client, programs, content_type_id, object_id
):
    client.force_login(programs["coordinator"])
    models = {"program": Program, "user": User}
    if content_type_id in models:
        content_type_id = str(ContentType.objects.get_for_model(models[content_type_id]).pk)
    if object_id == "me":
        object_id = str(programs["coordinator"].pk)
    url = reverse("admin:view_on_site", args=[content_type_id, object_id])
    assert client.get(url).status_code == 404
