"""Closures on the program dashboard and in the closures export; "no agreement" as a reason
a pair is at risk."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import RiskFlag
from evaluation.services import risk_flags_refresh
from evaluation.services.risk import NO_AGREEMENT, risk_reasons
from matching.models import Match
from matching.services.ending import end_request_create, match_end
from relationships.services import agreement_save
from tests.evaluation.helpers import make_coordinator, make_meeting, make_reporter
from tests.relationships.helpers import (
    confirm_both,
    make_application,
    make_pair,
    make_program,
    make_session,
    terms,
    today,
)

pytestmark = pytest.mark.django_db


def _pairs(program, count: int) -> list[Match]:
    return [
        make_pair(
            program,
            days_ago=40,
            mentor=make_application(program, "mentor"),
            mentee=make_application(program),
        )
        for _ in range(count)
    ]


def _ended(program):
    """Four ended matches (two at the program's end, one for schedules, one "other" with
    private feedback) and one still active."""
    planned_a, planned_b, schedules, other, active = _pairs(program, 5)
    for match in (planned_a, planned_b):
        match_end(match=match, end_reason="program_ended", offer_place=False)
    end_request_create(
        match=schedules, by=schedules.mentee.user, end_reason="schedules", reason="Secret words"
    )
    match_end(match=schedules)
    match_end(match=other, end_reason="other", end_reason_text="Moved abroad")
    return planned_a, planned_b, schedules, other, active


def test_the_dashboard_counts_ended_matches_by_reason(client):
    program = make_program()
    _ended(program)
    client.force_login(make_reporter(program))

    response = client.get(reverse("evaluation:program-dashboard", args=[program.pk]))

    assert response.status_code == 200
    assert [(row.reason, row.count) for row in response.context["closures"]] == [
        ("program_ended", 2),
        ("completed_goals", 0),
        ("schedules", 1),
        ("not_a_good_fit", 0),
        ("left_institution", 0),
        ("account_deleted", 0),
        ("other", 1),
    ]
    assert response.context["charts"]["closures"]["datasets"][0]["data"] == [2, 0, 1, 0, 0, 0, 1]
    body = response.content.decode()
    assert "4 matches ended, by the reason recorded" in body
    assert 'Program ended (planned closure)</th><td class="text-end">2</td>' in body
    assert "Secret words" not in body and "Moved abroad" not in body


def test_matches_ended_before_reasons_were_recorded_count_as_not_recorded(client):
    program = make_program()
    [match] = _pairs(program, 1)
    Match.objects.filter(pk=match.pk).update(status="ended", ended_at=timezone.now())
    client.force_login(make_reporter(program))

    response = client.get(reverse("evaluation:program-dashboard", args=[program.pk]))

    assert [(row.label, row.count) for row in response.context["closures"]][-1] == (
        "Not recorded",
        1,
    )


def test_a_program_with_no_ended_match_says_so(client):
    program = make_program()
    _pairs(program, 1)
    client.force_login(make_reporter(program))

    body = client.get(reverse("evaluation:program-dashboard", args=[program.pk])).content.decode()

    assert "No match has ended yet." in body
    assert "closures-data" not in body


@pytest.mark.parametrize("pairs", [1, 8])
def test_the_dashboard_takes_the_same_queries_with_few_and_many_closures(
    client, django_assert_num_queries, pairs
):
    program = make_program()
    for match in _pairs(program, pairs):
        match_end(match=match, end_reason="schedules", offer_place=False)
    client.force_login(make_coordinator(program))
    url = reverse("evaluation:program-dashboard", args=[program.pk])
    client.get(url)

    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200


def test_the_closures_export_has_one_row_per_ended_match_and_no_private_feedback(client):
    program = make_program(name="Alpha")
    planned_a, planned_b, schedules, other, _active = _ended(program)
    for days_ago in (20, 10):
        make_session(planned_a, days_ago=days_ago)
    make_session(planned_a, days_ago=5, outcome="missed")
    make_meeting(schedules, days_ago=3)  # booked, never logged: not held
    client.force_login(make_reporter(program))

    response = client.get(
        reverse("evaluation:export", args=["closures", "csv"]), {"program": program.pk}
    )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Secret words" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "program",
        "match_id",
        "started_at_utc",
        "ended_at_utc",
        "end_reason",
        "end_reason_label",
        "other_reason",
        "sessions_held",
    ]
    ended = {m.pk: m for m in Match.objects.filter(status="ended")}

    def row(match, reason, label, text, held):
        stored = ended[match.pk]
        return [
            "Alpha",
            str(match.pk),
            stored.started_at.isoformat(),
            stored.ended_at.isoformat(),
            reason,
            label,
            text,
            str(held),
        ]

    assert rows[1:] == [
        row(planned_a, "program_ended", "Program ended (planned closure)", "", 2),
        row(planned_b, "program_ended", "Program ended (planned closure)", "", 0),
        row(schedules, "schedules", "Schedules did not work out", "", 0),
        row(other, "other", "Other", "Moved abroad", 0),
    ]


def test_the_closures_export_is_listed_with_the_other_downloads(client):
    program = make_program()
    client.force_login(make_reporter(program))

    body = client.get(reverse("evaluation:program-dashboard", args=[program.pk])).content.decode()

    assert f"/evaluation/exports/closures.xlsx?program={program.pk}" in body


# --- no agreement: a pair at risk ---------------------------------------------------------


def test_no_confirmed_agreement_by_the_due_day_puts_a_pair_at_risk_until_confirmed():
    program = make_program(agreement_due_days=14)
    early, late, half = (
        make_pair(program, days_ago=days, mentor=make_application(program, "mentor"))
        for days in (13, 16, 20)
    )
    agreement_save(
        match=half, by=half.mentor.user, data={**terms(half), "mentor_hopes": "G"}, confirm=True
    )

    before = risk_reasons(program=program, matches=[early, late, half], today=today())
    confirm_both(late)
    after = risk_reasons(program=program, matches=[early, late, half], today=today())

    assert {pk: reasons.get(NO_AGREEMENT) for pk, reasons in before.items()} == {
        late.pk: "No confirmed agreement 16 days after the match started (due within 14)",
        half.pk: "Agreement confirmed by the mentor only, 20 days after the match started "
        "(due within 14)",
    }
    assert {pk: reasons.get(NO_AGREEMENT) for pk, reasons in after.items()} == {
        half.pk: "Agreement confirmed by the mentor only, 20 days after the match started "
        "(due within 14)",
    }


def test_the_no_agreement_flag_is_raised_and_cleared_once_confirmed():
    program = make_program(agreement_due_days=14)
    match = make_pair(program, days_ago=16)

    risk_flags_refresh(program=program, today=today())
    raised = list(RiskFlag.objects.values_list("reason", "detail", "cleared_at"))
    confirm_both(match)
    risk_flags_refresh(program=program, today=today())

    assert raised == [
        (
            NO_AGREEMENT,
            "No confirmed agreement 16 days after the match started (due within 14)",
            None,
        )
    ]
    assert RiskFlag.objects.get().cleared_at is not None
