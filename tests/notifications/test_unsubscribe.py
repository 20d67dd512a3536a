"""The one-click unsubscribe page speaks the language of the email it came from (the person's
own), unless its address asks for another; the opt-out is recorded either way."""

import pytest
from django.urls import reverse

from notifications.models import OPTIONAL_KINDS
from notifications.rendering import unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(user) -> str:
    kind = sorted(OPTIONAL_KINDS)[0]
    return reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user_id=user.pk, kind=kind)]
    )


@pytest.mark.parametrize(
    ("query", "expected"), [({}, "es"), ({"lang": "ar"}, "ar"), ({"lang": "xx"}, "es")]
)
def test_the_page_is_in_the_persons_language_unless_the_address_asks(client, query, expected):
    person = UserFactory(language="es")
    page = client.get(_url(person), query, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert f'<html lang="{expected}"' in page.content.decode()
