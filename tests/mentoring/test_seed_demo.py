import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from programs.models import Application, Program
from sessions.models import AvailabilityRule, Meeting, SessionLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # The test runner turns DEBUG off; demo seeding is a DEBUG-mode tool.
    settings.DEBUG = True


def test_seed_demo_creates_programs_and_participants_once():
    call_command("seed_demo", participants=12)
    counts = (Program.objects.count(), User.objects.count(), Application.objects.count())
    # Three programs, and last year's closed run of the first (where a certificate was earned);
    # 12 participants, the coordinator, the admin and the reporting staff member.
    assert counts == (4, 15, 14)
    assert set(Program.objects.values_list("kind", flat=True)) == {"formal", "informal"}
    call_command("seed_demo", participants=12)
    assert (Program.objects.count(), User.objects.count(), Application.objects.count()) == counts


def test_seed_demo_gives_matched_pairs_availability_bookings_and_a_logged_session():
    call_command("seed_demo", participants=30)
    booked = Meeting.objects.filter(status="booked")
    assert booked.filter(start__gt=timezone.now()).count() >= 1
    logs = SessionLog.objects.filter(meeting__program__slug="first-year-success")
    assert logs.filter(outcome="held").count() == 1
    assert AvailabilityRule.objects.exists()
    call_command("seed_demo", participants=30)
    assert logs.count() == 1


def test_demo_users_can_log_in(client):
    call_command("seed_demo", participants=6)
    assert client.login(email="mentee1@demo.mentoring.test", password="mentoring-demo")


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to create demo accounts with DEBUG off"):
        call_command("seed_demo", participants=6)
    assert User.objects.count() == 0
    call_command("seed_demo", participants=6, force=True)
    assert User.objects.count() == 9


def test_seed_demo_scale_flags_build_a_large_program():
    call_command("seed_demo", participants=6, mentees=50, mentors=20)
    program = Program.objects.get(slug="scale-50x20")
    assert program.applications.filter(role="mentee", status="approved").count() == 50
    assert program.applications.filter(role="mentor", status="approved").count() == 20
    assert Application.topics.through.objects.filter(application__program=program).count() >= 70


def test_seed_demo_holds_check_ins_at_every_stage_and_the_dashboard_shows_them():
    from evaluation.models import CheckIn, RiskFlag
    from evaluation.selectors import program_health
    from notifications.models import Notification

    call_command("seed_demo", participants=30)
    program = Program.objects.get(slug="first-year-success")
    today = timezone.localdate()
    checkins = CheckIn.objects.filter(match__program=program)
    counts = {
        "answered": checkins.filter(answered_at__isnull=False).count(),
        "low": checkins.filter(score__lte=2).count(),
        "missed": checkins.filter(answered_at__isnull=True, due_on__lt=today).count(),
        "pending": checkins.filter(answered_at__isnull=True, due_on__gte=today).count(),
    }
    total = checkins.count()
    call_command("seed_demo", participants=30)

    assert all(counts.values()), counts
    pairs = program.matches.filter(status="active").count()
    assert counts["pending"] == 2 * pairs
    assert Notification.objects.filter(kind="checkin_invitation").count() == counts["pending"]
    health = program_health(program=program)
    assert 0 < health.checkin_response_rate < 1
    assert health.checkins_answered == counts["answered"]
    assert len(health.satisfaction) == 3 and all(week.mean > 0 for week in health.satisfaction)
    assert RiskFlag.objects.filter(match__program=program, reason="low_checkin").count() == 1
    assert checkins.count() == total  # the second run added none


def test_seed_demo_shows_the_program_structure():
    """Training part-way (the run leaves that mentor out and says why), screening, guides, a
    confirmed agreement, a match ended early with its reason and a certificate to download."""
    from matching.models import Match, UnmatchedEntry
    from programs.models import ScreeningCheck
    from relationships.models import Agreement
    from relationships.selectors import certificate_status
    from sessions.models import SessionGuide
    from training.selectors import training_unready

    call_command("seed_demo", participants=30)
    program = Program.objects.get(slug="first-year-success")
    mentors = list(program.applications.filter(role="mentor", status="approved"))
    held_back = training_unready(program=program, applications=mentors)
    (mentor_id,) = held_back
    entry = UnmatchedEntry.objects.get(application_id=mentor_id)
    ended = Match.objects.get(program=program, status="ended")
    last_year = Program.objects.get(slug="first-year-success-last-year", status="closed")
    certified = last_year.applications.get(role="mentor")
    call_command("seed_demo", participants=30)

    assert held_back[mentor_id] == (2, 4)
    assert (entry.reason, entry.detail) == ("training", "training not complete (2 of 4 steps)")
    assert not Match.objects.filter(mentor_id=mentor_id).exists()
    assert ScreeningCheck.objects.filter(application__program=program).exists()
    assert SessionGuide.objects.filter(program=program).count() == 6
    assert [a.is_confirmed for a in Agreement.objects.filter(match__program=program)] == [True]
    assert ended.end_reason == "schedules"
    assert certificate_status(application=certified).eligible


def test_seed_demo_imports_outcomes_that_show_a_result():
    from outcomes.models import OutcomeImport
    from outcomes.report import outcome_report
    from programs.models import Program

    call_command("seed_demo", participants=60)
    call_command("seed_demo", participants=60)
    program = Program.objects.get(slug=OutcomeImport.objects.get().program.slug)
    record = OutcomeImport.objects.get()
    assert record.status == "done"
    assert record.new_people == 400
    gpa, retained = outcome_report(program=program).measures
    assert (gpa.code, retained.code) == ("gpa", "retained")
    assert gpa.overall.sentence.startswith("Participants' GPA rose")
    assert program.reporting_staff.filter(email__startswith="reporting@").exists()
