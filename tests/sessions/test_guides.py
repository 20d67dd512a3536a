"""Session guides: which guide a meeting gets, the log form that follows it, what is recorded,
the coordinator's curriculum builder and coverage per pair, and copying with the program."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.services import program_copy
from relationships.models import Goal, GoalProgress
from sessions.models import Meeting, SessionGuide, SessionLog
from sessions.selectors import (
    GuidePlace,
    guide_for_meeting,
    guides_covered,
    meeting_guide_place,
)
from sessions.services import BookingError, booking_cancel, session_log_save
from tests.evaluation.helpers import make_coordinator
from tests.factories import UserFactory
from tests.programs.helpers import admin_post_data
from tests.sessions.helpers import (
    group,
    group_meeting_at,
    make_guides,
    make_program,
    meeting_at,
    pair,
)

pytestmark = pytest.mark.django_db

# Session, user, meeting, logs, their topics, the program's guides, the session number, the
# private note, the program's topics, goals: none grows with the number of guides, prompts or
# earlier sessions (attendance is read for group sessions only). ... and the pair's open
# goals and their open milestones for the log form (relationships' log section). The
# viewer's groups are kept from their first page (mentoring/rights.py).
QUERIES_MEETING_PAGE = 13
# The admin's usual queries (on a coordinator's first page, with their programs' ids: then
# kept, mentoring/rights.py), the page's pairs and their counts, and one for the guides they
# covered, whatever the number of pairs.
QUERIES_PAIR_LIST = 11


def _detail(meeting, **query) -> str:
    url = reverse("sessions:meeting-detail", args=[meeting.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _log_url(meeting) -> str:
    return reverse("sessions:meeting-log", args=[meeting.pk])


def _log_post(guide=None, **extra) -> dict:
    return {
        "outcome": "held",
        "duration_minutes": "45",
        "guide": guide.pk if guide else "",
        **extra,
    }


# Which guide a meeting gets


def test_the_guide_follows_the_pairs_session_number_skipping_cancelled_meetings():
    match = pair()
    guides = make_guides(match.program, 3)
    first = meeting_at(match, hours_from_now=-72)
    cancelled = meeting_at(match, hours_from_now=-48)
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    second = meeting_at(match, hours_from_now=-24)
    third = meeting_at(match, hours_from_now=48)
    fourth = meeting_at(match, hours_from_now=96)
    other_pair = meeting_at(pair(match.program), hours_from_now=-100)
    cancelled.refresh_from_db()

    places = [meeting_guide_place(meeting=m) for m in (first, second, third, fourth, cancelled)]

    assert places == [
        GuidePlace("session", 1),
        GuidePlace("session", 2),
        GuidePlace("session", 3),
        GuidePlace("session", 4),
        None,
    ]
    assert [guide_for_meeting(meeting=m) for m in (first, second, third, fourth, cancelled)] == [
        guides[0],
        guides[1],
        guides[2],
        None,
        None,
    ]
    assert meeting_guide_place(meeting=other_pair) == GuidePlace("session", 1)


def test_a_cancellation_moves_the_later_sessions_up_one_guide():
    match = pair()
    make_guides(match.program, 3)
    first, second = (meeting_at(match, hours_from_now=h) for h in (48, 96))
    assert guide_for_meeting(meeting=second).number == 2

    booking_cancel(meeting=first, by=match.mentor.user)

    assert guide_for_meeting(meeting=second).number == 1


def test_meetings_at_the_same_start_are_numbered_in_booking_order():
    match = pair()
    one = meeting_at(match, hours_from_now=-5)
    two = Meeting.objects.create(
        program=match.program, mentor=UserFactory(), match=match, start=one.start, end=one.end
    )
    assert [meeting_guide_place(meeting=m).number for m in (one, two)] == [1, 2]


def test_the_guide_follows_the_program_week_in_the_mentors_time_zone():
    match = pair(guides_follow="week", starts_on=date(2030, 1, 7), mentor_zone="Asia/Tokyo")
    guides = make_guides(match.program, 3)
    kwargs = {"program": match.program, "mentor": match.mentor.user, "match": match}

    def at(*args):
        start = datetime(*args, tzinfo=UTC)
        return Meeting.objects.create(start=start, end=start + timedelta(hours=1), **kwargs)

    week_one = at(2030, 1, 7, 9)
    # Sunday 20 January 16:00 UTC is Monday 21 January 01:00 in Tokyo: week 3, not week 2.
    week_three = at(2030, 1, 20, 16)
    before = at(2030, 1, 6, 9)
    far = at(2030, 3, 4, 9)

    assert [meeting_guide_place(meeting=m) for m in (week_one, week_three, before, far)] == [
        GuidePlace("week", 1),
        GuidePlace("week", 3),
        None,
        GuidePlace("week", 9),
    ]
    assert guide_for_meeting(meeting=week_three) == guides[2]
    assert guide_for_meeting(meeting=far) is None


def test_week_mode_without_a_start_date_suggests_no_guide():
    match = pair(guides_follow="week", starts_on=None)
    make_guides(match.program, 2)
    assert meeting_guide_place(meeting=meeting_at(match, hours_from_now=-1)) is None


def test_group_sessions_count_the_mentors_group_sessions_in_that_program():
    program, mentor, members = group(2)
    make_guides(program, 3)
    elsewhere, _other_mentor, _ = group(2)
    first = group_meeting_at(program, mentor, members, hours_from_now=-48)
    gone = group_meeting_at(program, mentor, members, hours_from_now=-24)
    Meeting.objects.filter(pk=gone.pk).update(status=Meeting.Status.CANCELLED)
    group_meeting_at(elsewhere, mentor, [], hours_from_now=-30)  # another program's group
    second = group_meeting_at(program, mentor, members, hours_from_now=24)

    assert [meeting_guide_place(meeting=m) for m in (first, second)] == [
        GuidePlace("session", 1),
        GuidePlace("session", 2),
    ]
    assert guide_for_meeting(meeting=second).title == "Study skills"


# The meeting page and the log form


def test_the_meeting_page_shows_the_sessions_guide_and_its_prompts_in_the_log_form(client):
    match = pair()
    make_guides(match.program, 3)
    meeting_at(match, hours_from_now=-48)
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    response = client.get(_detail(meeting))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["guide"].number == 2
    assert "Guide 2: Study skills" in body and "The guide for your session 2." in body
    assert "Objectives of guide 2" in body and "Activities of guide 2" in body
    form = response.context["log_form"]
    assert [form.fields[name].label for _prompt, name in form.prompt_fields] == [
        "Guide 2 prompt 1?",
        "Guide 2 prompt 2?",
    ]
    assert form.initial["guide"] == response.context["guide"].pk
    assert "Logged against Guide 2: Study skills" in body


def test_a_program_without_guides_shows_no_guide_section(client):
    match = pair()
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentor.user)

    body = client.get(_detail(meeting)).content.decode()

    assert 'id="guide"' not in body and "Session guide" not in body


def test_a_session_beyond_the_curriculum_says_so_and_offers_the_list(client):
    match = pair()
    make_guides(match.program, 1)
    meeting_at(match, hours_from_now=-48)
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentor.user)

    response = client.get(_detail(meeting))

    assert response.context["guide"] is None
    assert "The program has no guide for session 2." in response.content.decode()
    assert response.context["log_form"].prompt_fields == []


def test_logging_records_the_guide_and_the_answers_keyed_by_prompt(client):
    match = pair()
    guides = make_guides(match.program, 3)
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentor.user)

    response = client.post(
        _log_url(meeting),
        _log_post(guides[0], reflection_0="They settled in.", reflection_1="  "),
    )

    assert response.status_code == 302
    log = SessionLog.objects.get()
    assert (log.guide, log.reflections) == (
        guides[0],
        [{"prompt": "Guide 1 prompt 1?", "answer": "They settled in."}],
    )
    page = client.get(_detail(meeting))
    assert page.context["log_form"].initial["reflection_0"] == "They settled in."
    assert "Guide used: <bdi>Guide 1: Getting to know each other</bdi>" in page.content.decode()


def test_a_participant_picks_another_guide_and_logs_against_it(client):
    match = pair()
    guides = make_guides(match.program, 3)
    meeting = meeting_at(match, hours_from_now=-2)  # session 1
    client.force_login(match.mentee.user)

    page = client.get(_detail(meeting, guide=guides[2].pk))
    client.post(_log_url(meeting), _log_post(guides[2], reflection_1="Revision plan made"))

    assert page.context["guide"] == guides[2]
    assert "Chosen instead of the suggested Guide 1: Getting to know each other." in (
        page.content.decode()
    )
    assert [label for label, _name in page.context["log_form"].prompt_fields] == [
        "Guide 3 prompt 1?",
        "Guide 3 prompt 2?",
    ]
    log = SessionLog.objects.get()
    assert (log.guide, log.reflections) == (
        guides[2],
        [{"prompt": "Guide 3 prompt 2?", "answer": "Revision plan made"}],
    )
    # Reopened, the page shows the guide the log used, not the suggested one.
    assert client.get(_detail(meeting)).context["guide"] == guides[2]


def test_no_guide_can_be_chosen_and_is_recorded_as_none(client):
    match = pair()
    make_guides(match.program, 2)
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    page = client.get(_detail(meeting, guide="none"))
    client.post(_log_url(meeting), _log_post())

    assert page.context["guide"] is None and page.context["log_form"].prompt_fields == []
    assert (SessionLog.objects.get().guide, SessionLog.objects.get().reflections) == (None, [])


def test_picking_another_programs_guide_on_the_page_is_an_error_next_to_the_picker(client):
    match = pair()
    guides = make_guides(match.program, 2)
    foreign = make_guides(make_program(), 1)[0]
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    page = client.get(_detail(meeting, guide=foreign.pk))

    assert page.status_code == 200
    assert page.context["guide"] == guides[0]
    assert page.context["guide_picker"].errors == {
        "guide": ["Choose one of this program's session guides."]
    }


def test_a_log_posting_another_programs_guide_is_refused(client):
    match = pair()
    make_guides(match.program, 2)
    foreign = make_guides(make_program(), 1)[0]
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    response = client.post(_log_url(meeting), _log_post(foreign, reflection_0="x"))

    assert response.status_code == 400
    assert response.context["log_form"].non_field_errors() == [
        "Choose one of this program's session guides."
    ]
    assert "Choose one of this program&#x27;s session guides." in response.content.decode()
    assert SessionLog.objects.count() == 0
    with pytest.raises(BookingError, match="Choose one of this program's session guides"):
        session_log_save(meeting=meeting, author=match.mentee.user, outcome="held", guide=foreign)
    assert SessionLog.objects.count() == 0


def test_a_reflection_over_the_length_limit_is_refused(client):
    match = pair()
    guide = make_guides(match.program, 1)[0]
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    response = client.post(_log_url(meeting), _log_post(guide, reflection_0="x" * 2001))

    assert response.status_code == 400
    assert response.context["log_form"].errors == {
        "reflection_0": ["Each reflection can be at most 2,000 characters."]
    }
    assert SessionLog.objects.count() == 0
    with pytest.raises(BookingError, match="at most 2,000 characters"):
        session_log_save(
            meeting=meeting,
            author=match.mentee.user,
            outcome="held",
            guide=guide,
            reflections=[("Guide 1 prompt 1?", "x" * 2001)],
        )
    assert SessionLog.objects.count() == 0


def test_the_service_refuses_answers_to_prompts_the_guide_does_not_ask():
    match = pair()
    guides = make_guides(match.program, 2)
    meeting = meeting_at(match, hours_from_now=-2)
    with pytest.raises(BookingError, match="reflection prompts of the guide you chose"):
        session_log_save(
            meeting=meeting,
            author=match.mentee.user,
            outcome="held",
            guide=guides[0],
            reflections=[("Guide 2 prompt 1?", "wrong guide")],
        )
    with pytest.raises(BookingError, match="reflection prompts of the guide you chose"):
        session_log_save(
            meeting=meeting,
            author=match.mentee.user,
            outcome="held",
            reflections=[("Anything?", "no guide")],
        )
    assert SessionLog.objects.count() == 0


def test_guides_leave_goal_progress_and_the_rest_of_the_log_as_before(client):
    match = pair()
    guide = make_guides(match.program, 1)[0]
    goal = Goal.objects.create(match=match, title="Settle in")
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentor.user)

    client.post(
        _log_url(meeting),
        _log_post(
            guide, **{f"goal_{goal.pk}": "good", "shared_notes": "Fine", "reflection_0": "A"}
        ),
    )

    log = SessionLog.objects.get()
    progress = list(GoalProgress.objects.values_list("goal", "level", "log"))
    assert (progress, log.shared_notes, log.duration_minutes) == (
        [(goal.pk, "good", log.pk)],
        "Fine",
        45,
    )


def test_a_removed_guide_leaves_the_log_and_its_answers():
    match = pair()
    guide = make_guides(match.program, 1)[0]
    meeting = meeting_at(match, hours_from_now=-2)
    session_log_save(
        meeting=meeting,
        author=match.mentee.user,
        outcome="held",
        guide=guide,
        reflections=[("Guide 1 prompt 1?", "Kept")],
    )
    guide.delete()
    log = SessionLog.objects.get()
    assert (log.guide, log.reflections) == (
        None,
        [{"prompt": "Guide 1 prompt 1?", "answer": "Kept"}],
    )


def test_the_mentor_logs_a_group_session_against_the_group_guide(client):
    program, mentor, members = group(2)
    guides = make_guides(program, 2)
    group_meeting_at(program, mentor, members, hours_from_now=-48)
    meeting = group_meeting_at(program, mentor, members, hours_from_now=-2)
    client.force_login(mentor)

    page = client.get(_detail(meeting))
    client.post(_log_url(meeting), _log_post(guides[1], reflection_0="Good circle"))

    assert page.context["guide"] == guides[1]
    assert "the group's members and the coordinators can read your answers" in (
        page.content.decode().replace("&#x27;", "'")
    )
    log = SessionLog.objects.get()
    assert (log.author, log.guide, log.reflections) == (
        mentor,
        guides[1],
        [{"prompt": "Guide 2 prompt 1?", "answer": "Good circle"}],
    )


def test_guide_text_is_escaped_on_the_meeting_page(client):
    match = pair()
    SessionGuide.objects.create(
        program=match.program,
        number=1,
        title="<script>alert(1)</script>",
        objectives="<b>bold</b>",
        reflection_prompts="<img src=x>?",
    )
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(match.mentee.user)

    body = client.get(_detail(meeting)).content.decode()

    assert "<script>alert(1)" not in body and "<b>bold</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x&gt;?" in body


def test_another_pairs_meeting_stays_404_with_a_guide_picked(client):
    match, other = pair(), pair()
    guides = make_guides(match.program, 1)
    meeting = meeting_at(match, hours_from_now=-2)
    client.force_login(other.mentee.user)

    assert client.get(_detail(meeting, guide=guides[0].pk)).status_code == 404
    assert client.post(_log_url(meeting), _log_post(guides[0])).status_code == 404
    assert SessionLog.objects.count() == 0


@pytest.mark.parametrize("size", [1, 6])
def test_the_meeting_page_takes_the_same_queries_for_few_and_many_guides_and_sessions(
    client, django_assert_num_queries, size
):
    match = pair()
    make_guides(match.program, size * 2, prompts=size)
    for hours in range(size):
        meeting_at(match, hours_from_now=-100 - hours * 5)
    meeting = meeting_at(match, hours_from_now=-2)
    other = make_guides(make_program(), 1)[0]
    session_log_save(meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=30)
    client.force_login(match.mentor.user)
    client.get("/")

    with django_assert_num_queries(QUERIES_MEETING_PAGE):
        response = client.get(_detail(meeting))
    with django_assert_num_queries(QUERIES_MEETING_PAGE):
        client.get(_detail(meeting, guide=other.pk))

    assert response.status_code == 200


# The coordinator: building the curriculum, coverage per pair


def _coordinator_of(program):
    return make_coordinator(program)


def _program_change(program) -> str:
    return reverse("admin:programs_program_change", args=[program.pk])


def _guide_rows(data: dict, rows: list[dict]) -> dict:
    data = {k: v for k, v in data.items() if not k.startswith("session_guides-")}
    data.update(
        {
            "session_guides-TOTAL_FORMS": str(len(rows)),
            "session_guides-INITIAL_FORMS": str(sum(1 for r in rows if "id" in r)),
            "session_guides-MIN_NUM_FORMS": "0",
            "session_guides-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"session_guides-{index}-{key}"] = value
        data.setdefault(f"session_guides-{index}-program", row.get("program", ""))
    return data


def _builder_post(client, program, rows):
    page = client.get(_program_change(program))
    return client.post(_program_change(program), _guide_rows(admin_post_data(page), rows))


def test_a_coordinator_builds_the_curriculum_on_the_program_page(client):
    program = make_program()
    client.force_login(_coordinator_of(program))

    response = _builder_post(
        client,
        program,
        [
            {
                "number": "1",
                "title": "Getting to know each other",
                "objectives": "Agree how you meet",
                "activities": "Swap stories",
                "reflection_prompts": "What surprised you?\n\nWhat will you try next?\n",
            },
            {"number": "2", "title": "Study skills"},
        ],
    )

    assert response.status_code == 302, response.context and [
        f.formset.errors for f in response.context["inline_admin_formsets"]
    ]
    assert list(program.session_guides.values_list("number", "title")) == [
        (1, "Getting to know each other"),
        (2, "Study skills"),
    ]
    assert program.session_guides.get(number=1).prompt_list == [
        "What surprised you?",
        "What will you try next?",
    ]


def _guide_errors(response) -> list:
    [formset] = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "session_guides"
    ]
    return [formset.non_form_errors(), [dict(form.errors) for form in formset.forms]]


@pytest.mark.parametrize("number", ["0", "101"])
def test_a_guide_number_out_of_range_is_refused_with_a_clear_message(client, number):
    program = make_program()
    client.force_login(_coordinator_of(program))

    response = _builder_post(client, program, [{"number": number, "title": "Odd"}])

    assert response.status_code == 200
    assert _guide_errors(response) == [[], [{"number": ["Guide numbers run from 1 to 100."]}]]
    assert program.session_guides.count() == 0


def test_a_duplicate_guide_number_is_refused_naming_the_number(client):
    program = make_program()
    client.force_login(_coordinator_of(program))

    response = _builder_post(
        client, program, [{"number": "2", "title": "One"}, {"number": "2", "title": "Two"}]
    )

    assert response.status_code == 200
    assert _guide_errors(response) == [
        ["Two guides have the number 2: give each guide its own number."],
        [{}, {}],
    ]
    assert program.session_guides.count() == 0


def test_too_many_or_repeated_prompts_are_refused(client):
    program = make_program()
    client.force_login(_coordinator_of(program))

    response = _builder_post(
        client,
        program,
        [
            {"number": "1", "title": "A", "reflection_prompts": "Same?\nSame?"},
            {"number": "2", "title": "B", "reflection_prompts": "\n".join("x" * 11)},
        ],
    )

    assert _guide_errors(response)[1] == [
        {"reflection_prompts": ["Each prompt appears once."]},
        {"reflection_prompts": ["Up to 10 reflection prompts."]},
    ]


def test_inserting_a_guide_shifts_the_later_numbers_in_one_save(client):
    program = make_program()
    one, two, three = make_guides(program, 3)
    client.force_login(_coordinator_of(program))

    response = _builder_post(
        client,
        program,
        [
            {"id": str(one.pk), "number": "1", "title": one.title},
            {"id": str(two.pk), "number": "3", "title": two.title},
            {"id": str(three.pk), "number": "4", "title": three.title, "DELETE": ""},
            {"number": "2", "title": "Inserted"},
        ],
    )

    assert response.status_code == 302
    assert list(program.session_guides.values_list("number", "title")) == [
        (1, "Getting to know each other"),
        (2, "Inserted"),
        (3, "Study skills"),
        (4, "Exams"),
    ]


def test_a_guide_can_take_the_number_of_one_deleted_in_the_same_save(client):
    program = make_program()
    one, two = make_guides(program, 2)
    client.force_login(_coordinator_of(program))

    response = _builder_post(
        client,
        program,
        [
            {"id": str(one.pk), "number": "2", "title": "Moved"},
            {"id": str(two.pk), "number": "2", "title": two.title, "DELETE": "on"},
        ],
    )

    assert response.status_code == 302
    assert list(program.session_guides.values_list("pk", "number", "title")) == [
        (one.pk, 2, "Moved")
    ]


def test_another_programs_curriculum_is_404_for_a_coordinator(client):
    program, theirs = make_program(), make_program()
    make_guides(theirs, 1)
    client.force_login(_coordinator_of(program))

    assert client.get(_program_change(theirs)).status_code == 404
    assert (
        client.post(_program_change(theirs), {"session_guides-TOTAL_FORMS": "0"}).status_code == 404
    )


def test_copying_a_program_copies_its_guides():
    source = make_program()
    make_guides(source, 3)

    copy = program_copy(program=source, name="Next year")

    fields = ["number", "title", "objectives", "activities", "reflection_prompts"]
    assert list(copy.session_guides.values_list(*fields)) == list(
        source.session_guides.values_list(*fields)
    )
    assert source.session_guides.count() == 3


def _held(match, guide, *, days_ago, author=None, outcome="held"):
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    meeting = Meeting.objects.create(
        program=match.program, mentor=match.mentor.user, match=match, start=start,
        end=start + timedelta(hours=1),
    )  # fmt: skip
    session_log_save(
        meeting=meeting, author=author or match.mentee.user, outcome=outcome,
        duration_minutes=60 if outcome == "held" else None, guide=guide,
    )  # fmt: skip
    return meeting


def test_the_sessions_per_pair_list_shows_the_guides_each_pair_covered(client):
    program = make_program()
    guides = make_guides(program, 4)
    busy, idle, missed = pair(program), pair(program), pair(program)
    _held(busy, guides[2], days_ago=3)
    _held(busy, guides[0], days_ago=10)
    _held(busy, guides[0], days_ago=5, author=busy.mentor.user)  # covered again
    _held(missed, guides[1], days_ago=3, outcome="missed")
    gone = _held(missed, guides[3], days_ago=4)
    Meeting.objects.filter(pk=gone.pk).update(status=Meeting.Status.CANCELLED)
    client.force_login(_coordinator_of(program))

    page = client.get(reverse("admin:mentoring_sessions_pairsessions_changelist"))

    covered = {row.pk: row.guides_covered for row in page.context["cl"].result_list}
    assert {pk: [g.number for g in rows] for pk, rows in covered.items()} == {
        busy.pk: [1, 3],
        idle.pk: [],
        missed.pk: [],
    }
    body = page.content.decode()
    assert "Guides covered" in body
    assert '<td class="field-guides">1, 3</td>' in body
    assert body.count('<td class="field-guides">—</td>') == 2


def test_the_pair_page_lists_every_guide_with_the_day_it_was_first_covered(client):
    program = make_program()
    guides = make_guides(program, 3)
    match = pair(program)
    first = _held(match, guides[1], days_ago=10)
    _held(match, guides[1], days_ago=2)
    client.force_login(_coordinator_of(program))

    page = client.get(reverse("admin:mentoring_sessions_pairsessions_change", args=[match.pk]))

    day = timezone.localtime(first.start).strftime("%-d %b %Y")
    assert (
        "<ul><li>Guide 1: Getting to know each other: not yet</li>"
        f"<li>Guide 2: Study skills: covered {day}</li>"
        "<li>Guide 3: Exams: not yet</li></ul>"
    ) in page.content.decode()


def test_a_group_pair_covers_the_guides_of_the_group_sessions_the_mentee_attended():
    program, mentor, (came, skipped) = group(2)
    guides = make_guides(program, 2)
    meeting = group_meeting_at(program, mentor, [came, skipped], hours_from_now=-5)
    meeting.attendance.filter(member=skipped).update(attended=False)
    session_log_save(meeting=meeting, author=mentor, outcome="held", guide=guides[1])
    session_log_save(meeting=meeting, author=came, outcome="held", guide=guides[0])
    matches = list(
        program.matches.select_related("program", "mentor__user", "mentee__user").order_by("pk")
    )
    by_user = {m.mentee.user_id: m.pk for m in matches}

    covered = guides_covered(matches=matches)

    assert {pk: [g.number for g in rows] for pk, rows in covered.items()} == {
        by_user[came.pk]: [2],  # the mentor's log decides the group's guide
        by_user[skipped.pk]: [],
    }


@pytest.mark.parametrize("pairs", [1, 6])
def test_the_sessions_per_pair_list_takes_the_same_queries_for_few_and_many_pairs(
    client, django_assert_num_queries, pairs
):
    program = make_program()
    guides = make_guides(program, 3)
    for _ in range(pairs):
        match = pair(program)
        _held(match, guides[0], days_ago=3)
        _held(match, guides[1], days_ago=2)
    client.force_login(_coordinator_of(program))
    url = reverse("admin:mentoring_sessions_pairsessions_changelist")

    with django_assert_num_queries(QUERIES_PAIR_LIST):
        response = client.get(url)

    assert len(response.context["cl"].result_list) == pairs


def test_the_demo_curriculum_has_six_guides_and_seeding_twice_changes_nothing():
    from sessions.demo import demo_guides_seed

    program = make_program()
    demo_guides_seed(program=program)
    demo_guides_seed(program=program)

    assert list(program.session_guides.values_list("number", "title")) == [
        (1, "Getting to know each other"),
        (2, "Study skills"),
        (3, "Assessments and exams"),
        (4, "Wellbeing and balance"),
        (5, "Looking ahead: courses, societies and careers"),
        (6, "Closing reflection"),
    ]
    assert program.session_guides.get(number=1).prompt_list == [
        "What did you learn about each other that surprised you?",
        "Which goals did you agree on?",
        "How and when will you meet next?",
    ]
