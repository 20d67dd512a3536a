from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from mentoring.personal_data import Erase, register

# The trail stays whole: its entries hold links, codes and counts, never names, so an erased
# person shows as "Deleted user" wherever they acted or were concerned.
register(
    AuditEntry,
    people=["person", "actor"],
    export=["at", "action", "program__name", "detail"],
    erase=Erase.KEEP,
    program="program",
    retention=Erase.KEEP,
    section=_("Decisions about you and by you (audit trail)"),
)
