import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from matching.models import EndRequest, Exclusion, Match, MatchRequest
from matching.services.ending import end_request_create, match_end
from matching.services.requests import (
    request_accept,
    request_create,
    request_decline,
)
from matching.suggestions import suggestions_for
from notifications.services import notifications_deliver_due
from tests.matching.helpers import approved, make_formal_program, make_informal_program


@pytest.mark.django_db
def test_suggestions_rank_mentors_and_skip_full_and_excluded_ones():
    program = make_informal_program()
    mentee = approved(program, "mentee", name="Ana", stage=0, topics=(0, 1))
    best = approved(program, "mentor", name="Best", stage=2, topics=(0, 1), capacity=1)
    good = approved(program, "mentor", name="Good", stage=2, topics=(0,), capacity=1)
    full = approved(program, "mentor", name="Full", stage=2, topics=(0, 1), capacity=1)
    excluded = approved(program, "mentor", name="Excl", stage=2, topics=(0, 1), capacity=1)
    other = approved(program, "mentee", name="Other", stage=0)
    Match.objects.create(program=program, mentor=full, mentee=other)
    Exclusion.objects.create(program=program, person=mentee.user, other=excluded.user)
    suggestions = suggestions_for(mentee=mentee)
    assert [s.mentor.user.display_name for s in suggestions] == ["Best", "Good"]
    assert suggestions[0].score > suggestions[1].score
    assert suggestions[0].explanation[0]["text"] == "Covers 2 of 2 topics: Study skills, Careers."
    assert best.pk == suggestions[0].mentor.pk and good.pk == suggestions[1].mentor.pk


@pytest.mark.django_db
def test_request_accept_creates_a_match_and_emails_the_mentee():
    program = make_informal_program()
    mentee = approved(program, "mentee", name="Ana", stage=0)
    mentor = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    request = request_create(mentee=mentee, mentor=mentor, message="Hello Mo!")
    match = request_accept(request=request, response="Happy to!")
    assert (match.mentor, match.mentee, match.origin) == (mentor, mentee, "request")
    notifications_deliver_due()
    subjects = [m.subject for m in mail.outbox]
    assert "Ana would like you as their mentor" in subjects
    assert "Mo accepted your request" in subjects


@pytest.mark.django_db
def test_a_full_mentor_cannot_accept_more():
    program = make_informal_program()
    mentor = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    first = approved(program, "mentee", name="A", stage=0)
    second = approved(program, "mentee", name="B", stage=0)
    r1 = request_create(mentee=first, mentor=mentor, message="hi")
    r2 = request_create(mentee=second, mentor=mentor, message="hi")
    request_accept(request=r1)
    with pytest.raises(ValidationError, match="no free places left"):
        request_accept(request=r2)
    assert Match.objects.filter(mentor=mentor).count() == 1
    request_decline(request=r2, response="Full, sorry")
    assert MatchRequest.objects.get(pk=r2.pk).status == "declined"


@pytest.mark.django_db
def test_requests_are_refused_in_formal_programs_and_twice():
    formal = make_formal_program()
    mentee = approved(formal, "mentee", name="A", stage=0)
    mentor = approved(formal, "mentor", name="M", stage=2, capacity=1)
    with pytest.raises(ValidationError, match="coordinators do the matching"):
        request_create(mentee=mentee, mentor=mentor, message="hi")
    program = make_informal_program()
    mentee = approved(program, "mentee", name="A2", stage=0)
    mentor = approved(program, "mentor", name="M2", stage=2, capacity=2)
    request_create(mentee=mentee, mentor=mentor, message="hi")
    with pytest.raises(ValidationError, match="already asked this mentor"):
        request_create(mentee=mentee, mentor=mentor, message="hi again")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_instant_never_exceed_capacity():
    program = make_informal_program()
    mentor = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    requests = [
        request_create(
            mentee=approved(program, "mentee", name=f"M{k}", stage=0), mentor=mentor, message="hi"
        )
        for k in range(6)
    ]
    barrier = threading.Barrier(len(requests))
    outcomes = []

    def accept(request):
        barrier.wait()
        try:
            request_accept(request=request)
            outcomes.append("accepted")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("accepted") == 1
    assert Match.objects.filter(mentor=mentor, status="active").count() == 1


@pytest.mark.django_db
def test_either_side_asks_to_end_and_the_coordinator_ends_it():
    program = make_formal_program()
    coordinator = approved(program, "mentor", name="Coord", stage=3, capacity=1).user
    program.coordinators.add(coordinator)
    mentee = approved(program, "mentee", name="A", stage=0)
    mentor = approved(program, "mentor", name="M", stage=2, capacity=1)
    match = Match.objects.create(program=program, mentor=mentor, mentee=mentee)
    request = end_request_create(match=match, by=mentee.user, reason="We never find a time.")
    assert end_request_create(match=match, by=mentee.user).pk == request.pk
    assert end_request_create(match=match, by=mentor.user).pk != request.pk
    with pytest.raises(ValidationError, match="Only the two people"):
        end_request_create(match=match, by=coordinator)
    notifications_deliver_due()
    mail.outbox.clear()
    match_end(match=match, by=coordinator)
    match.refresh_from_db()
    assert match.status == "ended" and match.ended_at is not None
    assert list(EndRequest.objects.values_list("status", flat=True)) == ["done", "done"]
    notifications_deliver_due()
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == 2
    assert all("We never find a time." not in body for body in bodies)


@pytest.mark.django_db
def test_exclusions_and_ended_pairs_of_other_mentees_leave_a_mentees_suggestions_alone():
    program = make_informal_program()
    mentee = approved(program, "mentee", name="Ana", stage=0, topics=(0, 1))
    other = approved(program, "mentee", name="Other", stage=0)
    mentors = {
        name: approved(program, "mentor", name=name, stage=2, capacity=2)
        for name in ("Kept", "Shunned", "Ended", "Theirs")
    }
    Exclusion.objects.create(program=program, person=mentors["Shunned"].user, other=mentee.user)
    ended = {"status": "ended", "ended_at": timezone.now()}
    Match.objects.create(program=program, mentor=mentors["Ended"], mentee=mentee, **ended)
    Exclusion.objects.create(program=program, person=other.user, other=mentors["Theirs"].user)
    Match.objects.create(program=program, mentor=mentors["Kept"], mentee=other, **ended)

    names = {s.mentor.user.display_name for s in suggestions_for(mentee=mentee)}

    assert names == {"Kept", "Theirs"}
