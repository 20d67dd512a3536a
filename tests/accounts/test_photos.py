"""Profile photos: checked, turned upright, shrunk and stored without metadata; replaced and
removed with their files; served only to those the photo visibility setting lets see it."""

import io
import os
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Profile
from accounts.photos import MAX_BYTES, STORED_SIDE, photo_process
from accounts.services import profile_photo_remove, profile_photo_set
from tests.factories import UserFactory
from tests.sessions.helpers import make_application, make_program, pair

pytestmark = pytest.mark.django_db

CAMERA = "Phone-Maker-Camera-X1"
GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_metadata(size=(1200, 900), orientation: int | None = None) -> bytes:
    """A JPEG a phone could have taken: camera make, GPS position, a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0131] = "Editor 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif, comment=b"taken at home")
    return output.getvalue()


def image_bytes(size, mode="RGB", fmt="PNG", color=0) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, fmt)
    return output.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def bomb_png(width=100_000, height=100_000) -> bytes:
    """A few hundred bytes of PNG whose header declares width x height pixels."""
    png = bytearray(image_bytes((1, 1), mode="L"))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    png[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(png[ihdr - 4 : ihdr + 13]))
    png[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(png)


def reason(data: bytes, name="photo.jpg") -> str:
    with pytest.raises(ValidationError) as caught:
        photo_process(upload(data, name))
    return caught.value.code


def stored_files(media) -> list[str]:
    folder = media / "profiles"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- Processing ----------------------------------------------------------------------------


def test_a_photo_loses_its_exif_gps_and_comment_and_is_shrunk():
    original = jpeg_with_metadata()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif()[0x010F] == CAMERA  # the test image does carry metadata
        assert before.getexif().get_ifd(GPS_IFD)

    result = photo_process(upload(original))

    with Image.open(io.BytesIO(result)) as after:
        assert after.format == "JPEG"
        assert after.size == (STORED_SIDE, 384)
        assert dict(after.getexif()) == {}
        assert set(after.info) & {"exif", "comment", "icc_profile", "xmp"} == set()
    assert CAMERA.encode() not in result
    assert b"taken at home" not in result


def test_a_photo_is_turned_upright_by_its_orientation_before_the_tag_goes():
    rotated = jpeg_with_metadata(size=(400, 200), orientation=6)  # "rotate 90° clockwise"
    with Image.open(io.BytesIO(photo_process(upload(rotated)))) as after:
        assert after.size == (200, 400)
        assert dict(after.getexif()) == {}


def test_a_small_photo_keeps_its_size_and_a_transparent_one_is_put_on_white():
    data = image_bytes((100, 60), mode="RGBA", color=(0, 0, 0, 0))
    with Image.open(io.BytesIO(photo_process(upload(data, "logo.png")))) as after:
        assert (after.format, after.mode, after.size) == ("JPEG", "RGB", (100, 60))
        assert after.getpixel((50, 30)) == (255, 255, 255)


def test_webp_is_accepted():
    data = image_bytes((800, 800), fmt="WEBP", color=(10, 120, 10))
    with Image.open(io.BytesIO(photo_process(upload(data, "me.webp")))) as after:
        assert after.size == (STORED_SIDE, STORED_SIDE)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Just some text, renamed.\n" * 40, "notes.jpg"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, "setup.exe"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, "setup.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.png"),
        (image_bytes((20, 20), fmt="GIF"), "anim.gif"),
        (b"", "empty.jpg"),
    ],
)
def test_a_file_that_is_no_jpeg_png_or_webp_is_refused(data, name):
    assert reason(data, name) == "not_image"


def test_a_damaged_jpeg_is_refused():
    assert reason(jpeg_with_metadata()[:600]) == "not_image"


def test_an_image_over_6000_pixels_a_side_is_refused_before_it_is_decoded():
    data = image_bytes((8000, 8000), mode="1")  # a few kilobytes on disk
    assert len(data) < MAX_BYTES
    assert reason(data, "huge.png") == "too_large"
    assert reason(image_bytes((6001, 10), mode="1"), "wide.png") == "too_large"


def test_a_decompression_bomb_is_refused():
    assert reason(bomb_png(), "bomb.png") == "too_large"
    assert reason(bomb_png(12_000, 12_000), "bomb.png") == "too_large"


def test_a_file_over_5_mb_is_refused_unread():
    assert reason(b"\xff\xd8\xff" + b"\x00" * MAX_BYTES) == "too_big"


# --- Storing, replacing, removing -----------------------------------------------------------


def test_setting_a_photo_stores_the_clean_jpeg_and_replacing_it_deletes_the_old_file(
    media, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = profile_photo_set(user=user, upload=upload(jpeg_with_metadata()))
    first_name = first.photo.name
    assert first_name.startswith("profiles/") and first_name.endswith(".jpg")
    with default_storage.open(first_name) as stored:
        data = stored.read()
    assert CAMERA.encode() not in data

    with django_capture_on_commit_callbacks(execute=True):
        second = profile_photo_set(user=user, upload=upload(image_bytes((300, 300))))

    assert second.photo.name != first_name
    assert stored_files(media) == [second.photo.name.split("/")[1]]
    assert Profile.objects.get(user=user).photo.name == second.photo.name


def test_a_refused_photo_changes_nothing(media, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        kept = profile_photo_set(user=user, upload=upload(image_bytes((300, 300)))).photo.name
    with pytest.raises(ValidationError):
        profile_photo_set(user=user, upload=upload(b"not an image"))
    assert Profile.objects.get(user=user).photo.name == kept
    assert stored_files(media) == [kept.split("/")[1]]


def test_removing_the_photo_deletes_its_file(media, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        profile_photo_set(user=user, upload=upload(image_bytes((300, 300))))
        profile_photo_remove(user=user)
    assert Profile.objects.get(user=user).photo.name == ""
    assert stored_files(media) == []
    assert profile_photo_remove(user=UserFactory()) is None


# --- The upload page ------------------------------------------------------------------------


def test_uploading_on_the_profile_page_stores_the_photo(client, media):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile-photo"), {"photo": upload(jpeg_with_metadata())}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert stored_files(media) == [profile.photo.name.split("/")[1]]
    page = client.get(reverse("accounts:profile")).content.decode()
    assert f'src="{reverse("accounts:person-photo", args=[user.pk])}?v=' in page


def test_a_camera_sized_photo_streamed_to_a_temporary_file_is_taken(client, media):
    """Django keeps uploads over 2.5 MB in a temporary file, not in memory."""
    noise = Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3))
    output = io.BytesIO()
    noise.save(output, "JPEG", quality=90)
    assert 2.5 * 1024 * 1024 < len(output.getvalue()) < MAX_BYTES
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile-photo"), {"photo": upload(output.getvalue())})
    assert response.status_code == 302
    with Profile.objects.get(user=user).photo.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (STORED_SIDE, 384)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "tool.exe", "is not a photo we can read"),
        (b"plain text\n" * 10, "me.jpg", "is not a photo we can read"),
        (
            image_bytes((8000, 8000), mode="1"),
            "big.png",
            "is 8000 by 8000 pixels: at most 6000 by 6000",
        ),
        (b"\xff\xd8\xff" + b"\x00" * MAX_BYTES, "big.jpg", "the largest allowed is 5.0"),
    ],
)
def test_the_profile_page_refuses_a_bad_photo_with_the_reason(client, media, data, name, message):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile-photo"), {"photo": upload(data, name)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()
    assert stored_files(media) == []


def test_the_photo_form_needs_a_file(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:profile-photo"), {})
    assert response.status_code == 400


def test_the_remove_button_removes_the_photo(client, media, django_capture_on_commit_callbacks):
    user = UserFactory()
    profile_photo_set(user=user, upload=upload(image_bytes((50, 50))))
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile-photo-delete"))
    assert response.status_code == 302
    assert stored_files(media) == []
    assert client.get(reverse("accounts:profile-photo-delete")).status_code == 405


# --- Who gets the photo ---------------------------------------------------------------------


def _with_photo(user):
    profile_photo_set(user=user, upload=upload(image_bytes((50, 50))))
    return user


def _get_photo(client, viewer, person, **headers):
    client.force_login(viewer)
    return client.get(reverse("accounts:person-photo", args=[person.pk]), **headers)


def test_a_stranger_gets_404_for_a_photo_whatever_the_setting(client):
    person = _with_photo(UserFactory(photo_visibility="members"))
    assert _get_photo(client, UserFactory(), person).status_code == 404


def test_the_photo_follows_the_visibility_setting_for_partners_and_members(client):
    program = make_program()
    match = pair(program)
    person, partner = match.mentee.user, match.mentor.user
    member = make_application(program, "mentee").user
    _with_photo(person)
    coordinator = UserFactory(is_staff=True)
    program.coordinators.add(coordinator)
    seen = {}
    for setting in ("coordinators", "matches", "members"):
        person.photo_visibility = setting
        person.save(update_fields=["photo_visibility"])
        seen[setting] = [
            _get_photo(client, viewer, person).status_code
            for viewer in (person, coordinator, partner, member)
        ]
    assert seen == {
        "coordinators": [200, 200, 404, 404],
        "matches": [200, 200, 200, 404],
        "members": [200, 200, 200, 200],
    }


def test_the_photo_is_a_private_jpeg_and_an_unchanged_one_is_a_304(client):
    person = _with_photo(UserFactory())
    response = _get_photo(client, person, person)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    again = _get_photo(client, person, person, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_no_photo_an_inactive_person_or_no_person_is_a_404(client):
    viewer = UserFactory(is_superuser=True, is_staff=True)
    without = UserFactory()
    Profile.objects.create(user=without)
    inactive = _with_photo(UserFactory(photo_visibility="members"))
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    for person_pk in (without.pk, inactive.pk, 999_999):
        client.force_login(viewer)
        response = client.get(reverse("accounts:person-photo", args=[person_pk]))
        assert response.status_code == 404


def test_a_photo_whose_file_is_gone_is_a_404(client, media):
    person = _with_photo(UserFactory())
    default_storage.delete(Profile.objects.get(user=person).photo.name)
    assert _get_photo(client, person, person).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    person = _with_photo(UserFactory(photo_visibility="members"))
    response = client.get(reverse("accounts:person-photo", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
