from django.utils.translation import gettext_lazy as _

from api.models import AccessToken
from mentoring.personal_data import Erase, register

# The secret's hash is never exported: the archive says which tokens existed, not their keys.
register(
    AccessToken,
    people=["user"],
    export=["name", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"],
    erase=Erase.DELETE,
    section=_("API tokens"),
)
