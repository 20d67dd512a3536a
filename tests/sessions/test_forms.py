"""Availability forms: links typed without a scheme, and times the clocks skip or repeat."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from programs.models import Program
from sessions.forms import AvailabilityRuleForm, GroupSessionForm, OneOffSlotForm

NEW_YORK = ZoneInfo("America/New_York")
BAD_LINK = "Enter a web address for the meeting, like https://zoom.us/j/123."


def _slot(zone=NEW_YORK, **data):
    data = {"start": "2027-06-01T10:00", "end": "2027-06-01T11:00", **data}
    return OneOffSlotForm(data, zone=zone)


def test_a_link_without_a_scheme_is_taken_as_https():
    form = _slot(online_link="zoom.us/j/123")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["online_link"] == "https://zoom.us/j/123"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://files.example.org/a", "not a link"])
def test_a_link_that_is_not_a_web_address_gets_an_error_on_the_field(link):
    form = _slot(online_link=link)

    assert form.errors == {"online_link": [BAD_LINK]}


def test_link_fields_are_plain_text_inputs_so_the_browser_never_blocks_the_form():
    rule = AvailabilityRuleForm()
    group = GroupSessionForm(programs=Program.objects.none())

    for field in (rule["online_link"], _slot()["online_link"], group["online_link"]):
        html = str(field)
        assert 'type="text"' in html and 'inputmode="url"' in html
        assert 'type="url"' not in html


def test_a_one_off_time_the_clocks_skip_is_refused_with_the_change_spelled_out():
    form = _slot(start="2027-03-14T02:30", end="2027-03-14T04:00")

    assert form.errors == {
        "start": [
            "02:30 does not exist on 14 March 2027 in America/New_York: the clocks go forward "
            "from 02:00 to 03:00. Choose a time before 02:00 or from 03:00."
        ]
    }


def test_a_one_off_time_the_clocks_repeat_asks_which_of_the_two_instants():
    form = _slot(start="2027-11-07T01:30", end="2027-11-07T03:00")

    assert form.errors == {"start_instant": ["Choose which 01:30 you mean."]}
    assert list(form.fields)[:3] == ["start", "start_instant", "end"]
    choice = form.fields["start_instant"]
    assert choice.choices == [("earlier", "01:30 EDT (UTC-4)"), ("later", "01:30 EST (UTC-5)")]
    assert choice.help_text == (
        "01:30 happens twice on 7 November 2027 in America/New_York, because the clocks go back."
    )


@pytest.mark.parametrize(("chosen", "utc_hour"), [("earlier", 5), ("later", 6)])
def test_the_chosen_instant_is_the_one_kept(chosen, utc_hour):
    form = _slot(start="2027-11-07T01:30", end="2027-11-07T03:00", start_instant=chosen)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == datetime(2027, 11, 7, utc_hour, 30, tzinfo=UTC)
    assert form.cleaned_data["end"] == datetime(2027, 11, 7, 8, 0, tzinfo=UTC)
    assert "start_instant" not in form.cleaned_data


def test_an_ordinary_time_asks_nothing_more_and_ignores_a_stale_choice():
    form = _slot(start_instant="later")

    assert form.is_valid(), form.errors
    assert list(form.fields) == ["start", "end", "location", "online_link"]
    assert form.cleaned_data["start"] == datetime(2027, 6, 1, 14, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_group_session_in_the_repeated_hour_lasts_its_length_in_real_time():
    program = Program.objects.create(name="G", slug="g", format="group", group_size=3)
    data = {"program": program.pk, "start": "2027-11-07T01:30", "minutes": 60}
    form = GroupSessionForm(
        {**data, "start_instant": "earlier"}, programs=Program.objects.all(), zone=NEW_YORK
    )

    assert form.is_valid(), form.errors
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    assert (start, end - start) == (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), timedelta(hours=1))
