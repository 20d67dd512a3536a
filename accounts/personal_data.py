from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile, User
from accounts.services import profile_erase
from mentoring.personal_data import (
    DELETED_NAME,
    Erase,
    identifying_strings,
    not_personal,
    quoting_q,
    register,
    rows_scrub,
)


def _user_tombstone(user) -> int:
    """The account becomes a "Deleted user" that nobody can sign in to, so the records other
    people share with the person (sessions, matches) keep their shape and name nobody."""
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = DELETED_NAME
    user.first_name = ""
    user.last_name = ""
    user.institutional_id = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return 1


register(
    User,
    people=[lambda user: Q(pk=user.pk)],
    export=[
        "email",
        "display_name",
        "first_name",
        "last_name",
        "institutional_id",
        "time_zone",
        "language",
        "date_joined",
        "last_login",
        "email_visibility",
        "profile_visibility",
        "photo_visibility",
    ],
    erase=_user_tombstone,
    section=_("Account"),
)

# The profile is the person's own: erasure deletes the photo's file and the row. The archive
# names the stored photo file; the photo itself is shown on the person's profile page.
register(
    Profile,
    people=["user"],
    export=["pronouns", "bio", "languages", "offers", "links", "photo", "updated_at"],
    erase=profile_erase,
    section=_("Profile"),
)

register(
    EmailAddress,
    people=["user"],
    export=["email", "verified", "primary"],
    erase=Erase.DELETE,
    section=_("Email addresses"),
)

register(
    EmailConfirmation,
    people=["email_address__user"],
    export=[],
    erase=Erase.DELETE,
    section=_("Email confirmations"),
)


def _admin_log_erase(user) -> int:
    """Admin history keeps its entries (who changed what), but an entry's text that names the
    person (Django stores the object's name at the time) loses the name."""
    fields = ["object_repr", "change_message"]
    names = identifying_strings(user)
    changed = rows_scrub(
        LogEntry.objects.filter(quoting_q(LogEntry, fields, names)), fields=fields, names=names
    )
    own = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).exclude(object_repr=DELETED_NAME)
    return changed + own.update(object_repr=DELETED_NAME)


register(
    LogEntry,
    people=["user"],
    # What and when, not the changed object's name (another person's, often).
    export=["action_time", "content_type__model", "action_flag"],
    erase=_admin_log_erase,
    section=_("Changes you made in the administration"),
)


# Sign-in with an institution's identity provider: which provider knows the person under which
# identifier, and what it last said about them. Erasure deletes the links (and any tokens), so
# the tombstone cannot be signed in to through the provider either.
register(
    SocialAccount,
    people=["user"],
    export=["provider", "last_login", "date_joined"],
    erase=Erase.DELETE,
    section=_("Single sign-on"),
)
register(
    SocialToken,
    people=["account__user"],
    export=[],  # secrets, never handed out
    erase=Erase.DELETE,
    section=_("Single sign-on"),
)
not_personal(
    SocialApp,
    reason="An identity provider's configuration (client id, keys): no person's.",
)

# Second factors: the kind and when it was made or last used, never the secret or the codes.
register(
    Authenticator,
    people=["user"],
    export=["type", "created_at", "last_used_at"],
    erase=Erase.DELETE,
    section=_("Two-factor authentication"),
)
