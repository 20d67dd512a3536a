"""Journey 3: a coordinator runs matching, reviews the draft, swaps two pairs, publishes, and
the mentee sees the match with its explanation; a freed place goes to the waitlist; a stable
run is reviewed and published; a participant names someone not to be matched with."""

import pytest
from django.core import mail

from matching.models import Match, MatchingConfig
from notifications.services import notifications_deliver_due
from programs.services import application_decide
from tests.e2e.helpers import log_in, log_out, make_coordinator
from tests.factories import PASSWORD
from tests.matching.helpers import approved, make_formal_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_runs_reviews_swaps_and_publishes(page, live_server, artifacts):
    page.set_default_timeout(15_000)
    coordinator = make_coordinator()
    program = make_formal_program(name="Spring Cohort")
    program.coordinators.add(coordinator)
    ana = approved(program, "mentee", name="Ana Mentee", stage=0, topics=(0,))
    approved(program, "mentee", name="Ben Mentee", stage=0, topics=(1,))
    approved(program, "mentor", name="Mo Mentor", stage=2, topics=(0,), capacity=1)
    approved(program, "mentor", name="Nia Mentor", stage=2, topics=(1,), capacity=1)
    notifications_deliver_due()
    mail.outbox.clear()
    base = live_server.url

    log_in(page, base, coordinator.email)
    page.goto(f"{base}/admin/programs/program/{program.pk}/change/")
    page.get_by_role("button", name="Run matching").click()
    page.get_by_role("heading", name="Proposed pairs (2)").wait_for()
    page.screenshot(path=artifacts / "01-draft.png", full_page=True)
    rows = page.locator("tr[data-pair]")
    assert rows.count() == 2
    assert "Ana Mentee" in rows.nth(0).inner_text() + rows.nth(1).inner_text()

    for index in range(2):
        rows.nth(index).get_by_role("checkbox").check()
    page.get_by_role("button", name="Swap the mentors of the two ticked pairs").click()
    page.get_by_text("Swapped the mentors of the two pairs").wait_for()
    page.screenshot(path=artifacts / "02-swapped.png", full_page=True)

    page.get_by_role("button", name="Publish 2 matches").click()
    page.get_by_text("Published 2 matches; both sides are emailed.").wait_for()
    page.screenshot(path=artifacts / "03-published.png", full_page=True)
    match = Match.objects.get(mentee=ana)
    assert match.mentor.user.display_name == "Nia Mentor"  # swapped away from Mo
    assert notifications_deliver_due() == 4
    log_out(page)

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, ana.user.email, PASSWORD)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="My matches").click()
    page.get_by_role("link", name="Your mentor Nia Mentor").click()
    page.get_by_role("heading", name="Your mentor: Nia Mentor").wait_for()
    assert page.get_by_text("Why you were matched").is_visible()
    assert page.get_by_text("Mentor is 2 stages ahead").is_visible()
    page.screenshot(path=artifacts / "04-mentee-sees-match.png", full_page=True)


def test_a_freed_place_goes_to_the_waitlist_and_a_participant_names_someone_to_avoid(
    page, live_server, artifacts
):
    page.set_default_timeout(15_000)
    coordinator = make_coordinator()
    program = make_formal_program(name="Autumn Cohort", status="running")
    program.coordinators.add(coordinator)
    mo = approved(program, "mentor", name="Mo Mentor", stage=2, topics=(0,), capacity=1)
    ana = approved(program, "mentee", name="Ana Mentee", stage=0, topics=(0,))
    Match.objects.create(program=program, mentor=mo, mentee=ana)
    ben = approved(program, "mentee", name="Ben Waiting", stage=0, topics=(0,))
    application_decide(application=ben, status="waitlisted")
    notifications_deliver_due()
    mail.outbox.clear()
    base = live_server.url

    log_in(page, base, coordinator.email)
    page.goto(f"{base}/admin/matching/match/")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("end_matches")
    page.get_by_title("Run the selected action").click()
    page.get_by_label("Why the match ends").select_option("schedules")
    page.get_by_role("button", name="End and tell both sides").click()
    page.get_by_text("Ended 1 match; both sides are told.").wait_for()
    notifications_deliver_due()
    [proposal] = [m for m in mail.outbox if coordinator.email in m.to]
    assert "Ben Waiting" in proposal.body

    page.goto(f"{base}/admin/matching/waitlistoffer/")
    page.get_by_role("link", name="Ben Waiting").click()
    page.get_by_text("Covers 1 of 1 topics: Study skills.").wait_for()
    page.screenshot(path=artifacts / "05-waitlist-proposal.png", full_page=True)
    page.go_back()
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("accept_offers")
    page.get_by_title("Run the selected action").click()
    page.get_by_text("Made 1 match from the waitlist; both sides are emailed.").wait_for()
    assert Match.objects.get(mentee=ben, status="active").origin == "waitlist"
    log_out(page)

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, ben.user.email, PASSWORD)
    page.goto(f"{base}/matching/")
    page.get_by_role("link", name="Your mentor Mo Mentor").wait_for()
    page.get_by_role("link", name="Tell us, in Autumn Cohort").click()
    page.get_by_label("Their email address or name").fill("Someone I Know")
    page.get_by_role("button", name="Do not match me with them").click()
    page.get_by_text("Saved. If someone in Autumn Cohort has this email or name").wait_for()
    page.screenshot(path=artifacts / "06-not-matched-with.png", full_page=True)
    page.get_by_role("button", name="Remove Someone I Know").click()
    page.get_by_text("Nobody yet.").wait_for()


def test_a_stable_run_is_reviewed_with_its_cost_and_published(page, live_server, artifacts):
    page.set_default_timeout(15_000)
    coordinator = make_coordinator()
    program = make_formal_program(name="Stable Cohort")
    program.coordinators.add(coordinator)
    MatchingConfig.objects.create(program=program, algorithm="stable")
    approved(program, "mentee", name="Ana Mentee", stage=0, topics=(0,))
    approved(program, "mentee", name="Ben Mentee", stage=0, topics=(0, 1))
    approved(program, "mentor", name="Mo Mentor", stage=2, topics=(0,), capacity=1)
    approved(program, "mentor", name="Nia Mentor", stage=2, topics=(1,), capacity=1)
    base = live_server.url

    log_in(page, base, coordinator.email)
    page.goto(f"{base}/admin/programs/program/{program.pk}/change/")
    page.get_by_role("button", name="Run matching").click()
    page.get_by_role("heading", name="Proposed pairs (2)").wait_for()
    assert page.get_by_text("Stable (no pair would both rather be together)").is_visible()
    assert page.get_by_text("Cost of stability").is_visible()
    page.screenshot(path=artifacts / "07-stable-draft.png", full_page=True)
    page.get_by_role("button", name="Publish 2 matches").click()
    page.get_by_text("Published 2 matches; both sides are emailed.").wait_for()
    assert Match.objects.filter(program=program, status="active").count() == 2
