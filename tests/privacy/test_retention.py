"""Retention (issue 14, item 5): a closed program's personal data is anonymised once its
retention period is over, the figures its dashboard shows stay the same, and the admin shows
what was purged and when."""

import json
from dataclasses import fields
from datetime import datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import User
from audit.models import Action
from evaluation.models import AnonymousResponse, CheckIn, SurveyAnswer
from evaluation.selectors.health import program_health
from evaluation.selectors.results import survey_results
from evaluation.services.surveys import survey_answer, survey_invite
from matching.models import EndReason, Match
from matching.services.ending import match_end
from matching.services.exclusions import exclusion_request_create
from mentoring.personal_data import Erase, declarations
from notifications.models import Kind, Notification
from notifications.services import notification_queue
from outcomes.models import OutcomePerson, OutcomeRecord
from privacy import retention
from privacy.models import RetentionRun
from privacy.retention import (
    PSEUDONYM_NAME,
    program_anonymise,
    programs_anonymise_due,
    programs_due_for_anonymising,
)
from programs.models import Application, Invitation, Program, Question, RecordsConsent
from programs.services import application_decide, application_submit, program_transition
from relationships.services.agreements import agreement_save
from sessions.models import Meeting
from sessions.selectors import held_session_minutes
from sessions.services.logs import session_log_save
from tests.audit.helpers import entries_since, make_coordinator, mark, target
from tests.evaluation.helpers import make_survey
from tests.factories import ProgramFactory, UserFactory
from tests.programs.helpers import make_data, make_program
from tests.relationships.helpers import make_template
from training.models import StepCompletion, TrainingStep

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEARS_AGO_3 = TODAY - relativedelta(years=3)


# --- due-ness ------------------------------------------------------------------------------


def _closed(*, closed_on=None, ends_on=None, **fields) -> Program:
    closed_at = None
    if closed_on is not None:
        closed_at = timezone.make_aware(datetime.combine(closed_on, time(12)))
    return ProgramFactory(
        status=Program.Status.CLOSED, closed_at=closed_at, ends_on=ends_on, **fields
    )


@pytest.mark.parametrize(
    ("fields", "due"),
    [
        ({"closed_on": YEARS_AGO_3 - timedelta(days=1)}, True),
        ({"closed_on": YEARS_AGO_3 + timedelta(days=1)}, False),
        ({"ends_on": YEARS_AGO_3 - timedelta(days=1)}, True),
        ({"ends_on": YEARS_AGO_3 + timedelta(days=1)}, False),
        # The later of the two counts.
        ({"closed_on": YEARS_AGO_3 - timedelta(days=9), "ends_on": YEARS_AGO_3}, True),
        ({"closed_on": YEARS_AGO_3 - timedelta(days=9), "ends_on": TODAY}, False),
        ({"ends_on": YEARS_AGO_3 - timedelta(days=9), "closed_on": TODAY}, False),
        # Nothing to count from.
        ({}, False),
    ],
)
def test_a_closed_program_is_due_once_its_retention_period_is_over(fields, due):
    program = _closed(**fields)

    assert programs_due_for_anonymising(today=TODAY) == ([program] if due else [])


@pytest.mark.parametrize("status", ["draft", "enrolling", "running"])
def test_a_program_that_is_not_closed_is_never_due(status):
    ProgramFactory(status=status, ends_on=TODAY - relativedelta(years=10))

    assert programs_due_for_anonymising(today=TODAY) == []


def test_an_anonymised_program_is_not_due_again():
    _closed(closed_on=TODAY - relativedelta(years=5), anonymised_at=timezone.now())

    assert programs_due_for_anonymising(today=TODAY) == []


def test_each_program_keeps_its_data_for_its_own_number_of_years():
    closed_on = TODAY - relativedelta(years=2) - timedelta(days=1)
    two = _closed(closed_on=closed_on, retention_years=2)
    _closed(closed_on=closed_on, retention_years=3)

    assert programs_due_for_anonymising(today=TODAY) == [two]
    later = TODAY + relativedelta(years=1)
    assert [p.retention_years for p in programs_due_for_anonymising(today=later)] == [2, 3]


# --- a program with data in every app ------------------------------------------------------


def _apply(program, user, role, *, coordinator, question, **data):
    application = application_submit(
        program=program,
        user=user,
        data=make_data(
            program,
            role,
            motivation=f"{user.display_name} wants to take part",
            languages=["Hungarian"],
            answers={question: f"Answer by {user.display_name}"},
            **data,
        ),
    )
    return application_decide(
        application=application, status="approved", reason="Strong motivation", by=coordinator
    )


def _log_both(meeting, match, minutes):
    for application, duration in ((match.mentor, minutes), (match.mentee, minutes - 10)):
        name = application.user.display_name
        session_log_save(
            meeting=meeting,
            author=application.user,
            outcome="held",
            duration_minutes=duration,
            shared_notes=f"{name}'s shared notes",
            private_note=f"{name}'s private note",
        )


def _answer_surveys(program, mentee):
    named = make_survey(
        program,
        questions=(("How confident are you?", "likert"), ("Anything else?", "text")),
    )
    anonymous = make_survey(
        program,
        anonymous=True,
        title="Anonymous",
        questions=(("How supported do you feel?", "likert"), ("Tell us more", "text")),
    )
    for survey, words, score in ((named, "Named words", 4), (anonymous, "Anonymous words", 5)):
        likert, text = survey.questions.order_by("position")
        survey_answer(
            invitation=survey_invite(survey=survey, application=mentee),
            answers={likert.pk: score, text.pk: f"{words} of {mentee.user.display_name}"},
        )


def _populate(program, *, coordinator, mentor_user, mentee_user):
    """Applications with motivation and answers, a match with its agreement, a held session
    with both logs and private notes, a check-in, survey answers (named and anonymous),
    training, an outcome record, notifications, an exclusion request, a consent, an invitation
    and the admin's history of an application. Returns the match."""
    question = Question.objects.create(program=program, text="Why?", kind="short_text")
    field = make_template(program, ("One thing to try", "short_text", False)).fields.get()
    Invitation.objects.create(
        program=program,
        email=mentee_user.email,
        name=mentee_user.display_name,
        role="mentee",
        token=f"token-{program.pk}",
        invited_by=coordinator,
    )
    mentor = _apply(program, mentor_user, "mentor", coordinator=coordinator, question=question)
    mentee = _apply(program, mentee_user, "mentee", coordinator=coordinator, question=question)
    RecordsConsent.objects.create(
        program=program, user=mentee_user, granted=True, source="application"
    )
    exclusion_request_create(program=program, person=mentee_user, named="Someone Else")
    program_transition(program=program, to=Program.Status.RUNNING)
    match = Match.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        started_at=timezone.now() - timedelta(days=60),
        explanation=[{"criterion": "language", "text": "Both speak Hungarian."}],
    )
    terms = {"meeting_frequency": "weekly", "channel": "video", "planned_end_on": TODAY}
    agreement_save(
        match=match,
        by=mentor_user,
        data={**terms, "confidentiality": True, "mentor_hopes": "Mentor's hopes"},
        confirm=True,
    )
    agreement_save(
        match=match,
        by=mentee_user,
        data={
            "confidentiality": True,
            "mentee_hopes": "Mentee's hopes",
            "answers": {field.pk: "Join the chess club"},
        },
        confirm=True,
    )
    start = (timezone.now() - timedelta(days=10)).replace(microsecond=0)
    meeting = Meeting.objects.create(
        program=program,
        mentor=mentor_user,
        booked_by=mentee_user,
        match=match,
        start=start,
        end=start + timedelta(minutes=60),
        location=f"{mentor_user.display_name}'s office",
        online_link="https://meet.example.org/mentor",
    )
    _log_both(meeting, match, 55)
    CheckIn.objects.create(
        match=match,
        application=mentee,
        opens_on=TODAY - timedelta(days=7),
        due_on=TODAY - timedelta(days=3),
        score=2,
        met=True,
        blocking=f"{mentee_user.display_name} has exams",
        answered_at=timezone.now() - timedelta(days=5),
    )
    _answer_surveys(program, mentee)
    step = TrainingStep.objects.create(
        program=program, title="Code of conduct", kind=TrainingStep.Kind.ACKNOWLEDGEMENT
    )
    StepCompletion.objects.create(
        step=step, user=mentee_user, completed_at=timezone.now(), recorded_by=coordinator
    )
    person = OutcomePerson.objects.create(
        program=program, user=mentee_user, institutional_id=f"S-{program.pk}"
    )
    OutcomeRecord.objects.create(person=person, term="2026-spring", measure="gpa", value=3.2)
    notification_queue(
        kind=Kind.NO_SESSION_NUDGE,
        to=mentee_user,
        program=program,
        context={"partner": mentor_user.display_name},
    )
    LogEntry.objects.create(
        user=coordinator,
        content_type=ContentType.objects.get_for_model(Application),
        object_id=str(mentee.pk),
        object_repr=str(mentee),
        action_flag=CHANGE,
        change_message=json.dumps([{"added": {"name": "note", "object": f"About {mentee_user}"}}]),
    )
    match_end(
        match=match,
        by=coordinator,
        end_reason=EndReason.OTHER,
        end_reason_text=f"{mentee_user.display_name} moved to Leeds",
        offer_place=False,
        notify=False,
    )
    return match


def _digest(coordinator, *programs) -> Notification:
    entries = [
        {"id": p.pk, "name": p.name, "pairs": [{"mentor": "Mona", "mentee": "Eve", "reasons": []}]}
        for p in programs
    ]
    return Notification.objects.create(
        kind=Kind.COORDINATOR_DIGEST,
        recipient=coordinator,
        to_email=coordinator.email,
        idempotency_key=f"digest-{coordinator.pk}",
        context={"programs": entries, "pair_count": len(entries)},
    )


def _figures(program) -> dict:
    """What the program's dashboard counts, through the selectors it uses."""
    health = program_health(program=program, today=TODAY)
    numbers = {f.name: getattr(health, f.name) for f in fields(health) if f.name != "at_risk"}
    return {
        "health": numbers,
        "at_risk": [(pair.match_id, len(pair.flags)) for pair in health.at_risk],
        "surveys": survey_results(program=program),
        "minutes": held_session_minutes(program=program),
        "matches": Match.objects.filter(program=program).count(),
        "checkin_scores": list(
            CheckIn.objects.filter(match__program=program).values_list("pk", "score", "met")
        ),
        "numbers": sorted(
            SurveyAnswer.objects.filter(question__survey__program=program)
            .exclude(number=None)
            .values_list("number", flat=True)
        ),
        "anonymous": sorted(
            str(v)
            for v in SurveyAnswer.objects.filter(anonymous_response__program=program).values_list(
                "value", flat=True
            )
        ),
        "anonymous_responses": AnonymousResponse.objects.filter(program=program).count(),
    }


@pytest.fixture
def world():
    coordinator = make_coordinator(display_name="Corinne Coordinator")
    mentor_user = UserFactory(display_name="Mona Mentor")
    mentee_user = UserFactory(display_name="Eve Mentee")
    program = make_program(name="Spring", min_cell_size=1)
    other = make_program(name="Autumn")
    program.coordinators.add(coordinator)
    other.coordinators.add(coordinator)
    _populate(program, coordinator=coordinator, mentor_user=mentor_user, mentee_user=mentee_user)
    _populate(
        other,
        coordinator=coordinator,
        mentor_user=UserFactory(display_name="Otto Other"),
        mentee_user=mentee_user,
    )
    digest = _digest(coordinator, program, other)
    program_transition(program=program, to=Program.Status.CLOSED)
    program.refresh_from_db()
    return {
        "program": program,
        "other": other,
        "coordinator": coordinator,
        "participants": {mentor_user, mentee_user},
        "digest": digest,
    }


def _program_declarations():
    return [d for d in declarations() if d.program]


def _rows(declaration, program):
    return declaration.model._default_manager.filter(**{declaration.program: program})


def _snapshot(program) -> dict:
    """Every declared row of `program`, all columns (to show another program is untouched)."""
    return {
        d.label: sorted(map(str, _rows(d, program).order_by().values_list()))
        for d in _program_declarations()
    }


def test_anonymising_unlinks_the_participants_and_keeps_the_programs_figures(world):
    program, other = world["program"], world["other"]
    participant_ids = {user.pk for user in world["participants"]}
    before, other_before = _figures(program), _snapshot(other)
    accounts_before = list(User.objects.filter(pk__in=participant_ids).values())
    since = mark()

    run = program_anonymise(program=program)

    # No row of the program points at a participant's own account.
    for declaration in _program_declarations():
        for name in declaration.user_fields:
            linked = _rows(declaration, program).filter(**{f"{name}__in": participant_ids})
            assert list(linked) == [], (declaration.label, name)
    # Free text is blank, deleted kinds are gone.
    for declaration in _program_declarations():
        rows = _rows(declaration, program)
        if declaration.retention == Erase.DELETE:
            assert rows.count() == 0, declaration.label
        elif declaration.retention == Erase.BLANK:
            values = set(map(str, rows.values_list(*declaration.blank)))
            assert values <= {str(tuple(declaration.blank.values()))}, declaration.label
    named_text = SurveyAnswer.objects.filter(
        response__invitation__application__program=program, question__kind="text"
    )
    assert list(named_text.values_list("value", flat=True)) == [""]
    # The figures are the same, through the selectors the dashboard uses.
    assert _figures(program) == before
    # The participants keep their accounts, and their other program is untouched.
    assert list(User.objects.filter(pk__in=participant_ids).values()) == accounts_before
    assert _snapshot(other) == other_before
    # The pseudonyms: one per participant, nameless, unusable.
    pseudonyms = User.objects.filter(email__startswith=f"former-{program.pk}-")
    assert sorted(u.email for u in pseudonyms) == [
        f"former-{program.pk}-1@anonymised.invalid",
        f"former-{program.pk}-2@anonymised.invalid",
    ]
    assert {(u.display_name, u.get_full_name(), u.is_active) for u in pseudonyms} == {
        (PSEUDONYM_NAME, "", False)
    }
    assert not any(u.has_usable_password() for u in pseudonyms)
    applications = Application.objects.filter(program=program)
    assert set(applications.values_list("user_id", flat=True)) == {u.pk for u in pseudonyms}
    assert set(applications.values_list("decided_by", flat=True)) == {world["coordinator"].pk}
    # The run and the audit trail record it.
    program.refresh_from_db()
    assert program.anonymised_at == run.ran_at
    assert run.people == 2
    assert {
        label: run.summary[label]
        for label in [
            "programs.Application",
            "programs.Answer",
            "mentoring_sessions.PrivateNote",
            "mentoring_sessions.SessionLog",
            "mentoring_sessions.Meeting",
            "matching.ExclusionRequest",
            "outcomes.OutcomePerson",
            "outcomes.OutcomeRecord",
            "evaluation.SurveyAnswer",
            "evaluation.CheckIn",
            "admin.LogEntry",
        ]
    } == {
        "programs.Application": {"deleted": 0, "blanked": 2, "repointed": 2},
        "programs.Answer": {"deleted": 2, "blanked": 0, "repointed": 0},
        "mentoring_sessions.PrivateNote": {"deleted": 2, "blanked": 0, "repointed": 0},
        "mentoring_sessions.SessionLog": {"deleted": 0, "blanked": 2, "repointed": 2},
        "mentoring_sessions.Meeting": {"deleted": 0, "blanked": 1, "repointed": 2},
        "matching.ExclusionRequest": {"deleted": 1, "blanked": 0, "repointed": 0},
        "outcomes.OutcomePerson": {"deleted": 1, "blanked": 0, "repointed": 0},
        "outcomes.OutcomeRecord": {"deleted": 1, "blanked": 0, "repointed": 0},
        "evaluation.SurveyAnswer": {"deleted": 0, "blanked": 1, "repointed": 0},
        "evaluation.CheckIn": {"deleted": 0, "blanked": 1, "repointed": 0},
        "admin.LogEntry": {"deleted": 0, "blanked": 1, "repointed": 0},
    }
    totals = retention.retention_totals(run.summary)
    assert entries_since(since) == [
        (Action.RETENTION_PURGED, None, program, None, target(run), {"people": 2, **totals})
    ]


def test_text_elsewhere_that_quotes_the_program_loses_the_names(world):
    program, other = world["program"], world["other"]
    application = Application.objects.get(program=program, role="mentee")

    program_anonymise(program=program)

    entry = LogEntry.objects.get(object_id=str(application.pk))
    assert (entry.object_repr, entry.change_message) == (f"application #{application.pk}", "")
    world["digest"].refresh_from_db()
    pairs = {e["id"]: e["pairs"] for e in world["digest"].context["programs"]}
    assert pairs == {
        program.pk: [{"mentor": PSEUDONYM_NAME, "mentee": PSEUDONYM_NAME, "reasons": []}],
        other.pk: [{"mentor": "Mona", "mentee": "Eve", "reasons": []}],
    }


def test_anonymising_again_does_nothing(world):
    program = world["program"]
    first = program_anonymise(program=program)
    users, since = User.objects.count(), mark()

    again = program_anonymise(program=program)

    assert again == first
    assert RetentionRun.objects.count() == 1
    assert User.objects.count() == users
    assert entries_since(since) == []


def _pairs_program(pairs: int, **fields) -> Program:
    """A closed program of `pairs` pairs, each with a logged session and a check-in."""
    program = _closed(closed_on=YEARS_AGO_3 - timedelta(days=1), **fields)
    start = (timezone.now() - timedelta(days=400)).replace(microsecond=0)
    for _ in range(pairs):
        mentor, mentee = (
            Application.objects.create(program=program, user=UserFactory(), role=role)
            for role in ("mentor", "mentee")
        )
        match = Match.objects.create(program=program, mentor=mentor, mentee=mentee)
        meeting = Meeting.objects.create(
            program=program,
            mentor=mentor.user,
            booked_by=mentee.user,
            match=match,
            start=start,
            end=start + timedelta(hours=1),
        )
        meeting.logs.create(author=mentee.user, outcome="held", shared_notes="Notes")
        CheckIn.objects.create(
            match=match, application=mentee, opens_on=TODAY, due_on=TODAY, blocking="Exams"
        )
    return program


def test_each_participant_gets_their_own_pseudonym_in_every_row(monkeypatch):
    monkeypatch.setattr(retention, "REPOINT_CHUNK", 2)  # several UPDATEs per field
    program = _pairs_program(3, allow_dual_role=True)
    both = Application.objects.filter(program=program, role="mentor").first().user
    Application.objects.create(program=program, user=both, role="mentee")
    before = {
        m.pk: (m.mentor.user_id, m.mentee.user_id) for m in Match.objects.filter(program=program)
    }
    meetings_before = dict(Meeting.objects.filter(program=program).values_list("pk", "mentor"))

    program_anonymise(program=program)

    after = {
        m.pk: (m.mentor.user_id, m.mentee.user_id) for m in Match.objects.filter(program=program)
    }
    old_to_new = {}
    for pk, people in before.items():
        for old, new in zip(people, after[pk], strict=True):
            assert old_to_new.setdefault(old, new) == new
    assert len(set(old_to_new.values())) == len(old_to_new) == 6
    assert dict(Meeting.objects.filter(program=program).values_list("pk", "mentor")) == {
        pk: old_to_new[mentor] for pk, mentor in meetings_before.items()
    }
    # The one who applied in both roles is one pseudonym with both applications.
    assert set(
        Application.objects.filter(program=program, user=old_to_new[both.pk]).values_list(
            "role", flat=True
        )
    ) == {"mentor", "mentee"}


@pytest.mark.parametrize("pairs", [2, 8])
def test_anonymising_takes_the_same_queries_for_few_and_many_participants(
    django_assert_num_queries, pairs
):
    program = _pairs_program(pairs)
    ContentType.objects.clear_cache()  # the same start whichever size runs first

    # The same number whatever the size: participants are re-pointed in bulk.
    with django_assert_num_queries(109):
        run = program_anonymise(program=program)

    assert run.people == 2 * pairs


def test_deleting_a_programs_rows_never_cascades_into_rows_retention_keeps():
    from django.db.models import CASCADE

    def reached(model, seen):
        for relation in model._meta.related_objects:
            if (
                getattr(relation, "on_delete", None) is CASCADE
                and relation.related_model not in seen
            ):
                seen.add(relation.related_model)
                reached(relation.related_model, seen)
        return seen

    for declaration in _program_declarations():
        if declaration.retention == Erase.DELETE:
            for model in reached(declaration.model, set()):
                assert retention._may_cascade(model._meta.label), (declaration.label, model)


def test_a_program_that_is_not_closed_is_refused():
    from django.core.exceptions import ValidationError

    program = ProgramFactory(status=Program.Status.RUNNING)

    with pytest.raises(ValidationError):
        program_anonymise(program=program)
    program.refresh_from_db()
    assert program.anonymised_at is None


def test_every_blanking_retention_names_the_fields_it_blanks():
    for declaration in _program_declarations():
        if declaration.retention == Erase.BLANK:
            assert declaration.blank, declaration.label


# --- the hourly task -----------------------------------------------------------------------


def test_the_hourly_sweep_anonymises_the_due_programs_only():
    due = _closed(closed_on=YEARS_AGO_3 - timedelta(days=1))
    recent = _closed(closed_on=TODAY - timedelta(days=30))
    running = ProgramFactory(status=Program.Status.RUNNING, ends_on=YEARS_AGO_3)
    for program in (due, recent, running):
        Application.objects.create(program=program, user=UserFactory(), role="mentee")

    assert programs_anonymise_due(today=TODAY) == 1

    anonymised = Program.objects.filter(anonymised_at__isnull=False)
    assert list(anonymised) == [due]
    assert list(RetentionRun.objects.values_list("program", "people")) == [(due.pk, 1)]
    assert programs_anonymise_due(today=TODAY) == 0


def test_one_failing_program_is_logged_and_does_not_stop_the_others(monkeypatch, caplog):
    first = _closed(closed_on=YEARS_AGO_3 - timedelta(days=2))
    second = _closed(closed_on=YEARS_AGO_3 - timedelta(days=2))
    real = retention._pseudonyms_create

    def failing(program):
        if program.pk == first.pk:
            raise RuntimeError("disk full")
        return real(program)

    monkeypatch.setattr(retention, "_pseudonyms_create", failing)

    assert programs_anonymise_due(today=TODAY) == 1

    assert list(Program.objects.filter(anonymised_at__isnull=False)) == [second]
    assert f"Anonymising program {first.pk} failed" in caplog.text


def test_the_privacy_daily_task_runs_the_sweep():
    pytest.importorskip("privacy.deletion")
    pytest.importorskip("privacy.export")
    from privacy.tasks import privacy_daily

    due = _closed(closed_on=TODAY - relativedelta(years=4))

    assert privacy_daily()["anonymised"] == 1
    due.refresh_from_db()
    assert due.anonymised_at is not None


# --- the admin -----------------------------------------------------------------------------

SUMMARY = {
    "mentoring_sessions.PrivateNote": {"deleted": 4, "blanked": 0, "repointed": 0},
    "programs.Application": {"deleted": 0, "blanked": 6, "repointed": 6},
}


def _run(program, **fields) -> RetentionRun:
    return RetentionRun.objects.create(program=program, people=6, summary=SUMMARY, **fields)


def test_a_superuser_sees_every_run_and_what_it_purged(client):
    runs = [_run(_closed(name=name)) for name in ("Spring", "Autumn")]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listed = client.get(reverse("admin:privacy_retentionrun_changelist"))
    page = client.get(reverse("admin:privacy_retentionrun_change", args=[runs[0].pk]))

    assert {row.pk for row in listed.context["cl"].result_list} == {r.pk for r in runs}
    html = page.content.decode()
    assert page.status_code == 200
    assert "private notes" in html.lower() and "applications" in html.lower()
    assert "<td>4</td>" in html and "<td>6</td>" in html
    posted = client.post(reverse("admin:privacy_retentionrun_change", args=[runs[0].pk]), {})
    assert posted.status_code == 403
    assert client.get(reverse("admin:privacy_retentionrun_add")).status_code == 403
    delete = reverse("admin:privacy_retentionrun_delete", args=[runs[0].pk])
    assert client.get(delete).status_code == 403


def test_a_coordinator_sees_the_runs_of_their_programs_only(client):
    mine, theirs = _closed(name="Mine"), _closed(name="Theirs")
    own, hidden = _run(mine), _run(theirs)
    client.force_login(make_coordinator(mine))

    listed = client.get(reverse("admin:privacy_retentionrun_changelist"))
    page = client.get(reverse("admin:privacy_retentionrun_change", args=[own.pk]))
    other = client.get(reverse("admin:privacy_retentionrun_change", args=[hidden.pk]))

    assert [row.pk for row in listed.context["cl"].result_list] == [own.pk]
    assert page.status_code == 200
    assert other.status_code == 404


def test_people_without_a_role_cannot_open_the_runs(client):
    run = _run(_closed())
    listing = reverse("admin:privacy_retentionrun_changelist")
    assert client.get(listing).url == f"{reverse('admin:login')}?next={listing}"
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:privacy_retentionrun_changelist")).status_code == 403
    assert client.get(reverse("admin:privacy_retentionrun_change", args=[run.pk])).status_code in (
        403,
        404,
    )


@pytest.mark.parametrize("count", [1, 6])
def test_the_run_list_takes_the_same_queries_for_few_and_many_runs(
    client, django_assert_num_queries, count
):
    programs = [_closed() for _ in range(count)]
    for program in programs:
        _run(program)
    client.force_login(make_coordinator(*programs))

    # A coordinator's first page: their programs' ids are read, then kept (mentoring/rights.py).
    with django_assert_num_queries(12):
        assert client.get(reverse("admin:privacy_retentionrun_changelist")).status_code == 200


def test_the_program_page_shows_when_it_was_closed_and_anonymised(client):
    moment = timezone.now().replace(microsecond=0)
    program = ProgramFactory(status="closed", closed_at=moment, anonymised_at=moment)
    client.force_login(make_coordinator(program))

    page = client.get(reverse("admin:programs_program_change", args=[program.pk]))

    assert page.status_code == 200
    readonly = {
        field.field["name"]: field.contents()
        for fieldset in page.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }
    shown = formats.localize(timezone.template_localtime(program.anonymised_at))
    assert (readonly["anonymised_at"], readonly["closed_at"]) == (shown, shown)


def test_programs_closed_before_closed_at_existed_count_from_their_last_change():
    import importlib

    from django.apps import apps as global_apps

    program = ProgramFactory(status=Program.Status.CLOSED)
    Program.objects.filter(pk=program.pk).update(closed_at=None)
    backfill = importlib.import_module("programs.migrations.0012_closed_at_backfill").backfill

    backfill(global_apps, None)

    program.refresh_from_db()
    assert program.closed_at == program.updated_at
