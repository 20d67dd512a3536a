"""Training gates matching: people with required steps left for their role are not matched,
whichever path would match them (formal runs, suggestions, requests, waitlist, re-optimise,
a pair the coordinator adds)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.admin.runs import AddPairForm
from matching.models import Match, MatchRequest, UnmatchedEntry, WaitlistOffer
from matching.selectors import mentors_matchable
from matching.services.reoptimise import reoptimise_plan
from matching.services.requests import request_accept, request_create
from matching.services.runs import pair_add, run_publish, run_start
from matching.services.waitlist import waitlist_offer_accept, waitlist_place_freed
from matching.suggestions import suggestions_for
from programs.models import Application
from programs.services import application_decide
from tests.matching.helpers import approved, make_formal_program, make_informal_program
from tests.training.helpers import K, complete, make_step

pytestmark = pytest.mark.django_db


def _training(program) -> list:
    """Three required steps for mentors, one optional, one for mentees."""
    return [
        make_step(program, K.RESOURCE, title="Handbook", audience="mentors"),
        make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct", audience="both"),
        make_step(program, K.RESOURCE, title="Safeguarding", audience="mentors"),
        make_step(program, K.RESOURCE, title="Extra", audience="both", required=False),
        make_step(program, K.RESOURCE, title="Welcome", audience="mentees"),
    ]


def _train(steps, *applications, upto: int = 5) -> None:
    for application in applications:
        for step in steps[:upto]:
            done = step.completions.filter(user=application.user).exists()
            if step.applies_to(application.role) and not done:
                complete(step, application.user)


@pytest.fixture
def formal():
    program = make_formal_program()
    steps = _training(program)
    people = {
        "ana": approved(program, "mentee", name="Ana", stage=0, topics=(0,)),
        "ben": approved(program, "mentee", name="Ben", stage=0, topics=(1,)),
        "mo": approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1),
        "nia": approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1),
    }
    _train(steps, people["mo"])
    _train(steps, people["nia"], upto=2)  # handbook and code of conduct: 2 of 3
    return program, steps, people


def _entries(run) -> list[tuple[str, str, str]]:
    return [
        (e.application.user.display_name, e.reason, e.detail)
        for e in run.unmatched.select_related("application__user").order_by("application__pk")
    ]


def test_the_formal_run_leaves_untrained_mentors_out_and_says_why(formal):
    program, _steps, people = formal
    run = run_start(program=program)
    run.refresh_from_db()

    assert {p.mentee.user.display_name: p.mentor.user.display_name for p in run.pairs.all()} == {
        "Ana": "Mo"
    }
    assert ("Nia", "training", "training not complete (2 of 3 steps)") in _entries(run)
    # Ben's only other mentor is Mo, who took Ana; Nia is not counted as a place for him.
    assert run.unmatched.get(application=people["ben"]).reason == "outscored"
    assert (run.stats["n_mentees"], run.stats["n_matched"], run.stats["n_unmatched"]) == (2, 1, 1)


def test_publishing_waitlists_unmatched_mentees_but_not_untrained_mentors(formal):
    program, _steps, people = formal
    run = run_start(program=program)
    run.refresh_from_db()
    run_publish(run=run)
    people["nia"].refresh_from_db()
    people["ben"].refresh_from_db()
    assert (people["nia"].status, people["ben"].status) == ("approved", "waitlisted")


def test_a_trained_mentor_is_matched_on_the_next_run(formal):
    program, steps, people = formal
    complete(steps[2], people["nia"].user)
    run = run_start(program=program)
    run.refresh_from_db()
    assert {p.mentee.user.display_name: p.mentor.user.display_name for p in run.pairs.all()} == {
        "Ana": "Mo",
        "Ben": "Nia",
    }
    assert [e for e in _entries(run) if e[1] == "training"] == []


def test_mentees_are_gated_only_when_the_program_says_so(formal):
    program, steps, people = formal
    _train(steps, people["nia"])
    program.training_gates_mentees = True
    program.save(update_fields=["training_gates_mentees"])
    _train(steps, people["ana"], upto=2)  # code of conduct only: 1 of 2

    run = run_start(program=program)
    run.refresh_from_db()
    assert {p.mentee.user.display_name for p in run.pairs.all()} == set()
    assert [e for e in _entries(run) if e[1] == "training"] == [
        ("Ana", "training", "training not complete (1 of 2 steps)"),
        ("Ben", "training", "training not complete (0 of 2 steps)"),
    ]
    run_publish(run=run)
    people["ana"].refresh_from_db()
    assert (people["ana"].status, people["ana"].decision_reason) == (
        "waitlisted",
        "Your training for this program is not finished yet. Finish it and you will be "
        "matched when a place frees up.",
    )


def test_with_the_gate_off_untrained_mentors_are_matched(formal):
    program, _steps, _people = formal
    program.training_gates_mentors = False
    program.save(update_fields=["training_gates_mentors"])
    run = run_start(program=program)
    run.refresh_from_db()
    assert run.pairs.count() == 2


def test_the_coordinator_cannot_add_a_pair_with_an_untrained_mentor(formal):
    program, _steps, people = formal
    run = run_start(program=program)
    run.refresh_from_db()
    form = AddPairForm(run=run)
    with pytest.raises(ValidationError) as refused:
        pair_add(run=run, mentee=people["ben"], mentor=people["nia"])
    assert list(form.fields["mentor"].queryset) == [people["mo"]]
    assert refused.value.messages == [
        "Nia has not finished the program's training yet (2 of 3 required steps)."
    ]
    assert run.pairs.filter(mentee=people["ben"]).count() == 0


def test_re_optimising_leaves_untrained_mentors_out(formal):
    program, _steps, people = formal
    Match.objects.create(program=program, mentor=people["mo"], mentee=people["ana"])
    plan = reoptimise_plan(program=program, keep_bonus=0.0)
    assert plan.newly_matched == []
    assert plan.moved == []
    assert plan.kept == 1


def test_re_optimising_keeps_a_pair_whose_mentor_is_now_held_back(formal):
    program, _steps, people = formal
    Match.objects.create(program=program, mentor=people["nia"], mentee=people["ben"])
    plan = reoptimise_plan(program=program, keep_bonus=0.0)
    # Ben stays with Nia (not moved to Mo); Ana gets Mo.
    assert plan.moved == []
    assert plan.newly_matched == [(people["ana"].pk, people["mo"].pk)]


def test_one_selector_lists_matchable_mentors(formal):
    program, _steps, people = formal
    assert list(mentors_matchable(program=program).order_by("pk")) == [people["mo"]]


# --- informal programs -----------------------------------------------------------------------


@pytest.fixture
def informal():
    program = make_informal_program()
    steps = _training(program)
    people = {
        "ana": approved(program, "mentee", name="Ana", stage=0, topics=(0,)),
        "mo": approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=2),
        "nia": approved(program, "mentor", name="Nia", stage=2, topics=(0,), capacity=2),
    }
    _train(steps, people["mo"])
    _train(steps, people["nia"], upto=2)
    return program, steps, people


def test_suggestions_leave_untrained_mentors_out(informal):
    _program, _steps, people = informal
    assert [s.mentor for s in suggestions_for(mentee=people["ana"])] == [people["mo"]]


def test_a_request_to_an_untrained_mentor_is_refused(informal):
    _program, _steps, people = informal
    with pytest.raises(ValidationError) as refused:
        request_create(mentee=people["ana"], mentor=people["nia"], message="Hello")
    assert refused.value.messages == [
        "Nia has not finished the program's training yet (2 of 3 required steps)."
    ]
    assert MatchRequest.objects.count() == 0


def test_an_untrained_mentor_cannot_accept_a_request(informal):
    _program, steps, people = informal
    _train(steps, people["nia"])
    request = request_create(mentee=people["ana"], mentor=people["nia"], message="Hello")
    steps[2].completions.filter(user=people["nia"].user).delete()  # e.g. recorded by mistake
    with pytest.raises(ValidationError) as refused:
        request_accept(request=request)
    request.refresh_from_db()
    assert refused.value.messages == [
        "Nia has not finished the program's training yet (2 of 3 required steps)."
    ]
    assert (request.status, Match.objects.count()) == ("pending", 0)


def test_accepting_by_post_for_an_untrained_mentor_is_refused(client, informal):
    _program, steps, people = informal
    _train(steps, people["nia"])
    request = request_create(mentee=people["ana"], mentor=people["nia"], message="Hello")
    steps[0].completions.filter(user=people["nia"].user).delete()
    client.force_login(people["nia"].user)
    response = client.post(
        reverse("matching:request-answer", args=[request.pk, "accept"]),
        {"response": ""},
        follow=True,
    )
    request.refresh_from_db()
    assert [str(m) for m in response.context["messages"]] == [
        "Nia has not finished the program's training yet (2 of 3 required steps)."
    ]
    assert (request.status, Match.objects.count()) == ("pending", 0)


def test_a_gated_mentee_gets_no_suggestions_and_cannot_ask_or_be_accepted(informal):
    program, steps, people = informal
    request = request_create(mentee=people["ana"], mentor=people["mo"], message="Hello")
    program.training_gates_mentees = True
    program.save(update_fields=["training_gates_mentees"])
    people["ana"].program.refresh_from_db()
    with pytest.raises(ValidationError) as accept:
        request_accept(request=MatchRequest.objects.get(pk=request.pk))
    assert suggestions_for(mentee=Application.objects.get(pk=people["ana"].pk)) == []
    assert accept.value.messages == [
        "Ana has not finished the program's training yet (0 of 2 required steps)."
    ]
    _train(steps, people["ana"])
    assert request_accept(request=request).mentee == people["ana"]


# --- the waitlist ----------------------------------------------------------------------------


@pytest.fixture
def waiting():
    program = make_formal_program(status="running")
    steps = _training(program)
    ben = application_decide(
        application=approved(program, "mentee", name="Ben", stage=0), status="waitlisted"
    )
    cat = application_decide(
        application=approved(program, "mentee", name="Cat", stage=0), status="waitlisted"
    )
    return program, steps, ben, cat


def test_an_untrained_mentor_frees_no_place_for_the_waitlist(waiting):
    program, steps, _ben, _cat = waiting
    nia = approved(program, "mentor", name="Nia", stage=2, capacity=1)
    _train(steps, nia, upto=2)
    assert waitlist_place_freed(mentor=nia, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED) == []
    assert WaitlistOffer.objects.count() == 0


def test_the_waitlist_skips_mentees_held_back_by_their_training(waiting):
    program, steps, ben, cat = waiting
    program.training_gates_mentees = True
    program.save(update_fields=["training_gates_mentees"])
    _train(steps, cat)
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=2)
    _train(steps, mo)
    WaitlistOffer.objects.all().delete()  # approving Mo already proposed; propose again

    offers = waitlist_place_freed(mentor=mo, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)

    assert [o.mentee for o in offers] == [cat]
    assert ben.pk not in set(WaitlistOffer.objects.values_list("mentee", flat=True))


def test_accepting_a_proposal_for_a_mentor_no_longer_trained_is_refused(waiting):
    program, steps, _ben, _cat = waiting
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    _train(steps, mo)
    WaitlistOffer.objects.all().delete()
    [offer] = waitlist_place_freed(mentor=mo, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)
    make_step(program, K.ACKNOWLEDGEMENT, title="Confidentiality pledge", audience="mentors")
    with pytest.raises(ValidationError) as refused:
        waitlist_offer_accept(offer=offer)
    offer.refresh_from_db()
    assert refused.value.messages == [
        "Mo has not finished the program's training yet (3 of 4 required steps)."
    ]
    assert (offer.status, Match.objects.count()) == ("stale", 0)
    assert UnmatchedEntry.objects.count() == 0


def test_the_pages_say_training_comes_first(client, informal):
    program, steps, people = informal
    _train(steps, people["nia"])
    request_create(mentee=people["ana"], mentor=people["nia"], message="Hello")
    steps[0].completions.filter(user=people["nia"].user).delete()
    program.training_gates_mentees = True
    program.save(update_fields=["training_gates_mentees"])

    client.force_login(people["nia"].user)
    requests_page = client.get(reverse("matching:requests")).content.decode()
    client.force_login(people["ana"].user)
    suggestions = client.get(reverse("matching:suggestions", args=[people["ana"].pk]))

    assert "Finish your training before accepting: 2 of 3 required steps done." in requests_page
    body = suggestions.content.decode()
    assert "Finish your training first: 0 of 2 required steps done." in body
    assert f'href="{reverse("training:checklist", args=[program.pk])}"' in body
    assert "No mentor has room right now." not in body


def test_a_mentor_finishing_training_is_offered_the_waitlist(formal):
    from training.services import step_mark_done

    program, steps, people = formal
    waiting = approved(program, "mentee", name="Cai", stage=0, topics=(1,))
    application_decide(application=waiting, status="waitlisted")
    assert not WaitlistOffer.objects.filter(mentor=people["nia"]).exists()

    step_mark_done(step=steps[2], user=people["nia"].user)  # Safeguarding: 3 of 3

    assert list(
        WaitlistOffer.objects.filter(mentor=people["nia"]).values_list("mentee_id", "trigger")
    ) == [(waiting.pk, WaitlistOffer.Trigger.MENTOR_APPROVED)]


@pytest.mark.parametrize("pending", [1, 6])
def test_the_requests_page_says_training_comes_first_in_the_same_queries(
    client, django_assert_num_queries, pending
):
    from tests.factories import ApplicationFactory, ProgramFactory

    program = ProgramFactory(kind="informal", status="running")
    make_step(program, K.RESOURCE, title="Handbook", audience="mentors")
    mentor = ApplicationFactory(program=program, role="mentor", status="approved", capacity=10)
    for _ in range(pending):
        mentee = ApplicationFactory(program=program, role="mentee", status="approved")
        MatchRequest.objects.create(program=program, mentee=mentee, mentor=mentor, message="hi")
    client.force_login(mentor.user)
    client.get(reverse("matching:requests"))

    with django_assert_num_queries(8):
        page = client.get(reverse("matching:requests")).content.decode()

    assert page.count("0 of 1 required steps done") == pending
