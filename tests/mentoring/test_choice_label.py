"""`choice_label`: a choice's label in the current language, by one lookup of its value."""

import pytest
from django.utils.translation import override

from mentoring.models import choice_label
from notifications.models import Kind
from programs.models import Role


def test_a_known_value_gives_its_label_in_the_current_language():
    assert choice_label(Role, "mentor") == "Mentor"
    assert choice_label(Kind, Kind.MATCH_REQUEST) == str(Kind.MATCH_REQUEST.label)
    with override("es"):
        assert choice_label(Role, "mentee") == "Mentorado"


@pytest.mark.parametrize("value", ["retired", "", None, 3, "MENTOR"])
def test_a_value_that_is_no_choice_is_given_back_as_it_is(value):
    assert choice_label(Role, value) == value
