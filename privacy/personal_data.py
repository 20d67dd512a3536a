from django.utils.translation import gettext_lazy as _

from mentoring.models import WorkerHeartbeat
from mentoring.personal_data import Erase, identifying_strings, not_personal, register, rows_scrub
from privacy.models import DataExport, ErasureRequest, NoticeAcceptance, PrivacyNotice, RetentionRun

not_personal(PrivacyNotice, reason="the notice's text, written by superusers")
not_personal(RetentionRun, reason="counts of what a retention run anonymised in a program")

register(
    NoticeAcceptance,
    people=["user"],
    export=["notice__version", "accepted_at"],
    erase=Erase.DELETE,
    section=_("Privacy notices you accepted"),
)


def _exports_erase(user) -> int:
    """Archives are deleted from storage with their rows."""
    from privacy.export import data_export_files_delete

    return data_export_files_delete(user=user)


register(
    DataExport,
    people=["user"],
    export=["requested_at", "status", "ready_at", "downloaded_at"],
    erase=_exports_erase,
    section=_("Downloads of your data"),
)


def _erasure_requests_erase(user) -> int:
    """The record that an erasure was asked for and done is kept (it names only the account,
    which becomes "Deleted user"); a coordinator's note on how the request arrived loses the
    person's name or address if it quotes them ("email from pat@...")."""
    names = identifying_strings(user)
    return rows_scrub(
        ErasureRequest.objects.filter(user=user).exclude(note=""), fields=["note"], names=names
    )


register(
    ErasureRequest,
    people=["user"],
    export=["requested_at", "due_at", "status", "cancelled_at"],
    erase=_erasure_requests_erase,
    section=_("Account deletion requests"),
)

# The project package's own model (its personal_data module is the registry itself).
not_personal(WorkerHeartbeat, reason="which worker processes are alive")
