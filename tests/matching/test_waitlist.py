"""The waitlist: a freed place is proposed to the coordinators (formal programs) or announced
to waitlisted mentees (informal programs), whichever way it frees up."""

import threading
from datetime import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from matching.explain import pair_score_explanation
from matching.models import Exclusion, Match, WaitlistOffer
from matching.services.ending import match_end
from matching.services.waitlist import waitlist_offer_accept, waitlist_offer_dismiss
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due
from programs.models import Application
from programs.services import ApplicationData, application_decide, application_update
from tests.e2e.helpers import make_coordinator
from tests.factories import UserFactory
from tests.matching.helpers import approved, make_formal_program
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db


def waitlisted(program, name: str, topics=(0,)) -> Application:
    application = approved(program, "mentee", name=name, stage=0, topics=topics)
    return application_decide(application=application, status="waitlisted")


@pytest.fixture
def formal():
    """Mo mentors Ana; Ben (who wants what Mo offers) and Cat wait."""
    program = make_formal_program(status="running")
    coordinator = UserFactory(display_name="Corinne", is_staff=True)
    program.coordinators.add(coordinator)
    mo = approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    ana = approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    match = Match.objects.create(program=program, mentor=mo, mentee=ana)
    ben = waitlisted(program, "Ben", topics=(0,))
    cat = waitlisted(program, "Cat", topics=(2,))
    notifications_deliver_due()
    mail.outbox.clear()
    return program, coordinator, mo, match, ben, cat


def offers() -> list[tuple[str, str, str]]:
    return [
        (o.mentee.user.display_name, o.mentor.user.display_name, o.status)
        for o in WaitlistOffer.objects.select_related("mentee__user", "mentor__user").order_by("pk")
    ]


def test_an_ended_match_proposes_the_best_waitlisted_mentee_to_the_coordinator(formal):
    program, coordinator, mo, match, ben, _ = formal
    match_end(match=match)
    assert offers() == [("Ben", "Mo", "proposed")]
    offer = WaitlistOffer.objects.get()
    score, explanation = pair_score_explanation(program, ben, mo)
    assert (offer.score, offer.explanation) == (score, explanation)
    assert offer.trigger == "match_ended"
    assert Notification.objects.filter(kind=Kind.WAITLIST_OFFER).count() == 1
    notifications_deliver_due()
    [email] = [m for m in mail.outbox if coordinator.email in m.to]
    assert email.subject == f"A place is free in {program.name}: waitlist proposal"
    assert "The best-placed person on the waitlist for it is Ben" in email.body
    assert "Covers 1 of 1 topics: Study skills." in email.body
    assert f"/admin/matching/waitlistoffer/{offer.pk}/change/" in email.body
    ben.refresh_from_db()
    assert ben.status == "waitlisted"  # nothing happens until the coordinator accepts


def test_accepting_makes_the_match_approves_the_mentee_and_tells_both(formal):
    program, coordinator, mo, match, ben, _ = formal
    match_end(match=match)
    notifications_deliver_due()
    mail.outbox.clear()
    created = waitlist_offer_accept(offer=WaitlistOffer.objects.get(), by=coordinator)
    assert (created.mentor, created.mentee, created.origin) == (mo, ben, "waitlist")
    assert created.score == WaitlistOffer.objects.get().score
    ben.refresh_from_db()
    assert ben.status == "approved"
    offer = WaitlistOffer.objects.get()
    assert (offer.status, offer.match, offer.decided_by) == ("accepted", created, coordinator)
    notifications_deliver_due()
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [f"Meet your mentor: Mo ({program.name})", f"Meet your new mentee: Ben ({program.name})"]
    )
    with pytest.raises(ValidationError, match="already been answered"):
        waitlist_offer_accept(offer=offer)


def test_an_exclusion_made_after_the_proposal_is_respected(formal):
    program, _, mo, match, ben, _ = formal
    match_end(match=match)
    Exclusion.objects.create(program=program, person=ben.user, other=mo.user)
    with pytest.raises(ValidationError, match="Ben and Mo may not be matched"):
        waitlist_offer_accept(offer=WaitlistOffer.objects.get())
    assert WaitlistOffer.objects.get().status == "stale"
    assert not Match.objects.filter(mentee=ben).exists()


def test_a_mentor_filled_in_the_meantime_cannot_take_the_proposal(formal):
    program, _, mo, match, _, cat = formal
    match_end(match=match)
    Match.objects.create(program=program, mentor=mo, mentee=cat)
    with pytest.raises(ValidationError, match="Mo has no free place left"):
        waitlist_offer_accept(offer=WaitlistOffer.objects.get())
    offer = WaitlistOffer.objects.get()
    assert (offer.status, offer.note) == ("stale", "Mo has no free place left.")


def test_exclusions_and_ended_matches_are_never_proposed(formal):
    program, _, mo, match, ben, _ = formal
    Exclusion.objects.create(program=program, person=mo.user, other=ben.user)
    match_end(match=match)
    assert offers() == [("Cat", "Mo", "proposed")]  # Ana's match with Mo ended: not her either


def test_a_dismissed_mentee_is_not_proposed_for_that_mentor_again(formal):
    program, _, mo, match, *_ = formal
    match_end(match=match)
    waitlist_offer_dismiss(offer=WaitlistOffer.objects.get())
    dan = approved(program, "mentee", name="Dan", stage=0)
    second = Match.objects.create(program=program, mentor=mo, mentee=dan)
    match_end(match=second)
    assert offers() == [("Ben", "Mo", "dismissed"), ("Cat", "Mo", "proposed")]


def mentor_data(application: Application, capacity: int) -> ApplicationData:
    return ApplicationData(
        role="mentor",
        career_stage=application.career_stage,
        topics=list(application.topics.all()),
        goals=list(application.goals.all()),
        time_zone="Europe/London",
        capacity=capacity,
        availability=[(0, time(17), time(19))],
    )


def test_a_mentor_raising_their_capacity_gets_the_next_best_proposed(formal):
    program, *_ = formal
    lee = approved(program, "mentor", name="Lee", stage=2, topics=(0, 2), capacity=1)
    assert offers() == [("Ben", "Lee", "proposed")]  # approving Lee freed a place already
    application_update(application=lee, data=mentor_data(lee, capacity=2))
    assert offers() == [("Ben", "Lee", "proposed"), ("Cat", "Lee", "proposed")]
    assert WaitlistOffer.objects.order_by("pk").last().trigger == "capacity"
    application_update(application=lee, data=mentor_data(lee, capacity=2))
    assert len(offers()) == 2  # unchanged capacity: nothing new


def test_a_late_mentor_gets_as_many_proposals_as_places_best_first(formal):
    program, *_ = formal
    approved(program, "mentor", name="Lee", stage=2, topics=(2,), capacity=1)
    assert offers() == [("Cat", "Lee", "proposed")]  # Cat wants what Lee offers
    approved(program, "mentor", name="Kim", stage=2, topics=(0, 2), capacity=5)
    assert offers() == [("Cat", "Lee", "proposed"), ("Ben", "Kim", "proposed")]
    assert {o.trigger for o in WaitlistOffer.objects.all()} == {"approved"}


def test_a_closed_program_proposes_nothing(formal):
    program, _, _, match, *_ = formal
    program.status = "closed"
    program.save()
    match_end(match=match)
    assert offers() == []


@pytest.fixture
def informal():
    program = make_program(kind="informal", status="running")
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    ana = approved(program, "mentee", name="Ana", stage=0)
    match = Match.objects.create(program=program, mentor=mo, mentee=ana)
    ben = waitlisted(program, "Ben")
    notifications_deliver_due()
    mail.outbox.clear()
    return program, mo, match, ben


def told(ben) -> bool:
    ben.refresh_from_db()
    notifications_deliver_due()
    emails = [m for m in mail.outbox if ben.user.email in m.to]
    return ben.status == "approved" and len(emails) == 1 and "approved" in emails[0].body


def test_informal_waitlist_is_told_when_a_match_ends(informal):
    _, _, match, ben = informal
    match_end(match=match)
    assert told(ben)
    assert WaitlistOffer.objects.count() == 0


def test_informal_waitlist_is_told_when_a_mentor_raises_capacity(informal):
    program, *_, ben = informal
    lee = approved(program, "mentor", name="Lee", stage=2, capacity=1)
    ben.refresh_from_db()
    ben = application_decide(application=ben, status="waitlisted")  # back on the list
    notifications_deliver_due()
    mail.outbox.clear()
    application_update(application=lee, data=mentor_data(lee, capacity=3))
    assert told(ben)


def test_informal_waitlist_is_told_when_a_mentor_is_approved(informal):
    program, *_, ben = informal
    approved(program, "mentor", name="Lee", stage=2, capacity=1)
    assert told(ben)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_instant_never_exceed_capacity():
    program = make_formal_program(status="running")
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=2)
    for k in range(2):
        waitlisted(program, f"W{k}")
    application_decide(application=mo, status="approved")  # proposes both
    Application.objects.filter(pk=mo.pk).update(capacity=1)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(offer):
        barrier.wait()
        try:
            waitlist_offer_accept(offer=offer)
            outcomes.append("accepted")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(o,)) for o in WaitlistOffer.objects.all()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Mo has no free place left.", "accepted"]
    assert Match.objects.filter(mentor=mo, status="active").count() == 1


def changelist(client, data=None):
    url = reverse("admin:matching_waitlistoffer_changelist")
    return client.post(url, data) if data else client.get(url)


def test_the_coordinator_accepts_a_proposal_in_the_admin(client, formal):
    program, _, mo, match, ben, _ = formal
    match_end(match=match)
    offer = WaitlistOffer.objects.get()
    coordinator = make_coordinator()
    client.force_login(coordinator)
    assert (
        client.get(reverse("admin:matching_waitlistoffer_change", args=[offer.pk])).status_code
        == 404
    )
    assert "Ben" not in changelist(client).content.decode()
    program.coordinators.add(coordinator)
    detail = client.get(reverse("admin:matching_waitlistoffer_change", args=[offer.pk]))
    assert "Covers 1 of 1 topics: Study skills." in detail.content.decode()
    response = changelist(
        client, {"action": "accept_offers", "_selected_action": [offer.pk], "index": 0}
    )
    assert response.status_code == 302
    assert Match.objects.get(mentee=ben, status="active").mentor == mo
    page = client.get(response["Location"]).content.decode()
    assert "Made 1 match from the waitlist; both sides are emailed." in page


def test_the_coordinator_dismisses_a_proposal_in_the_admin(client, formal):
    program, _, _, match, ben, _ = formal
    match_end(match=match)
    offer = WaitlistOffer.objects.get()
    coordinator = make_coordinator()
    program.coordinators.add(coordinator)
    client.force_login(coordinator)
    changelist(client, {"action": "dismiss_offers", "_selected_action": [offer.pk], "index": 0})
    offer.refresh_from_db()
    assert (offer.status, offer.decided_by) == ("dismissed", coordinator)
    assert not Match.objects.filter(mentee=ben).exists()


def test_the_proposal_page_the_email_links_to_accepts(client, formal):
    program, _, mo, match, ben, _ = formal
    match_end(match=match)
    offer = WaitlistOffer.objects.get()
    coordinator = make_coordinator()
    client.force_login(coordinator)
    accept = reverse("admin:matching_waitlistoffer_answer", args=[offer.pk, "accept"])
    assert client.post(accept).status_code == 404  # not their program
    program.coordinators.add(coordinator)
    page = client.get(reverse("admin:matching_waitlistoffer_change", args=[offer.pk]))
    html = page.content.decode()
    assert (f'action="{accept}"' in html, 'name="_save"' in html) == (True, False)
    assert client.get(accept).status_code == 405
    bogus = reverse("admin:matching_waitlistoffer_answer", args=[offer.pk, "delete"])
    assert client.post(bogus).status_code == 404
    response = client.post(accept)
    assert response["Location"] == reverse("admin:matching_waitlistoffer_change", args=[offer.pk])
    assert Match.objects.get(mentee=ben, status="active").mentor == mo
    answered = client.get(response["Location"]).content.decode()
    assert f'action="{accept}"' not in answered
    again = client.post(accept, follow=True).content.decode()
    assert "This proposal has already been answered." in again


def test_the_proposal_page_dismisses(client, formal):
    program, _, _, match, ben, _ = formal
    match_end(match=match)
    offer = WaitlistOffer.objects.get()
    coordinator = make_coordinator()
    program.coordinators.add(coordinator)
    client.force_login(coordinator)
    client.post(reverse("admin:matching_waitlistoffer_answer", args=[offer.pk, "dismiss"]))
    offer.refresh_from_db()
    assert (offer.status, offer.decided_by) == ("dismissed", coordinator)
    assert not Match.objects.filter(mentee=ben).exists()
