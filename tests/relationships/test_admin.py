"""Agreement templates and agreements in the admin, scoped to the coordinator's programs, and
the match list's "agreement confirmed" column."""

import pytest
from django.urls import reverse

from relationships.models import AgreementField, AgreementTemplate
from tests.relationships.helpers import (
    confirm_both,
    make_application,
    make_coordinator,
    make_pair,
    make_program,
    make_template,
)

pytestmark = pytest.mark.django_db


def _template_form(program, **overrides) -> dict:
    return {
        "program": program.pk,
        "intro": "Agree in your first week.",
        "confidentiality_statement": "Private between us.",
        "fields-TOTAL_FORMS": "2",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
        "fields-0-position": "0",
        "fields-0-label": "One thing to try this term",
        "fields-0-help_text": "A study plan, a society, an application.",
        "fields-0-kind": "long_text",
        "fields-0-required": "on",
        "fields-1-position": "1",
        "fields-1-label": "Anything else",
        "fields-1-kind": "short_text",
        **overrides,
    }


def _pairs(program, count: int):
    matches = []
    for _ in range(count):
        matches.append(
            make_pair(
                program,
                mentor=make_application(program, "mentor"),
                mentee=make_application(program),
            )
        )
    return matches


def test_a_coordinator_adds_their_programs_agreement_template_with_its_fields(client):
    program = make_program()
    client.force_login(make_coordinator(program))

    response = client.post(
        reverse("admin:relationships_agreementtemplate_add"), _template_form(program)
    )

    assert response.status_code == 302
    template = AgreementTemplate.objects.get()
    assert (template.program, template.intro, template.confidentiality_statement) == (
        program,
        "Agree in your first week.",
        "Private between us.",
    )
    assert list(AgreementField.objects.values_list("label", "kind", "required", "position")) == [
        ("One thing to try this term", "long_text", True, 0),
        ("Anything else", "short_text", False, 1),
    ]


def test_a_coordinator_cannot_add_a_template_to_another_program_or_see_its_template(client):
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    other = make_template(theirs, ("Secret", "short_text", False))
    client.force_login(make_coordinator(mine))

    added = client.post(
        reverse("admin:relationships_agreementtemplate_add"), _template_form(theirs)
    )
    listed = client.get(reverse("admin:relationships_agreementtemplate_changelist"))
    change = client.get(reverse("admin:relationships_agreementtemplate_change", args=[other.pk]))

    assert added.status_code == 200
    assert "program" in added.context["adminform"].form.errors
    assert AgreementTemplate.objects.count() == 1
    assert "Theirs" not in listed.content.decode()
    assert change.status_code == 404


def test_agreements_are_read_only_and_scoped_to_the_coordinators_programs(client):
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    match = make_pair(mine)
    confirm_both(match)
    other = make_pair(theirs)
    confirm_both(other)
    client.force_login(make_coordinator(mine))

    listed = client.get(reverse("admin:relationships_agreement_changelist"))
    page = client.get(reverse("admin:relationships_agreement_change", args=[match.agreement.pk]))
    posted = client.post(
        reverse("admin:relationships_agreement_change", args=[match.agreement.pk]), {}
    )
    hidden = client.get(reverse("admin:relationships_agreement_change", args=[other.agreement.pk]))

    assert listed.status_code == 200
    assert [row.match.program.name for row in listed.context["cl"].result_list] == ["Mine"]
    assert page.status_code == 200
    assert "Give" in page.content.decode() and "Learn" in page.content.decode()
    assert posted.status_code == 403
    assert hidden.status_code == 404
    assert client.get(reverse("admin:relationships_agreement_add")).status_code == 403


def test_the_match_list_and_page_say_whether_the_agreement_is_confirmed(client):
    program = make_program()
    confirmed, pending = _pairs(program, 2)
    confirm_both(confirmed)
    client.force_login(make_coordinator(program))

    listed = client.get(reverse("admin:matching_match_changelist"))
    page = client.get(reverse("admin:matching_match_change", args=[confirmed.pk]))

    rows = {row.pk: row.agreement_confirmed for row in listed.context["cl"].result_list}
    assert rows == {confirmed.pk: True, pending.pk: False}
    assert "Agreement confirmed" in listed.content.decode()
    assert "Agreement confirmed" in page.content.decode()


@pytest.mark.parametrize("pairs", [1, 8])
def test_the_agreement_and_match_lists_take_the_same_queries_for_few_and_many_pairs(
    client, django_assert_num_queries, pairs
):
    program = make_program()
    for match in _pairs(program, pairs):
        confirm_both(match)
    client.force_login(make_coordinator(program))

    # The coordinator's first page reads their programs' ids, permissions and groups; the
    # next one has them kept (mentoring/rights.py).
    with django_assert_num_queries(10):
        assert client.get(reverse("admin:relationships_agreement_changelist")).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(reverse("admin:matching_match_changelist")).status_code == 200


@pytest.mark.parametrize("fields", [1, 8])
def test_the_template_page_takes_the_same_queries_for_few_and_many_fields(
    client, django_assert_num_queries, fields
):
    program = make_program()
    template = make_template(program, *[(f"F{n}", "short_text", False) for n in range(fields)])
    client.force_login(make_coordinator(program))

    # A coordinator's first page: their programs' ids are read, then kept (mentoring/rights.py).
    with django_assert_num_queries(9):
        url = reverse("admin:relationships_agreementtemplate_change", args=[template.pk])
        assert client.get(url).status_code == 200
