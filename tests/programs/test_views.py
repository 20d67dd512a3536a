import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Application, Invitation, Question
from programs.services import application_submit
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import make_data, make_program

pytestmark = pytest.mark.django_db


def form_data(program, **overrides) -> dict:
    data = {
        "career_stage": program.career_stages.first().pk,
        "topics": [t.pk for t in program.topics.all()[:2]],
        "goals": [program.goals.first().pk],
        "languages": ["English", "Spanish"],
        "format_preference": "online",
        "time_zone": "Europe/Berlin",
        "motivation": "I want to learn.",
        "form-TOTAL_FORMS": 2,
        "form-INITIAL_FORMS": 0,
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 21,
        "form-0-weekday": 0,
        "form-0-start": "17:00",
        "form-0-end": "19:00",
        "form-1-weekday": 3,
        "form-1-start": "08:00",
        "form-1-end": "09:30",
    }
    data.update(overrides)
    return data


def apply_url(program, role="mentee"):
    return reverse("programs:application-create", args=[program.slug, role])


def test_mentee_applies_through_the_form(client):
    program = make_program()
    question = Question.objects.create(
        program=program, text="Favourite subject?", kind="single_choice", choices="Maths\nArt"
    )
    user = UserFactory()
    client.force_login(user)
    response = client.post(apply_url(program), form_data(program, **{f"q_{question.pk}": "Art"}))
    application = Application.objects.get(user=user)
    assert response["Location"] == reverse("programs:application-detail", args=[application.pk])
    assert (application.role, application.format_preference) == ("mentee", "online")
    assert str(application.time_zone) == "Europe/Berlin"
    assert application.languages == ["English", "Spanish"]
    assert [str(w) for w in application.availability.all()] == [
        "Monday 17:00-19:00",
        "Thursday 08:00-09:30",
    ]
    assert application.answers.get().value == "Art"


def test_mentor_must_state_capacity(client):
    program = make_program()
    client.force_login(UserFactory())
    response = client.post(apply_url(program, "mentor"), form_data(program))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(apply_url(program, "mentor"), form_data(program, capacity=3))
    assert Application.objects.get().capacity == 3


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"motivation": "x" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"form-0-end": "16:00"}, "The window must end after it starts."),
        (
            {"form-1-weekday": 0, "form-1-start": "18:00", "form-1-end": "20:00"},
            "Two of your windows overlap",
        ),
        ({"form-0-weekday": 9}, "Select a valid choice."),
        ({"time_zone": "Nowhere/Atlantis"}, "Select a valid choice."),
        ({"topics": []}, "This field is required."),
        ({"form-TOTAL_FORMS": 0}, "Add at least one weekly time when you can meet."),
    ],
)
def test_bad_input_shows_a_message_and_changes_nothing(client, overrides, message):
    program = make_program()
    client.force_login(UserFactory())
    response = client.post(apply_url(program), form_data(program, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Application.objects.count() == 0


def test_another_programs_topic_is_refused(client):
    program, other = make_program(), make_program()
    client.force_login(UserFactory())
    response = client.post(apply_url(program), form_data(program, topics=[other.topics.first().pk]))
    assert "Select a valid choice." in response.content.decode()
    assert Application.objects.count() == 0


def test_applying_twice_is_refused_with_a_message(client):
    program = make_program()
    user = UserFactory()
    application_submit(program=program, user=user, data=make_data(program))
    client.force_login(user)
    response = client.post(apply_url(program), form_data(program))
    assert "You have already applied to" in response.content.decode()
    assert Application.objects.count() == 1


@pytest.mark.parametrize("status", ["closed"])
def test_applying_to_a_closed_program_is_refused(client, status):
    program = make_program(status=status)
    client.force_login(UserFactory())
    response = client.post(apply_url(program), form_data(program), follow=True)
    assert f"{program.name} is not open for enrollment." in response.content.decode()
    assert Application.objects.count() == 0


def test_draft_program_pages_are_404(client):
    program = make_program(status="draft")
    client.force_login(UserFactory())
    assert client.get(program.get_absolute_url()).status_code == 404
    assert client.get(apply_url(program)).status_code == 404


def test_unknown_role_is_404(client):
    program = make_program()
    client.force_login(UserFactory())
    assert client.get(apply_url(program, "boss")).status_code == 404


def test_someone_elses_application_is_404(client):
    application = ApplicationFactory()
    client.force_login(UserFactory())
    pk = application.pk
    assert client.get(reverse("programs:application-detail", args=[pk])).status_code == 404
    assert client.get(reverse("programs:application-edit", args=[pk])).status_code == 404
    assert client.post(reverse("programs:application-withdraw", args=[pk])).status_code == 404
    application.refresh_from_db()
    assert application.status == "applied"


def test_owner_edits_then_withdraws(client):
    program = make_program()
    user = UserFactory()
    application = application_submit(program=program, user=user, data=make_data(program))
    client.force_login(user)
    edit = reverse("programs:application-edit", args=[application.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, form_data(program, motivation="Changed my mind about why."))
    application.refresh_from_db()
    assert application.motivation == "Changed my mind about why."
    client.post(reverse("programs:application-withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_hostile_text_is_escaped_on_the_application_page(client):
    program = make_program()
    user = UserFactory()
    data = make_data(program, motivation="<script>alert('x')</script>")
    application = application_submit(program=program, user=user, data=data)
    client.force_login(user)
    page = client.get(reverse("programs:application-detail", args=[application.pk]))
    assert "<script>alert" not in page.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.content.decode()


def test_program_detail_offers_apply_buttons_until_applied(client):
    program = make_program()
    user = UserFactory()
    client.force_login(user)
    page = client.get(program.get_absolute_url()).content.decode()
    assert "Apply as mentee" in page and "Apply as mentor" in page
    application_submit(program=program, user=user, data=make_data(program))
    page = client.get(program.get_absolute_url()).content.decode()
    assert "Apply as" not in page
    assert "You applied as mentee" in page


def test_invitation_link_leads_to_signup_then_application(client):
    program = make_program()
    Invitation.objects.create(program=program, email="inv@example.org", role="mentor", token="t1")
    response = client.get(reverse("programs:invitation", args=["t1"]))
    apply = apply_url(program, "mentor")
    assert response["Location"] == (
        f"{reverse('account_signup')}?email=inv%40example.org&next={apply.replace('/', '%2F')}"
    )
    user = UserFactory(email="inv@example.org")
    client.force_login(user)
    assert client.get(reverse("programs:invitation", args=["t1"]))["Location"] == apply
    home = client.get(reverse("home")).content.decode()
    assert f"You are invited to <strong><bdi>{program.name}</bdi></strong> as a mentor." in home


def test_unknown_invitation_token_is_404(client):
    assert client.get(reverse("programs:invitation", args=["nope"])).status_code == 404


def _import_roster(client, program, *lines: str) -> None:
    """Upload a roster through the admin page and confirm it, as a coordinator does."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:programs_program_roster_import", args=[program.pk])
    content = "".join(f"{line}\r\n" for line in lines).encode()
    preview = client.post(url, {"file": SimpleUploadedFile("roster.csv", content, "text/csv")})
    assert client.post(url, {"payload": preview.context["payload"]}).status_code == 302
    client.logout()


def test_roster_career_stage_is_preselected_when_the_invited_person_applies(client):
    program = make_program()
    _import_roster(
        client,
        program,
        "email,name,role,career stage",
        "Ann@Example.org,Ann,mentee,final-year",
        "bo@example.org,Bo,mentee,",
    )
    final_year = program.career_stages.get(name="Final-year")
    token = Invitation.objects.get(email="ann@example.org").token
    client.force_login(UserFactory(email="ann@example.org"))

    page = client.get(reverse("programs:invitation", args=[token]), follow=True)

    assert page.redirect_chain == [(apply_url(program, "mentee"), 302)]
    assert page.context["form"]["career_stage"].initial == final_year
    assert f'<option value="{final_year.pk}" selected>Final-year</option>' in page.content.decode()
    client.post(apply_url(program), form_data(program, career_stage=final_year.pk))
    assert Application.objects.get(user__email="ann@example.org").career_stage == final_year


def test_application_without_a_roster_stage_starts_with_none_selected(client):
    program = make_program()
    _import_roster(client, program, "email,name,role", "bo@example.org,Bo,mentee")
    other = make_program()
    Invitation.objects.create(
        program=other,
        email="bo@example.org",
        role="mentee",
        token="other",
        career_stage=other.career_stages.last(),
    )
    client.force_login(UserFactory(email="bo@example.org"))

    page = client.get(apply_url(program))

    assert page.context["form"]["career_stage"].initial is None
    assert '<option value="" selected>---------</option>' in page.content.decode()


def test_roster_stage_given_for_the_other_role_is_used_in_a_dual_role_program(client):
    program = make_program(allow_dual_role=True)
    graduate = program.career_stages.get(name="Graduate")
    Invitation.objects.create(
        program=program, email="cy@example.org", role="mentee", token="c", career_stage=graduate
    )
    client.force_login(UserFactory(email="cy@example.org"))

    assert client.get(apply_url(program, "mentor")).context["form"]["career_stage"].initial == (
        graduate
    )
