"""The audit trail in the admin: read only for everyone, every entry for superusers, their
programs' entries for coordinators (another program's or a program-less entry is 404),
nothing for reporting staff; readable details, target links only where the viewer may go,
and the same queries for a page of 10 entries as for one of 50."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audit.admin import detail_text
from audit.models import Action, AuditEntry
from audit.services import audit_record
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from outcomes.models import OutcomeImport
from tests.audit.helpers import make_coordinator, make_reporter
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from tests.relationships.helpers import make_pair

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditentry_changelist")


def _change(entry) -> str:
    return reverse("admin:audit_auditentry_change", args=[entry.pk])


def _decline(program, by=None) -> AuditEntry:
    application = ApplicationFactory(program=program, user__display_name="Ana Applicant")
    return audit_record(
        action=Action.APPLICATION_DECLINED,
        actor=by,
        program=program,
        person=application.user,
        target=application,
        detail={"role": "mentee", "from": "applied", "reason_given": True},
    )


def _notice() -> AuditEntry:
    return audit_record(action=Action.NOTICE_PUBLISHED, actor=UserFactory(is_superuser=True))


@pytest.fixture
def world():
    """Program A and B with an entry each, and one entry with no program."""
    a, b = ProgramFactory(name="Alpha"), ProgramFactory(name="Beta")
    return a, b, _decline(a), _decline(b), _notice()


def _listed(client) -> set[int]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return {entry.pk for entry in response.context["cl"].result_list}


def test_a_superuser_sees_every_entry(client, world):
    *_, in_a, in_b, no_program = world
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert _listed(client) == {in_a.pk, in_b.pk, no_program.pk}
    for entry in (in_a, in_b, no_program):
        assert client.get(_change(entry)).status_code == 200


def test_a_coordinator_sees_only_their_programs_entries(client, world):
    a, _b, in_a, in_b, no_program = world
    client.force_login(make_coordinator(a))

    assert _listed(client) == {in_a.pk}
    assert client.get(_change(in_a)).status_code == 200
    assert client.get(_change(in_b)).status_code == 404
    assert client.get(_change(no_program)).status_code == 404


def test_the_program_filter_offers_a_coordinator_only_their_programs(client, world):
    a, *_ = world
    ProgramFactory(name="Gamma").coordinators.add(coordinator := make_coordinator(a))
    client.force_login(coordinator)

    response = client.get(CHANGELIST)

    [spec] = [f for f in response.context["cl"].filter_specs if f.title == "program"]
    assert sorted(label for _pk, label in spec.lookup_choices) == ["Alpha", "Gamma"]
    assert "Beta" not in response.content.decode()


def test_reporting_staff_and_other_staff_have_no_access(client, world):
    a, _b, in_a, *_ = world
    client.force_login(make_reporter(a))
    assert client.get(CHANGELIST).status_code == 302  # not staff: the admin's login
    staff_reporter = make_reporter(a, is_staff=True)
    client.force_login(staff_reporter)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_change(in_a)).status_code == 403


def test_only_coordinators_are_granted_the_audit_trail():
    view = Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")
    assert view in Group.objects.get(name=COORDINATORS_GROUP).permissions.all()
    assert view not in Group.objects.get(name=REPORTING_GROUP).permissions.all()
    granted = Group.objects.get(name=COORDINATORS_GROUP).permissions.filter(
        content_type__app_label="audit"
    )
    assert [p.codename for p in granted] == ["view_auditentry"]


@pytest.mark.parametrize("superuser", [True, False])
def test_nobody_adds_changes_or_deletes_entries(client, world, superuser):
    a, _b, in_a, *_ = world
    user = UserFactory(is_staff=True, is_superuser=True) if superuser else make_coordinator(a)
    client.force_login(user)

    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[in_a.pk])).status_code == 403
    client.post(_change(in_a), {"action": "erasure_processed", "detail": "{}"})
    in_a.refresh_from_db()
    assert in_a.action == "application_declined"
    assert client.get(CHANGELIST).context["action_form"] is None  # not even "delete selected"
    assert AuditEntry.objects.count() == 3


def test_the_list_shows_who_what_concerning_and_a_readable_detail(client, world):
    a, *_ = world
    coordinator = make_coordinator(a, display_name="Corinne Coordinator")
    decided = _decline(a, by=coordinator)
    client.force_login(coordinator)

    page = client.get(CHANGELIST).content.decode()

    application_url = reverse("admin:programs_application_change", args=[decided.target_id])
    assert f'<a href="{application_url}">application #{decided.target_id}</a>' in page
    assert "Application declined" in page
    assert "Corinne Coordinator" in page
    assert "Ana Applicant" in page
    assert "role: mentee; previous status: applied; reason given: yes" in page
    match = make_pair(a)
    ended = audit_record(action=Action.MATCH_ENDED, actor=coordinator, program=a, target=match)
    page = client.get(CHANGELIST).content.decode()
    match_url = reverse("admin:matching_match_change", args=[match.pk])
    assert f'<a href="{match_url}">match #{ended.target_id}</a>' in page


def test_a_target_the_viewer_cannot_open_is_named_by_type_and_id(client):
    program = ProgramFactory()
    record = OutcomeImport.objects.create(program=program, original_name="o.csv")
    entry = audit_record(action=Action.OUTCOMES_IMPORTED, program=program, target=record)
    gone = _decline(program)
    gone_id = gone.target_id
    gone_target = gone.target_type.model_class().objects.get(pk=gone_id)
    gone_target.delete()
    client.force_login(make_coordinator(program))  # outcome imports: not in their admin

    page = client.get(CHANGELIST).content.decode()

    assert f"outcome import #{record.pk}" in page
    assert reverse("admin:outcomes_outcomeimport_change", args=[record.pk]) not in page
    assert f"application #{gone_id}" in page
    assert reverse("admin:programs_application_change", args=[gone_id]) not in page
    detail = client.get(_change(entry)).content.decode()
    assert f"outcome import #{record.pk}" in detail


def test_search_finds_actions_by_their_words_and_codes(client, world):
    _a, _b, in_a, in_b, no_program = world
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    def found(term):
        response = client.get(CHANGELIST, {"q": term})
        return {entry.pk for entry in response.context["cl"].result_list}

    assert found("declined") == {in_a.pk, in_b.pk}
    assert found("Privacy notice") == {no_program.pk}
    assert found("notice_published") == {no_program.pk}
    assert found("nothing like this") == set()


def test_the_action_filter_and_the_date_hierarchy_are_offered(client, world):
    _a, _b, in_a, in_b, _ = world
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(CHANGELIST, {"action__exact": "application_declined"})

    assert {e.pk for e in response.context["cl"].result_list} == {in_a.pk, in_b.pk}
    assert response.context["cl"].date_hierarchy == "at"


def _many(program, count: int, coordinator) -> None:
    """Entries of three kinds: decisions on applications and ended matches (targets the page
    links) and exports (no target)."""
    for n in range(count):
        if n % 3 == 0:
            _decline(program, by=coordinator)
        elif n % 3 == 1:
            audit_record(
                action=Action.MATCH_ENDED,
                actor=coordinator,
                program=program,
                target=make_pair(program),
                detail={"end_reason": "schedules"},
            )
        else:
            audit_record(
                action=Action.REPORT_EXPORTED,
                actor=coordinator,
                program=program,
                detail={"report": "checkins", "format": "csv"},
            )


# Session, user, the program filter's choices, the count and the full count, the page (actor,
# program, person and target type joined), the applications and the matches among its targets
# the viewer may open (one query per kind of target, not per entry), the date hierarchy's
# range and days. A coordinator's permissions, groups and programs are kept from the page
# before (mentoring/rights.py).
QUERIES = {"superuser": 10, "coordinator": 10}


@pytest.mark.parametrize("viewer", ["superuser", "coordinator"])
@pytest.mark.parametrize("size", [10, 50])
def test_the_list_takes_the_same_queries_for_10_and_50_entries(
    client, django_assert_num_queries, viewer, size
):
    program = ProgramFactory()
    coordinator = make_coordinator(program)
    _many(program, size, coordinator)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser if viewer == "superuser" else coordinator)
    client.get(CHANGELIST)  # warm the content types

    with django_assert_num_queries(QUERIES[viewer]):
        response = client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == size


def test_details_read_in_a_fixed_order_and_escaped():
    assert detail_text({"updated": 1, "rows": 3, "added": 2}) == "rows: 3; added: 2; updated: 1"
    assert detail_text({"zz": "<b>", "pairs": 2}) == "pairs: 2; zz: &lt;b&gt;"
    unset = {"end_reason": "", "matched": False}
    assert detail_text(unset) == "placed in a match: no; end reason: —"
    assert detail_text({}) == "—"
