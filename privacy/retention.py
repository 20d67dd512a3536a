"""Retention: `retention_years` after a program closed (or ended, whichever is later), its
personal data is anonymised, from the personal data map alone (mentoring/personal_data.py).

What a run does to a program, in one transaction:
- each participant (everyone with an application in it) gets a pseudonymous account of this
  program ("Former participant", no name, no password, inactive); every row of the program
  that links to a participant's account links to their pseudonym instead, so counts per
  person (sessions per pair, check-ins per person) still add up while nothing leads back. The
  participant's own account is untouched: they may take part in other programs, whose rows go
  on pointing at them. Coordinators and reporting staff are not participants and stay named;
- each declared model does what its `retention` says to the program's rows: delete them,
  blank the `blank` fields, keep them, or its own function;
- text elsewhere that quotes the program's rows goes too: the admin history's names of them,
  and the program's pairs in the coordinators' weekly digests (which cover several programs,
  so they are not rows "of" the program);
- a RetentionRun records how many rows were deleted, blanked and re-pointed per model, and the
  audit trail says the system did it.

Which pseudonym stands for whom is decided at random and stored nowhere.
"""

import logging
import secrets
from collections.abc import Iterator, Sequence
from datetime import date

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Expression, F, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from mentoring.personal_data import Declaration, Erase, declarations
from notifications.models import Kind, Notification
from privacy.models import RetentionRun
from programs.models import Application, Program

logger = logging.getLogger(__name__)

PSEUDONYM_NAME = "Former participant"
# Participants re-pointed per UPDATE: a CASE with this many branches, so fewer queries against
# more work per row (each row walks the branches). A program of 2,000 participants on
# PostgreSQL took 3.4 s in all with 500, 4.8 s with 100, 4.4 s with 2,000.
REPOINT_CHUNK = 500


def retention_starts_on(program: Program) -> date | None:
    """The day the retention period counts from: the later of closing and the end date."""
    closed = timezone.localdate(program.closed_at) if program.closed_at else None
    days = [day for day in (closed, program.ends_on) if day is not None]
    return max(days) if days else None


def retention_ends_on(program: Program) -> date | None:
    """The first day the program is due for anonymising (None: it has no date to count from)."""
    start = retention_starts_on(program)
    return None if start is None else start + relativedelta(years=program.retention_years)


def programs_due_for_anonymising(*, today: date | None = None) -> list[Program]:
    """Closed programs, not anonymised yet, whose retention period is over by `today`."""
    today = today or timezone.localdate()
    candidates = Program.objects.filter(
        Q(closed_at__isnull=False) | Q(ends_on__isnull=False),
        status=Program.Status.CLOSED,
        anonymised_at__isnull=True,
    ).order_by("pk")
    return [p for p in candidates if (end := retention_ends_on(p)) is not None and end <= today]


def programs_anonymise_due(*, today: date | None = None) -> int:
    """Anonymise every program due (the hourly `privacy.daily` task). A program that fails is
    logged and rolled back on its own; the others go ahead. Returns how many were done."""
    done = 0
    for program in programs_due_for_anonymising(today=today):
        try:
            program_anonymise(program=program)
        except Exception:
            logger.exception("Anonymising program %s failed", program.pk)
            continue
        done += 1
    return done


@transaction.atomic
def program_anonymise(*, program: Program) -> RetentionRun:
    """Anonymise a closed program's personal data (see the module docstring) and return the
    run that records it. Running it again returns the first run and changes nothing. Sends no
    email: the people concerned agreed to the period, and the program is long over."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    if program.anonymised_at is not None:
        return program.retention_runs.order_by("ran_at", "pk").first()
    if program.status != Program.Status.CLOSED:
        raise ValidationError(_("Only a closed program can be anonymised."))
    pseudonyms = _pseudonyms_create(program)
    program_declarations = [d for d in declarations() if d.program]
    summary = {d.label: _zero() for d in program_declarations}
    # Quotes first: the deleted rows' history has to be found while the rows exist.
    history = _admin_history_anonymise(program, program_declarations)
    summary.setdefault(LogEntry._meta.label, _zero())["blanked"] += history
    summary.setdefault(Notification._meta.label, _zero())["blanked"] += _digests_anonymise(program)
    for declaration in program_declarations:
        if declaration.retention == Erase.DELETE:
            _rows_delete(declaration, program, summary)
    for declaration in program_declarations:
        if declaration.retention != Erase.DELETE:
            counts = summary[declaration.label]
            counts["repointed"] += _rows_repoint(declaration, program, pseudonyms)
            counts["blanked"] += _rows_apply(declaration, program)
    program.anonymised_at = timezone.now()
    program.save(update_fields=["anonymised_at"])
    run = RetentionRun.objects.create(
        program=program, ran_at=program.anonymised_at, people=len(pseudonyms), summary=summary
    )
    audit_record(
        action=Action.RETENTION_PURGED,
        program=program,
        target=run,
        detail={"people": run.people, **retention_totals(summary)},
    )
    return run


def _zero() -> dict[str, int]:
    return {"deleted": 0, "blanked": 0, "repointed": 0}


def retention_totals(summary: dict) -> dict[str, int]:
    """Rows deleted, blanked and re-pointed over every model of a run's summary."""
    keys = ("deleted", "blanked", "repointed")
    return {key: sum(counts.get(key, 0) for counts in summary.values()) for key in keys}


def _pseudonyms_create(program: Program) -> dict[int, int]:
    """participant's user id -> the id of a new pseudonymous account, paired at random."""
    participants = list(
        Application.objects.filter(program=program)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    secrets.SystemRandom().shuffle(participants)
    accounts = User.objects.bulk_create(
        [
            User(
                email=f"former-{program.pk}-{n}@anonymised.invalid",
                display_name=PSEUDONYM_NAME,
                is_active=False,
                password=make_password(None),
            )
            for n in range(1, len(participants) + 1)
        ],
        batch_size=1000,
    )
    return {user_id: account.pk for user_id, account in zip(participants, accounts, strict=True)}


def _rows(declaration: Declaration, program: Program):
    return declaration.model._default_manager.filter(**{declaration.program: program})


def _rows_delete(declaration: Declaration, program: Program, summary: dict) -> None:
    """Delete the program's rows of a DELETE model, counting what cascades with them under its
    own model; refuse (rolling the run back) if the cascade would take rows retention keeps."""
    _total, removed = _rows(declaration, program).delete()
    for label, count in removed.items():
        if not count:
            continue
        if label != declaration.label and not _may_cascade(label):
            raise RuntimeError(
                f"Deleting {declaration.label} rows would delete {label} rows too, which "
                "retention does not delete; fix the personal data map."
            )
        summary.setdefault(label, _zero())["deleted"] += count


def _may_cascade(label: str) -> bool:
    model = apps.get_model(label)
    if model._meta.auto_created:  # a many-to-many table of a deleted row
        return True
    declaration = next((d for d in declarations() if d.model is model), None)
    return declaration is not None and declaration.retention == Erase.DELETE


class Remap(Expression):
    """`CASE <column> WHEN <old> THEN <new> ... ELSE <column> END`: a whole mapping as one
    expression. The same as Case(When(...), ...), which costs the ORM ~1 ms per branch to
    build and compile: seconds for a large program, far more than the UPDATE itself."""

    output_field = BigIntegerField()

    def __init__(self, column, mapping: dict[int, int]):
        super().__init__()
        self.column, self.mapping = column, mapping

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        branches = " ".join(["WHEN %s THEN %s"] * len(self.mapping))
        pairs = [value for pair in self.mapping.items() for value in pair]
        return f"CASE {column} {branches} ELSE {column} END", [*params, *pairs, *params]


def _rows_repoint(declaration: Declaration, program: Program, pseudonyms: dict[int, int]) -> int:
    """Point the program's rows' user links from participants to their pseudonyms: per user
    field, one query for who is linked, then one UPDATE per `REPOINT_CHUNK` participants
    (SET field = CASE field WHEN <participant> THEN <pseudonym> ... END). Returns the links
    changed."""
    rows, changed = _rows(declaration, program), 0
    for name in declaration.user_fields:
        linked = rows.filter(**{f"{name}__isnull": False}).order_by().values_list(name, flat=True)
        people = sorted({pk for pk in linked.distinct() if pk in pseudonyms})
        for chunk in _chunks(people, REPOINT_CHUNK):
            mapping = Remap(F(name), {pk: pseudonyms[pk] for pk in chunk})
            changed += rows.filter(**{f"{name}__in": chunk}).update(**{name: mapping})
    return changed


def _rows_apply(declaration: Declaration, program: Program) -> int:
    """What the declaration's `retention` does to the program's rows it keeps; rows changed."""
    retention = declaration.retention
    if retention == Erase.KEEP:
        return 0
    if retention == Erase.BLANK:
        if not declaration.blank:
            raise RuntimeError(f"{declaration.label}: retention BLANK names no fields to blank.")
        return _rows(declaration, program).update(**declaration.blank)
    return retention(program)


def _admin_history_anonymise(program: Program, program_declarations) -> int:
    """Django's admin history stores each changed object's name at the time ("Ana as mentee in
    ..."): for the program's rows, the name becomes "<kind> #<id>" and the change message,
    which can name inline rows too, goes. One UPDATE per model."""
    changed = 0
    types = ContentType.objects.get_for_models(*(d.model for d in program_declarations))
    for declaration in program_declarations:
        model = declaration.model
        keys = (
            _rows(declaration, program)
            .annotate(_log_key=Cast("pk", CharField()))
            .values("_log_key")
        )
        changed += LogEntry.objects.filter(
            content_type=types[model],
            object_id__in=Subquery(keys),
        ).update(
            object_repr=Concat(
                Value(f"{model._meta.verbose_name} #"), F("object_id"), output_field=CharField()
            ),
            change_message="",
        )
    return changed


def _digests_anonymise(program: Program) -> int:
    """The coordinators' weekly digests (evaluation.services.risk) name the pairs at risk of
    every program they run, so they have no program of their own: this program's pairs in them
    become "Former participant". Digests are only written while the program runs."""
    changed = 0
    digests = Notification.objects.filter(
        kind=Kind.COORDINATOR_DIGEST, program__isnull=True, due_at__gte=program.created_at
    ).only("pk", "context")
    for digest in digests.iterator(chunk_size=500):
        context = digest.context if isinstance(digest.context, dict) else {}
        ours = [e for e in context.get("programs", []) if e.get("id") == program.pk]
        if not ours:
            continue
        for entry in ours:
            for pair in entry.get("pairs", []):
                pair["mentor"] = pair["mentee"] = PSEUDONYM_NAME
        digest.save(update_fields=["context"])
        changed += 1
    return changed


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
