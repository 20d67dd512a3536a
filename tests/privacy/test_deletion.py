"""Deleting one's account (issue 14, item 4): the page, the password, what ends at once, the
grace period that signing in cancels, the hourly erasure, the sole coordinator who must hand
over first, and coordinators processing an erasure for a participant from the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from matching.models import EndReason, Match, MatchRequest
from mentoring.roles import COORDINATORS_GROUP
from notifications.models import Kind, Notification
from notifications.rendering import notification_render
from privacy import deletion
from privacy.deletion import (
    account_deletion_blockers,
    account_deletion_cancel,
    account_deletion_request,
    erasures_process_due,
)
from privacy.erasure import is_tombstone
from privacy.models import ErasureRequest
from privacy.tasks import privacy_daily
from programs.models import Application, Program
from sessions.models import Attendance, Meeting
from tests.audit.helpers import entries_since, make_coordinator, mark, target
from tests.factories import PASSWORD, ApplicationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "zanzibar.quokkington@example.org"
NAME = "Zanzibar Quokkington"
DELETE = reverse("privacy:delete")
S = ErasureRequest.Status


def make_person(**fields):
    return UserFactory(email=EMAIL, display_name=NAME, **fields)


def make_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    fields.setdefault("name", "Spring Mentoring")
    return ProgramFactory(**fields)


def match_of(person, program=None, *, role="mentee", partner_name="Mo Partner") -> Match:
    """An active match in which `person` has `role`, with a new partner."""
    program = program or make_program()
    mine = Application.objects.filter(user=person, program=program).first()
    if mine is None:
        mine = ApplicationFactory(
            program=program, user=person, role=role, status=Application.Status.APPROVED
        )
    other_role = "mentor" if role == "mentee" else "mentee"
    partner = ApplicationFactory(
        program=program,
        user=UserFactory(display_name=partner_name),
        role=other_role,
        status=Application.Status.APPROVED,
    )
    mentor, mentee = (partner, mine) if role == "mentee" else (mine, partner)
    return Match.objects.create(program=program, mentor=mentor, mentee=mentee)


def partner_of(match: Match, person):
    return match.mentee.user if match.mentor.user_id == person.pk else match.mentor.user


def booked(match: Match, *, hours_from_now: float) -> Meeting:
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_from_now)
    return Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(hours=1),
    )


def queued(kind: str, user) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, recipient=user))


# --- the page ------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(DELETE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_says_what_will_happen_and_lists_the_matches_that_end(client):
    person = make_person()
    match_of(person, make_program(name="Spring <Mentoring>"), partner_name="Mo <b>Partner</b>")
    client.force_login(person)

    response = client.get(DELETE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "your mentor Mo &lt;b&gt;Partner&lt;/b&gt; in Spring &lt;Mentoring&gt;" in body
    assert "Your active matches end now" in body
    assert "academic outcome records, which are removed" in body
    assert "Deleted user" in body and "anonymous surveys" in body
    assert "What happens in 14 days" in body
    assert "Sign in again within 14 days and your account will not be deleted" in body
    assert f'href="{reverse("privacy:data")}"' in body
    assert 'name="password"' in body


@pytest.mark.parametrize("matches", [1, 4])
def test_the_page_takes_the_same_queries_for_one_and_many_matches(
    client, django_assert_num_queries, matches
):
    person = make_person()
    program = make_program()
    for n in range(matches):
        match_of(person, program, role="mentor", partner_name=f"Mentee {n}")
    client.force_login(person)

    # session, user, roles (groups); blockers; active matches; open applications
    with django_assert_num_queries(7):
        response = client.get(DELETE)

    assert response.status_code == 200
    assert response.content.decode().count("your mentee Mentee") == matches


def test_the_pages_three_lists_keep_their_sql(client):
    """The blockers, the active matches and the open applications are read by kept SQL (the
    page is opened by everyone thinking of leaving); what they hold is checked against
    Django's own SQL on every call in the tests (COMPILED_QUERIES_VERIFY)."""
    person = make_person()
    match_of(person, make_program(), role="mentor")
    client.force_login(person)

    assert client.get(DELETE).status_code == 200

    assert deletion.sole_coordinator_programs.is_kept(user=person)
    assert deletion.active_matches_of.is_kept(user=person)
    assert deletion.open_applications_of.is_kept(user=person)


# --- the password --------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["not-my-password", ""])
def test_a_wrong_or_missing_password_changes_nothing(client, password):
    person = make_person()
    match = match_of(person)
    client.force_login(person)

    response = client.post(DELETE, {"password": password})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not ErasureRequest.objects.exists()
    match.refresh_from_db()
    assert match.is_active
    assert client.get(DELETE).status_code == 200  # still signed in


def test_guessing_the_password_is_rate_limited(client):
    person = make_person()
    client.force_login(person)
    for _attempt in range(10):
        client.post(DELETE, {"password": "guess"})

    response = client.post(DELETE, {"password": PASSWORD})

    assert "Too many attempts. Please wait a minute" in response.content.decode()
    assert not ErasureRequest.objects.exists()


def test_the_right_password_schedules_the_erasure_ends_matches_and_signs_out(client):
    person = make_person()
    match = match_of(person)
    client.force_login(person)
    since = mark()

    response = client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 200
    erasure = ErasureRequest.objects.get()
    assert (erasure.user, erasure.status, erasure.requested_by, erasure.on_behalf) == (
        person,
        S.SCHEDULED,
        person,
        False,
    )
    assert abs(erasure.due_at - (timezone.now() + timedelta(days=14))) < timedelta(minutes=1)
    with timezone.override(person.time_zone):
        day = timezone.localtime(erasure.due_at).strftime("%A %-d %B %Y")
    assert f"will be erased on {day}" in " ".join(response.content.decode().split())
    match.refresh_from_db()
    assert (match.status, match.end_reason, match.ended_by) == (
        "ended",
        EndReason.ACCOUNT_DELETED,
        person,
    )
    # Signed out: the page asks to sign in again.
    assert client.get(DELETE).status_code == 302
    assert [e[0] for e in entries_since(since)] == [Action.MATCH_ENDED, Action.ERASURE_REQUESTED]
    # In the program's trail, where its coordinators see it.
    assert entries_since(since)[1] == (
        Action.ERASURE_REQUESTED,
        person,
        match.program,
        person,
        target(erasure),
        {
            "on_behalf": False,
            "immediate": False,
            "matches_ended": 1,
            "sessions_cancelled": 0,
            "applications_withdrawn": 1,
        },
    )
    person.refresh_from_db()
    assert person.email == EMAIL and person.is_active  # nothing is erased yet


def test_the_partner_is_told_without_the_persons_email(client):
    person = make_person()
    match = match_of(person, role="mentor", partner_name="Ana Partner")
    partner = partner_of(match, person)
    client.force_login(person)

    client.post(DELETE, {"password": PASSWORD})

    [told] = queued(Kind.PARTNER_ACCOUNT_DELETED, partner)
    assert queued(Kind.MATCH_ENDED, partner) == []  # one email, this one
    email = notification_render(notification=told)
    html = email.alternatives[0][0]
    assert EMAIL not in email.subject + email.body + html
    assert "Your mentor in Spring Mentoring (Zanzibar Quokkington) has closed their account" in (
        " ".join(email.body.split())
    )
    assert "coordinators will be in touch" in email.body


def test_the_person_is_emailed_the_date_and_how_to_cancel(client):
    person = make_person(time_zone="Europe/London")
    client.force_login(person)

    client.post(DELETE, {"password": PASSWORD})

    [scheduled] = queued(Kind.ACCOUNT_DELETION_SCHEDULED, person)
    erasure = ErasureRequest.objects.get()
    email = notification_render(notification=scheduled)
    with timezone.override("Europe/London"):
        day = timezone.localtime(erasure.due_at).strftime("%-d %B %Y")
    assert email.subject == f"Your account will be deleted on {day}"
    assert f"Sign in again before {day}" in " ".join(email.body.split())
    assert "academic outcome records are erased" in " ".join(email.body.split())


def test_upcoming_sessions_requests_and_applications_are_closed_for_the_others(client):
    person = make_person()
    program = make_program(cancellation_cutoff_hours=24)
    match = match_of(person, program)
    partner = partner_of(match, person)
    soon, later = booked(match, hours_from_now=2), booked(match, hours_from_now=72)
    past = booked(match, hours_from_now=-48)
    other_program = make_program(name="Autumn", kind="informal")
    applied = ApplicationFactory(program=other_program, user=person, status="applied")
    mentor = ApplicationFactory(program=other_program, role="mentor", status="approved")
    request = MatchRequest.objects.create(
        program=other_program, mentee=applied, mentor=mentor, message="Hello"
    )
    client.force_login(person)

    client.post(DELETE, {"password": PASSWORD})

    assert Meeting.objects.get(pk=soon.pk).status == "cancelled"  # even inside the cutoff
    assert Meeting.objects.get(pk=later.pk).status == "cancelled"
    assert Meeting.objects.get(pk=past.pk).status == "booked"
    assert len(queued(Kind.BOOKING_CANCELLED, partner)) == 2
    applied.refresh_from_db()
    request.refresh_from_db()
    assert (applied.status, request.status) == ("withdrawn", "withdrawn")
    assert Application.objects.get(user=person, program=program).status == "withdrawn"


def test_group_sessions_are_cancelled_for_their_mentor_and_declined_for_a_member():
    program = make_program(format="group", group_size=3)
    person = make_person()
    as_mentor = match_of(person, program, role="mentor", partner_name="Member One")
    other_mentor = ApplicationFactory(program=program, role="mentor", status="approved")
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    led = Meeting.objects.create(
        program=program,
        mentor=person,
        kind="group",
        title="Circle",
        start=start,
        end=start + timedelta(hours=1),
    )
    Attendance.objects.create(meeting=led, member=as_mentor.mentee.user)
    joined = Meeting.objects.create(
        program=program,
        mentor=other_mentor.user,
        kind="group",
        title="Other circle",
        start=start,
        end=start + timedelta(hours=1),
    )
    Attendance.objects.create(meeting=joined, member=person)
    Attendance.objects.create(meeting=joined, member=UserFactory())

    account_deletion_request(user=person)

    led.refresh_from_db()
    joined.refresh_from_db()
    assert (led.status, joined.status) == ("cancelled", "booked")  # the others still meet
    assert Attendance.objects.get(meeting=joined, member=person).rsvp == "no"
    assert len(queued(Kind.BOOKING_CANCELLED, as_mentor.mentee.user)) == 1


def test_asking_twice_is_refused():
    person = make_person()
    account_deletion_request(user=person)

    with pytest.raises(ValidationError, match="already scheduled"):
        account_deletion_request(user=person)

    assert ErasureRequest.objects.count() == 1


# --- the grace period and the erasure --------------------------------------------------------


def test_signing_in_again_cancels_the_deletion_and_the_sweep_then_erases_nothing(client):
    person = make_person()
    match = match_of(person)
    client.force_login(person)
    client.post(DELETE, {"password": PASSWORD})
    since = mark()

    response = client.post(
        reverse("account_login"), {"login": EMAIL, "password": PASSWORD}, follow=True
    )

    assert "Welcome back: your account will not be deleted." in response.content.decode()
    erasure = ErasureRequest.objects.get()
    assert erasure.status == S.CANCELLED and erasure.cancelled_at is not None
    assert entries_since(since) == [
        (Action.ERASURE_CANCELLED, person, None, person, target(erasure), {})
    ]
    match.refresh_from_db()
    assert match.status == "ended"  # what ended stays ended
    ErasureRequest.objects.update(due_at=timezone.now() - timedelta(days=1))
    assert erasures_process_due() == 0
    person.refresh_from_db()
    assert (person.email, person.is_active) == (EMAIL, True)


def test_a_request_past_its_date_is_erased_once_by_the_sweep():
    person = make_person()
    match = match_of(person)
    erasure = account_deletion_request(user=person)
    assert erasures_process_due() == 0  # not due yet
    ErasureRequest.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    since = mark()

    assert erasures_process_due() == 1
    assert erasures_process_due() == 0

    erasure.refresh_from_db()
    person.refresh_from_db()
    assert erasure.status == S.DONE and erasure.done_at is not None
    assert erasure.summary["accounts.User"] == 1
    assert is_tombstone(person)
    assert entries_since(since) == [
        (
            Action.ERASURE_PROCESSED,
            None,
            match.program,  # in the trail of each program the person took part in
            person,
            target(erasure),
            {"on_behalf": False, "rows": sum(erasure.summary.values())},
        )
    ]
    assert account_deletion_cancel(user=person) is False


def test_the_hourly_privacy_task_erases_what_is_due():
    person = make_person()
    account_deletion_request(user=person, immediate=False)
    ErasureRequest.objects.update(due_at=timezone.now() - timedelta(minutes=1))

    totals = privacy_daily.apply().get()

    assert totals["erased"] == 1
    person.refresh_from_db()
    assert is_tombstone(person)


def test_one_failing_erasure_is_logged_and_the_others_go_on(monkeypatch, caplog):
    first, second = make_person(), UserFactory()
    for user in (first, second):
        account_deletion_request(user=user)
    ErasureRequest.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    real = deletion.person_erase

    def failing_for_first(*, user):
        if user.pk == first.pk:
            raise RuntimeError("disk full")
        return real(user=user)

    monkeypatch.setattr(deletion, "person_erase", failing_for_first)

    assert erasures_process_due() == 1

    assert ErasureRequest.objects.get(user=first).status == S.SCHEDULED  # tried again later
    assert ErasureRequest.objects.get(user=second).status == S.DONE
    assert "failed" in caplog.text


# --- the sole coordinator ------------------------------------------------------------------


def test_the_only_coordinator_of_a_running_program_is_told_who_must_take_over(client):
    program = make_program(name="Spring <b>Mentoring</b>")
    coordinator = make_coordinator(program, email=EMAIL)
    client.force_login(coordinator)

    page = client.get(DELETE)
    refused = client.post(DELETE, {"password": PASSWORD})

    body = page.content.decode()
    assert (
        "You are the only coordinator of Spring &lt;b&gt;Mentoring&lt;/b&gt;. Ask a superuser or "
        "another coordinator to add a coordinator to it (Programs &gt; Spring &lt;b&gt;Mentoring"
        "&lt;/b&gt; &gt; coordinators) before you delete your account." in body
    )
    assert 'name="password"' not in body
    assert refused.status_code == 403
    assert not ErasureRequest.objects.exists()
    with pytest.raises(ValidationError, match="only coordinator"):
        account_deletion_request(user=coordinator)


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_coordinator_of_a_program_not_running_may_leave(status):
    coordinator = make_coordinator(make_program(status=status))

    erasure = account_deletion_request(user=coordinator)

    assert erasure.status == S.SCHEDULED


def test_a_program_with_another_coordinator_does_not_hold_anyone_back():
    program = make_program()
    coordinator = make_coordinator(program)
    make_coordinator(program)

    assert deletion.account_deletion_blockers(user=coordinator) == []


def test_the_only_superuser_must_make_another_first():
    admin = UserFactory(is_staff=True, is_superuser=True)

    with pytest.raises(ValidationError, match="only superuser"):
        account_deletion_request(user=admin)

    UserFactory(is_staff=True, is_superuser=True)
    assert account_deletion_request(user=admin).status == S.SCHEDULED


# --- coordinators processing an erasure from the admin -------------------------------------

ADD = reverse("admin:privacy_erasurerequest_add")
CHANGELIST = reverse("admin:privacy_erasurerequest_changelist")


def _change(erasure) -> str:
    return reverse("admin:privacy_erasurerequest_change", args=[erasure.pk])


def test_coordinators_may_view_and_add_erasure_requests_but_not_change_or_delete_them():
    codenames = set(
        Group.objects.get(name=COORDINATORS_GROUP)
        .permissions.filter(content_type__app_label="privacy")
        .values_list("codename", flat=True)
    )

    erasure = {c for c in codenames if c.endswith("_erasurerequest")}
    assert erasure == {"view_erasurerequest", "add_erasurerequest"}
    assert not {c for c in codenames if c.endswith("_privacynotice")}
    assert Permission.objects.filter(codename="add_privacynotice").exists()


def test_a_coordinator_erases_a_participant_of_their_program_from_the_admin(client):
    program = make_program()
    coordinator = make_coordinator(program)
    person = make_person()
    match = match_of(person, program)
    partner = partner_of(match, person)
    client.force_login(coordinator)
    since = mark()

    response = client.post(ADD, {"user": person.pk, "note": "Email of 3 March"}, follow=True)

    assert response.status_code == 200
    assert "The account was erased." in response.content.decode()
    erasure = ErasureRequest.objects.get()
    person.refresh_from_db()
    assert (erasure.status, erasure.requested_by, erasure.on_behalf, erasure.note) == (
        S.DONE,
        coordinator,
        True,
        "Email of 3 March",
    )
    assert erasure.due_at <= erasure.done_at
    assert is_tombstone(person)
    match.refresh_from_db()
    assert (match.status, match.end_reason, match.ended_by) == (
        "ended",
        EndReason.ACCOUNT_DELETED,
        coordinator,
    )
    [told] = queued(Kind.PARTNER_ACCOUNT_DELETED, partner)
    email = notification_render(notification=told)  # sent after the erasure
    assert "(Deleted user) has closed their account" in " ".join(email.body.split())
    assert EMAIL not in email.body and NAME not in email.body
    actions = [(e[0], e[1], e[3]) for e in entries_since(since)]
    assert actions == [
        (Action.MATCH_ENDED, coordinator, None),
        (Action.ERASURE_REQUESTED, coordinator, person),
        (Action.ERASURE_PROCESSED, coordinator, person),
    ]
    assert entries_since(since)[1][5]["on_behalf"] is True
    # The record stays, read only, and cannot be deleted.
    page = client.get(_change(erasure))
    assert page.status_code == 200
    assert 'name="note"' not in page.content.decode()
    assert client.post(_change(erasure), {"note": "changed"}).status_code == 403
    delete_url = reverse("admin:privacy_erasurerequest_delete", args=[erasure.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert ErasureRequest.objects.get().note == "Email of 3 March"


def test_a_coordinator_cannot_see_or_pick_a_participant_of_another_program(client):
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    coordinator = make_coordinator(mine)
    participant = UserFactory(display_name="My Participant")
    ApplicationFactory(program=mine, user=participant)
    stranger = make_person()
    ApplicationFactory(program=theirs, user=stranger)
    other_erasure = account_deletion_request(user=stranger)
    client.force_login(coordinator)

    form = client.get(ADD).context["adminform"].form
    refused = client.post(ADD, {"user": stranger.pk, "note": ""})

    assert list(form.fields["user"].queryset) == [participant]
    assert refused.status_code == 200
    assert "Select a valid choice" in str(refused.context["adminform"].form.errors)
    assert client.get(_change(other_erasure)).status_code == 404
    assert list(client.get(CHANGELIST).context["cl"].result_list) == []
    stranger.refresh_from_db()
    assert stranger.email == EMAIL


def test_the_list_shows_a_coordinator_the_requests_of_their_programs_participants(client):
    program = make_program()
    coordinator = make_coordinator(program)
    person = make_person()
    ApplicationFactory(program=program, user=person)
    erasure = account_deletion_request(user=person)
    client.force_login(coordinator)

    response = client.get(CHANGELIST)

    assert list(response.context["cl"].result_list) == [erasure]
    assert client.get(_change(erasure)).status_code == 200


def test_a_blocked_person_is_a_form_error_for_the_superuser(client):
    program = make_program(name="Spring <b>Mentoring</b>")
    sole = make_coordinator(program, display_name="Sole Coordinator")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(ADD, {"user": sole.pk, "note": ""})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["user"]
    assert errors == [
        "You are the only coordinator of Spring <b>Mentoring</b>. Ask a superuser or another "
        "coordinator to add a coordinator to it (Programs > Spring <b>Mentoring</b> > "
        "coordinators) before you delete your account."
    ]
    assert "Spring &lt;b&gt;Mentoring&lt;/b&gt;" in response.content.decode()
    assert not ErasureRequest.objects.exists()


def test_a_coordinators_erasure_that_fails_is_finished_by_the_sweep(monkeypatch, caplog):
    program = make_program()
    coordinator = make_coordinator(program)
    person = make_person()
    ApplicationFactory(program=program, user=person)
    real = deletion.person_erase
    monkeypatch.setattr(deletion, "person_erase", lambda *, user: 1 / 0)

    erasure = account_deletion_request(user=person, by=coordinator, immediate=True)

    assert erasure.status == S.SCHEDULED and "failed" in caplog.text
    assert account_deletion_cancel(user=person) is False  # not the person's to cancel
    monkeypatch.setattr(deletion, "person_erase", real)
    assert erasures_process_due() == 1
    erasure.refresh_from_db()
    assert erasure.status == S.DONE


@pytest.mark.parametrize("requests", [1, 5])
def test_the_erasure_list_takes_the_same_queries_however_many_requests(
    client, django_assert_num_queries, requests
):
    program = make_program()
    coordinator = make_coordinator(program)
    for _ in range(requests):
        person = UserFactory()
        ApplicationFactory(program=program, user=person)
        ErasureRequest.objects.create(
            user=person, requested_by=coordinator, on_behalf=True, due_at=timezone.now()
        )
    client.force_login(coordinator)
    # A coordinator's first page: their programs' ids are read, then kept (mentoring/rights.py).
    with django_assert_num_queries(11) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == requests, captured


def test_two_coordinators_of_a_running_program_cannot_both_leave():
    program = make_program()
    first, second = make_coordinator(program), make_coordinator(program)
    assert account_deletion_blockers(user=first) == []
    account_deletion_request(user=first)

    assert account_deletion_blockers(user=second) == [
        "You are the only coordinator of Spring Mentoring. Ask a superuser or another "
        "coordinator to add a coordinator to it (Programs > Spring Mentoring > coordinators) "
        "before you delete your account."
    ]
    with pytest.raises(ValidationError):
        account_deletion_request(user=second)


def test_an_erasure_waits_while_it_would_leave_a_program_without_a_coordinator():
    program = make_program()
    first, second = make_coordinator(program), make_coordinator(program)
    account_deletion_request(user=first)
    # The other coordinator is taken off the program meanwhile.
    program.coordinators.remove(second)
    ErasureRequest.objects.update(due_at=timezone.now() - timedelta(minutes=1))

    assert erasures_process_due() == 0
    assert ErasureRequest.objects.get().status == S.SCHEDULED
    first.refresh_from_db()
    assert not is_tombstone(first)


def test_a_coordinator_cannot_pick_someone_who_also_takes_part_elsewhere(client):
    from privacy.admin.erasure import erasable_people_for

    program, elsewhere = make_program(), make_program(name="Autumn Mentoring")
    coordinator = make_coordinator(program)
    only_here = UserFactory()
    ApplicationFactory(program=program, user=only_here)
    both = UserFactory()
    ApplicationFactory(program=program, user=both, status="declined")
    ApplicationFactory(program=elsewhere, user=both)

    assert list(erasable_people_for(user=coordinator)) == [only_here]
    client.force_login(coordinator)
    response = client.post(ADD, {"user": both.pk, "note": "Phone call"})
    assert response.status_code == 200  # the form refuses the choice
    assert not ErasureRequest.objects.exists()


def test_accounts_are_not_deleted_in_the_admin_but_erased(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    person = make_person()
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_delete", args=[person.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=person.pk).exists()
