"""Participants name someone they do not want to be matched with; matching respects it, the
page never reveals whether that person takes part, and they can take it back."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import Exclusion, ExclusionRequest
from matching.services.exclusions import (
    MAX_REQUESTS,
    exclusion_request_create,
    exclusion_request_delete,
)
from matching.services.runs import run_start
from tests.factories import UserFactory
from tests.matching.helpers import approved, make_formal_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    """Ana's best mentor by far is Mo; Nia is a weaker fit."""
    program = make_formal_program()
    ana = approved(program, "mentee", name="Ana Lima", stage=0, topics=(0,))
    mo = approved(program, "mentor", name="Mo Diallo", stage=2, topics=(0,), capacity=1)
    nia = approved(program, "mentor", name="Nia Park", stage=0, topics=(1,), capacity=1)
    return program, ana, mo, nia


def proposed(program) -> dict[str, str]:
    run = run_start(program=program)
    return {
        p.mentee.user.display_name: p.mentor.user.display_name
        for p in run.pairs.select_related("mentee__user", "mentor__user")
    }


def test_naming_someone_by_email_keeps_matching_away_from_them(cohort):
    program, ana, mo, _ = cohort
    request = exclusion_request_create(
        program=program, person=ana.user, named=mo.user.email.upper()
    )
    exclusion = Exclusion.objects.get()
    assert (exclusion.person, exclusion.other, exclusion.source, exclusion.request) == (
        ana.user,
        mo.user,
        "participant",
        request,
    )
    assert proposed(program) == {"Ana Lima": "Nia Park"}


def test_naming_someone_by_name_ignores_case_and_spacing(cohort):
    program, ana, mo, _ = cohort
    exclusion_request_create(program=program, person=ana.user, named="  mo   DIALLO ")
    assert list(Exclusion.objects.values_list("other", flat=True)) == [mo.user.pk]
    assert ExclusionRequest.objects.get().named == "mo DIALLO"


def test_someone_who_joins_later_is_excluded_when_approved(cohort):
    program, ana, *_ = cohort
    exclusion_request_create(program=program, person=ana.user, named="Zed Newcomer")
    assert Exclusion.objects.count() == 0
    zed = approved(program, "mentor", name="Zed Newcomer", stage=2, topics=(0,), capacity=1)
    exclusion = Exclusion.objects.get()
    assert (exclusion.person, exclusion.other, exclusion.source) == (
        ana.user,
        zed.user,
        "participant",
    )


def test_removing_the_request_removes_only_what_it_made(cohort):
    program, ana, mo, nia = cohort
    Exclusion.objects.create(program=program, person=ana.user, other=nia.user)  # coordinator's
    by_email = exclusion_request_create(program=program, person=ana.user, named=mo.user.email)
    by_name = exclusion_request_create(program=program, person=ana.user, named="Mo Diallo")
    exclusion_request_delete(request=by_email)
    assert sorted(Exclusion.objects.values_list("other", "source")) == sorted(
        [(nia.user.pk, "coordinator"), (mo.user.pk, "participant")]
    )
    exclusion_request_delete(request=by_name)
    assert list(Exclusion.objects.values_list("other", flat=True)) == [nia.user.pk]


def test_nobody_can_name_themselves_or_too_many_people(cohort):
    program, ana, *_ = cohort
    with pytest.raises(ValidationError, match="That is you"):
        exclusion_request_create(program=program, person=ana.user, named=ana.user.email)
    for k in range(MAX_REQUESTS):
        exclusion_request_create(program=program, person=ana.user, named=f"Person {k}")
    with pytest.raises(ValidationError, match="You can name up to 10 people"):
        exclusion_request_create(program=program, person=ana.user, named="One more")
    exclusion_request_create(program=program, person=ana.user, named="person 3")  # a repeat


def page_url(program) -> str:
    return reverse("matching:exclusions", args=[program.pk])


def test_the_answer_is_the_same_whether_or_not_the_person_takes_part(client, cohort):
    program, ana, mo, _ = cohort
    outsider = UserFactory(display_name="Olga Outsider")
    client.force_login(ana.user)
    answers = []
    for named in (mo.user.email, outsider.email, "nobody@nowhere.example"):
        response = client.post(page_url(program), {"named": named})
        answers.append((response.status_code, response["Location"]))
        [message] = get_messages(client.get(response["Location"]).wsgi_request)
        answers.append(str(message))
    assert answers[0::2] == [(302, page_url(program))] * 3
    assert set(answers[1::2]) == {
        f"Saved. If someone in {program.name} has this email or name, you will not be matched "
        "with them."
    }
    page = client.get(page_url(program)).content.decode()
    assert mo.user.email in page and "nobody@nowhere.example" in page
    assert "Mo Diallo" not in page and "Olga Outsider" not in page
    assert list(Exclusion.objects.values_list("other", flat=True)) == [mo.user.pk]


def test_the_page_lists_and_removes_requests(client, cohort):
    program, ana, *_ = cohort
    client.force_login(ana.user)
    client.post(page_url(program), {"named": "<b>Mo</b> Diallo"})
    page = client.get(page_url(program)).content.decode()
    assert "&lt;b&gt;Mo&lt;/b&gt; Diallo" in page
    request = ExclusionRequest.objects.get()
    response = client.post(reverse("matching:exclusion-remove", args=[request.pk]))
    assert response["Location"] == page_url(program)
    assert ExclusionRequest.objects.count() == 0
    assert "Nobody yet." in client.get(page_url(program)).content.decode()
    my_matches = client.get(reverse("matching:my-matches")).content.decode()
    assert page_url(program) in my_matches


def test_other_peoples_requests_and_programs_are_404(client, cohort):
    program, ana, mo, _ = cohort
    request = exclusion_request_create(program=program, person=ana.user, named=mo.user.email)
    client.force_login(mo.user)
    assert client.post(reverse("matching:exclusion-remove", args=[request.pk])).status_code == 404
    assert ExclusionRequest.objects.count() == 1
    client.force_login(UserFactory())
    assert client.get(page_url(program)).status_code == 404
    assert client.post(page_url(program), {"named": mo.user.email}).status_code == 404


def test_an_empty_name_is_refused_on_the_page(client, cohort):
    program, ana, *_ = cohort
    client.force_login(ana.user)
    response = client.post(page_url(program), {"named": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert ExclusionRequest.objects.count() == 0


@pytest.mark.parametrize("page", ["exclusions", "my-matches"])
def test_pages_take_the_same_number_of_queries_however_much_there_is(
    client, cohort, django_assert_num_queries, page
):
    program, ana, *_ = cohort
    client.force_login(ana.user)
    url = page_url(program) if page == "exclusions" else reverse("matching:my-matches")
    exclusion_request_create(program=program, person=ana.user, named="Someone")
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(QUERIES[page]):
        assert client.get(url).status_code == 200
    for k in range(8):
        exclusion_request_create(program=program, person=ana.user, named=f"Person {k}")
        other = make_formal_program()
        approved(other, "mentee", name=f"Ana {k}", stage=0)  # more programs, other people
        application = approved(other, "mentor", name=f"Mentor {k}", stage=2, capacity=1)
        application.user = ana.user
        application.save(update_fields=["user"])
    with django_assert_num_queries(QUERIES[page]):
        assert client.get(url).status_code == 200


QUERIES = {"exclusions": 5, "my-matches": 6}  # the groups are kept from the first page
