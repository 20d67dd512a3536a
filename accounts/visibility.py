"""Who sees a person's email, profile and photo.

A person chooses, per detail, who besides coordinators sees it (`User.<detail>_visibility`):
only coordinators (the default: it shares the least), also the people they are matched with,
or also everyone in their programs. `can_see` answers for a relation the caller states;
`relation_between` works the relation out in one query; `profile_visible_to` and
`photo_visible_to` do both for the profile and its photo.

This module sits below programs and matching, so it knows them only by the relation names
they give the user model (applications, matches, coordinated programs), never by import.
"""

from __future__ import annotations

from enum import IntEnum

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Value
from django.utils.translation import gettext as _

from accounts.models import User, Visibility
from mentoring.compiled import compiled

DETAILS = {
    "email": "email_visibility",
    "profile": "profile_visibility",
    "photo": "photo_visibility",
}


class Relation(IntEnum):
    """How the viewer stands to the person, closest first when compared (higher is closer)."""

    NOBODY = 0
    MEMBER = 1  # both approved in a common program
    PARTNER = 2  # the two sides of a match, or the mentor and members of one group
    COORDINATOR = 3  # coordinates a program the person applied to (or a superuser)
    SELF = 4


#: Which relations each setting lets see the detail.
_ALLOWED = {
    Visibility.COORDINATORS: Relation.COORDINATOR,
    Visibility.MATCHES: Relation.PARTNER,
    Visibility.MEMBERS: Relation.MEMBER,
}


def can_see(*, viewer, person, detail: str, relation: Relation) -> bool:
    """Whether `viewer`, standing in `relation` to `person`, may see `detail` ("email",
    "profile" or "photo") of theirs. Coordinators always do; a person always sees their own."""
    if viewer is not None and getattr(viewer, "pk", None) == person.pk:
        return True
    setting = getattr(person, DETAILS[detail])
    return relation >= _ALLOWED.get(setting, Relation.COORDINATOR)


@compiled(static=("staff",))
def _relation_row(*, viewer, person_id: int, staff: bool):
    """(coordinates them, matched with them, in their group, in a program with them), kept
    SQL: four subqueries, asked on every profile and photo a person opens."""
    same = User.objects.filter(pk=OuterRef("pk"))
    coordinator = (
        Exists(same.filter(applications__program__coordinators=viewer)) if staff else Value(False)
    )
    partner = Exists(
        same.filter(
            Q(applications__mentee_matches__mentor__user=viewer)
            | Q(applications__mentor_matches__mentee__user=viewer)
        )
    )
    group_peer = Exists(
        same.filter(
            applications__mentee_matches__program__format="group",
            applications__mentee_matches__mentor__mentor_matches__mentee__user=viewer,
        )
    )
    member = Exists(
        same.filter(
            applications__status="approved",
            applications__program__applications__user=viewer,
            applications__program__applications__status="approved",
        )
    )
    person = User.objects.filter(pk=person_id)
    return person.values_list(coordinator, partner, group_peer, member)[:1]


def relation_between(*, viewer, person) -> Relation:
    """The closest relation between viewer and person, in one query (none for oneself, a
    superuser or an anonymous viewer)."""
    if viewer is None or not viewer.is_authenticated:
        return Relation.NOBODY
    if viewer.pk == person.pk:
        return Relation.SELF
    if viewer.is_superuser:
        return Relation.COORDINATOR
    row = _relation_row.first(viewer=viewer, person_id=person.pk, staff=viewer.is_staff)
    if row is None:
        return Relation.NOBODY
    is_coordinator, is_partner, is_peer, is_member = row
    if is_coordinator:
        return Relation.COORDINATOR
    if is_partner or is_peer:
        return Relation.PARTNER
    return Relation.MEMBER if is_member else Relation.NOBODY


def _visible(viewer, person, detail: str, relation: Relation | None) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    if relation is None:
        relation = relation_between(viewer=viewer, person=person)
    return can_see(viewer=viewer, person=person, detail=detail, relation=relation)


def profile_visible_to(*, viewer, person, relation: Relation | None = None) -> bool:
    """Whether `viewer` may see `person`'s profile (pronouns, about, languages, offers, links).
    A caller that knows the relation (the match page: partners) passes it and spares the
    query; otherwise it is worked out."""
    return _visible(viewer, person, "profile", relation)


def photo_visible_to(*, viewer, person, relation: Relation | None = None) -> bool:
    """Whether `viewer` may see `person`'s photo (see `profile_visible_to`)."""
    return _visible(viewer, person, "photo", relation)


def visible_email(*, viewer, person, relation: Relation) -> str:
    """The person's email address if the viewer may see it, else ""."""
    return (
        person.email
        if can_see(viewer=viewer, person=person, detail="email", relation=relation)
        else ""
    )


def user_visibility_update(
    *, user: User, email_visibility: str, profile_visibility: str, photo_visibility: str
) -> User:
    """Change who sees the person's email, profile and photo."""
    values = (email_visibility, profile_visibility, photo_visibility)
    if any(value not in Visibility.values for value in values):
        raise ValidationError(_("Choose who may see each of them from the list."))
    user.email_visibility, user.profile_visibility, user.photo_visibility = values
    user.save(update_fields=["email_visibility", "profile_visibility", "photo_visibility"])
    return user
