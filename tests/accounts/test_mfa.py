"""Two-factor authentication (allauth.mfa): staff are led to set up an authenticator app before
staff pages when MFA_REQUIRED_FOR_STAFF is on; logging in then takes a code, wrong codes are
rate limited, and recovery codes work once each. Codes come from allauth's own TOTP helpers."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.mfa import NEXT_SESSION_KEY
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REQUIRED = "Staff accounts need two-factor authentication."
ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
SECRET_INPUT = re.compile(r'id="totp-secret"[^>]*value="([A-Z2-7]+)"')


def totp_code(secret: str) -> str:
    """The code the app shows now; waits out the last second of a period so the code is
    still current when the server checks it (allauth allows no drift by default)."""
    remaining = 30 - time.time() % 30
    if remaining < 1.5:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def wrong_code(secret: str) -> str:
    return f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"


def make_staff(kind: str):
    if kind == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    if kind == "is_staff":
        return UserFactory(is_staff=True)
    user = UserFactory(is_staff=kind == "coordinator")
    group = COORDINATORS_GROUP if kind == "coordinator" else REPORTING_GROUP
    user.groups.add(Group.objects.get(name=group))
    return user


def add_totp(user) -> tuple[str, list[str]]:
    """An active authenticator app and recovery codes, as activation leaves them."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def log_in(client, user):
    """The password step through allauth's login page."""
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def confirm_password(client):
    """allauth asks for the password again before an authenticator is added (its
    MFA_REAUTHENTICATION_REQUIRED), even just after logging in; then it goes on to set-up."""
    response = client.post(
        reverse("account_reauthenticate"), {"password": PASSWORD, "next": ACTIVATE}
    )
    assert response["Location"] == ACTIVATE


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


# --- enforcement --------------------------------------------------------------------------


STAFF_KINDS = ["superuser", "is_staff", "coordinator", "reporting"]
STAFF_PAGES = [
    "/admin/",
    "/admin/programs/program/",
    "/evaluation/programs/",
    "/evaluation/impact/",
    "/training/programs/",
]


@pytest.mark.parametrize("kind", STAFF_KINDS)
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_without_authenticator_are_sent_to_set_one_up(client, mfa_required, kind, path):
    client.force_login(make_staff(kind))

    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, ACTIVATE)
    assert client.session[NEXT_SESSION_KEY] == path


#: Apps that serve participants and staff: every page of theirs is marked `@staff_page` or
#: is one of these participants' pages (each checks who may see it itself).
MIXED_APPS = ("evaluation", "training", "messaging")
PARTICIPANT_VIEWS = {
    "evaluation:pending",
    "evaluation:checkin-answer",
    "evaluation:survey-answer",
    "training:checklist",
    "training:step",
    "training:step-done",
    "training:step-acknowledge",
    "training:quiz-submit",
    "training:step-file",
    "training:attempt",
    "messaging:list",
    "messaging:conversation",
    "messaging:poll",
    "messaging:attachment",
    "messaging:report",
    "messaging:match",
    "messaging:coordinators",
}


def _mixed_app_views() -> dict[str, tuple[object, str]]:
    """view name -> (view, a path to it) for every page of MIXED_APPS, with 1 for each
    argument (the middleware decides before the view looks anything up)."""
    from django.urls import get_resolver

    views = {}
    for namespace in MIXED_APPS:
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            name = f"{namespace}:{pattern.name}"
            arguments = dict.fromkeys(pattern.pattern.regex.groupindex, "1")
            if "fmt" in arguments:
                arguments["fmt"] = "csv"
            views[name] = (pattern.callback, reverse(name, kwargs=arguments))
    return views


def test_every_page_of_the_apps_serving_both_is_a_staff_page_or_a_participants_page():
    """A page added to one of these apps has to be marked or listed here; the training
    completion export had been left out of a list of staff page names (it was named
    differently there), so staff without an authenticator could download it."""
    views = _mixed_app_views()
    staff = {name for name, (view, _path) in views.items() if getattr(view, "staff_page", False)}

    assert set(views) - staff == PARTICIPANT_VIEWS
    assert "training:completion-export" in staff


def test_staff_without_an_authenticator_are_sent_to_set_one_up_from_every_staff_page(
    client, mfa_required
):
    client.force_login(make_staff("coordinator"))
    staff = {
        name: path
        for name, (view, path) in _mixed_app_views().items()
        if getattr(view, "staff_page", False)
    }

    answered = {name: client.get(path) for name, path in staff.items()}

    assert {name: (r.status_code, r["Location"]) for name, r in answered.items()} == dict.fromkeys(
        staff, (302, ACTIVATE)
    )
    assert len(staff) == 14


def test_the_set_up_page_says_why(client, mfa_required):
    user = make_staff("coordinator")
    log_in(client, user)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain == [(ACTIVATE, 302), (REAUTHENTICATE, 302)]
    assert REQUIRED in response.content.decode()
    confirm_password(client)
    response = client.get(ACTIVATE)
    page = response.content.decode()
    assert "<h1" in page and "Set up an authenticator app" in page
    assert SECRET_INPUT.search(page).group(1) == response.context["form"].secret
    assert 'src="data:image/svg+xml;base64,' in page


def test_outcomes_pages_are_staff_pages(client, mfa_required):
    client.force_login(make_staff("reporting"))

    response = client.get("/outcomes/programs/1/")

    assert (response.status_code, response["Location"]) == (302, ACTIVATE)


def test_htmx_requests_are_told_where_to_go(client, mfa_required):
    client.force_login(make_staff("coordinator"))

    response = client.get(
        "/evaluation/impact/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/evaluation/impact/"},
    )

    assert (response.status_code, response["HX-Redirect"]) == (403, ACTIVATE)
    assert client.session[NEXT_SESSION_KEY] == "/evaluation/impact/"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy/",
        "/accessibility/",
        "/health/",
        "/accounts/2fa/",
        "/accounts/profile/",
        "/evaluation/",
        "/matching/",
    ],
)
def test_staff_reach_pages_that_are_not_staff_pages(client, mfa_required, path):
    client.force_login(make_staff("coordinator"))

    response = client.get(path)

    assert response.status_code == 200


def test_staff_can_log_out_without_an_authenticator(client, mfa_required):
    client.force_login(make_staff("superuser"))

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_participants_are_never_sent_to_set_one_up(client, mfa_required):
    client.force_login(UserFactory())

    assert client.get("/evaluation/programs/").status_code == 200
    # The admin refuses them as it always did (secure_admin_login), not with a set-up page.
    admin = client.get("/admin/")
    assert (admin.status_code, admin["Location"]) == (302, "/admin/login/?next=/admin/")


@pytest.mark.parametrize("kind", STAFF_KINDS)
def test_staff_are_not_sent_when_the_setting_is_off(client, settings, kind):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(make_staff(kind))

    assert client.get("/evaluation/programs/").status_code == 200


def test_staff_with_an_authenticator_reach_the_admin(client, mfa_required):
    user = make_staff("coordinator")
    add_totp(user)
    client.force_login(user)

    assert client.get("/admin/").status_code == 200
    assert client.get("/evaluation/programs/").status_code == 200


def test_after_activation_the_coordinator_continues_to_the_admin(client, mfa_required):
    user = make_staff("coordinator")
    log_in(client, user)
    client.get("/admin/")
    confirm_password(client)
    page = client.get(ACTIVATE).content.decode()
    secret = SECRET_INPUT.search(page).group(1)

    response = client.post(ACTIVATE, {"code": totp_code(secret)}, follow=True)

    assert response.redirect_chain == [(reverse("mfa_view_recovery_codes"), 302)]
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert decrypt(stored.data["secret"]) == secret
    page = response.content.decode()
    codes = RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) == 10
    assert all(f'<li class="col">{code}</li>' in page for code in codes)
    assert '<a class="btn btn-primary" href="/admin/">Continue</a>' in page
    assert client.get("/admin/").status_code == 200
    # Reaching the staff page ends the detour: the link is not offered again.
    assert NEXT_SESSION_KEY not in client.session


def test_a_wrong_code_at_activation_activates_nothing(client, mfa_required):
    user = make_staff("coordinator")
    log_in(client, user)
    confirm_password(client)
    page = client.get(ACTIVATE).content.decode()
    secret = SECRET_INPUT.search(page).group(1)

    response = client.post(ACTIVATE, {"code": wrong_code(secret)})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get("/admin/")["Location"] == ACTIVATE


def test_deactivating_the_app_sends_staff_back_to_set_up(client, mfa_required):
    user = make_staff("coordinator")
    secret, _ = add_totp(user)
    log_in(client, user)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    index = client.get(reverse("mfa_index")).content.decode()
    assert "An authenticator app is active" in index
    assert "10 of 10 recovery codes are unused." in index
    generate = client.get(reverse("mfa_generate_recovery_codes")).content.decode()
    assert "Your current codes will stop working." in generate
    page = client.get(reverse("mfa_deactivate_totp")).content.decode()
    assert "Staff accounts are asked to set up an authenticator app again" in page

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=user).exists()
    assert "No authenticator app is set up." in client.get(reverse("mfa_index")).content.decode()
    assert client.get("/admin/")["Location"] == ACTIVATE


# --- logging in with a code ---------------------------------------------------------------


def test_logging_in_takes_the_password_then_a_code(client):
    user = UserFactory()
    secret, _ = add_totp(user)

    step = log_in(client, user)

    assert step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    page = client.get(step["Location"]).content.decode()
    assert "Two-factor authentication" in page and 'autocomplete="one-time-code"' in page
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_code_is_refused(client):
    user = UserFactory()
    secret, _ = add_totp(user)
    log_in(client, user)

    response = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_ten_wrong_codes_lock_the_account_even_against_the_right_code(client):
    user = UserFactory()
    secret, recovery = add_totp(user)
    before = list(Authenticator.objects.filter(user=user).order_by("pk").values())
    log_in(client, user)

    errors = []
    for _ in range(10):
        response = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        assert response.status_code == 200
        page = response.content.decode()
        errors.append("Incorrect code." if "Incorrect code." in page else page)
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    recovery_code = client.post(reverse("mfa_authenticate"), {"code": recovery[0]})

    # allauth's login_failed limit: 5 codes per account in 5 minutes (and 10 a minute per IP).
    assert errors[:5] == ["Incorrect code."] * 5
    for page in [*errors[5:], right.content.decode(), recovery_code.content.decode()]:
        assert "Too many failed login attempts. Try again later." in page
        assert "Incorrect code." not in page
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.last_login is None
    assert list(Authenticator.objects.filter(user=user).order_by("pk").values()) == before


def test_a_recovery_code_works_once(client):
    user = UserFactory()
    _, recovery = add_totp(user)

    log_in(client, user)
    first = client.post(reverse("mfa_authenticate"), {"code": recovery[0]})
    assert first["Location"] == reverse("home")
    client.post(reverse("account_logout"))

    log_in(client, user)
    again = client.post(reverse("mfa_authenticate"), {"code": recovery[0]})
    assert again.status_code == 200
    assert "Incorrect code." in again.content.decode()
    assert "_auth_user_id" not in client.session
    other = client.post(reverse("mfa_authenticate"), {"code": recovery[1]})
    assert other["Location"] == reverse("home")
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    assert codes.get_unused_codes() == recovery[2:]


# --- what it costs ------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/", "/matching/", "/evaluation/", "/evaluation/programs/"])
def test_the_middleware_costs_participants_no_query(client, settings, path):
    client.force_login(UserFactory())
    client.get(path)  # session and language settle on the first request
    settings.MFA_REQUIRED_FOR_STAFF = False
    off = _queries(client, path)
    settings.MFA_REQUIRED_FOR_STAFF = True
    on = _queries(client, path)

    # A staff page asks for a participant's groups, which are kept from the page before
    # (mentoring/rights.py): no page asks anything more.
    assert on == off


def test_the_middleware_costs_staff_one_query_on_a_staff_page(client, settings):
    user = make_staff("coordinator")
    add_totp(user)
    client.force_login(user)
    client.get("/evaluation/programs/")
    settings.MFA_REQUIRED_FOR_STAFF = False
    off = _queries(client, "/evaluation/programs/")
    settings.MFA_REQUIRED_FOR_STAFF = True

    assert _queries(client, "/evaluation/programs/") == off + 1
    # Whether they have an authenticator is kept with their rights (mentoring/rights.py).
    assert _queries(client, "/evaluation/programs/") == off
    assert _queries(client, "/") == _queries(client, "/")


@pytest.mark.parametrize("page", ["mfa_index", "mfa_view_recovery_codes"])
def test_the_two_factor_pages_cost_the_same_at_two_sizes(client, page):
    user = UserFactory()
    _, recovery = add_totp(user)
    log_in(client, user)
    client.post(reverse("mfa_authenticate"), {"code": recovery[0]})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    # The first view of the codes may save the authenticator (a change of the person's
    # rights: mentoring/rights.py), so the counts are taken after the second.
    client.get(reverse(page))
    client.get(reverse(page))
    small = _queries(client, reverse(page))
    for other in UserFactory.create_batch(5):
        add_totp(other)

    assert _queries(client, reverse(page)) == small
