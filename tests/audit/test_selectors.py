"""`audit_entries_for`: who may see which entries of the audit trail."""

import pytest
from django.contrib.auth.models import AnonymousUser

from audit.models import Action
from audit.selectors import audit_entries_for
from audit.services import audit_record
from tests.audit.helpers import make_coordinator, make_reporter
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a, b = ProgramFactory(), ProgramFactory()
    entries = {
        "a": audit_record(action=Action.MATCH_ENDED, program=a),
        "b": audit_record(action=Action.MATCH_ENDED, program=b),
        "none": audit_record(action=Action.NOTICE_PUBLISHED),
    }
    return a, b, entries


def _seen(user) -> list[int]:
    return sorted(audit_entries_for(user=user).values_list("pk", flat=True))


def test_a_superuser_sees_every_entry(world):
    *_, entries = world
    everyone = sorted(e.pk for e in entries.values())
    assert _seen(UserFactory(is_staff=True, is_superuser=True)) == everyone


def test_a_coordinator_sees_their_programs_entries_and_no_program_less_ones(world):
    a, b, entries = world
    assert _seen(make_coordinator(a)) == [entries["a"].pk]
    assert _seen(make_coordinator(a, b)) == sorted([entries["a"].pk, entries["b"].pk])
    assert _seen(make_coordinator()) == []


def test_people_without_the_audit_permission_see_nothing(world):
    a, _b, _entries = world
    staff_without_group = UserFactory(is_staff=True)
    a.coordinators.add(staff_without_group)
    named_but_not_staff = make_coordinator(a, is_staff=False)
    inactive = make_coordinator(a, is_active=False)

    assert _seen(make_reporter(a)) == []
    assert _seen(make_reporter(a, is_staff=True)) == []
    assert _seen(staff_without_group) == []
    assert _seen(named_but_not_staff) == []
    assert _seen(inactive) == []
    assert _seen(AnonymousUser()) == []
    assert _seen(UserFactory()) == []
