"""Who someone is in the product: drives navigation and access to coordinator/report pages.

Coordinators are staff users in the "Coordinators" group (model permissions for the program
models; which programs they see is scoped per program in the admin). Reporting staff are in
"Reporting staff" and may view dashboards and download exports of the programs they are given.
"""

from dataclasses import dataclass

from mentoring.rights import group_names

COORDINATORS_GROUP = "Coordinators"
REPORTING_GROUP = "Reporting staff"

# app label -> actions the Coordinators group gets on every model of that app.
COORDINATOR_APPS = {
    "programs": ("view", "add", "change", "delete"),
    "training": ("view", "add", "change", "delete"),
    "matching": ("view", "add", "change", "delete"),
    "mentoring_sessions": ("view",),
    "relationships": ("view", "add", "change", "delete"),
    "evaluation": ("view", "add", "change", "delete"),
    "notifications": ("view", "change"),
    # The audit trail of their programs (scoped in audit/admin.py); reporting staff get none.
    "audit": ("view",),
    # Their programs' webhooks and the delivery log (api/webhooks/admin.py, scoped).
    "webhooks": ("view", "add", "change", "delete"),
}
# Single permissions the Coordinators group gets on top of COORDINATOR_APPS (where an app's
# other models are not theirs: the privacy notice is the superusers').
COORDINATOR_CODENAMES = [
    # Erasure requests of their programs' participants, and processing one (privacy/admin).
    "privacy.view_erasurerequest",
    "privacy.add_erasurerequest",
    # What retention anonymised in their programs, and when (privacy/admin/retention.py).
    "privacy.view_retentionrun",
]
REPORTING_CODENAMES = ["evaluation.view_program_reports"]


@dataclass(frozen=True)
class Roles:
    participant: bool
    coordinator: bool
    reporting: bool


def user_roles(user) -> Roles:
    if not user.is_authenticated:
        return Roles(participant=False, coordinator=False, reporting=False)
    if user.is_superuser:
        return Roles(participant=True, coordinator=True, reporting=True)
    groups = group_names(user)
    coordinator = user.is_staff and COORDINATORS_GROUP in groups
    return Roles(
        participant=True,
        coordinator=coordinator,
        reporting=coordinator or REPORTING_GROUP in groups,
    )


def role_groups_ensure(**kwargs) -> None:
    """Create the role groups and (re)grant their permissions; idempotent."""
    from django.contrib.auth.models import Group, Permission

    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    perms = []
    for app_label, actions in COORDINATOR_APPS.items():
        for perm in Permission.objects.filter(content_type__app_label=app_label):
            if perm.codename.split("_", 1)[0] in actions:
                perms.append(perm)
    for dotted in COORDINATOR_CODENAMES:
        app_label, codename = dotted.split(".")
        perms.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    coordinators.permissions.add(*perms)
    reporting, _ = Group.objects.get_or_create(name=REPORTING_GROUP)
    for dotted in REPORTING_CODENAMES:
        app_label, codename = dotted.split(".")
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:
            reporting.permissions.add(perm)
            coordinators.permissions.add(perm)
