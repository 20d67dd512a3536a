"""The time zone list of the sign-up and profile forms: common zones grouped by region, and
any IANA name a browser reports still accepted."""

import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm, SignupProfileForm
from accounts.timezones import listed_zones, zone_name
from tests.factories import UserFactory

REGIONS = ["Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"]


class _Select(HTMLParser):
    """The options of a rendered <select>: [(group or None, value, selected)]."""

    def __init__(self, html: str):
        super().__init__()
        self.group: str | None = None
        self.groups: list[str] = []
        self.options: list[tuple[str | None, str, bool]] = []
        self.attrs: dict[str, str | None] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.attrs = attrs
        elif tag == "optgroup":
            self.group = attrs["label"]
            self.groups.append(self.group)
        elif tag == "option":
            self.options.append((self.group, attrs["value"], "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "optgroup":
            self.group = None

    def selected(self) -> list[str]:
        return [value for _, value, selected in self.options if selected]


def _select(form) -> _Select:
    return _Select(str(form["time_zone"]))


def test_the_list_is_utc_then_one_group_per_region():
    select = _select(SignupProfileForm())
    assert select.groups == REGIONS
    assert select.options[0] == (None, "UTC", True)
    for group, value, _ in select.options[1:]:
        assert value.split("/", 1)[0] == group
    assert [value for _, value, _ in select.options] == ["UTC", *sorted(listed_zones() - {"UTC"})]


def test_the_list_holds_canonical_region_city_zones_only():
    values = {value for _, value, _ in _select(SignupProfileForm()).options}
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Kyiv"} <= values
    for legacy in ("localtime", "Zulu", "Etc/GMT+5", "Etc/UTC", "US/Eastern", "GB"):
        assert legacy not in values
    assert not any(v.startswith(("Etc/", "US/", "Antarctica/")) for v in values)
    assert values <= zoneinfo.available_timezones()
    assert len(values) < len(zoneinfo.available_timezones()) * 3 // 4


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        ("Europe/Lisbon", "Europe/Lisbon"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("US/Eastern", "America/New_York"),
        ("Etc/UTC", "UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_a_zone_a_browser_reports_is_accepted_as_the_zone_it_stands_for(reported, stored):
    form = SignupProfileForm(data={"display_name": "Ana", "time_zone": reported})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == zoneinfo.ZoneInfo(stored)


@pytest.mark.parametrize("name", ["localtime", "Mars/Olympus", "", "../../etc/passwd"])
def test_what_is_no_zone_is_refused(name):
    form = SignupProfileForm(data={"display_name": "Ana", "time_zone": name})
    assert not form.is_valid()
    assert list(form.errors) == ["time_zone"]
    assert zone_name(name) is None


def test_only_a_fresh_sign_up_form_asks_for_the_browser_zone():
    assert _select(SignupProfileForm()).attrs["data-browser-zone"] == "preset"
    bound = SignupProfileForm(data={"display_name": "", "time_zone": "America/Sao_Paulo"})
    assert not bound.is_valid()
    select = _select(bound)
    assert "data-browser-zone" not in select.attrs
    assert select.selected() == ["America/Sao_Paulo"]


def test_an_alias_is_shown_as_the_zone_it_stands_for_and_an_unlisted_zone_as_itself():
    assert _select(SignupProfileForm(data={"time_zone": "Asia/Calcutta"})).selected() == [
        "Asia/Kolkata"
    ]
    select = _select(SignupProfileForm(data={"time_zone": "Etc/GMT+5"}))
    assert select.selected() == ["Etc/GMT+5"]
    assert select.options[-1] == ("Other", "Etc/GMT+5", True)


@pytest.mark.django_db
def test_profile_form_offers_the_same_grouped_list_with_the_saved_zone_selected():
    user = UserFactory(time_zone="Asia/Tokyo")
    select = _select(ProfileForm(instance=user))
    assert select.groups == REGIONS
    assert select.selected() == ["Asia/Tokyo"]
    signup = _select(SignupProfileForm())
    assert [v for _, v, _ in select.options] == [v for _, v, _ in signup.options]


@pytest.mark.django_db
def test_profile_page_saves_a_zone_from_the_list(client):
    user = UserFactory(time_zone="UTC")
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert re.search(r'<optgroup label="Pacific">\s*<option value="Pacific/Apia"', page)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "US/Pacific"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert str(user.time_zone) == "America/Los_Angeles"
