"""Demo data for outcomes: the formal program's terms, and one imported file of GPA and
retention for its participants and 400 students who did not take part, so the outcomes page
and the impact report have results to show. Participants' GPA was like everyone's before the
program and rose a little more after it; the figures are made up."""

import random

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from outcomes.importing import outcome_import_confirm, outcome_import_create
from outcomes.models import OutcomeImport
from outcomes.selectors import participant_user_ids
from programs.consent import records_consent_set
from programs.models import Program, RecordsConsent

TERMS = ["2025-spring", "2025-fall", "2026-spring", "2026-fall"]
FIRST_TERM = "2026-spring"
COMPARISON = 400


def demo_outcomes_seed(*, program: Program, by) -> OutcomeImport | None:
    """Give the program its terms and import the demo outcome file once."""
    if OutcomeImport.objects.filter(program=program).exists():
        return None
    program.outcome_terms = "\n".join(TERMS)
    program.outcome_first_term = FIRST_TERM
    program.save(update_fields=["outcome_terms", "outcome_first_term"])
    stages = list(program.career_stages.order_by("position").values_list("name", flat=True))
    rng = random.Random(13)
    lines = ["email,institutional id,term,measure,value,career stage"]
    participants = sorted(participant_user_ids(program=program))
    emails = dict(program.applications.values_list("user_id", "user__email"))
    users = {user.pk: user for user in User.objects.filter(pk__in=participants)}
    for user_id in participants:
        # The demo participants said yes when they applied, so the report has results.
        records_consent_set(
            program=program,
            user=users[user_id],
            granted=True,
            source=RecordsConsent.Source.APPLICATION,
        )
    for user_id in participants:
        lines += _person_rows(rng, email=emails[user_id], key="", lift=0.25, stage="")
    for number in range(1, COMPARISON + 1):
        stage = stages[number % len(stages)] if stages else ""
        lines += _person_rows(rng, email="", key=f"DEMO-{number:05d}", lift=0.0, stage=stage)
    data = ("\n".join(lines) + "\n").encode()
    record = outcome_import_create(
        program=program, user=by, upload=SimpleUploadedFile("demo-outcomes.csv", data)
    )
    if record.status == OutcomeImport.Status.READY:
        record = outcome_import_confirm(record=record, user=by)
    return record


def _person_rows(rng: random.Random, *, email: str, key: str, lift: float, stage: str):
    base = min(max(rng.gauss(2.9, 0.45), 1.0), 4.0)
    rows = []
    for index, term in enumerate(TERMS):
        after = index >= TERMS.index(FIRST_TERM)
        value = base + rng.gauss(0.05 * index, 0.15) + (lift if after else 0.0)
        rows.append(f"{email},{key},{term},gpa,{min(max(value, 0.0), 4.0):.2f},{stage}")
    retained = rng.random() < (0.93 if lift else 0.84)
    rows.append(f"{email},{key},{TERMS[-1]},retained,{'yes' if retained else 'no'},{stage}")
    return rows
