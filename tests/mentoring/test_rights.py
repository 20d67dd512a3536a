"""A signed-in person's groups and permissions are kept per process under their user row's
`rights_stamp`: every way Django changes them moves the stamp in the same transaction, the
next page follows the change, and a page that follows an unchanged one reads neither groups
nor permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.kept import Kept
from mentoring.rights import group_names, rights_attach
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP, user_roles
from tests.factories import UserFactory
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db

MATCHES = "admin:matching_match_changelist"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _coordinator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    return user


def _stamp(user) -> int:
    user.refresh_from_db(fields=["rights_stamp"])
    return user.rights_stamp


def _rights_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries if "auth_group" in q["sql"] or "auth_permission" in q["sql"]]


def test_a_page_after_an_unchanged_one_reads_no_groups_or_permissions(client):
    coordinator = _coordinator()
    client.force_login(coordinator)
    assert _rights_queries(client, reverse(MATCHES))  # the first page reads them
    assert _rights_queries(client, reverse(MATCHES)) == []
    assert _rights_queries(client, reverse("home")) == []
    # A participant's page reads their groups (for the navigation) once too.
    participant = UserFactory()
    client.force_login(participant)
    client.get(reverse("home"))
    assert _rights_queries(client, reverse("home")) == []


def test_the_next_page_follows_a_change_of_a_groups_permissions(client):
    coordinator = _coordinator()
    client.force_login(coordinator)
    assert client.get(reverse(MATCHES)).status_code == 200
    coordinators = Group.objects.get(name=COORDINATORS_GROUP)
    view_match = _permission("matching", "view_match")
    change_match = _permission("matching", "change_match")
    coordinators.permissions.remove(view_match, change_match)
    assert client.get(reverse(MATCHES)).status_code == 403
    coordinators.permissions.add(view_match)
    assert client.get(reverse(MATCHES)).status_code == 200


def test_the_next_page_follows_leaving_and_joining_a_group(client):
    coordinator = _coordinator()
    client.force_login(coordinator)
    coordinate = reverse("admin:index")
    assert f'href="{coordinate}"' in client.get(reverse("home")).text
    coordinator.groups.clear()
    page = client.get(reverse("home")).text
    assert f'href="{coordinate}"' not in page
    assert client.get(reverse(MATCHES)).status_code == 403
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(coordinator)
    assert f'href="{coordinate}"' in client.get(reverse("home")).text
    assert client.get(reverse(MATCHES)).status_code == 200


def test_the_next_page_follows_a_renamed_group(client):
    coordinator = _coordinator()
    client.force_login(coordinator)
    assert client.get(reverse("home")).context["roles"].coordinator
    group = Group.objects.get(name=COORDINATORS_GROUP)
    group.name = "Former coordinators"
    group.save()
    assert not client.get(reverse("home")).context["roles"].coordinator


def _loaded(user):
    """Another object of the same person, as a request loads it."""
    return type(user).objects.get(pk=user.pk)


def _rename(obj, field: str) -> None:
    setattr(obj, field, "renamed")
    obj.save()


# Each way Django changes someone's rights, from either end of each relation: (what the
# person has before, the change). The person is in a group holding a permission that they
# also hold themselves, unless the change is to give them one of these.
EVERYTHING, NO_GROUP, NO_OWN, GROUP_WITHOUT = "everything", "no group", "no own", "group without"
CHANGES = {
    "user.groups.add": (NO_GROUP, lambda u, g, p: u.groups.add(g)),
    "user.groups.remove": (EVERYTHING, lambda u, g, p: u.groups.remove(g)),
    "user.groups.set": (EVERYTHING, lambda u, g, p: u.groups.set([])),
    "user.groups.clear": (EVERYTHING, lambda u, g, p: u.groups.clear()),
    "group.user_set.add": (NO_GROUP, lambda u, g, p: g.user_set.add(u)),
    "group.user_set.remove": (EVERYTHING, lambda u, g, p: g.user_set.remove(u)),
    "group.user_set.clear": (EVERYTHING, lambda u, g, p: g.user_set.clear()),
    "user.user_permissions.add": (NO_OWN, lambda u, g, p: u.user_permissions.add(p)),
    "user.user_permissions.clear": (EVERYTHING, lambda u, g, p: u.user_permissions.clear()),
    "permission.user_set.add": (NO_OWN, lambda u, g, p: p.user_set.add(u)),
    "permission.user_set.clear": (EVERYTHING, lambda u, g, p: p.user_set.clear()),
    "group.permissions.add": (GROUP_WITHOUT, lambda u, g, p: g.permissions.add(p)),
    "group.permissions.remove": (EVERYTHING, lambda u, g, p: g.permissions.remove(p)),
    "group.permissions.clear": (EVERYTHING, lambda u, g, p: g.permissions.clear()),
    "permission.group_set.add": (GROUP_WITHOUT, lambda u, g, p: p.group_set.add(g)),
    "permission.group_set.clear": (EVERYTHING, lambda u, g, p: p.group_set.clear()),
    "group renamed": (EVERYTHING, lambda u, g, p: _rename(g, "name")),
    "group deleted": (EVERYTHING, lambda u, g, p: g.delete()),
    "permission renamed": (EVERYTHING, lambda u, g, p: _rename(p, "codename")),
    "permission deleted": (EVERYTHING, lambda u, g, p: p.delete()),
    "content type renamed": (EVERYTHING, lambda u, g, p: _rename(p.content_type, "model")),
    "content type deleted": (EVERYTHING, lambda u, g, p: p.content_type.delete()),
}


def test_the_next_admin_page_follows_a_change_of_the_programs_someone_coordinates(client):
    coordinator = _coordinator()
    ours, theirs = make_program(name="Ours"), make_program(name="Theirs")
    ours.coordinators.add(coordinator)
    client.force_login(coordinator)
    programs = reverse("admin:programs_program_changelist")

    def listed():
        return [program.name for program in client.get(programs).context["cl"].result_list]

    assert listed() == ["Ours"]
    assert _rights_queries(client, programs) == []  # kept, with the admin's scope
    theirs.coordinators.add(coordinator)
    assert sorted(listed()) == ["Ours", "Theirs"]
    coordinator.coordinated_programs.remove(ours)
    assert listed() == ["Theirs"]
    theirs.coordinators.clear()
    assert listed() == []
    coordinator.coordinated_programs.add(ours)
    assert listed() == ["Ours"]
    ours.delete()
    assert listed() == []
    # No longer staff: no programs, whatever the kept scope said.
    theirs.coordinators.add(coordinator)
    assert listed() == ["Theirs"]
    type(coordinator).objects.filter(pk=coordinator.pk).update(is_staff=False)
    assert client.get(programs).status_code == 302  # to the admin's login


# (whether the person is the program's staff before, the change to person u and program p)
COORDINATOR_CHANGES = {
    "add": (False, lambda u, p: p.coordinators.add(u)),
    "add from the person": (False, lambda u, p: u.coordinated_programs.add(p)),
    "remove": (True, lambda u, p: p.coordinators.remove(u)),
    "clear": (True, lambda u, p: p.coordinators.clear()),
    "clear from the person": (True, lambda u, p: u.coordinated_programs.clear()),
    "delete": (True, lambda u, p: p.delete()),
    "add reporting staff": (False, lambda u, p: p.reporting_staff.add(u)),
    "remove reporting staff": (True, lambda u, p: u.reported_programs.remove(p)),
    "clear reporting staff": (True, lambda u, p: p.reporting_staff.clear()),
}


@pytest.mark.parametrize("change", list(COORDINATOR_CHANGES))
def test_a_change_of_a_programs_coordinators_moves_their_stamps(change):
    coordinates_before, act = COORDINATOR_CHANGES[change]
    person, bystander = _coordinator(), _coordinator()
    program, other = make_program(name="Ours"), make_program(name="Other")
    other.coordinators.add(bystander)
    if coordinates_before:
        staff = program.reporting_staff if "reporting" in change else program.coordinators
        staff.add(person)
    before, bystanders_before = _stamp(person), _stamp(bystander)
    act(person, program)
    assert _stamp(person) > before
    assert _stamp(bystander) == bystanders_before


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_rights_moves_the_stamp_of_everyone_it_concerns(change):
    """Someone with no part in the change keeps their stamp."""
    before_change, act = CHANGES[change]
    group = Group.objects.create(name="Mentor leads")
    permission = _permission("matching", "view_match")
    person = UserFactory()
    if before_change != GROUP_WITHOUT:
        group.permissions.add(permission)
    if before_change != NO_GROUP:
        person.groups.add(group)
    if before_change != NO_OWN:
        person.user_permissions.add(permission)
    bystander = UserFactory()
    bystander.groups.add(Group.objects.get(name=REPORTING_GROUP))
    before, bystanders_before = _stamp(person), _stamp(bystander)

    act(person, group, permission)

    assert _stamp(person) > before
    assert _stamp(bystander) == bystanders_before


def test_a_change_that_is_rolled_back_leaves_the_stamp():
    person = _coordinator()
    before = _stamp(person)
    with pytest.raises(RuntimeError), transaction.atomic():
        person.groups.clear()
        raise RuntimeError
    assert _stamp(person) == before


def test_only_the_requests_own_user_is_answered_from_what_is_kept(django_assert_num_queries):
    coordinator = _coordinator()
    marked = rights_attach(_loaded(coordinator))
    assert group_names(marked) == {COORDINATORS_GROUP}
    with django_assert_num_queries(0):
        assert group_names(marked) == {COORDINATORS_GROUP}
    # Another object of the same person, not marked as a request's, asks the database.
    other = _loaded(coordinator)
    with django_assert_num_queries(1):
        assert user_roles(other).coordinator


def test_a_marked_user_whose_rights_change_in_the_same_request_reads_them_again():
    coordinator = _coordinator()
    marked = rights_attach(_loaded(coordinator))
    assert group_names(marked) == {COORDINATORS_GROUP}
    marked.groups.clear()
    assert group_names(marked) == frozenset()


def test_superusers_and_inactive_people_are_left_to_django():
    superuser = rights_attach(UserFactory(is_superuser=True, is_staff=True))
    inactive = rights_attach(UserFactory(is_active=False))
    assert not hasattr(superuser, "_rights_key")
    assert not hasattr(inactive, "_rights_key")


def test_kept_forgets_everything_when_full_and_what_it_is_told():
    kept = Kept(size=2)
    kept.put(("a", 1), 1)
    kept.put(("b", 1), 2)
    assert kept.get(("a", 1)) == 1
    kept.put(("c", 1), 3)  # full: everything else is forgotten
    assert len(kept) == 1 and kept.get(("a", 1)) is None and kept.get(("c", 1)) == 3
    kept.put(("d", 1), 4)
    kept.forget(lambda key: key[0] == "c")
    assert kept.get(("c", 1)) is None and kept.get(("d", 1)) == 4


def test_the_next_report_page_follows_a_change_of_who_may_report_on_a_program(client):
    reporter = UserFactory()
    reporter.groups.add(Group.objects.get(name=REPORTING_GROUP))
    program = make_program(name="Ours")
    dashboard = reverse("evaluation:program-dashboard", args=[program.pk])
    client.force_login(reporter)
    assert client.get(dashboard).status_code == 404
    program.reporting_staff.add(reporter)
    assert client.get(dashboard).status_code == 200
    assert client.get(dashboard).status_code == 200  # from what is kept
    reporter.reported_programs.remove(program)
    assert client.get(dashboard).status_code == 404
    assert (
        client.get(reverse("evaluation:program-dashboard", args=[program.pk + 999])).status_code
        == 404
    )


def test_the_dashboards_coordinator_tools_follow_who_coordinates_the_program(client):
    """Reporting staff see a program's dashboard without its check-in tools; made one of its
    coordinators they see them on the next page, and no longer once removed."""
    person = UserFactory(is_staff=True)
    person.groups.add(Group.objects.get(name=REPORTING_GROUP))
    program, other = make_program(name="Ours"), make_program(name="Theirs")
    program.reporting_staff.add(person)
    other.coordinators.add(person)
    dashboard = reverse("evaluation:program-dashboard", args=[program.pk])
    tools = reverse("evaluation:checkin-preview", args=[program.pk])
    client.force_login(person)

    def shows_tools() -> bool:
        response = client.get(dashboard)
        assert response.status_code == 200
        return tools in response.content.decode()

    assert not shows_tools() and not shows_tools()  # the second from what is kept
    program.coordinators.add(person)
    assert shows_tools() and shows_tools()
    with CaptureQueriesContext(connection) as queries:
        client.get(dashboard)
    assert not [q for q in queries if "programs_program_coordinators" in q["sql"]]
    program.coordinators.remove(person)
    assert not shows_tools()


def test_the_next_staff_page_follows_adding_and_removing_an_authenticator_app(client, settings):
    from allauth.mfa.models import Authenticator

    from tests.accounts.test_mfa import add_totp

    settings.MFA_REQUIRED_FOR_STAFF = True
    coordinator = _coordinator()
    client.force_login(coordinator)
    assert client.get(reverse(MATCHES)).status_code == 302  # to set one up
    before = _stamp(coordinator)
    add_totp(coordinator)
    assert _stamp(coordinator) > before
    assert client.get(reverse(MATCHES)).status_code == 200
    assert client.get(reverse(MATCHES)).status_code == 200  # from what is kept
    Authenticator.objects.filter(user=coordinator).delete()
    assert client.get(reverse(MATCHES)).status_code == 302


def test_what_is_read_after_a_change_that_is_rolled_back_is_not_kept():
    """A request that changes someone's rights and reads them in a transaction that is then
    rolled back leaves their stamp as it was: what it read must not be kept under it."""
    from mentoring.rights import rights_request

    person = UserFactory()
    group = Group.objects.create(name="Mentor leads")
    with rights_request():
        marked = rights_attach(_loaded(person))
        assert group_names(marked) == frozenset()
        with pytest.raises(RuntimeError), transaction.atomic():
            marked.groups.add(group)
            assert group_names(marked) == {"Mentor leads"}
            raise RuntimeError
    with rights_request():
        assert group_names(rights_attach(_loaded(person))) == frozenset()
