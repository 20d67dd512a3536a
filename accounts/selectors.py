"""Reads of people's profiles, as the viewer may see them (accounts/visibility.py)."""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.urls import reverse

from accounts.models import Profile, User
from accounts.visibility import Relation, photo_visible_to, profile_visible_to, relation_between


@dataclass(frozen=True)
class Link:
    url: str
    label: str  # the address without its scheme, as people read it


@dataclass(frozen=True)
class ProfileCard:
    """What a viewer may see of a person's profile (templates/accounts/_profile_card.html).
    `photo_url` is "" when there is no photo or the viewer may not see it."""

    person: User
    pronouns: str = ""
    bio: str = ""
    languages: tuple[str, ...] = ()
    offers: str = ""
    links: tuple[Link, ...] = ()
    photo_url: str = ""

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def is_blank(self) -> bool:
        """Nothing to show beyond the name (no profile yet, or an empty one)."""
        return not any(
            (self.pronouns, self.bio, self.languages, self.offers, self.links, self.photo_url)
        )


def _link(url: str) -> Link:
    label = url.split("://", 1)[-1].rstrip("/")
    return Link(url=url, label=label)


def photo_url(profile: Profile) -> str:
    """The address the photo is served from (accounts:person-photo, which checks access), with
    a version that changes with every new photo so browsers never show an old one."""
    version = PurePosixPath(profile.photo.name).stem[:12]
    return f"{reverse('accounts:person-photo', kwargs={'pk': profile.pk})}?v={version}"


def profile_for(*, viewer, person: User, relation: Relation | None = None) -> ProfileCard | None:
    """`person`'s profile as `viewer` may see it, or None when they may not see it at all
    (their name is theirs to show regardless). The photo is in it only when the photo is
    visible too. Pass `relation` when it is known (on the match page the two are partners)
    and load `person` with select_related("profile"): then this makes no query; otherwise one
    for the relation and one for the profile."""
    if viewer is None or not viewer.is_authenticated:
        return None
    if relation is None:
        relation = relation_between(viewer=viewer, person=person)
    if not profile_visible_to(viewer=viewer, person=person, relation=relation):
        return None
    profile = getattr(person, "profile", None)  # None for someone with no profile yet
    if profile is None:
        return ProfileCard(person=person)
    shows_photo = profile.photo and photo_visible_to(
        viewer=viewer, person=person, relation=relation
    )
    return ProfileCard(
        person=person,
        pronouns=profile.pronouns,
        bio=profile.bio,
        languages=tuple(profile.languages),
        offers=profile.offers,
        links=tuple(_link(url) for url in profile.links),
        photo_url=photo_url(profile) if shows_photo else "",
    )
