from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, identifying_strings, quoting_q, register, rows_scrub
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord


def _records_of(user) -> Q:
    # Records reach a person through their account, and through their institutional ID where
    # the institution's file named them before the account had it (or in another program, as
    # a comparison student).
    q = Q(user=user)
    if user.institutional_id:
        q |= Q(institutional_id=user.institutional_id)
    return q


# Academic records are removed with the person (their records cascade with them).
register(
    OutcomePerson,
    people=[_records_of],
    export=["program__name", "institutional_id", "career_stage__name"],
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("People in outcome records"),
)

register(
    OutcomeRecord,
    people=[lambda user: Q(person__in=OutcomePerson.objects.filter(_records_of(user)))],
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
    fields = ["errors", "original_name"]
    quoting = OutcomeImport.objects.filter(quoting_q(OutcomeImport, fields, names))
    return rows_scrub(quoting, fields=fields, names=names)


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
