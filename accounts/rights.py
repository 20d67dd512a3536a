"""Every change of a person's rights adds one to their `rights_stamp`, in the same transaction
as the change, so that what mentoring/rights.py keeps under the old stamp is never used again.

A person's rights are their groups, their own and their groups' permissions, the names of
those groups and permissions (a permission's name is its content type's app label and its
codename), whether they have an authenticator app (staff pages ask for one), and what higher
apps add with `rights_follow` (the programs a person coordinates or reports on).
Django signals each change to them: the many-to-many relations from either side
(`m2m_changed`, including `clear()`), a group or permission saved under a new name, and a
group, permission or content type deleted (whose links the database deletes without a
many-to-many signal). Changes made past Django's signals (SQL, `QuerySet.update()` of these
tables) would not be seen; nothing in the project makes them.
"""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from mentoring.rights import STAMP_FIELD, rights_forget


def rights_changed(user_ids) -> None:
    """The rights of these people changed: a new stamp on each of their rows."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return
    get_user_model().objects.filter(pk__in=ids).update(**{STAMP_FIELD: F(STAMP_FIELD) + 1})
    rights_forget(ids)


def _members(groups) -> list[int]:
    return list(
        get_user_model().objects.filter(groups__in=groups).values_list("pk", flat=True).distinct()
    )


def _holders(permissions) -> list[int]:
    holding = Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions)
    return list(get_user_model().objects.filter(holding).values_list("pk", flat=True).distinct())


# What to do per action: after an add or a remove the changed rows are known (pk_set); a
# clear is handled before it, while the rows it removes can still be read.
_ACTIONS = {"post_add", "post_remove", "pre_clear"}


def _ends(through) -> tuple[str, str]:
    """The columns of a many-to-many table with people: (the person's, the other's)."""
    user = get_user_model()
    ends = [f for f in through._meta.concrete_fields if f.is_relation]
    person = next(f for f in ends if f.related_model is user)
    other = next(f for f in ends if f is not person)
    return person.attname, other.attname


def _people_relation_changed(sender, instance, action, pk_set, **kwargs):
    """A many-to-many between people and something else changed, from either end
    (`user.groups.add(...)`, `group.user_set.add(...)`, `program.coordinators.clear()`)."""
    if action not in _ACTIONS:
        return
    if isinstance(instance, get_user_model()):
        if action == "pre_clear" or pk_set:
            rights_changed([instance.pk])
    elif action == "pre_clear":  # everyone linked to the instance, before the links go
        person, other = _ends(sender)
        rights_changed(sender.objects.filter(**{other: instance.pk}).values_list(person, flat=True))
    else:
        rights_changed(pk_set or ())


def rights_follow(through) -> None:
    """Every change of this many-to-many table between people and something else (a
    program's coordinators, say) is a change of the rights of the people it links."""
    m2m_changed.connect(
        _people_relation_changed, sender=through, dispatch_uid=f"rights:{through._meta.label}"
    )


def _group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions (`group.permissions.add(...)`, `permission.group_set.add(...)`)."""
    if action not in _ACTIONS:
        return
    if not reverse:  # instance is the group
        if action == "pre_clear" or pk_set:
            rights_changed(_members([instance.pk]))
    elif action == "pre_clear":  # instance is a permission: members of every group holding it
        rights_changed(_members(instance.group_set.all()))
    elif pk_set:
        rights_changed(_members(pk_set))


def _group_saved(sender, instance, created, **kwargs):
    if not created:
        rights_changed(_members([instance.pk]))


def _group_deleted(sender, instance, **kwargs):
    rights_changed(_members([instance.pk]))


def _permission_saved(sender, instance, created, **kwargs):
    if not created:
        rights_changed(_holders([instance.pk]))


def _permission_deleted(sender, instance, **kwargs):
    rights_changed(_holders([instance.pk]))


def _content_type_saved(sender, instance, created, **kwargs):
    if not created:
        rights_changed(_holders(Permission.objects.filter(content_type=instance)))


def _authenticator_changed(sender, instance, **kwargs):
    rights_changed([instance.user_id])


def rights_signals_connect() -> None:
    """Called once from AccountsConfig.ready(). (Deleting a content type deletes its
    permissions one by one, each signalled to `_permission_deleted`.)"""
    user = get_user_model()
    rights_follow(user.groups.through)
    rights_follow(user.user_permissions.through)
    m2m_changed.connect(
        _group_permissions_changed, sender=Group.permissions.through, dispatch_uid="rights:gp"
    )
    post_save.connect(_group_saved, sender=Group, dispatch_uid="rights:group-saved")
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="rights:group-deleted")
    post_save.connect(_permission_saved, sender=Permission, dispatch_uid="rights:perm-saved")
    pre_delete.connect(_permission_deleted, sender=Permission, dispatch_uid="rights:perm-deleted")
    post_save.connect(_content_type_saved, sender=ContentType, dispatch_uid="rights:ct-saved")
    # Whether a staff person has an authenticator app decides whether they may open staff
    # pages (accounts/mfa.py), so it is kept with their rights too.
    post_save.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="rights:mfa")
    post_delete.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="rights:mfa")
