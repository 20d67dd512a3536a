"""Journey 9: a new mentor is approved and trained before matching, the pair signs its
agreement, and the first meeting follows the program's first session guide.

The mentor sees the training checklist on the home page, fails the quiz once, passes it and
acknowledges the code of conduct; until then the coordinator's draft run leaves them out and
says why, and only a re-run after training proposes them. After publication both sides fill
in and confirm the agreement, and the first meeting's page shows guide 1, whose reflection
prompt is asked by the log form."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Match
from relationships.models import Agreement
from sessions.models import Meeting, SessionGuide
from tests.e2e.helpers import log_in, log_out, make_coordinator
from tests.matching.helpers import approved, make_formal_program
from tests.training.helpers import K, make_quiz, make_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "What do you most want from this year?"


def _program(coordinator):
    program = make_formal_program(
        name="Peer Mentors 2027",
        starts_on=timezone.localdate() - timedelta(days=7),
        ends_on=timezone.localdate() + timedelta(days=120),
    )
    program.coordinators.add(coordinator)
    make_quiz(
        program,
        title="Safeguarding quiz",
        audience="mentors",
        pass_mark=100,
        questions=[
            (
                "A mentee tells you they are at risk. What do you do?",
                "*Tell the coordinator the same day\nKeep it between the two of you",
                "single",
            )
        ],
    )
    make_step(
        program,
        K.ACKNOWLEDGEMENT,
        title="Code of conduct",
        audience="mentors",
        statement="I will follow the code of conduct.",
    )
    SessionGuide.objects.create(
        program=program,
        number=1,
        title="Getting to know each other",
        objectives="Learn about each other and agree how you will work.",
        activities="Share your stories; set a first goal.",
        reflection_prompts=PROMPT,
    )
    return program


def test_training_gates_the_run_then_agreement_and_first_guide(page, live_server, artifacts):
    page.set_default_timeout(15_000)
    base = live_server.url
    coordinator = make_coordinator()
    program = _program(coordinator)
    mentee = approved(program, "mentee", name="Ana Mentee", stage=0, topics=(0,))
    mentor = approved(program, "mentor", name="Mo Mentor", stage=2, topics=(0,), capacity=1)

    # Before training, the draft leaves the mentor out and says why.
    log_in(page, base, coordinator.email)
    page.goto(f"{base}/admin/programs/program/{program.pk}/change/")
    page.get_by_role("button", name="Run matching").click()
    page.get_by_role("heading", name="Not matched (2)").wait_for()
    assert (
        page.get_by_role("row", name="Mo Mentor")
        .get_by_text("training not complete (0 of 2 steps)")
        .is_visible()
    )
    review_url = page.url
    page.screenshot(path=artifacts / "01-draft-without-the-mentor.png", full_page=True)
    log_out(page)

    # The mentor trains: the checklist on the home page, the quiz failed once, then passed.
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, mentor.user.email)
    page.get_by_text("0 of 2 required steps done").wait_for()
    page.get_by_role("link", name="Safeguarding quiz", exact=True).click()
    page.get_by_label("Keep it between the two of you").check()
    page.get_by_role("button", name="Send answers").click()
    page.get_by_text("not passed", exact=False).first.wait_for()
    page.screenshot(path=artifacts / "02-quiz-failed.png", full_page=True)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Safeguarding quiz", exact=True).click()
    page.get_by_label("Tell the coordinator the same day").check()
    page.get_by_role("button", name="Send answers").click()
    page.get_by_text("You passed", exact=False).wait_for()
    page.goto(f"{base}/")
    page.get_by_text("1 of 2 required steps done").wait_for()
    page.get_by_role("link", name="Code of conduct", exact=True).click()
    page.get_by_label("I will follow the code of conduct.").check()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Completed on", exact=False).wait_for()
    page.goto(f"{base}/")
    page.get_by_role("link", name="Training done").wait_for()
    page.screenshot(path=artifacts / "03-training-done.png", full_page=True)
    log_out(page)

    # Only now does a re-run propose the mentor; the coordinator publishes.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, coordinator.email)
    page.goto(review_url)
    page.get_by_role("button", name="Re-run around locked pairs").click()
    page.get_by_role("heading", name="Proposed pairs (1)").wait_for()
    assert "Mo Mentor" in page.locator("tr[data-pair]").inner_text()
    page.get_by_role("button", name="Publish 1 match").click()
    page.get_by_text("Published 1 match", exact=False).wait_for()
    match = Match.objects.get(mentee=mentee, mentor=mentor, status="active")
    log_out(page)

    # Both sides fill in and confirm the agreement.
    log_in(page, base, mentor.user.email)
    page.goto(f"{base}/matching/matches/{match.pk}/")
    page.get_by_role("link", name="Fill in the agreement").click()
    page.get_by_label("Every two weeks").check()
    page.get_by_label("Video call").check()
    page.get_by_label("What do you hope to get from mentoring, and to give?").fill(
        "To pass on what I wish I had known in my first year."
    )
    page.get_by_label("I agree to the confidentiality statement above.").check()
    page.get_by_role("button", name="Save and confirm").click()
    page.get_by_text("Waiting for your partner to confirm").wait_for()
    log_out(page)

    log_in(page, base, mentee.user.email)
    page.goto(f"{base}/matching/matches/{match.pk}/")
    page.get_by_text("Your partner confirmed: your turn").wait_for()
    page.get_by_role("link", name="Review and confirm").click()
    page.get_by_label("What do you hope to get from this mentoring?").fill(
        "Settle in and find a study rhythm."
    )
    page.get_by_label("I agree to the confidentiality statement above.").check()
    page.get_by_role("button", name="Save and confirm").click()
    page.get_by_text("Confirmed by both of you").wait_for()
    page.screenshot(path=artifacts / "04-agreement-confirmed.png", full_page=True)
    assert Agreement.objects.get(match=match).is_confirmed

    # The first meeting shows guide 1, and the log form asks its reflection prompt.
    start = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    meeting = Meeting.objects.create(
        program=program, mentor=mentor.user, match=match, start=start,
        end=start + timedelta(hours=1), booked_by=mentee.user,
    )  # fmt: skip
    page.goto(f"{base}/sessions/{meeting.pk}/")
    page.get_by_text("Getting to know each other").first.wait_for()
    assert page.get_by_label(PROMPT).is_visible()
    page.screenshot(path=artifacts / "05-first-guide.png", full_page=True)
