"""Who may see a person's profile and photo: the viewer gets the object or a 404, never a hint
that a hidden profile or photo exists."""

from django.http import Http404

from accounts.models import Profile, User
from accounts.selectors import ProfileCard, profile_for
from accounts.visibility import photo_visible_to


def profile_card_for_viewer(*, viewer, pk: int) -> ProfileCard:
    """The profile of active account `pk` as `viewer` may see it (Http404 when they may not
    see it, or there is no such person)."""
    person = User.objects.select_related("profile").filter(pk=pk, is_active=True).first()
    card = profile_for(viewer=viewer, person=person) if person is not None else None
    if card is None:
        raise Http404("No such profile.")
    return card


def photo_for_viewer(*, viewer, pk: int) -> Profile:
    """The profile whose photo `viewer` asks for (Http404 when there is none, or they may not
    see it)."""
    profile = (
        Profile.objects.select_related("user")
        .filter(pk=pk, user__is_active=True)
        .exclude(photo="")
        .first()
    )
    if profile is None or not photo_visible_to(viewer=viewer, person=profile.user):
        raise Http404("No such photo.")
    return profile
