"""The privacy notice: the public page, publishing in the admin, accepting before anything
else (the middleware), at sign-up, and what it costs per request."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from privacy.models import NoticeAcceptance, PrivacyNotice
from privacy.notice import (
    SESSION_KEY,
    notice_accept,
    notice_blocks,
    notice_default_text,
    notice_publish,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ACCEPT = reverse("privacy:notice-accept")


def publish(version=1, *, body="## Who we are\n\nThe institution.", changes="", by=None):
    notice = PrivacyNotice.objects.create(version=version, body=body, changes=changes)
    return notice_publish(notice=notice, by=by)


def _accept_url(next_url: str) -> str:
    from django.utils.http import urlencode

    return f"{ACCEPT}?{urlencode({'next': next_url})}"


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


# --- The public page ---------------------------------------------------------------------


def test_the_notice_page_shows_the_published_version_to_anyone_escaped(client):
    PrivacyNotice.objects.create(version=3, body="A draft nobody sees.")
    publish(
        version=2,
        body="## Who we <b>are</b>\n\nWe hold <script>x</script> data.\nSecond line.\n\n"
        "- one\n- two & three",
    )
    body = client.get(reverse("privacy:notice")).content.decode()
    assert "Version 2, published" in body
    assert '<h2 class="h5 mt-4">Who we &lt;b&gt;are&lt;/b&gt;</h2>' in body
    assert "<p>We hold &lt;script&gt;x&lt;/script&gt; data.<br>Second line.</p>" in body
    assert "<ul><li>one</li><li>two &amp; three</li></ul>" in body
    assert "<script>x" not in body and "A draft nobody sees." not in body


def test_with_no_notice_published_the_page_says_so(client):
    PrivacyNotice.objects.create(version=1, body="Draft")
    response = client.get(reverse("privacy:notice"))
    assert response.status_code == 200
    assert "No privacy notice has been published yet." in response.content.decode()


def test_notice_blocks_split_headings_paragraphs_and_lists():
    blocks = notice_blocks("Intro\nline\n\n## Heading\n\n- a\n- b\n\n\n- c\nnot a list")
    assert [(b.kind, b.text, b.items) for b in blocks] == [
        ("paragraph", "Intro\nline", ()),
        ("heading", "Heading", ()),
        ("list", "", ("a", "b")),
        ("paragraph", "- c\nnot a list", ()),
    ]


def test_the_default_text_covers_what_a_careful_notice_must_say():
    text = notice_default_text()
    headings = [b.text for b in notice_blocks(text) if b.kind == "heading"]
    assert headings == [
        "Who is responsible",
        "What we hold about you",
        "Why we use it",
        "Who sees what",
        "How long we keep it",
        "Your rights",
        "A record of decisions",
        "Changes to this notice",
    ]
    for phrase in (
        "/accounts/data/",
        "/accounts/delete/",
        "/accounts/privacy/",
        "grace period of 14 days",
        "3 years by default",
        "only their author sees them",
        "cannot be traced back to you",
        "only with your consent",
        "identified only by their institutional ID",
        "A message is read by a coordinator only when someone reports it.",
    ):
        assert phrase in text, phrase


# --- Publishing ----------------------------------------------------------------------------


def test_publishing_records_the_audit_entry_and_refuses_older_or_published_versions():
    admin = superuser()
    notice = publish(version=2, by=admin)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.detail) == ("notice_published", admin, {"version": 2})
    assert entry.target_id == notice.pk
    with pytest.raises(ValidationError, match="already published"):
        notice_publish(notice=notice, by=admin)
    older = PrivacyNotice.objects.create(version=1, body="Old")
    with pytest.raises(ValidationError, match="not newer than version 2"):
        notice_publish(notice=older, by=admin)
    assert AuditEntry.objects.count() == 1


def test_admin_add_form_starts_with_the_default_text_and_the_next_version(client):
    admin = superuser()
    NoticeAcceptance.objects.create(user=admin, notice=publish(version=4))
    client.force_login(admin)
    form = client.get(reverse("admin:privacy_privacynotice_add")).context["adminform"].form
    assert form.initial["version"] == 5
    assert form.initial["body"] == notice_default_text()


def test_superuser_publishes_a_draft_with_the_button_and_the_published_one_is_read_only(client):
    admin = superuser()
    client.force_login(admin)
    draft = PrivacyNotice.objects.create(version=1, body="Text")
    change = reverse("admin:privacy_privacynotice_change", args=[draft.pk])
    page = client.get(change).content.decode()
    assert 'form="publish-notice"' in page
    response = client.post(reverse("admin:privacy_privacynotice_publish", args=[draft.pk]))
    assert response["Location"] == change
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert AuditEntry.objects.get().action == "notice_published"
    # The superuser accepts it like everyone else, then finds it read-only.
    client.post(_accept_url(change), {"notice": draft.pk, "accept": "on"})
    page = client.get(change).content.decode()
    assert 'form="publish-notice"' not in page and 'name="body"' not in page
    client.post(change, {"version": 1, "title": "Changed", "body": "Changed"})
    draft.refresh_from_db()
    assert draft.body == "Text"


def test_the_new_version_action_starts_a_draft_from_a_published_one(client):
    admin = superuser()
    notice = publish(version=1, body="Original text")
    NoticeAcceptance.objects.create(user=admin, notice=notice)
    client.force_login(admin)
    response = client.post(
        reverse("admin:privacy_privacynotice_changelist"),
        {"action": "new_version", "_selected_action": [notice.pk]},
    )
    draft = PrivacyNotice.objects.get(version=2)
    assert (draft.body, draft.published_at) == ("Original text", None)
    assert response["Location"] == reverse("admin:privacy_privacynotice_change", args=[draft.pk])


def test_coordinators_cannot_reach_the_notice_admin(client):
    from django.contrib.auth.models import Group

    from mentoring.roles import COORDINATORS_GROUP

    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    notice = PrivacyNotice.objects.create(version=1, body="Draft")
    client.force_login(coordinator)
    assert client.get(reverse("admin:privacy_privacynotice_changelist")).status_code == 403
    url = reverse("admin:privacy_privacynotice_publish", args=[notice.pk])
    assert client.post(url).status_code == 403
    notice.refresh_from_db()
    assert notice.published_at is None


# --- Accepting -----------------------------------------------------------------------------


def test_without_a_published_notice_nothing_is_asked(client):
    PrivacyNotice.objects.create(version=1, body="Only a draft")
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    assert client.get(ACCEPT)["Location"] == "/"


def test_publishing_sends_a_signed_in_person_to_accept_from_any_page_then_back(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("sessions:list")).status_code == 200
    notice = publish(version=1)

    response = client.get(reverse("sessions:list") + "?week=2")
    assert response["Location"] == _accept_url("/sessions/?week=2")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Who we are" in page.content.decode()

    before = timezone.now()
    done = client.post(ACCEPT, {"notice": notice.pk, "accept": "on", "next": "/sessions/?week=2"})
    assert done["Location"] == "/sessions/?week=2"
    acceptance = NoticeAcceptance.objects.get()
    assert (acceptance.user, acceptance.notice) == (user, notice)
    assert before <= acceptance.accepted_at <= timezone.now()
    assert client.get(reverse("sessions:list")).status_code == 200


def test_staff_accept_before_using_the_admin(client):
    admin = superuser()
    client.force_login(admin)
    publish(version=1)
    response = client.get(reverse("admin:index"))
    assert response["Location"] == _accept_url("/admin/")


def test_the_box_must_be_ticked(client):
    notice = publish(version=1)
    client.force_login(UserFactory())
    response = client.post(ACCEPT, {"notice": notice.pk, "next": "/"})
    assert response.status_code == 400
    assert "Tick the box to accept the notice" in response.content.decode()
    assert not NoticeAcceptance.objects.exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_refused(client, target):
    notice = publish(version=1)
    client.force_login(UserFactory())
    response = client.post(ACCEPT, {"notice": notice.pk, "accept": "on", "next": target})
    assert response["Location"] == "/"
    assert NoticeAcceptance.objects.count() == 1


def test_accepting_twice_is_harmless_and_a_new_version_is_asked_again_with_what_changed(client):
    user = UserFactory()
    first = publish(version=1)
    client.force_login(user)
    client.post(ACCEPT, {"notice": first.pk, "accept": "on"})
    client.post(ACCEPT, {"notice": first.pk, "accept": "on"})
    notice_accept(user=user, notice=first)
    assert NoticeAcceptance.objects.filter(user=user).count() == 1
    assert client.get(ACCEPT)["Location"] == "/"  # nothing left to accept

    second = publish(version=2, changes="We now keep <i>check-ins</i> for 2 years.")
    assert client.get(reverse("home"))["Location"] == _accept_url("/")
    page = client.get(ACCEPT).content.decode()
    assert "What changed since the version you accepted" in page
    assert "We now keep &lt;i&gt;check-ins&lt;/i&gt; for 2 years." in page
    client.post(ACCEPT, {"notice": second.pk, "accept": "on"})
    assert client.get(reverse("home")).status_code == 200
    assert list(
        NoticeAcceptance.objects.filter(user=user).values_list("notice__version", flat=True)
    ) == [2, 1]


def test_people_who_never_accepted_do_not_see_what_changed(client):
    publish(version=1)
    publish(version=2, changes="Something changed.")
    client.force_login(UserFactory())
    assert "Something changed." not in client.get(ACCEPT).content.decode()


def test_accepting_an_older_version_shown_before_a_newer_one_was_published_asks_again(client):
    user = UserFactory()
    first = publish(version=1)
    client.force_login(user)
    second = publish(version=2)
    client.post(ACCEPT, {"notice": first.pk, "accept": "on", "next": "/sessions/"})
    assert NoticeAcceptance.objects.get().notice == first
    assert client.get("/sessions/")["Location"] == _accept_url("/sessions/")
    client.post(ACCEPT, {"notice": second.pk, "accept": "on"})
    assert client.get("/sessions/").status_code == 200


def test_a_draft_cannot_be_accepted(client):
    publish(version=1)
    draft = PrivacyNotice.objects.create(version=2, body="Draft")
    client.force_login(UserFactory())
    response = client.post(ACCEPT, {"notice": draft.pk, "accept": "on"})
    assert response.status_code == 400
    assert not NoticeAcceptance.objects.exists()


def test_a_notice_published_for_later_is_not_asked_yet(client):
    PrivacyNotice.objects.create(
        version=1, body="Later", published_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200


def test_anonymous_visitors_are_not_asked_and_the_accept_page_needs_login(client):
    publish(version=1)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("programs:list")).status_code == 200
    assert client.get(ACCEPT)["Location"].startswith(reverse("account_login"))


def test_pages_a_person_may_reach_without_accepting(client):
    user = UserFactory()
    publish(version=1)
    client.force_login(user)
    for name, args in [
        ("privacy:notice", []),
        ("privacy:settings", []),
        ("privacy:delete", []),
        ("privacy:data", []),
        ("health", []),
        ("account_reset_password", []),
        ("account_email_verification_sent", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code in (200, 302), name
        assert not response.get("Location", "").startswith(ACCEPT), name
    response = client.get(reverse("sessions:feed", args=["not-a-token"]))
    assert response.status_code == 404  # answered by the feed, not redirected
    response = client.get(reverse("notifications:unsubscribe", args=["not-a-token"]))
    assert not response.get("Location", "").startswith(ACCEPT)
    logout = client.post(reverse("account_logout"))
    assert logout["Location"] == "/"
    assert not NoticeAcceptance.objects.exists()


def test_an_htmx_request_gets_a_403_that_sends_the_page_to_accept(client):
    user = UserFactory()
    publish(version=1)
    client.force_login(user)
    response = client.get(
        reverse("sessions:list"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/sessions/?a=1"},
    )
    assert response.status_code == 403
    assert response["HX-Redirect"] == _accept_url("/sessions/?a=1")


def test_an_api_call_with_the_browser_session_gets_a_json_403_until_accepted(client):
    from tests.evaluation.helpers import make_coordinator

    user = make_coordinator()
    notice = publish(version=1)
    client.force_login(user)
    url = reverse("api:program-list")

    response = client.get(url)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": "privacy_notice_not_accepted",
            "message": f"Accept the privacy notice before using the API: http://testserver{ACCEPT}",
        }
    }
    client.post(ACCEPT, {"notice": notice.pk, "accept": "on", "next": "/"})
    assert client.get(url).status_code == 200


# --- Sign-up -------------------------------------------------------------------------------


def _sign_up(client, **extra):
    data = {
        "email": "new.person@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "New Person",
        "time_zone": "Europe/Paris",
    }
    data.update(extra)
    return client.post(reverse("account_signup"), data)


def test_with_a_notice_sign_up_requires_the_box_and_records_the_version_shown(client):
    notice = publish(version=3)
    page = client.get(reverse("account_signup")).content.decode()
    assert 'href="/privacy/"' in page and "(version 3)" in page

    refused = _sign_up(client, privacy_notice=notice.pk)
    assert refused.status_code == 200
    assert "Accept the privacy notice to create an account." in refused.content.decode()
    assert not NoticeAcceptance.objects.exists()

    done = _sign_up(client, privacy_notice=notice.pk, privacy_accept="on")
    assert done["Location"] == reverse("account_email_verification_sent")
    acceptance = NoticeAcceptance.objects.get()
    assert (acceptance.user.email, acceptance.notice) == ("new.person@example.org", notice)


def test_sign_up_without_a_notice_has_no_box(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert "privacy_accept" not in page
    assert _sign_up(client)["Location"] == reverse("account_email_verification_sent")
    assert not NoticeAcceptance.objects.exists()


def test_signing_up_on_a_version_replaced_meanwhile_asks_again_at_first_sign_in(client):
    first = publish(version=1)
    publish(version=2)
    _sign_up(client, privacy_notice=first.pk, privacy_accept="on")
    user = NoticeAcceptance.objects.get().user
    assert NoticeAcceptance.objects.get().notice == first
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] == _accept_url("/")


# --- What it costs -------------------------------------------------------------------------


def test_no_notice_costs_no_query_and_an_accepted_one_costs_none_after_the_first_page(
    client, django_assert_num_queries
):
    user = UserFactory()
    client.force_login(user)
    url = reverse("notifications:preferences")
    client.get(url)
    # Session, user, preferences, unread messages (the roles' groups are kept from the page
    # before: mentoring/rights.py).
    with django_assert_num_queries(4) as without:
        client.get(url)
    notice = publish(version=1)
    NoticeAcceptance.objects.create(user=user, notice=notice)
    # The first page checks the acceptance once (one query) and the session remembers it
    # (saved once: an UPDATE, in a savepoint here).
    with django_assert_num_queries(len(without) + 4):
        client.get(url)
    assert client.session[SESSION_KEY] == notice.pk
    with django_assert_num_queries(len(without)):
        client.get(url)


@pytest.mark.parametrize("versions", [1, 6])
def test_the_accept_page_takes_the_same_queries_however_many_versions(
    client, django_assert_num_queries, versions
):
    user = UserFactory()
    for version in range(1, versions + 1):
        notice = publish(version=version, changes=f"Change {version}")
        if version < versions:
            NoticeAcceptance.objects.create(user=user, notice=notice)
    client.force_login(user)
    # session, user, the current notice, accepted already?, accepted an earlier one?, roles
    with django_assert_num_queries(7):
        response = client.get(ACCEPT)
    assert response.status_code == 200
    assert (f"Change {versions}" in response.content.decode()) == (versions > 1)


def test_a_stale_remembered_notice_never_loops(client):
    """A process that remembers a notice deleted since (another process, a rolled-back
    transaction) checks the database and goes on."""
    from privacy.notice import _memo

    user = UserFactory()
    client.force_login(user)
    _memo.store(999_999)
    assert client.get(reverse("home")).status_code == 200
    assert _memo.get() == 0


def test_the_publish_now_action_publishes_one_selected_draft(client):
    admin = superuser()
    client.force_login(admin)
    first, second = (PrivacyNotice.objects.create(version=v, body="Text") for v in (1, 2))
    changelist = reverse("admin:privacy_privacynotice_changelist")
    client.post(changelist, {"action": "publish_now", "_selected_action": [first.pk, second.pk]})
    assert not PrivacyNotice.objects.filter(published_at__isnull=False).exists()
    client.post(changelist, {"action": "publish_now", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.is_published
    assert list(AuditEntry.objects.values_list("action", "detail")) == [
        ("notice_published", {"version": 2})
    ]


# --- The demo ------------------------------------------------------------------------------


def test_the_demo_publishes_version_one_and_its_people_go_straight_in(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", participants=6)
    call_command("seed_demo", participants=6)
    notice = PrivacyNotice.objects.get()
    assert (notice.version, notice.is_published, notice.body) == (1, True, notice_default_text())
    demo_people = NoticeAcceptance.objects.filter(notice=notice).count()
    assert demo_people == 9  # 6 participants, coordinator, admin, reporting staff
    assert client.login(email="mentee1@demo.mentoring.test", password=settings.DEMO_PASSWORD)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("versions", [1, 6])
def test_the_notice_page_takes_the_same_queries_however_many_versions(
    client, django_assert_num_queries, versions
):
    for version in range(1, versions + 1):
        publish(version=version, body=f"Version {version} of the text.")
    # the notice in force; nobody is signed in
    with django_assert_num_queries(1):
        response = client.get(reverse("privacy:notice"))
    assert f"Version {versions} of the text." in response.content.decode()
