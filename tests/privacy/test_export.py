"""Download my data: the archive holds the person's data and nothing else, and the link works
once, for them, until it expires."""

import io
import json
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from notifications.models import Kind, Notification
from notifications.rendering import notification_render
from privacy import export as export_module
from privacy.archive import archive_build, archive_data
from privacy.export import (
    data_export_build,
    data_export_files_delete,
    data_export_request,
    data_exports_sweep,
)
from privacy.models import DataExport, ErasureRequest, NoticeAcceptance
from privacy.tasks import privacy_export_build
from tests.conftest import wait_for_rows
from tests.factories import UserFactory
from tests.privacy.helpers import NEVER_IN_ARCHIVE, at, make_person_with_everything

S = DataExport.Status
DATA = "/accounts/data/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def everything(db):
    return make_person_with_everything()


def _expected(e) -> dict:
    """Pat's archive, written out by hand from what tests/privacy/helpers.py made."""
    program = "Spring Mentoring 2025"
    return {
        "accounts.User": [
            {
                "email": "pat.person@example.org",
                "display_name": "Pat Person",
                "first_name": "Patricia",
                "last_name": "Person",
                "institutional_id": "S1234567",
                "time_zone": "Europe/Paris",
                "language": "",
                "language_display": "",
                "date_joined": "2025-02-03T09:00:00+00:00",
                "last_login": None,
                "email_visibility": "matches",
                "email_visibility_display": "My mentors and mentees",
                "profile_visibility": "matches",
                "profile_visibility_display": "My mentors and mentees",
                "photo_visibility": "matches",
                "photo_visibility_display": "My mentors and mentees",
            }
        ],
        "account.EmailAddress": [
            {"email": "pat.person@example.org", "verified": True, "primary": True}
        ],
        "programs.Application": [
            {
                "program__name": program,
                "role": "mentee",
                "role_display": "Mentee",
                "status": "approved",
                "status_display": "Approved",
                "submitted_at": "2025-02-04T09:00:00+00:00",
                "decided_at": "2025-02-05T09:00:00+00:00",
                "decision_reason": "",
                "career_stage__name": "First-year",
                "topics": ["Careers", "Study skills"],
                "goals": ["Settle in"],
                "languages": ["English", "French"],
                "format_preference": "online",
                "format_preference_display": "Online",
                "time_zone": "Europe/Paris",
                "capacity": None,
                "motivation": "I want to find my feet in my first year.",
            }
        ],
        "programs.AvailabilityWindow": [
            {
                "application__program__name": program,
                "weekday": 0,
                "weekday_display": "Monday",
                "start": "17:00:00",
                "end": "19:00:00",
            }
        ],
        "programs.Answer": [
            {
                "application__program__name": program,
                "question__text": "What do you hope to learn?",
                "value": "How to plan my studies",
            }
        ],
        "programs.Invitation": [
            {
                "program__name": program,
                "email": "PAT.PERSON@EXAMPLE.ORG",
                "name": "Pat Person",
                "role": "mentee",
                "role_display": "Mentee",
                "created_at": "2025-02-03T08:00:00+00:00",
                "accepted_at": "2025-02-04T09:00:00+00:00",
            }
        ],
        "programs.ScreeningCheck": [
            {
                "application__program__name": program,
                "item__label": "Interview held",
                "checked_at": "2025-02-04T12:00:00+00:00",
            }
        ],
        "programs.RecordsConsent": [
            {
                "program__name": program,
                "granted": True,
                "decided_at": "2025-02-04T09:00:00+00:00",
                "source": "application",
                "source_display": "When applying",
            }
        ],
        "training.QuizAttempt": [
            {
                "step__program__name": program,
                "step__title": "Code of conduct quiz",
                "number": 1,
                "answers": {str(e.quiz_question.pk): [0]},
                "correct": 1,
                "total": 1,
                "score": 100,
                "passed": True,
                "submitted_at": "2025-02-06T09:00:00+00:00",
            }
        ],
        "training.StepCompletion": [
            {
                "step__program__name": program,
                "step__title": "Read the mentee handbook",
                "completed_at": "2025-02-06T08:00:00+00:00",
            },
            {
                "step__program__name": program,
                "step__title": "Code of conduct quiz",
                "completed_at": "2025-02-06T09:00:00+00:00",
            },
        ],
        "matching.Match": [
            {
                "program__name": program,
                "mentor__user__display_name": "Mo Mentor",
                "mentee__user__display_name": "Pat Person",
                "status": "active",
                "status_display": "Active",
                "origin": "formal",
                "origin_display": "Matching run",
                "started_at": "2025-02-08T09:00:00+00:00",
                "ended_at": None,
                "end_reason": "",
                "end_reason_display": "",
            }
        ],
        # Only the exclusion Pat asked for: not the coordinator's, not Zed's of Pat.
        "matching.Exclusion": [
            {
                "program__name": program,
                "other__display_name": "Xavier Example",
                "created_at": "2025-02-07T09:00:00+00:00",
            }
        ],
        "matching.ExclusionRequest": [
            {
                "program__name": program,
                "named": "Xavier Example",
                "created_at": "2025-02-07T09:00:00+00:00",
            }
        ],
        "matching.EndRequest": [
            {
                "match__program__name": program,
                "reason": "Our timetables no longer fit.",
                "end_reason": "schedules",
                "end_reason_display": "Schedules did not work out",
                "end_reason_text": "",
                "status": "open",
                "status_display": "Open",
                "created_at": "2025-03-15T09:00:00+00:00",
            }
        ],
        "mentoring_sessions.Meeting": [
            {
                "program__name": program,
                "kind": "one_on_one",
                "kind_display": "One-on-one",
                "title": "",
                "start": "2025-02-13T14:00:00+00:00",
                "end": "2025-02-13T15:00:00+00:00",
                "status": "booked",
                "status_display": "Booked",
                "location": "Library, room 2",
                "online_link": "",
                "cancelled_at": None,
                "cancel_reason": "",
            }
        ],
        # Pat's own log and private note; Mo's are his.
        "mentoring_sessions.SessionLog": [
            {
                "meeting__program__name": program,
                "meeting__start": "2025-02-13T14:00:00+00:00",
                "outcome": "held",
                "outcome_display": "Held",
                "duration_minutes": 55,
                "topics": ["Study skills"],
                "goal_progress": {str(e.program.goals.get().pk): "some"},
                "guide__title": "Getting to know each other",
                "reflections": [{"prompt": "Why?", "answer": "To settle in."}],
                "shared_notes": "We planned my first term.",
                "created_at": "2025-02-13T16:00:00+00:00",
            }
        ],
        "mentoring_sessions.PrivateNote": [
            {
                "meeting__program__name": program,
                "meeting__start": "2025-02-13T14:00:00+00:00",
                "text": "I was nervous but it went well.",
                "updated_at": "2025-02-13T16:00:00+00:00",
            }
        ],
        "mentoring_sessions.CalendarFeed": [{"created_at": "2025-02-08T09:00:00+00:00"}],
        "relationships.Agreement": [
            {
                "match__program__name": program,
                "meeting_frequency": "every_two_weeks",
                "meeting_frequency_display": "Every two weeks",
                "frequency_note": "",
                "channel": "video",
                "channel_display": "Video call",
                "planned_end_on": "2025-06-30",
                "mentor_hopes": "To pass on what I learned.",
                "mentee_hopes": "To find my feet.",
                "mentor_confidentiality": True,
                "mentee_confidentiality": True,
                "mentor_confirmed_at": "2025-02-09T09:00:00+00:00",
                "mentee_confirmed_at": "2025-02-09T11:00:00+00:00",
            }
        ],
        "outcomes.OutcomePerson": [
            {
                "program__name": program,
                "institutional_id": "S1234567",
                "career_stage__name": "First-year",
            }
        ],
        "outcomes.OutcomeRecord": [
            {
                "person__program__name": program,
                "term": "2025-spring",
                "measure": "gpa",
                "value": 3.5,
            }
        ],
        # Both invitations (that Pat was asked is Pat's), one response: the anonymous
        # survey's answers have no link to anyone.
        "evaluation.SurveyInvitation": [
            {
                "survey__title": "Baseline survey",
                "created_at": "2025-02-05T09:00:00+00:00",
                "due_on": "2025-02-19",
                "completed": True,
            },
            {
                "survey__title": "Mid-program survey",
                "created_at": "2025-03-15T09:00:00+00:00",
                "due_on": "2025-04-01",
                "completed": True,
            },
        ],
        "evaluation.SurveyResponse": [
            {
                "invitation__survey__title": "Baseline survey",
                "submitted_at": "2025-02-06T11:00:00+00:00",
            }
        ],
        "evaluation.SurveyAnswer": [
            {
                "response__invitation__survey__title": "Baseline survey",
                "question__text": "What do you expect?",
                "value": "Some guidance on exams.",
            }
        ],
        "evaluation.CheckIn": [
            {
                "match__program__name": program,
                "opens_on": "2025-03-03",
                "due_on": "2025-03-10",
                "score": 4,
                "met": True,
                "blocking": "Finding a quiet room.",
                "answered_at": "2025-03-03T09:00:00+00:00",
            }
        ],
        "notifications.Notification": [
            {
                "kind": "match_published",
                "kind_display": "Match published",
                "to_email": "pat.person@example.org",
                "program__name": program,
                "due_at": "2025-02-08T09:00:00+00:00",
                "status": "sent",
                "status_display": "Sent",
                "sent_at": "2025-02-08T09:06:00+00:00",
            }
        ],
        "notifications.NotificationPreference": [
            {"kind": "log_nudge", "kind_display": "Log-your-session nudge", "enabled": False}
        ],
        "audit.AuditEntry": [
            {
                "at": "2025-02-05T09:00:00+00:00",
                "action": "application_approved",
                "action_display": "Application approved",
                "program__name": program,
                "detail": {"role": "mentee"},
            }
        ],
        "privacy.NoticeAcceptance": [
            {"notice__version": 1, "accepted_at": "2025-02-03T09:00:00+00:00"}
        ],
        "privacy.DataExport": [
            {
                "requested_at": "2025-04-04T09:00:00+00:00",
                "status": "downloaded",
                "status_display": "Downloaded",
                "ready_at": "2025-04-04T09:05:00+00:00",
                "downloaded_at": "2025-04-05T09:00:00+00:00",
            }
        ],
        "privacy.ErasureRequest": [
            {
                "requested_at": "2025-04-06T09:00:00+00:00",
                "due_at": "2025-04-20T09:00:00+00:00",
                "status": "cancelled",
                "status_display": "Cancelled",
                "cancelled_at": "2025-04-07T09:00:00+00:00",
            }
        ],
    }


def _add_privacy_history(person) -> None:
    """A download Pat collected and an account deletion Pat cancelled."""
    DataExport.objects.create(
        user=person,
        status=S.DOWNLOADED,
        requested_at=at(60),
        ready_at=at(60, 1 / 12),
        downloaded_at=at(61),
        token_hash="0" * 64,
    )
    ErasureRequest.objects.create(
        user=person,
        status=ErasureRequest.Status.CANCELLED,
        requested_at=at(62),
        due_at=at(76),
        cancelled_at=at(63),
    )


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- the archive's content ----------------------------------------------------------------


def test_the_archive_holds_the_persons_data_and_nothing_else(everything):
    _add_privacy_history(everything.person)

    files = _unzip(archive_build(user=everything.person))

    assert sorted(files) == ["data.json", "index.html"]
    data = json.loads(files["data.json"])
    assert data["format"] == 1
    assert datetime.fromisoformat(data["generated_at"]) <= timezone.now()
    assert data["person"] == {"id": everything.person.pk, "email": "pat.person@example.org"}
    assert {s["model"]: s["rows"] for s in data["sections"]} == _expected(everything)


def test_the_sections_follow_the_map_with_its_titles(everything):
    data = archive_data(user=everything.person)

    titles = [(s["model"], s["title"]) for s in data["sections"]]
    assert titles[:4] == [
        ("accounts.User", "Account"),
        ("account.EmailAddress", "Email addresses"),
        ("programs.Application", "Applications"),
        ("programs.AvailabilityWindow", "Weekly availability in applications"),
    ]
    assert titles[-1] == ("privacy.NoticeAcceptance", "Privacy notices you accepted")
    # Sections with no rows are left out (Pat has no downloads or deletion requests yet).
    assert "privacy.DataExport" not in dict(titles)


def test_why_the_partner_ended_the_match_is_not_in_the_archive(everything):
    # The reason typed for an early end is for the coordinators (the partner's own request
    # is in the partner's archive, on EndRequest); the match keeps only its code.
    from matching.models import Match

    Match.objects.filter(pk=everything.match.pk).update(
        status="ended",
        ended_at=timezone.now(),
        end_reason="other",
        end_reason_text="She never turns up",
    )
    files = _unzip(archive_build(user=everything.person))
    assert all(b"She never turns up" not in content for content in files.values())
    sections = json.loads(files["data.json"])["sections"]
    (match,) = {section["model"]: section["rows"] for section in sections}["matching.Match"]
    assert match["end_reason"] == "other"


def test_other_peoples_notes_and_anonymous_answers_are_nowhere_in_the_zip(everything):
    content = archive_build(user=everything.person)
    files = _unzip(content)

    texts = [content, *files.values()]
    for secret in NEVER_IN_ARCHIVE:
        for text in texts:
            assert secret.encode() not in text
    # What Mo wrote is not Pat's; what Pat wrote is there, in both files.
    for own in ("I was nervous but it went well.", "We planned my first term."):
        assert all(own.encode() in files[name] for name in files)


def test_the_partners_archive_holds_his_notes_and_not_pats(everything):
    files = _unzip(archive_build(user=everything.partner))

    body = files["data.json"].decode()
    assert "Partner-private-note" in body and "Partner-log-notes" in body
    assert "I was nervous" not in body and "We planned my first term." not in body


def test_the_readable_page_escapes_every_value_and_lists_every_section(everything):
    everything.application.motivation = '<script>alert("x")</script> & more'
    everything.application.save()

    page = _unzip(archive_build(user=everything.person))["index.html"].decode()

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    for title in ("Account", "Applications", "Your private notes", "Check-ins"):
        assert f">{title}</a>" in page and f">{title}</h2>" in page
    assert "Patricia" in page and "Mentee" in page and "2025-02-13 14:00 UTC" in page
    assert "<link" not in page and "src=" not in page  # self-contained


# --- asking, building, fetching -------------------------------------------------------------


def _token_of(notification: Notification) -> str:
    return re.search(r"/accounts/data/([^/]+)/$", notification.context["url"])[1]


def _built(person, django_capture_on_commit_callbacks, monkeypatch) -> tuple[DataExport, str]:
    """Ask for and build Pat's archive the way the worker does; returns it and its token."""
    queued = []
    monkeypatch.setattr(privacy_export_build, "delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=person)
    assert queued == [{"export_id": export.pk}]
    assert privacy_export_build(export_id=export.pk) == "ready"
    notification = Notification.objects.get(kind=Kind.DATA_EXPORT_READY)
    return DataExport.objects.get(pk=export.pk), _token_of(notification)


def test_asking_on_the_page_queues_the_build_and_tells_the_person(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(privacy_export_build, "delay", lambda **kw: queued.append(kw))
    client.force_login(everything.person)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DATA, follow=True)

    export = DataExport.objects.get()
    assert (export.user, export.status) == (everything.person, S.PENDING)
    assert queued == [{"export_id": export.pk}]
    assert "We are preparing your download; we will email you a link." in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.DATA_EXPORT_REQUESTED)
    assert (entry.actor, entry.person, entry.target_id) == (
        everything.person,
        everything.person,
        export.pk,
    )


def test_a_second_request_while_one_is_prepared_changes_nothing(client, everything, media):
    client.force_login(everything.person)
    client.post(DATA)

    response = client.post(DATA, follow=True)

    assert "Your download is already being prepared" in response.content.decode()
    assert DataExport.objects.count() == 1
    assert AuditEntry.objects.filter(action=Action.DATA_EXPORT_REQUESTED).count() == 1


def test_a_dead_broker_does_not_fail_the_request_and_the_sweep_queues_it_again(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(**kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(privacy_export_build, "delay", broker_down)
    client.force_login(everything.person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DATA)
    assert response.status_code == 302
    export = DataExport.objects.get()

    queued = []
    monkeypatch.setattr(privacy_export_build, "delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        assert data_exports_sweep(now=timezone.now() + timedelta(minutes=5)) == 0
        assert data_exports_sweep(now=timezone.now() + timedelta(minutes=11)) == 1
    assert queued == [{"export_id": export.pk}]

    assert data_exports_sweep(now=timezone.now() + timedelta(days=2)) == 1
    export.refresh_from_db()
    assert export.status == S.FAILED and "a day" in export.error


def test_building_stores_the_zip_and_emails_a_link_that_works_once(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    person = everything.person
    person.display_name = "Pat <b>Person</b>"
    person.save()

    export, token = _built(person, django_capture_on_commit_callbacks, monkeypatch)

    assert export.status == S.READY and export.file.startswith("privacy/exports/")
    assert default_storage.exists(export.file) and export.size > 0
    assert token not in export.file and token not in export.token_hash
    assert export.expires_at - export.ready_at == timedelta(days=7)

    notification = Notification.objects.get(kind=Kind.DATA_EXPORT_READY)
    assert (notification.recipient, notification.subject) == (person, export)
    url = f"http://127.0.0.1:8000/accounts/data/{token}/"
    assert notification.context == {"url": url, "expires_at": export.expires_at.isoformat()}
    message = notification_render(notification=notification)
    html = message.alternatives[0][0]
    assert message.subject == "Your data is ready to download"
    assert url in message.body and f'href="{url}"' in html
    assert "works once" in message.body and "signed in" in message.body
    assert "Hello Pat <b>Person</b>," in message.body
    assert "Pat &lt;b&gt;Person&lt;/b&gt;" in html and "<b>Person" not in html

    client.force_login(person)
    response = client.get(f"/accounts/data/{token}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # The file is named for the day in the person's own time zone, as the page shows it.
    day = timezone.localdate(export.ready_at, person.time_zone)
    assert response["Content-Disposition"] == (
        f'attachment; filename="mentoring-data-{day:%Y-%m-%d}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    files = _unzip(b"".join(response.streaming_content))
    data = json.loads(files["data.json"])
    assert data["person"]["email"] == "pat.person@example.org"
    assert data["sections"][0]["rows"][0]["display_name"] == "Pat <b>Person</b>"
    export.refresh_from_db()
    assert export.status == S.DOWNLOADED and export.downloaded_at is not None
    entry = AuditEntry.objects.get(action=Action.DATA_EXPORT_DOWNLOADED)
    assert (entry.actor, entry.person, entry.target_id) == (person, person, export.pk)

    again = client.get(f"/accounts/data/{token}/")

    assert again.status_code == 410
    assert "This link has been used; prepare a new download." in again.content.decode()
    assert DataExport.objects.get(pk=export.pk).downloaded_at == export.downloaded_at
    assert AuditEntry.objects.filter(action=Action.DATA_EXPORT_DOWNLOADED).count() == 1


def test_building_twice_builds_once(everything, media):
    export = data_export_request(user=everything.person)

    assert data_export_build(export_id=export.pk) == "ready"
    assert data_export_build(export_id=export.pk) == "skipped"
    assert data_export_build(export_id=export.pk + 1000) == "skipped"

    assert Notification.objects.filter(kind=Kind.DATA_EXPORT_READY).count() == 1
    assert len(list((media / "privacy" / "exports").iterdir())) == 1


def test_a_build_that_loses_the_race_to_another_worker_keeps_the_winners_archive(
    everything, media, monkeypatch
):
    export = data_export_request(user=everything.person)
    build = export_module.archive_build

    def meanwhile_built_elsewhere(*, user):
        content = build(user=user)
        DataExport.objects.filter(pk=export.pk).update(status=S.READY, file="winner.zip")
        return content

    monkeypatch.setattr(export_module, "archive_build", meanwhile_built_elsewhere)
    assert data_export_build(export_id=export.pk) == "skipped"

    assert DataExport.objects.get(pk=export.pk).file == "winner.zip"
    assert list((media / "privacy" / "exports").iterdir()) == []
    assert not Notification.objects.filter(kind=Kind.DATA_EXPORT_READY).exists()


def test_a_build_that_fails_is_marked_failed_and_leaves_no_file(everything, media, monkeypatch):
    export = data_export_request(user=everything.person)

    def broken(*, user):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "archive_build", broken)
    assert data_export_build(export_id=export.pk) == "failed"

    export.refresh_from_db()
    assert (export.status, export.error, export.file) == (S.FAILED, "RuntimeError: disk full", "")
    assert not Notification.objects.filter(kind=Kind.DATA_EXPORT_READY).exists()
    # The person can ask again.
    assert data_export_request(user=everything.person).status == S.PENDING


def test_someone_elses_link_is_not_found_even_signed_in(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    client.force_login(everything.partner)

    assert client.get(f"/accounts/data/{token}/").status_code == 404
    assert client.get("/accounts/data/not-a-token/").status_code == 404
    export.refresh_from_db()
    assert export.status == S.READY


def test_an_anonymous_visitor_is_sent_to_sign_in(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    _export, token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    link = f"/accounts/data/{token}/"

    for path in (DATA, link):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.post(DATA).status_code == 302
    assert DataExport.objects.count() == 1
    assert DataExport.objects.get().status == S.READY


def test_an_expired_link_is_refused_and_offers_a_new_download(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(everything.person)

    response = client.get(f"/accounts/data/{token}/")

    assert response.status_code == 410
    body = response.content.decode()
    assert "This download link has expired. You can prepare a new download." in body
    assert f'href="{DATA}"' in body
    export.refresh_from_db()
    assert export.status == S.READY and export.downloaded_at is None


def test_the_sweep_expires_links_and_deletes_files(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    name = export.file

    assert data_exports_sweep(now=export.expires_at - timedelta(minutes=1)) == 0
    assert data_exports_sweep(now=export.expires_at) == 1

    export.refresh_from_db()
    assert (export.status, export.file) == (S.EXPIRED, "")
    assert not default_storage.exists(name)
    client.force_login(everything.person)
    response = client.get(f"/accounts/data/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_file_the_storage_cannot_delete_is_tried_again_at_the_next_sweep(
    everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, _token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    delete, down = FileSystemStorage.delete, [True]

    def storage_down(storage, name):
        if down:
            raise OSError("storage unavailable")
        delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", storage_down)
    assert data_exports_sweep(now=export.expires_at) == 1
    assert DataExport.objects.get(pk=export.pk).file == export.file

    down.clear()
    assert data_exports_sweep(now=export.expires_at) == 1
    assert DataExport.objects.get(pk=export.pk).file == ""
    assert not default_storage.exists(export.file)


def test_the_sweep_deletes_a_downloaded_archive_an_hour_later(
    client, everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    client.force_login(everything.person)
    client.get(f"/accounts/data/{token}/")
    export.refresh_from_db()

    assert data_exports_sweep(now=export.downloaded_at + timedelta(minutes=30)) == 0
    assert default_storage.exists(export.file)
    assert data_exports_sweep(now=export.downloaded_at + timedelta(hours=2)) == 1

    assert not default_storage.exists(export.file)
    assert DataExport.objects.get(pk=export.pk).file == ""


def test_erasure_deletes_the_persons_archives_and_only_theirs(
    everything, media, django_capture_on_commit_callbacks, monkeypatch
):
    export, _token = _built(everything.person, django_capture_on_commit_callbacks, monkeypatch)
    other = data_export_request(user=everything.partner)
    data_export_build(export_id=other.pk)
    other.refresh_from_db()

    assert data_export_files_delete(user=everything.person) == 1

    assert not default_storage.exists(export.file)
    assert list(DataExport.objects.values_list("pk", flat=True)) == [other.pk]
    assert default_storage.exists(other.file)


# --- the page ---------------------------------------------------------------------------------


def test_the_page_lists_what_a_download_holds_and_leaves_out(client, db):
    client.force_login(UserFactory())

    body = client.get(DATA).content.decode()

    for title in ("Account", "Your session logs", "Your private notes", "Check-ins"):
        assert f'<li class="col">{title}</li>' in body
    # Sections the map keeps out of archives are not promised.
    assert "Coordinators&#x27; screening notes" not in body and "Pairs at risk" not in body
    assert "Other people's private notes" in body
    assert "Answers to anonymous surveys" in body
    assert "The coordinators' working notes" in body
    assert "Prepare my download" in body
    assert "You have not downloaded your data yet." in body


def test_the_page_shows_past_downloads_with_their_status_and_dates(client, everything):
    _add_privacy_history(everything.person)
    DataExport.objects.create(
        user=everything.person,
        status=S.READY,
        requested_at=at(70),
        ready_at=at(70, 0.1),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(everything.person)

    body = client.get(DATA).content.decode()

    assert "Downloaded" in body and "5 Apr 2025, 11:00" in body  # in Pat's zone
    assert "Expired" in body  # ready, but past its date before the sweep ran
    assert DataExport.objects.filter(user=everything.person).count() == 2


@pytest.mark.parametrize("downloads", [1, 5])
def test_the_page_takes_the_same_queries_for_few_and_many_downloads(
    client, db, django_assert_num_queries, downloads
):
    user = UserFactory()
    for n in range(downloads):
        DataExport.objects.create(user=user, status=S.EXPIRED, requested_at=at(n))
    client.force_login(user)

    # session, user, the person's downloads, their roles and unread messages (the navigation)
    with django_assert_num_queries(5):
        response = client.get(DATA)

    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == downloads + 1


# --- through a real worker -----------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_archive_and_emails_the_link(client, media, celery_worker):
    person = UserFactory(display_name="Pat Person")
    client.force_login(person)

    client.post(DATA)

    sent = Notification.objects.filter(kind=Kind.DATA_EXPORT_READY, status="sent")
    # then the worker has nothing left to do (build, email, sweep: generous on a loaded machine)
    notification = wait_for_rows(sent.first, timeout=30)
    export = DataExport.objects.get(user=person)
    assert export.status == S.READY
    assert [message.to for message in mail.outbox] == [[person.email]]
    assert notification.context["url"] in mail.outbox[0].body
    response = client.get(f"/accounts/data/{_token_of(notification)}/")
    files = _unzip(b"".join(response.streaming_content))
    assert json.loads(files["data.json"])["person"]["id"] == person.pk
    assert default_storage.exists(export.file)


# --- the admin ------------------------------------------------------------------------------


def test_superusers_see_downloads_in_the_admin_without_a_way_to_the_file(client, everything):
    _add_privacy_history(everything.person)
    export = DataExport.objects.get()
    DataExport.objects.filter(pk=export.pk).update(file="privacy/exports/hidden.zip", size=2048)
    admin = UserFactory(is_staff=True, is_superuser=True)
    NoticeAcceptance.objects.create(user=admin, notice=everything.notice)
    client.force_login(admin)

    listing = client.get("/admin/privacy/dataexport/").content.decode()
    detail = client.get(f"/admin/privacy/dataexport/{export.pk}/change/").content.decode()

    assert "Downloaded" in listing and "2.0\xa0KB" in listing
    for page in (listing, detail):
        assert "hidden.zip" not in page and export.token_hash not in page
    assert client.get(f"/admin/privacy/dataexport/{export.pk}/delete/").status_code == 403
    assert client.get("/admin/privacy/dataexport/add/").status_code == 403


def test_coordinators_do_not_see_downloads_in_the_admin(client, everything):
    client.force_login(everything.coordinator)

    assert client.get("/admin/privacy/dataexport/").status_code == 403
    assert "dataexport" not in client.get("/admin/").content.decode()
