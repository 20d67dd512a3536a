"""Matching copies a program's weights and rules to its copy for the next cohort."""

import pytest

from matching.models import MatchingConfig
from matching.services.copying import matching_config_copy
from tests.copying import field_values, non_default_values
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_every_field_of_the_matching_config_is_copied():
    source, copy = ProgramFactory(), ProgramFactory()
    values = non_default_values(MatchingConfig, skip={"program"})
    MatchingConfig.objects.create(program=source, **values)

    copied = matching_config_copy(source=source, copy=copy)

    assert copied.program == copy
    assert field_values(MatchingConfig.objects.get(program=copy), skip={"program"}) == values


def test_a_program_on_the_defaults_gives_its_copy_no_config():
    source, copy = ProgramFactory(), ProgramFactory()

    assert matching_config_copy(source=source, copy=copy) is None
    assert MatchingConfig.objects.count() == 0
