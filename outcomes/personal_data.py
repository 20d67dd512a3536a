from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import DELETED_NAME
from mentoring.personal_data import Erase, identifying_strings, register, scrub
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord

# Academic records are removed with the person (their records cascade with them).
register(
    OutcomePerson,
    people=["user"],
    export=["program__name", "institutional_id", "career_stage__name"],
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("People in outcome records"),
)

register(
    OutcomeRecord,
    people=["person__user"],
    export=["person__program__name", "term", "measure", "value"],
    erase=Erase.DELETE,
    program="person__program",
    retention=Erase.DELETE,
    section=_("Academic outcome records"),
)


def _imports_erase(user) -> int:
    """Imports stay as the record of who imported what; an import's error list quotes a
    file's cells ("the institutional ID ... and the email ... belong to two different
    accounts"), so any error or file name that names the person loses the name, email and
    institutional ID."""
    names = identifying_strings(user)
    if user.institutional_id and len(user.institutional_id) >= 3:
        names.add(user.institutional_id)
    quoting = Q(pk__in=[])
    for name in names:
        quoting |= Q(errors__icontains=name) | Q(original_name__icontains=name)
    changed = 0
    for record in OutcomeImport.objects.filter(quoting):
        record.errors = scrub(record.errors, names, DELETED_NAME)
        record.original_name = scrub(record.original_name, names, DELETED_NAME)
        record.save(update_fields=["errors", "original_name"])
        changed += 1
    return changed


# An import names its uploader (staff); its error list can quote a file's cells.
register(
    OutcomeImport,
    people=["uploaded_by", "confirmed_by"],
    export=["program__name", "original_name", "status", "rows", "created_at"],
    erase=_imports_erase,
    program="program",
    retention=Erase.BLANK,
    blank={"errors": [], "original_name": ""},
    section=_("Outcome files you uploaded"),
)
