"""Profiles: editing one's own, the bad input refused, who sees whose (the visibility
settings), the card escaped, the pages' queries, and the profile in one's data and erasure."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.models import Profile, User
from accounts.selectors import profile_for
from accounts.services import profile_photo_set, profile_update
from accounts.visibility import Relation
from matching.models import Match
from privacy.archive import archive_build
from privacy.erasure import person_erase
from tests.factories import UserFactory
from tests.sessions.helpers import make_application, make_pair, make_program, pair

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
ABOUT = {
    "pronouns": "she/her",
    "bio": "Final-year engineer.\nHappy to talk internships.",
    "languages": "English, Portuguese, english, ",
    "offers": "CV reviews, mock interviews",
    "links": "github.com/ana\n\nhttps://ana.example.org/\n",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _profile(user, **fields) -> Profile:
    values = {"pronouns": "", "bio": "", "languages": [], "offers": "", "links": []}
    return profile_update(user=user, **{**values, **fields})


def _photo(user) -> None:
    output = io.BytesIO()
    Image.new("RGB", (40, 40), "navy").save(output, "PNG")
    upload = SimpleUploadedFile("me.png", output.getvalue(), content_type="image/png")
    profile_photo_set(user=user, upload=upload)


def _set(user, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


# --- Editing -----------------------------------------------------------------------------------


def test_saving_the_about_form_makes_the_profile_with_tidy_lists(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile-about"), ABOUT)
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.pronouns, profile.bio, profile.offers) == (
        "she/her",
        "Final-year engineer.\nHappy to talk internships.",
        "CV reviews, mock interviews",
    )
    assert profile.languages == ["English", "Portuguese"]
    assert profile.links == ["https://github.com/ana", "https://ana.example.org/"]


def test_the_profile_page_shows_the_saved_profile_and_who_sees_it(client):
    user = UserFactory(profile_visibility="coordinators", photo_visibility="matches")
    _profile(
        user,
        languages=["English", "Portuguese"],
        links=["https://a.example/", "https://b.example/"],
    )
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="English, Portuguese"' in page
    assert "https://a.example/\nhttps://b.example/</textarea>" in page
    assert (
        "Who sees your profile: Only coordinators. Who sees your photo: My mentors and mentees."
        in page
    )
    assert f'href="{reverse("privacy:settings")}"' in page


def test_saving_again_changes_the_profile(client):
    user = UserFactory()
    _profile(user, bio="Old", links=["https://old.example/"])
    client.force_login(user)
    client.post(reverse("accounts:profile-about"), {**ABOUT, "bio": "New", "links": ""})
    profile = Profile.objects.get(user=user)
    assert (profile.bio, profile.links) == ("New", [])


def test_the_name_and_time_zone_form_still_saves(client):
    user = UserFactory(time_zone="UTC")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "UTC"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Zed"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("links", "javascript:alert(1)", "is not a web address starting with http:// or https://"),
        ("links", "JavaScript:alert(document.cookie)", "is not a web address"),
        ("links", "data:text/html,<script>alert(1)</script>", "is not a web address"),
        ("links", "ftp://files.example.org/", "is not a web address"),
        ("links", "https://exa mple.org/", "is not a web address"),
        ("links", "\n".join(f"https://{n}.example.org/" for n in range(6)), "At most 5 links"),
        ("links", "https://example.org/" + "a" * 300, "at most 300 characters"),
        ("languages", ", ".join(f"Lang{n}" for n in range(11)), "At most 10 languages"),
        ("languages", "x" * 41, "at most 40 characters"),
        ("bio", "b" * 2001, "at most 2000 characters"),
        ("pronouns", "p" * 41, "at most 40 characters"),
        ("offers", "o" * 1001, "at most 1000 characters"),
    ],
)
def test_bad_profile_input_is_refused_with_a_message_and_nothing_changes(
    client, field, value, message
):
    user = UserFactory()
    before = _profile(user, bio="Kept", links=["https://kept.example/"])
    client.force_login(user)
    response = client.post(reverse("accounts:profile-about"), {**ABOUT, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    after = Profile.objects.get(user=user)
    assert (after.bio, after.links, after.languages, after.updated_at) == (
        "Kept",
        ["https://kept.example/"],
        [],
        before.updated_at,
    )


def test_the_service_refuses_a_javascript_link_too():
    from django.core.exceptions import ValidationError

    user = UserFactory()
    with pytest.raises(ValidationError):
        _profile(user, links=["javascript:alert(1)"])
    assert not Profile.objects.filter(user=user).exists()


def test_the_edit_forms_take_posts_only_and_signed_in_people_only(client):
    assert client.post(reverse("accounts:profile-about"), ABOUT).status_code == 302
    assert not Profile.objects.exists()
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:profile-about")).status_code == 405


# --- Who sees whose profile ------------------------------------------------------------------


def _page(client, viewer, person):
    client.force_login(viewer)
    return client.get(reverse("accounts:person-detail", args=[person.pk]))


def test_a_stranger_sees_no_profile_whatever_the_setting(client):
    person = _set(UserFactory(), profile_visibility="members")
    _profile(person, bio="Hello")
    stranger = UserFactory()
    assert _page(client, stranger, person).status_code == 404
    assert profile_for(viewer=stranger, person=person) is None


def test_the_profile_follows_the_visibility_setting(client):
    program = make_program()
    match = pair(program)
    person, partner = match.mentee.user, match.mentor.user
    member = make_application(program, "mentee").user
    coordinator = UserFactory(is_staff=True)
    program.coordinators.add(coordinator)
    _profile(person, bio="Hello")
    seen = {}
    for setting in ("coordinators", "matches", "members"):
        _set(person, profile_visibility=setting)
        seen[setting] = [
            _page(client, viewer, person).status_code
            for viewer in (person, coordinator, partner, member)
        ]
    assert seen == {
        "coordinators": [200, 200, 404, 404],
        "matches": [200, 200, 200, 404],
        "members": [200, 200, 200, 200],
    }


def test_the_card_shows_the_photo_only_when_the_photo_is_visible_too(client):
    match = pair()
    person, partner = match.mentee.user, match.mentor.user
    _set(person, profile_visibility="matches", photo_visibility="coordinators")
    _profile(person, bio="Hello")
    _photo(person)
    photo = reverse("accounts:person-photo", args=[person.pk])
    assert f'src="{photo}?v=' not in _page(client, partner, person).content.decode()
    _set(person, photo_visibility="matches")
    assert f'src="{photo}?v=' in _page(client, partner, person).content.decode()
    card = profile_for(viewer=partner, person=User.objects.get(pk=person.pk))
    assert card.photo_url.startswith(f"{photo}?v=")


def test_someone_with_no_profile_yet_shows_their_name_only(client):
    match = pair()
    person, partner = match.mentee.user, match.mentor.user
    _set(person, profile_visibility="matches")
    page = _page(client, partner, person).content.decode()
    assert "has not written a profile yet" in page
    card = profile_for(viewer=partner, person=person)
    assert (card.name, card.is_blank, card.photo_url) == (person.name, True, "")


def test_an_inactive_or_unknown_person_has_no_profile_page(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    inactive = _set(UserFactory(), is_active=False)
    assert _page(client, admin, inactive).status_code == 404
    client.force_login(admin)
    assert client.get(reverse("accounts:person-detail", args=[999_999])).status_code == 404


def test_profile_for_with_a_known_relation_makes_no_query(django_assert_num_queries):
    match = pair()
    person, partner = match.mentee.user, match.mentor.user
    _set(person, profile_visibility="matches", photo_visibility="matches")
    _profile(person, bio="Hello", languages=["English"])
    _photo(person)
    loaded = User.objects.select_related("profile").get(pk=person.pk)
    with django_assert_num_queries(0):
        card = profile_for(viewer=partner, person=loaded, relation=Relation.PARTNER)
    assert (card.bio, card.languages) == ("Hello", ("English",))
    assert profile_for(viewer=partner, person=loaded, relation=Relation.MEMBER) is None


# --- Escaping ----------------------------------------------------------------------------------


def test_everything_on_the_card_is_escaped_and_links_are_nofollow(client):
    person = _set(UserFactory(display_name=f"Ana {SCRIPT}"), profile_visibility="members")
    link = 'https://example.org/?q="><script>alert(1)</script>'
    _profile(
        person,
        pronouns=SCRIPT,
        bio=f"Hi {SCRIPT}",
        languages=[SCRIPT],
        offers=SCRIPT,
        links=[link],
    )
    page = _page(client, person, person).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert (
        'href="https://example.org/?q=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" '
        'rel="nofollow noopener noreferrer"'
    ) in page


def test_script_tags_typed_into_the_form_come_back_escaped(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:profile-about"), {**ABOUT, "bio": SCRIPT, "pronouns": SCRIPT})
    assert Profile.objects.get(user=user).bio == SCRIPT  # stored as typed...
    for url in (reverse("accounts:profile"), reverse("accounts:person-detail", args=[user.pk])):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page  # ...and never shown as markup


# --- Queries -------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _person_with_many(viewer, programs: int) -> User:
    """A person matched with `viewer` in `programs` programs, each with other members too,
    with a full profile and a photo."""
    person = _set(UserFactory(), profile_visibility="members", photo_visibility="members")
    for _ in range(programs):
        program = make_program()
        make_pair(
            program,
            mentor=make_application(program, "mentor", user=viewer),
            mentee=make_application(program, "mentee", user=person),
        )
        make_application(program, "mentee")
    _profile(
        person,
        bio="Hello",
        languages=[f"Language {n}" for n in range(programs)],
        links=[f"https://{n}.example.org/" for n in range(min(programs, 5))],
    )
    _photo(person)
    return person


def test_the_profile_pages_make_as_many_queries_at_two_sizes(client):
    counts = []
    for size in (1, 5):
        viewer = UserFactory()
        person = _person_with_many(viewer, size)
        client.force_login(viewer)
        detail = _queries(client, reverse("accounts:person-detail", args=[person.pk]))
        client.force_login(person)
        edit = _queries(client, reverse("accounts:profile"))
        counts.append((detail, edit))
    assert Match.objects.count() == 6
    assert counts[0] == counts[1]


# --- Personal data -----------------------------------------------------------------------------


def test_the_profile_is_in_the_persons_archive(client):
    user = UserFactory()
    _profile(
        user, pronouns="they/them", bio="Hello", languages=["English"], links=["https://a.example/"]
    )
    _photo(user)
    with zipfile.ZipFile(io.BytesIO(archive_build(user=user))) as archive:
        data = json.loads(archive.read("data.json"))
    section = next(s for s in data["sections"] if s["model"] == "accounts.Profile")
    row = section["rows"][0]
    assert (row["pronouns"], row["bio"], row["languages"], row["links"]) == (
        "they/them",
        "Hello",
        ["English"],
        ["https://a.example/"],
    )
    assert row["photo"] == Profile.objects.get(user=user).photo.name


def test_erasure_deletes_the_profile_and_the_photo_file():
    user = UserFactory()
    other = UserFactory()
    _profile(user, bio="Mine")
    _photo(user)
    _photo(other)
    name = Profile.objects.get(user=user).photo.name
    assert default_storage.exists(name)

    summary = person_erase(user=user)

    assert summary["accounts.Profile"] == 1
    assert not Profile.objects.filter(user=user).exists()
    assert not default_storage.exists(name)
    assert default_storage.exists(Profile.objects.get(user=other).photo.name)
    assert person_erase(user=User.objects.get(pk=user.pk)) == {}


def test_erasure_of_a_profile_whose_file_is_already_gone_still_deletes_it():
    user = UserFactory()
    _photo(user)
    default_storage.delete(Profile.objects.get(user=user).photo.name)
    assert person_erase(user=user)["accounts.Profile"] == 1
    assert not Profile.objects.filter(user=user).exists()
