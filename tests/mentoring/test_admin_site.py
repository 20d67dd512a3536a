"""The admin's navigation list is kept per set of rights, and its sidebar's HTML per list,
language and current page: both follow a change of rights at once, speak the page's language,
the sidebar is Django's own with the current page marked, and callers cannot spoil the list."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from mentoring.admin_site import MentoringAdminSite
from mentoring.roles import COORDINATORS_GROUP
from mentoring.templatetags.admin_navigation import DJANGO_SIDEBAR
from tests.factories import UserFactory
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db


def _navigation(client, **headers) -> dict[str, list[str]]:
    page = client.get(reverse("admin:index"), **headers)
    assert page.status_code == 200
    return {
        app["app_label"]: [m["object_name"] for m in app["models"]]
        for app in page.context["available_apps"]
    }


def _grant(user, app_label: str, codename: str) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )


def test_the_project_site_is_the_admin_site():
    assert isinstance(admin.site, MentoringAdminSite)


def test_navigation_follows_a_change_of_rights_on_the_next_page(client):
    staff = UserFactory(is_staff=True)
    _grant(staff, "programs", "view_application")
    client.force_login(staff)
    assert _navigation(client) == {"programs": ["Application"]}

    _grant(staff, "matching", "view_match")
    assert _navigation(client) == {"programs": ["Application"], "matching": ["Match"]}

    staff.user_permissions.remove(
        Permission.objects.get(content_type__app_label="programs", codename="view_application")
    )
    assert _navigation(client) == {"matching": ["Match"]}

    # Another person with the same rights gets the same list; one with none, none.
    other = UserFactory(is_staff=True)
    _grant(other, "matching", "view_match")
    client.force_login(other)
    assert _navigation(client) == {"matching": ["Match"]}
    other.user_permissions.clear()
    assert client.get(reverse("admin:index")).context["available_apps"] == []


def test_navigation_is_in_the_language_of_the_page(client):
    staff = UserFactory(is_staff=True)
    _grant(staff, "programs", "view_application")
    client.force_login(staff)

    def names(lang):
        page = client.get(reverse("admin:index"), {"lang": lang})
        return [
            (app["name"], [m["name"] for m in app["models"]])
            for app in page.context["available_apps"]
        ]

    english = names("en")
    spanish = names("es")
    assert english[0][1] == ["Applications"]
    assert spanish[0][1] == ["Solicitudes"]
    assert names("en") == english


def test_a_caller_changing_its_list_does_not_change_the_next(rf):
    staff = UserFactory(is_staff=True)
    _grant(staff, "programs", "view_application")
    request = rf.get("/admin/")
    request.user = staff
    first = admin.site.get_app_list(request)
    first[0]["models"][0]["perms"]["view"] = False
    first[0]["models"].clear()
    first[0]["name"] = "spoiled"
    request.user = type(staff).objects.get(pk=staff.pk)
    again = admin.site.get_app_list(request)
    assert again[0]["name"] != "spoiled"
    assert [m["object_name"] for m in again[0]["models"]] == ["Application"]
    assert again[0]["models"][0]["perms"]["view"] is True


def test_a_superuser_sees_every_registered_model(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = {(label, name) for label, names in _navigation(client).items() for name in names}
    registered = {(m._meta.app_label, m._meta.object_name) for m in admin.site._registry}
    assert listed == registered


def _djangos_sidebar(page) -> str:
    """Django's own sidebar template, rendered afresh for the page's list and address."""
    request = page.wsgi_request
    with translation.override(request.LANGUAGE_CODE):
        return Template(DJANGO_SIDEBAR.read_text()).render(
            Context({"available_apps": page.context["available_apps"], "request": request})
        )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_sidebar_is_djangos_own_with_the_current_page_marked(client, lang):
    staff = UserFactory(is_staff=True)
    _grant(staff, "programs", "view_application")
    _grant(staff, "matching", "view_match")
    client.force_login(staff)
    for url, current in [
        (reverse("admin:programs_application_changelist"), "application"),
        (reverse("admin:matching_match_changelist"), "match"),
        (reverse("admin:matching_match_changelist") + "?status=active", "match"),
    ]:
        for _ in range(2):  # the second page is the kept sidebar
            page = client.get(url, {"lang": lang})
            html = page.content.decode()
            assert _djangos_sidebar(page) in html
            marked = re.findall(r'class="model-(\w+) current-model"', html)
            assert marked == [current]


def test_the_sidebar_follows_a_change_of_rights(client):
    staff = UserFactory(is_staff=True)
    _grant(staff, "programs", "view_application")
    client.force_login(staff)
    changelist = reverse("admin:programs_application_changelist")
    assert reverse("admin:matching_match_changelist") not in client.get(changelist).content.decode()
    _grant(staff, "matching", "view_match")
    page = client.get(changelist)
    assert reverse("admin:matching_match_changelist") in page.content.decode()
    assert _djangos_sidebar(page) in page.content.decode()


def test_every_model_admin_answers_its_rights_from_the_persons_rights_alone(rf):
    """What the kept list rests on: two coordinators with the same permissions, one with a
    program and one without, on different addresses, get the same answers from every model
    admin the site has registered."""
    coordinators = Group.objects.get(name=COORDINATORS_GROUP)
    with_program, without = UserFactory(is_staff=True), UserFactory(is_staff=True)
    for person in (with_program, without):
        person.groups.add(coordinators)
    make_program(name="Career Connect").coordinators.add(with_program)
    for model, model_admin in admin.site._registry.items():
        answers = []
        for person, path in ((with_program, "/admin/"), (without, "/admin/x/?status=approved")):
            request = rf.get(path)
            request.user = type(person).objects.get(pk=person.pk)
            answers.append(
                (model_admin.has_module_permission(request), model_admin.get_model_perms(request))
            )
        assert answers[0] == answers[1], model
