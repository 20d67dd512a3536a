from allauth.account.models import EmailAddress, EmailConfirmation
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from mentoring.personal_data import Erase, identifying_strings, register, scrub

DELETED_NAME = "Deleted user"


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
        "date_joined",
        "last_login",
        "email_visibility",
        "profile_visibility",
        "photo_visibility",
    ],
    erase=_user_tombstone,
    section=_("Account"),
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
    names = identifying_strings(user)
    user_type = ContentType.objects.get_for_model(User)
    about = Q(content_type=user_type, object_id=str(user.pk))
    for name in names:
        about |= Q(object_repr__icontains=name) | Q(change_message__icontains=name)
    changed = 0
    for entry in LogEntry.objects.filter(about):
        entry.object_repr = scrub(entry.object_repr, names, DELETED_NAME)
        entry.change_message = scrub(entry.change_message, names, DELETED_NAME)
        if entry.content_type_id == user_type.pk and entry.object_id == str(user.pk):
            entry.object_repr = DELETED_NAME
        entry.save(update_fields=["object_repr", "change_message"])
        changed += 1
    return changed


register(
    LogEntry,
    people=["user"],
    # What and when, not the changed object's name (another person's, often).
    export=["action_time", "content_type__model", "action_flag"],
    erase=_admin_log_erase,
    section=_("Changes you made in the administration"),
)
