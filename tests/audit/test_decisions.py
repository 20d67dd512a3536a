"""Application decisions in the audit trail: every route (admin actions, the approve button,
matching's own decisions) goes through `application_decide`, which records each decision in
its own transaction; a refused or rolled-back decision leaves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from programs.models import Application, ScreeningItem
from programs.screening import ScreeningIncomplete
from programs.services import application_decide, applications_decide
from programs.signals import application_decided
from tests.audit.helpers import entries_since, make_coordinator, mark, target
from tests.factories import ApplicationFactory
from tests.programs.helpers import admin_post_data, make_program

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:programs_application_changelist"


def _action(client, action: str, applications, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [a.pk for a in applications], **data},
    )


def test_the_bulk_approve_action_records_one_entry_per_approval(client):
    program = make_program()
    mentee = ApplicationFactory(program=program, role="mentee")
    mentor = ApplicationFactory(program=program, role="mentor")
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    assert _action(client, "approve", [mentee, mentor]).status_code == 302

    by_target = sorted(entries_since(since), key=lambda entry: entry[4][1])
    assert by_target == [
        (
            "application_approved",
            coordinator,
            program,
            mentee.user,
            target(mentee),
            {"role": "mentee", "from": "applied"},
        ),
        (
            "application_approved",
            coordinator,
            program,
            mentor.user,
            target(mentor),
            {"role": "mentor", "from": "applied"},
        ),
    ]


def test_the_decline_action_says_a_reason_was_given_but_keeps_its_text_out(client):
    program = make_program()
    application = ApplicationFactory(program=program, role="mentee")
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    response = _action(client, "decline", [application], reason="Private words about Ana")

    assert response.status_code == 302
    assert entries_since(since) == [
        (
            "application_declined",
            coordinator,
            program,
            application.user,
            target(application),
            {"role": "mentee", "from": "applied", "reason_given": True},
        )
    ]
    assert Application.objects.get(pk=application.pk).decision_reason == "Private words about Ana"


def test_the_waitlist_action_records_the_status_it_came_from(client):
    program = make_program()
    application = ApplicationFactory(program=program, role="mentee", status="approved")
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    _action(client, "waitlist", [application])

    assert entries_since(since) == [
        (
            "application_waitlisted",
            coordinator,
            program,
            application.user,
            target(application),
            {"role": "mentee", "from": "approved"},
        )
    ]


def test_the_approve_button_on_the_application_page_records_the_approval(client):
    program = make_program()
    application = ApplicationFactory(program=program, role="mentor")
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    url = reverse("admin:programs_application_change", args=[application.pk])
    data = {**admin_post_data(client.get(url)), "_approve": "1"}
    since = mark()

    assert client.post(url, data).status_code == 302

    assert entries_since(since) == [
        (
            "application_approved",
            coordinator,
            program,
            application.user,
            target(application),
            {"role": "mentor", "from": "applied"},
        )
    ]


def test_a_decision_the_system_takes_has_no_actor():
    application = ApplicationFactory(program=make_program())
    since = mark()

    application_decide(application=application, status="approved")

    [(action, actor, *_rest)] = entries_since(since)
    assert (action, actor) == ("application_approved", None)


def test_an_approval_refused_for_incomplete_screening_writes_no_entry(client):
    program = make_program()
    ScreeningItem.objects.create(program=program, label="Interview held", audience="both")
    waiting = ApplicationFactory(program=program)
    since = mark()

    with pytest.raises(ScreeningIncomplete):
        application_decide(application=waiting, status="approved")
    client.force_login(make_coordinator(program))
    _action(client, "approve", [waiting])

    assert entries_since(since) == []
    assert Application.objects.get(pk=waiting.pk).status == "applied"


def test_a_decision_undone_after_it_was_recorded_takes_its_entry_with_it():
    application = ApplicationFactory(program=make_program())

    def refuse(**kwargs):
        raise ValidationError("A receiver refused.")

    application_decided.connect(refuse, sender=Application, dispatch_uid="audit-test")
    try:
        with pytest.raises(ValidationError):
            application_decide(application=application, status="approved")
    finally:
        application_decided.disconnect(sender=Application, dispatch_uid="audit-test")

    assert AuditEntry.objects.count() == 0
    assert Application.objects.get(pk=application.pk).status == "applied"


def test_a_bulk_decline_without_a_reason_undoes_every_entry():
    program = make_program()
    first, second = ApplicationFactory(program=program), ApplicationFactory(program=program)
    since = mark()

    with pytest.raises(ValidationError):
        applications_decide(applications=[first, second], status="declined")

    assert entries_since(since) == []
