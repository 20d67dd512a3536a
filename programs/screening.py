"""Screening: the checklist coordinators tick on each application before approving it, and
their private note. Approval waits for the checklist (see `screening_missing`, which
`application_decide` asks), so every path to approval obeys it."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import (
    Application,
    Audience,
    ScreeningCheck,
    ScreeningItem,
    ScreeningNote,
)

NOTE_LIMIT = 4000


class ScreeningIncomplete(ValidationError):
    """Approval refused: some of the checklist items for the applicant's role are unticked."""

    def __init__(self, *, application: Application, missing: list[ScreeningItem]):
        self.application = application
        self.missing = missing
        super().__init__(
            _("%(name)s cannot be approved until screening is complete; not checked: %(items)s.")
            % {
                "name": application.user.name,
                "items": ", ".join(item.label for item in missing),
            }
        )


def screening_items_for(*, application: Application) -> list[ScreeningItem]:
    """The program's checklist items that apply to the application's role, in order."""
    items = ScreeningItem.objects.filter(program_id=application.program_id)
    return [item for item in items if item.applies_to(application.role)]


def screening_missing(*, application: Application) -> list[ScreeningItem]:
    """The items for the application's role not yet checked (none: it may be approved)."""
    done = set(application.screening_checks.values_list("item_id", flat=True))
    return [item for item in screening_items_for(application=application) if item.pk not in done]


@transaction.atomic
def screening_save(
    *, application: Application, checked: Iterable[ScreeningItem], note: str, by=None
) -> Application:
    """Set which checklist items are ticked for `application` and its private note. A newly
    ticked item records `by` and now; an item ticked before keeps who and when; an unticked
    one is removed. Refuses an item that is not on this application's checklist. Sends
    nothing: the applicant never sees their screening."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    allowed = {item.pk for item in screening_items_for(application=application)}
    wanted = {item.pk for item in checked}
    if wanted - allowed:
        raise ValidationError(_("That item is not on this application's screening checklist."))
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError(_("Keep the screening note under 4,000 characters."))
    existing = set(application.screening_checks.values_list("item_id", flat=True))
    application.screening_checks.filter(item_id__in=existing - wanted).delete()
    now = timezone.now()
    ScreeningCheck.objects.bulk_create(
        ScreeningCheck(application=application, item_id=pk, checked_by=by, checked_at=now)
        for pk in sorted(wanted - existing)
    )
    _note_set(application, note, by)
    return application


def _note_set(application: Application, text: str, by) -> None:
    if not text:
        ScreeningNote.objects.filter(application=application).delete()
        return
    current = ScreeningNote.objects.filter(application=application).first()
    if current is None or current.text != text:
        ScreeningNote.objects.update_or_create(
            application=application, defaults={"text": text, "updated_by": by}
        )


def screening_note_for(*, application: Application) -> str:
    """The coordinators' private note (only the admin's application page reads it)."""
    note = ScreeningNote.objects.filter(application=application).first()
    return note.text if note else ""


def _for_role(prefix: str = "") -> Q:
    role_plural = Concat(OuterRef("role"), Value("s"), output_field=CharField())
    return Q(**{f"{prefix}audience": Audience.BOTH}) | Q(**{f"{prefix}audience": role_plural})


def screening_annotate(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `screening_total` (checklist items for the role) and `screening_done` (those
    ticked), one subquery each."""
    items = ScreeningItem.objects.filter(_for_role(), program=OuterRef("program"))
    checks = ScreeningCheck.objects.filter(
        _for_role("item__"), application=OuterRef("pk"), item__program=OuterRef("program")
    )
    return applications.annotate(
        screening_total=Coalesce(
            Subquery(items.order_by().values("program").annotate(n=Count("pk")).values("n")[:1]),
            0,
        ),
        screening_done=Coalesce(
            Subquery(
                checks.order_by().values("application").annotate(n=Count("pk")).values("n")[:1]
            ),
            0,
        ),
    )
