"""Selection and screening: criteria answers in the application review, the screening
checklist and private note, and approval waiting for the checklist on every path."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring.roles import COORDINATORS_GROUP
from programs import admin_screening
from programs.models import Answer, Application, Question, ScreeningCheck, ScreeningItem
from programs.screening import (
    ScreeningIncomplete,
    screening_missing,
    screening_note_for,
    screening_save,
)
from programs.services import application_decide, applications_decide, program_copy
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import admin_post_data, make_program

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:programs_application_changelist"
# The admin's session, user and permissions, the coordinator's programs (read on their first
# page, then kept with their rights: mentoring/rights.py), the count, the page of applications
# with their screening counts, their criterion answers, the criterion questions for the
# filters, the filters' own choices (programs, stages, topics) and the action form: none grows
# with the number of applications.
QUERIES_CHANGELIST = 13
# Session, user, permissions, the coordinator's programs (as above), the application, its
# criterion answers and questions, the checklist, its checks, the note, the answers and
# availability inlines and their questions: none grows with the number of items or answers.
QUERIES_CHANGE_PAGE = 20


def _checklist(program, *items) -> list[ScreeningItem]:
    items = items or (("Interview held", "both"), ("Reference checked", "mentors"))
    return [
        ScreeningItem.objects.create(program=program, label=label, audience=audience, position=i)
        for i, (label, audience) in enumerate(items)
    ]


def _coordinator(program, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    program.coordinators.add(user)
    return user


def _change(application) -> str:
    return reverse("admin:programs_application_change", args=[application.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _criterion(program, text="Which lab?", kind="single_choice", choices="Physics\nChemistry"):
    return Question.objects.create(
        program=program,
        text=text,
        kind=kind,
        choices=choices,
        required=False,
        is_selection_criterion=True,
    )


# Approval waits for the checklist


def test_approving_with_screening_incomplete_is_refused_naming_what_is_missing():
    program = make_program()
    interview, reference = _checklist(program)
    mentor = ApplicationFactory(program=program, role="mentor", user__display_name="Ana Lopez")

    with pytest.raises(ScreeningIncomplete) as refused:
        application_decide(application=mentor, status="approved")

    assert refused.value.messages == [
        "Ana Lopez cannot be approved until screening is complete; "
        "not checked: Interview held, Reference checked."
    ]
    assert refused.value.missing == [interview, reference]
    mentor.refresh_from_db()
    assert (mentor.status, mentor.decided_at) == ("applied", None)
    screening_save(application=mentor, checked=[interview], note="")
    with pytest.raises(ValidationError, match=r"not checked: Reference checked\.'\]$"):
        application_decide(application=mentor, status="approved")
    screening_save(application=mentor, checked=[interview, reference], note="")
    assert application_decide(application=mentor, status="approved").status == "approved"


def test_only_the_items_for_the_applicants_role_are_required():
    program = make_program()
    interview, _reference = _checklist(program)
    mentee = ApplicationFactory(program=program, role="mentee")

    assert screening_missing(application=mentee) == [interview]
    screening_save(application=mentee, checked=[interview], note="")

    assert application_decide(application=mentee, status="approved").status == "approved"


def test_declining_and_waitlisting_need_no_screening():
    program = make_program()
    _checklist(program)
    one, two = (ApplicationFactory(program=program) for _ in range(2))
    assert application_decide(application=one, status="waitlisted").status == "waitlisted"
    assert application_decide(application=two, status="declined", reason="Full").status == (
        "declined"
    )


def test_a_program_without_a_checklist_approves_as_before():
    application = ApplicationFactory(program=make_program())
    assert application_decide(application=application, status="approved").status == "approved"


def test_bulk_approval_approves_the_screened_and_reports_the_others():
    program = make_program()
    [interview] = _checklist(program, ("Interview held", "both"))
    ready = ApplicationFactory(program=program, user__display_name="Ready Rita")
    screening_save(application=ready, checked=[interview], note="")
    waiting = ApplicationFactory(program=program, user__display_name="Waiting Will")

    decisions = applications_decide(
        applications=Application.objects.filter(program=program).order_by("pk"),
        status="approved",
    )

    assert decisions.changed == 1
    assert [(r.application.pk, r.messages) for r in decisions.refused] == [
        (
            waiting.pk,
            [
                "Waiting Will cannot be approved until screening is complete; "
                "not checked: Interview held."
            ],
        )
    ]
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {ready.pk: "approved", waiting.pk: "applied"}


def test_the_bulk_approve_action_says_which_were_refused_and_why(client):
    program = make_program()
    [interview] = _checklist(program, ("Interview held", "both"))
    ready = ApplicationFactory(program=program)
    screening_save(application=ready, checked=[interview], note="")
    waiting = ApplicationFactory(program=program, user__display_name="Waiting Will")
    client.force_login(_coordinator(program))

    response = client.post(
        reverse(CHANGELIST),
        {"action": "approve", "_selected_action": [ready.pk, waiting.pk]},
        follow=True,
    )

    assert _messages(response) == [
        "1 application(s) approved; applicants are emailed.",
        "1 not approved: Waiting Will cannot be approved until screening is complete; "
        "not checked: Interview held.",
    ]
    assert Application.objects.get(pk=ready.pk).status == "approved"
    assert Application.objects.get(pk=waiting.pk).status == "applied"


# The checklist and the note


def test_checking_records_who_and_when_and_a_later_save_keeps_them():
    program = make_program()
    interview, reference = _checklist(program)
    mentor = ApplicationFactory(program=program, role="mentor")
    first, second = UserFactory(), UserFactory()

    screening_save(application=mentor, checked=[interview], note="  Strong interview  ", by=first)
    earlier = timezone.now() - timedelta(days=2)
    ScreeningCheck.objects.update(checked_at=earlier)
    screening_save(application=mentor, checked=[interview, reference], note="Strong", by=second)

    checks = ScreeningCheck.objects.order_by("item__position")
    assert [(c.item, c.checked_by, c.checked_at == earlier) for c in checks] == [
        (interview, first, True),
        (reference, second, False),
    ]
    assert screening_note_for(application=mentor) == "Strong"
    screening_save(application=mentor, checked=[reference], note="", by=second)
    assert list(ScreeningCheck.objects.values_list("item", flat=True)) == [reference.pk]
    assert screening_note_for(application=mentor) == ""


def test_checking_an_item_of_another_programs_list_or_role_is_refused():
    program, other = make_program(), make_program()
    _interview, reference = _checklist(program)
    [foreign] = _checklist(other, ("Interview held", "both"))
    mentee = ApplicationFactory(program=program, role="mentee")

    for item in (foreign, reference):
        with pytest.raises(ValidationError, match="not on this application's screening"):
            screening_save(application=mentee, checked=[item], note="")
    with pytest.raises(ValidationError, match="under 4,000 characters"):
        screening_save(application=mentee, checked=[], note="x" * 4001)
    assert ScreeningCheck.objects.count() == 0


def test_copying_a_program_copies_its_checklist():
    source = make_program()
    _checklist(source)

    copy = program_copy(program=source, name="Next cohort")

    fields = ["label", "audience", "position"]
    assert list(copy.screening_items.values_list(*fields)) == [
        ("Interview held", "both", 0),
        ("Reference checked", "mentors", 1),
    ]
    assert source.screening_items.count() == 2


def test_the_program_page_builds_the_checklist(client):
    program = make_program()
    client.force_login(_coordinator(program))
    url = reverse("admin:programs_program_change", args=[program.pk])
    data = admin_post_data(client.get(url))
    data.update(
        {
            "screening_items-TOTAL_FORMS": "2",
            "screening_items-0-position": "1",
            "screening_items-0-label": "DBS check seen",
            "screening_items-0-audience": "mentors",
            "screening_items-1-position": "0",
            "screening_items-1-label": "Interview held",
            "screening_items-1-audience": "both",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(program.screening_items.values_list("label", "audience")) == [
        ("Interview held", "both"),
        ("DBS check seen", "mentors"),
    ]


# The application review in the admin


def test_the_change_page_shows_the_criteria_answers_and_saves_the_checklist_and_note(client):
    program = make_program()
    interview, reference = _checklist(program)
    lab = _criterion(program)
    years = _criterion(program, text="Years of study", kind="number", choices="")
    Question.objects.create(program=program, text="Favourite colour", required=False)
    mentor = ApplicationFactory(program=program, role="mentor")
    Answer.objects.create(application=mentor, question=lab, value="Physics")
    coordinator = _coordinator(program, display_name="Corinne Coordinator")
    client.force_login(coordinator)

    page = client.get(_change(mentor))
    data = admin_post_data(page)
    data.update({"screening_items": [str(interview.pk)], "screening_note": "Call the referee"})
    saved = client.post(_change(mentor), data)

    body = page.content.decode()
    assert (
        '<dl class="selection-criteria"><dt>Which lab?</dt><dd>Physics</dd>'
        f"<dt>{years.text}</dt><dd>(no answer)</dd></dl>"
    ) in body
    assert "Favourite colour</dt>" not in body
    assert 'name="screening_items"' in body and 'name="screening_note"' in body
    assert saved.status_code == 302
    [check] = ScreeningCheck.objects.all()
    assert (check.item, check.checked_by) == (interview, coordinator)
    assert screening_note_for(application=mentor) == "Call the referee"
    again = client.get(_change(mentor)).content.decode()
    assert "Interview held (checked by Corinne Coordinator, " in again
    assert "Call the referee</textarea>" in again
    assert reference.label in again


def test_posting_an_item_of_another_programs_list_on_the_change_page_is_an_error(client):
    program, other = make_program(), make_program()
    _checklist(program)
    [foreign] = _checklist(other, ("Interview held", "both"))
    mentee = ApplicationFactory(program=program)
    client.force_login(_coordinator(program))
    data = admin_post_data(client.get(_change(mentee)))
    data["screening_items"] = [str(foreign.pk)]

    response = client.post(_change(mentee), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "screening_items": ["That item is not on this application's screening checklist."]
    }
    assert ScreeningCheck.objects.count() == 0


def test_save_and_approve_is_refused_while_screening_is_incomplete(client):
    program = make_program()
    interview, reference = _checklist(program)
    mentor = ApplicationFactory(program=program, role="mentor", user__display_name="Ana Lopez")
    client.force_login(_coordinator(program))
    data = admin_post_data(client.get(_change(mentor)))

    refused = client.post(
        _change(mentor), {**data, "screening_items": [str(interview.pk)], "_approve": "1"},
        follow=True,
    )  # fmt: skip
    approved = client.post(
        _change(mentor),
        {**data, "screening_items": [str(interview.pk), str(reference.pk)], "_approve": "1"},
        follow=True,
    )

    assert _messages(refused)[-1] == (
        "Screening saved; not approved: Ana Lopez cannot be approved until screening is "
        "complete; not checked: Reference checked."
    )
    assert _messages(approved)[-1] == "Approved; the applicant is emailed."
    mentor.refresh_from_db()
    assert mentor.status == "approved"
    assert "Save screening and approve" not in approved.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coordinator_of_another_program_cannot_open_an_applications_screening(client, method):
    program, other = make_program(), make_program()
    [interview] = _checklist(program, ("Interview held", "both"))
    application = ApplicationFactory(program=program)
    screening_save(application=application, checked=[], note="Private remark")
    client.force_login(_coordinator(other))

    data = {"screening_items": [str(interview.pk)], "screening_note": "x", "_approve": "1"}
    response = getattr(client, method)(_change(application), data)

    assert response.status_code == 404
    assert ScreeningCheck.objects.count() == 0
    assert screening_note_for(application=application) == "Private remark"
    assert Application.objects.get(pk=application.pk).status == "applied"


def test_the_changelist_summarises_criteria_and_screening_per_application(client):
    program = make_program()
    interview, _reference = _checklist(program)
    lab = _criterion(program)
    skills = _criterion(program, text="Skills", kind="multiple_choice", choices="Python\nR\nSQL")
    mentor = ApplicationFactory(program=program, role="mentor")
    Answer.objects.create(application=mentor, question=lab, value="Chemistry")
    Answer.objects.create(application=mentor, question=skills, value=["Python", "SQL"])
    screening_save(application=mentor, checked=[interview], note="NOTE-TEXT")
    mentee = ApplicationFactory(program=program, role="mentee")
    unscreened = ApplicationFactory(program=make_program())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse(CHANGELIST))

    body = page.content.decode()
    rows = {a.pk: a for a in page.context["cl"].result_list}
    assert {pk: (a.screening_done, a.screening_total) for pk, a in rows.items()} == {
        mentor.pk: (1, 2),
        mentee.pk: (0, 1),
        unscreened.pk: (0, 0),
    }
    assert (
        '<td class="field-selection_criteria">Which lab?: Chemistry · Skills: Python, SQL</td>'
    ) in body
    assert body.count('<td class="field-selection_criteria">—</td>') == 2
    assert '<td class="field-screening">1 of 2</td>' in body
    assert '<td class="field-screening">0 of 1</td>' in body
    assert '<td class="field-screening">—</td>' in body
    assert "NOTE-TEXT" not in body


def _listed(client, **query) -> list[int]:
    response = client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    return sorted(a.pk for a in response.context["cl"].result_list)


def test_the_screening_filter_splits_complete_from_incomplete(client):
    program = make_program()
    [interview] = _checklist(program, ("Interview held", "both"))
    done, todo = ApplicationFactory(program=program), ApplicationFactory(program=program)
    screening_save(application=done, checked=[interview], note="")
    plain = ApplicationFactory(program=make_program())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert _listed(client, screening="complete") == sorted([done.pk, plain.pk])
    assert _listed(client, screening="incomplete") == [todo.pk]


def test_each_choice_criterion_gets_a_filter_on_its_answers(client):
    program = make_program(name="Physics mentoring")
    lab = _criterion(program)
    skills = _criterion(program, text="Skills", kind="multiple_choice", choices="Python\nR\nSQL")
    _criterion(program, text="Years", kind="number", choices="")
    physicist, chemist, coder = (ApplicationFactory(program=program) for _ in range(3))
    Answer.objects.create(application=physicist, question=lab, value="Physics")
    Answer.objects.create(application=chemist, question=lab, value="Chemistry")
    Answer.objects.create(application=physicist, question=skills, value=["R", "SQL"])
    Answer.objects.create(application=coder, question=skills, value=["Python"])
    client.force_login(_coordinator(program))

    page = client.get(reverse(CHANGELIST))

    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert titles[-2:] == ["Which lab? (Physics mentoring)", "Skills (Physics mentoring)"]
    assert [c[0] for c in page.context["cl"].filter_specs[-1].lookup_choices] == [
        "Python",
        "R",
        "SQL",
    ]
    assert _listed(client, **{f"criterion_{lab.pk}": "Physics"}) == [physicist.pk]
    assert _listed(client, **{f"criterion_{skills.pk}": "SQL"}) == [physicist.pk]
    assert _listed(client, **{f"criterion_{skills.pk}": "Python"}) == [coder.pk]
    both = {f"criterion_{lab.pk}": "Chemistry", f"criterion_{skills.pk}": "SQL"}
    assert _listed(client, **both) == []


def test_criterion_filters_list_only_the_coordinators_programs_questions(client):
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    _criterion(mine, text="Mine question")
    secret = _criterion(theirs, text="Secret question of B")
    client.force_login(_coordinator(mine))

    page = client.get(reverse(CHANGELIST))

    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert "Mine question (Mine)" in titles
    assert "Secret question of B" not in page.content.decode()
    # Their question's parameter is not a filter here: the admin refuses the lookup.
    response = client.get(reverse(CHANGELIST), {f"criterion_{secret.pk}": "Physics"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_filters_follow_the_program_the_list_is_filtered_to(client):
    one, two = make_program(name="One"), make_program(name="Two")
    _criterion(one, text="Q one")
    _criterion(two, text="Q two")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse(CHANGELIST), {"program__id__exact": str(one.pk)})

    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert "Q one (One)" in titles and "Q two (Two)" not in titles


def test_a_coordinators_filters_follow_the_program_chosen_among_theirs(client):
    one, two, other = (make_program(name=name) for name in ("One", "Two", "Other"))
    for program in (one, two, other):
        _criterion(program, text=f"Q {program.name}")
    coordinator = _coordinator(one)
    two.coordinators.add(coordinator)
    client.force_login(coordinator)

    def titles(**query):
        page = client.get(reverse(CHANGELIST), query)
        return [spec.title for spec in page.context["cl"].filter_specs if "(" in str(spec.title)]

    assert titles() == ["Q One (One)", "Q Two (Two)"]
    assert titles(program__id__exact=str(two.pk)) == ["Q Two (Two)"]
    # Read by kept SQL, for their programs and for the one chosen.
    assert admin_screening._criterion_questions_in.is_kept(programs=[one.pk, two.pk])
    assert admin_screening._criterion_questions_in.is_kept(programs=[two.pk])


# The screening note stays with the coordinators


def test_the_screening_note_is_never_shown_to_the_applicant_nor_in_the_export(client):
    program = make_program()
    [interview] = _checklist(program, ("Interview held", "both"))
    application = ApplicationFactory(program=program)
    screening_save(application=application, checked=[interview], note="PRIVATE-SCREENING")
    client.force_login(application.user)

    own = client.get(reverse("programs:application-detail", args=[application.pk]))

    assert own.status_code == 200
    assert "PRIVATE-SCREENING" not in own.content.decode()
    assert "Interview held" not in own.content.decode()
    client.force_login(_coordinator(program))
    export = client.post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [application.pk]}
    )
    assert "PRIVATE-SCREENING" not in b"".join(export.streaming_content).decode()


# Queries


@pytest.mark.parametrize("size", [1, 8])
def test_the_application_list_takes_the_same_queries_for_few_and_many(
    client, django_assert_num_queries, size
):
    program = make_program()
    items = _checklist(program)
    lab = _criterion(program)
    for index in range(size):
        application = ApplicationFactory(program=program, role="mentor")
        Answer.objects.create(application=application, question=lab, value="Physics")
        screening_save(application=application, checked=items[: index % 3], note="n")
    client.force_login(_coordinator(program))

    with django_assert_num_queries(QUERIES_CHANGELIST):
        response = client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == size


@pytest.mark.parametrize("size", [1, 8])
def test_the_application_page_takes_the_same_queries_for_few_and_many_items(
    client, django_assert_num_queries, size
):
    program = make_program()
    items = _checklist(program, *((f"Item {n}", "both") for n in range(size)))
    application = ApplicationFactory(program=program, role="mentor")
    for n in range(size):
        question = _criterion(program, text=f"Question {n}")
        Answer.objects.create(application=application, question=question, value="Physics")
    screening_save(application=application, checked=items, note="n")
    client.force_login(_coordinator(program))

    with django_assert_num_queries(QUERIES_CHANGE_PAGE):
        response = client.get(_change(application))

    assert response.status_code == 200


def test_the_demo_checklist_is_checked_for_the_given_approved_applications():
    from programs.demo import demo_screening_seed

    program = make_program()
    mentor = ApplicationFactory(program=program, role="mentor", status="approved")
    mentee = ApplicationFactory(program=program, role="mentee", status="approved")
    other = ApplicationFactory(program=program, role="mentee")

    demo_screening_seed(program=program, applications=[mentor, mentee])
    demo_screening_seed(program=program, applications=[mentor, mentee])

    assert list(program.screening_items.values_list("label", "audience")) == [
        ("Interview held", "both"),
        ("Reference checked", "mentors"),
        ("Code of conduct signed", "both"),
    ]
    assert [len(screening_missing(application=a)) for a in (mentor, mentee, other)] == [0, 0, 2]
    assert ScreeningCheck.objects.count() == 5
