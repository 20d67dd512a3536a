"""Webhooks: each event becomes deliveries in its own transaction, signed, refused for bad
URLs, redelivered on demand, and managed in the admin within the coordinator's programs."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.services import (
    deliveries_deliver_due,
    delivery_redeliver,
    subscription_create,
)
from evaluation.services.checkins import checkin_answer, checkins_create_due
from matching.models import Match
from matching.services.ending import match_end
from matching.services.runs import run_publish, run_start
from mentoring import events
from programs.services import application_decide, application_submit
from sessions.services.availability import one_off_slot_create
from sessions.services.booking import booking_create
from sessions.services.logs import session_log_save
from tests.api.webhook_receiver import ReceiverServer
from tests.evaluation.helpers import make_coordinator
from tests.evaluation.helpers import make_pair as make_old_pair
from tests.evaluation.helpers import make_program as make_running_program
from tests.factories import UserFactory
from tests.matching.helpers import approved, make_formal_program
from tests.programs.helpers import make_data
from tests.programs.helpers import make_program as make_enrolling_program
from tests.sessions.helpers import NOW, meeting_at, pair

pytestmark = pytest.mark.django_db
ALL = list(events.EVENT_NAMES)


@pytest.fixture
def receiver():
    with ReceiverServer() as running:
        yield running


def subscribe(program, url="https://hooks.example.org/mentoring", names=ALL, **fields):
    return subscription_create(program=program, url=url, events=names, **fields)


def sent() -> list[tuple[str, dict]]:
    return [(d.event, d.payload) for d in WebhookDelivery.objects.order_by("pk")]


# --- each event writes a delivery -----------------------------------------------------------


def test_applying_and_a_decision_each_write_a_delivery():
    program = make_enrolling_program()
    subscribe(program)
    application = application_submit(program=program, user=UserFactory(), data=make_data(program))
    application_decide(application=application, status="approved")

    pk = application.pk
    assert sent() == [
        ("application.submitted", {"application_id": pk, "role": "mentee"}),
        (
            "application.decided",
            {"application_id": pk, "role": "mentee", "status": "approved", "previous": "applied"},
        ),
    ]


def test_publishing_a_run_and_ending_a_match_each_write_a_delivery():
    program = make_formal_program()
    mentor = approved(program, "mentor", name="Mo", stage=3, capacity=1)
    mentee = approved(program, "mentee", name="Ed", stage=0)
    subscribe(program, names=[events.MATCH_PUBLISHED, events.MATCH_ENDED])
    run = run_start(program=program)
    [match] = run_publish(run=run)
    match_end(match=match, end_reason="completed_goals")

    published = {
        "match_id": match.pk,
        "mentor_application_id": mentor.pk,
        "mentee_application_id": mentee.pk,
        "origin": "formal",
    }
    assert sent() == [
        ("match.published", published),
        ("match.ended", {"match_id": match.pk, "end_reason": "completed_goals"}),
    ]


def test_booking_and_logging_a_session_each_write_a_delivery():
    match = pair()
    subscribe(match.program, names=[events.SESSION_BOOKED, events.SESSION_LOGGED])
    start = NOW + timedelta(days=2)
    one_off_slot_create(
        mentor=match.mentor.user, start=start, end=start + timedelta(hours=1), now=NOW
    )
    booked = booking_create(match=match, start=start, booked_by=match.mentee.user, now=NOW)
    held = meeting_at(match, hours_from_now=-2)
    log = session_log_save(meeting=held, author=match.mentor.user, outcome="held")

    assert sent() == [
        (
            "session.booked",
            {"session_id": booked.pk, "match_id": match.pk, "start": start.isoformat()},
        ),
        ("session.logged", {"session_id": held.pk, "log_id": log.pk, "outcome": "held"}),
    ]


def test_only_a_low_check_in_score_writes_a_delivery():
    match = make_old_pair(make_running_program(), days_ago=14)
    checkins_create_due(program=match.program, today=timezone.localdate())
    subscribe(match.program)
    checkin_answer(checkin=match.checkins.get(application=match.mentor), score=4, met=True)
    low = match.checkins.get(application=match.mentee)
    checkin_answer(checkin=low, score=2, met=False, blocking="Exams")

    assert sent() == [("checkin.low", {"checkin_id": low.pk, "match_id": match.pk, "score": 2})]


def test_a_rolled_back_event_leaves_no_delivery():
    program = make_enrolling_program()
    subscribe(program)
    user = UserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        application_submit(program=program, user=user, data=make_data(program))
        assert WebhookDelivery.objects.count() == 1  # written with the event...
        raise RuntimeError("the request failed later")

    assert WebhookDelivery.objects.count() == 0  # ...and undone with it


def test_deliveries_go_only_to_active_subscriptions_of_the_program_that_want_the_event():
    program, other = make_enrolling_program(), make_enrolling_program()
    wanted = subscribe(program, names=[events.APPLICATION_SUBMITTED])
    subscribe(program, names=[events.MATCH_ENDED])
    subscribe(program, active=False)
    subscribe(other)

    application_submit(program=program, user=UserFactory(), data=make_data(program))

    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [wanted.pk]


def test_an_event_nobody_listens_to_costs_one_query(django_assert_num_queries):
    program = make_enrolling_program()
    with django_assert_num_queries(1):
        events.event_emit(name=events.MATCH_ENDED, program=program, payload={"match_id": 1})


def test_an_unknown_event_name_is_a_programming_error():
    with pytest.raises(ValueError, match=r"Unknown event 'match\.exploded'"):
        events.event_emit(name="match.exploded", program=None, payload={})


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.org/in",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.org:70/",
        "hooks.example.org/mentoring",
    ],
)
def test_a_url_that_is_not_http_or_https_is_refused(url):
    program = make_enrolling_program()

    with pytest.raises(ValidationError) as error:
        subscribe(program, url=url)

    assert error.value.message_dict == {
        "url": ["A webhook URL must start with http:// or https://."]
    }
    assert WebhookSubscription.objects.count() == 0


def test_an_http_url_that_is_not_a_url_is_refused():
    with pytest.raises(ValidationError) as error:
        subscribe(make_enrolling_program(), url="https://")
    assert error.value.message_dict == {"url": ["Enter a valid URL."]}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://10.1.2.3/hooks",
        "https://192.168.0.10/",
        "http://172.16.5.4:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0:8000/",
        "http://[::1]:8000/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
    ],
)
def test_a_url_to_a_private_local_or_reserved_address_is_refused(url):
    with pytest.raises(ValidationError) as error:
        subscribe(make_enrolling_program(), url=url)

    [message] = error.value.message_dict["url"]
    assert message.startswith("A webhook URL must point to a public address")
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.parametrize("url", ["http://localhost:8000/in", "http://api.localhost/in"])
def test_a_url_to_this_computer_by_name_is_refused(url):
    with pytest.raises(ValidationError) as error:
        subscribe(make_enrolling_program(), url=url)

    assert error.value.message_dict["url"][0].startswith("A webhook URL cannot point to this")


def test_private_addresses_can_be_allowed_for_a_receiver_on_the_own_network(settings):
    settings.WEBHOOK_PRIVATE_ADDRESSES_ALLOWED = True
    subscription = subscribe(make_enrolling_program(), url="http://10.1.2.3/hooks")
    assert subscription.url == "http://10.1.2.3/hooks"


def test_public_addresses_and_names_are_accepted():
    program = make_enrolling_program()
    subscribe(program, url="https://93.184.215.14/in")
    subscribe(program, url="https://[2606:4700::1111]/in")
    subscribe(program, url="https://hooks.example.org/in")
    assert WebhookSubscription.objects.count() == 3


def test_address_public_judges_the_address_inside_an_ipv6_one():
    from api.webhooks.addresses import address_public

    assert address_public("8.8.8.8")
    assert address_public("2001:4860:4860::8888")
    assert not address_public("::ffff:10.0.0.1")
    assert not address_public("2002:7f00:1::")  # 6to4 of 127.0.0.1
    assert not address_public("fe80::1%eth0")


def test_a_name_that_resolves_to_a_local_address_is_refused_when_sending(receiver, settings):
    """A subscription saved while allowed (or a name whose answer changed since) is checked
    again on the socket: nothing reaches the receiver, and the log says why."""
    program = make_enrolling_program()
    subscribe(program, url=receiver.url.replace("127.0.0.1", "localhost"))
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    settings.WEBHOOK_PRIVATE_ADDRESSES_ALLOWED = False

    assert deliveries_deliver_due() == {"queued": 1}

    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.last_status_code is None
    assert "resolves to" in delivery.last_error
    assert "webhooks are sent to public addresses only" in delivery.last_error


def test_a_subscription_needs_known_events():
    program = make_enrolling_program()
    with pytest.raises(ValidationError) as error:
        subscribe(program, names=[])
    assert error.value.message_dict == {"events": ["Choose at least one event."]}
    with pytest.raises(ValidationError) as error:
        subscribe(program, names=["match.ended", "pizza.ordered"])
    assert error.value.message_dict == {"events": ["Unknown events: pizza.ordered."]}


# --- on the wire --------------------------------------------------------------------------


def test_a_real_receiver_verifies_the_signature_of_what_it_is_sent(receiver):
    program = make_enrolling_program()
    subscription = subscribe(program, url=receiver.url)
    application = application_submit(program=program, user=UserFactory(), data=make_data(program))

    assert deliveries_deliver_due() == {"sent": 1}

    [request] = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert request.signature_valid(subscription.secret)
    assert not request.signature_valid("another secret")
    assert request.headers["X-Mentoring-Event"] == "application.submitted"
    assert request.headers["X-Mentoring-Delivery"] == str(delivery.uuid)
    assert request.headers["Content-Type"] == "application/json"
    assert abs(int(request.headers["X-Mentoring-Timestamp"]) - time.time()) < 10
    assert request.document == {
        "id": str(delivery.event_id),
        "event": "application.submitted",
        "program": program.pk,
        "occurred_at": delivery.occurred_at.isoformat(),
        "data": {"application_id": application.pk, "role": "mentee"},
    }
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)
    assert delivery.sent_at is not None


def test_a_tampered_body_fails_the_signature_check(receiver):
    program = make_enrolling_program()
    subscription = subscribe(program, url=receiver.url)
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    deliveries_deliver_due()

    [request] = receiver.received
    request.body = request.body.replace('"role":"mentee"', '"role":"mentor"')
    assert not request.signature_valid(subscription.secret)


def test_a_redelivery_sends_the_same_event_again_under_a_new_delivery_id(receiver):
    program = make_enrolling_program()
    subscribe(program, url=receiver.url)
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    deliveries_deliver_due()
    first = WebhookDelivery.objects.get()

    again = delivery_redeliver(delivery=first)
    assert deliveries_deliver_due() == {"sent": 1}

    again.refresh_from_db()
    assert (again.status, again.event_id, again.payload) == ("sent", first.event_id, first.payload)
    one, two = receiver.received
    assert one.document == two.document
    assert one.headers["X-Mentoring-Delivery"] != two.headers["X-Mentoring-Delivery"]


def test_a_turned_off_subscription_sends_nothing_more(receiver):
    program = make_enrolling_program()
    subscription = subscribe(program, url=receiver.url)
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)

    assert deliveries_deliver_due() == {"failed": 1}
    assert receiver.received == []
    assert WebhookDelivery.objects.get().last_error == "The subscription was turned off."


def test_booking_with_a_hanging_receiver_does_not_wait_for_it(receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5
    receiver.answers = [("sleep", 4)]
    match = pair()
    subscribe(match.program, url=receiver.url)
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    one_off_slot_create(mentor=match.mentor.user, start=start, end=start + timedelta(hours=1))
    client = Client()
    client.force_login(match.mentee.user)

    began = time.monotonic()
    response = client.post(
        reverse("sessions:booking-create", args=[match.pk]), {"start": start.isoformat()}
    )
    took = time.monotonic() - began

    assert response.status_code == 302
    assert took < 2
    assert receiver.received == []  # the request only wrote the row; a worker POSTs it
    assert WebhookDelivery.objects.get().status == "queued"


# --- the admin ----------------------------------------------------------------------------


def _coordinator_client(program) -> Client:
    client = Client()
    client.force_login(make_coordinator(program))
    return client


def test_a_coordinator_adds_a_subscription_and_sees_its_secret_once():
    program = make_enrolling_program()
    client = _coordinator_client(program)
    add = reverse("admin:webhooks_webhooksubscription_add")
    data = {
        "program": program.pk,
        "url": "https://hooks.example.org/in",
        "events": ["match.published", "match.ended"],
        "active": "on",
    }

    response = client.post(add, data, follow=True)

    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["match.published", "match.ended"]
    assert len(subscription.secret) == 64
    assert subscription.secret in response.content.decode()
    page = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200
    assert subscription.secret not in page.content.decode()
    assert f"…{subscription.secret[-4:]}" in page.content.decode()


def test_the_admin_refuses_a_url_that_is_not_http_with_a_clear_message():
    program = make_enrolling_program()
    client = _coordinator_client(program)
    data = {"program": program.pk, "url": "ftp://hooks.example.org", "events": ["match.ended"]}

    response = client.post(reverse("admin:webhooks_webhooksubscription_add"), data)

    assert response.status_code == 200
    assert "A webhook URL must start with http:// or https://." in response.content.decode()
    assert WebhookSubscription.objects.count() == 0


def test_a_coordinator_sees_only_their_programs_webhooks_and_deliveries():
    mine, theirs = make_enrolling_program(), make_enrolling_program()
    subscribe(mine, url="https://mine.example.org/")
    other = subscribe(theirs, url="https://theirs.example.org/")
    application_submit(program=theirs, user=UserFactory(), data=make_data(theirs))
    client = _coordinator_client(mine)

    listing = client.get(reverse("admin:webhooks_webhooksubscription_changelist"))
    change = reverse("admin:webhooks_webhooksubscription_change", args=[other.pk])
    delivery = WebhookDelivery.objects.get()
    log = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])

    assert "mine.example.org" in listing.content.decode()
    assert "theirs.example.org" not in listing.content.decode()
    assert client.get(change).status_code == 404
    assert client.get(log).status_code == 404
    add = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"program": theirs.pk, "url": "https://x.example.org/", "events": ["match.ended"]},
    )
    assert add.status_code == 200  # another program is not a choice
    assert WebhookSubscription.objects.filter(url="https://x.example.org/").count() == 0


def test_redeliver_and_regenerate_from_the_admin(receiver):
    program = make_enrolling_program()
    subscription = subscribe(program, url=receiver.url)
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    receiver.answers = [500] * 8
    for hours in range(8):
        deliveries_deliver_due(now=timezone.now() + timedelta(hours=hours))
    failed = WebhookDelivery.objects.get()
    assert (failed.status, failed.last_status_code) == ("failed", 500)
    client = _coordinator_client(program)

    log = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert log.status_code == 200
    assert "500" in log.content.decode()
    detail = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[failed.pk]))
    assert "HTTP 500: receiver is unwell" in detail.content.decode()
    assert "application_id" in detail.content.decode()
    client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [failed.pk]},
    )
    old_secret = subscription.secret
    regenerated = client.post(
        reverse("admin:webhooks_webhooksubscription_changelist"),
        {"action": "regenerate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )
    subscription.refresh_from_db()
    assert subscription.secret != old_secret
    assert subscription.secret in regenerated.content.decode()

    assert deliveries_deliver_due() == {"sent": 1}
    assert receiver.received[-1].signature_valid(subscription.secret)
    assert WebhookDelivery.objects.filter(status="sent", event_id=failed.event_id).count() == 1


def test_match_end_payload_names_no_one():
    match = make_old_pair(make_running_program())
    subscribe(match.program)
    match_end(match=Match.objects.get(pk=match.pk))
    [(_, payload)] = sent()
    assert set(payload) == {"match_id", "end_reason"}
