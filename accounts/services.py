import logging

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import Profile, User, profile_photo_path

logger = logging.getLogger(__name__)


def user_update_profile(*, user: User, display_name: str, time_zone, language: str = "") -> User:
    """Change the name, time zone and language shown across the site (and in emails)."""
    user.display_name = display_name
    user.time_zone = time_zone
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "time_zone", "language"])
    return user


def user_language_set(*, user: User, language: str) -> None:
    """The person's language for pages and for the emails workers send them."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])


def profile_update(
    *,
    user: User,
    pronouns: str,
    bio: str,
    languages: list[str],
    offers: str,
    links: list[str],
) -> Profile:
    """Save what the person tells others about themselves, making their profile on the first
    save. Raises ValidationError (and changes nothing) on a value the model refuses: a link
    that is not http(s), too many links or languages, text too long. Sends nothing."""
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        profile.pronouns, profile.bio, profile.offers = pronouns, bio, offers
        profile.languages, profile.links = languages, links
        profile.full_clean(exclude=["user", "photo"])
        profile.save()
    return profile


def _photo_storage():
    return Profile._meta.get_field("photo").storage


def _photo_delete(name: str) -> None:
    """Delete a replaced or removed photo's file; a storage failure is logged, not raised (the
    person's change is saved, the file no longer named by any profile)."""
    if not name:
        return
    try:
        _photo_storage().delete(name)
    except Exception:
        logger.error("Could not delete the profile photo file %s", name, exc_info=True)


def profile_photo_set(*, user: User, upload) -> Profile:
    """Check and re-encode an uploaded photo (accounts/photos.py: ValidationError with the
    reason, nothing changed, when it is too big, no image, or too many pixels), store it under
    a new random name and make it the person's photo, making their profile if need be. The
    previous photo's file is deleted once the change is committed. Sends nothing."""
    from accounts.photos import photo_process  # Pillow: imported on first upload, not at start-up

    content = photo_process(upload)
    name = _photo_storage().save(profile_photo_path(None, ""), ContentFile(content))
    try:
        with transaction.atomic():
            profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
            previous = profile.photo.name
            profile.photo = name
            profile.save(update_fields=["photo", "updated_at"])
            transaction.on_commit(lambda: _photo_delete(previous))
    except Exception:
        _photo_delete(name)
        raise
    return profile


def profile_photo_remove(*, user: User) -> Profile | None:
    """Take the person's photo off their profile; its file is deleted once the change is
    committed. Returns the profile (None when they have none). Sends nothing."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is None or not profile.photo:
            return profile
        previous = profile.photo.name
        profile.photo = ""
        profile.save(update_fields=["photo", "updated_at"])
        transaction.on_commit(lambda: _photo_delete(previous))
    return profile


def profile_erase(user: User) -> int:
    """Erasure (accounts/personal_data.py): delete the person's photo file from storage, then
    their profile. The file goes first and a storage failure is raised, so an erasure never
    reports success while the photo is still stored: it fails and can be run again (a profile
    whose file is already gone just loses its row). Returns how many profiles it deleted."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return 0
    if profile.photo:
        _photo_storage().delete(profile.photo.name)
    profile.delete()
    return 1
