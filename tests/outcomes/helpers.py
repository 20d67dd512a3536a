"""Builders for outcome tests: a program with terms, participants and uploaded files."""

from django.core.files.uploadedfile import SimpleUploadedFile

from matching.models import Match
from outcomes.importing import outcome_import_confirm, outcome_import_create
from outcomes.models import OutcomeImport
from programs.consent import records_consent_set
from programs.models import Application, CareerStage, Program, RecordsConsent
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory

TERMS = ["2025-spring", "2025-fall", "2026-spring", "2026-fall"]


def make_outcome_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    fields.setdefault("outcome_terms", "\n".join(TERMS))
    fields.setdefault("outcome_first_term", "2026-spring")
    fields.setdefault("min_cell_size", 3)
    program = ProgramFactory(**fields)
    for position, name in enumerate(["First-year", "Second-year", "Final-year"]):
        CareerStage.objects.create(program=program, name=name, position=position)
    return program


def make_participant(
    program: Program,
    *,
    institutional_id: str = "",
    role: str = "mentee",
    stage: str = "First-year",
    consent: bool | None = True,
):
    """A participant: an approved applicant in a match of the program, who consented to the
    use of their academic records when they applied (unless `consent` says otherwise; None:
    never asked)."""
    user = UserFactory(institutional_id=institutional_id or None)
    career_stage = program.career_stages.get(name=stage)
    application = ApplicationFactory(
        program=program,
        user=user,
        role=role,
        status=Application.Status.APPROVED,
        career_stage=career_stage,
    )
    other_role = "mentor" if role == "mentee" else "mentee"
    other = ApplicationFactory(
        program=program,
        role=other_role,
        status=Application.Status.APPROVED,
        career_stage=career_stage,
    )
    mentor, mentee = (other, application) if role == "mentee" else (application, other)
    Match.objects.create(program=program, mentor=mentor, mentee=mentee)
    if consent is not None:
        records_consent_set(
            program=program, user=user, granted=consent, source=RecordsConsent.Source.APPLICATION
        )
    return user


def upload(name: str, text: str | bytes, *, encoding: str = "utf-8") -> SimpleUploadedFile:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return SimpleUploadedFile(name, data, content_type="text/csv")


def import_file(
    program: Program,
    user,
    text: str | bytes,
    *,
    name: str = "outcomes.csv",
    confirm: bool = True,
    encoding: str = "utf-8",
) -> OutcomeImport:
    record = outcome_import_create(
        program=program, user=user, upload=upload(name, text, encoding=encoding)
    )
    if confirm and record.status == OutcomeImport.Status.READY:
        record = outcome_import_confirm(record=record, user=user)
    return record
