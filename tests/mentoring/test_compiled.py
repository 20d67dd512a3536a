"""A compiled query gives the rows its builder's queryset gives, for every call's values, with
its SQL compiled once per shape; what it cannot vary it leaves to the builder, and with
COMPILED_QUERIES_VERIFY on a kept SQL that is no longer Django's fails."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from mentoring.compiled import CompiledQueryMismatch, compiled
from programs.models import Application, Program, Topic
from tests.factories import ApplicationFactory, ProgramFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@compiled
def _applications_of(*, user, since):
    return (
        Application.objects.filter(user=user, submitted_at__gte=since)
        .select_related("program", "user")
        .only("role", "status", "program__name", "user__email")
        .order_by("pk")
    )


@compiled
def _topic_names(*, program_id, like):
    return Topic.objects.filter(program_id=program_id, name__gt=like).values_list("name", flat=True)


@compiled
def _programs_with_counts(*, status):
    return (
        Program.objects.filter(status=status)
        .annotate(mentors=Count("applications", filter=Q(applications__role="mentor")))
        .prefetch_related(Prefetch("topics", Topic.objects.order_by("name")))
        .order_by("name")
    )


@compiled(static=["limit"])
def _first_topics(*, program, limit):
    return Topic.objects.filter(program=program).order_by("name", "pk")[:limit]


@compiled
def _since_the_day_of(*, moment):
    return Application.objects.filter(submitted_at__date__gte=moment).order_by("pk")


def _set(rows, *fields):
    return [tuple(getattr(row, f) for f in fields) for row in rows]


@pytest.fixture
def people():
    ada, bob = UserFactory(), UserFactory()
    first, second = ProgramFactory(name="First"), ProgramFactory(name="Second")
    ApplicationFactory(user=ada, program=first, role="mentor")
    ApplicationFactory(user=ada, program=second, role="mentee")
    ApplicationFactory(user=bob, program=first, role="mentee")
    for program in (first, second):
        for name in ("Writing", "Algebra", "Careers"):
            TopicFactory(program=program, name=f"{name} {program.name}")
    return ada, bob, first, second


def test_each_call_gets_its_own_values_rows(people):
    ada, bob, first, _second = people
    long_ago = timezone.now() - datetime.timedelta(days=30)
    for user in (ada, bob, ada):
        rows = _applications_of(user=user, since=long_ago)
        expected = list(_applications_of.build(user=user, since=long_ago))
        assert _set(rows, "pk", "role", "status") == _set(expected, "pk", "role", "status")
        assert [r.program.name for r in rows] == [r.program.name for r in expected]
        assert {r.user.email for r in rows} == {user.email}
    assert _applications_of.is_kept(user=ada, since=long_ago)
    assert _applications_of(user=ada, since=timezone.now() + datetime.timedelta(days=1)) == []
    assert sorted(_topic_names(program_id=first.pk, like="B")) == ["Careers First", "Writing First"]
    assert _topic_names.is_kept(program_id=first.pk, like="B")


def test_a_lazy_user_is_the_user_it_stands_for(people):
    from django.utils.functional import SimpleLazyObject

    ada, bob, _first, _second = people
    since = timezone.now() - datetime.timedelta(days=30)
    assert len(_applications_of(user=SimpleLazyObject(lambda: ada), since=since)) == 2
    assert len(_applications_of(user=SimpleLazyObject(lambda: bob), since=since)) == 1
    assert _applications_of.is_kept(user=SimpleLazyObject(lambda: bob), since=since)


def test_two_values_equal_in_a_call_are_each_found_where_they_go(people):
    """The first call's program id and user id may be the same number: each still goes in
    its own place, and a later call with two different numbers is right."""
    ada, bob, first, second = people

    @compiled
    def of_user_in(*, user_id, program_id):
        return Application.objects.filter(user_id=user_id, program_id=program_id)

    expected = list(of_user_in.build(user_id=ada.pk, program_id=ada.pk))
    assert of_user_in(user_id=ada.pk, program_id=ada.pk) == expected
    assert of_user_in.is_kept(user_id=ada.pk, program_id=ada.pk)
    assert len(of_user_in(user_id=bob.pk, program_id=first.pk)) == 1
    assert len(of_user_in(user_id=ada.pk, program_id=second.pk)) == 1
    assert len(of_user_in(user_id=bob.pk, program_id=second.pk)) == 0


def test_the_sql_is_compiled_once_and_the_query_count_is_the_builders(people, settings):
    ada, _bob, _first, _second = people
    settings.COMPILED_QUERIES_VERIFY = False
    since = timezone.now() - datetime.timedelta(days=30)
    _applications_of(user=ada, since=since)  # the shape is kept here
    built = []
    original = _applications_of.build
    _applications_of.build = lambda **values: built.append(values) or original(**values)
    try:
        with CaptureQueriesContext(connection) as queries:
            rows = _applications_of(user=ada, since=since)
    finally:
        _applications_of.build = original
    assert built == [] and len(rows) == 2 and len(queries) == 1


def test_a_list_is_kept_per_length_and_each_item_goes_in_its_place(people):
    ada, bob, first, second = people

    @compiled
    def of_programs(*, program_ids, role):
        return Application.objects.filter(program_id__in=program_ids, role=role).order_by("pk")

    assert len(of_programs(program_ids=[first.pk, second.pk], role="mentee")) == 2
    assert of_programs.is_kept(program_ids=[first.pk, second.pk], role="mentee")
    assert [a.user for a in of_programs(program_ids=[second.pk, -1], role="mentee")] == [ada]
    assert [a.user for a in of_programs(program_ids=(first.pk,), role="mentor")] == [ada]
    assert of_programs.is_kept(program_ids=(first.pk,), role="mentor")
    # An item twice (Django sends it once) and an empty list are left to the builder.
    assert len(of_programs(program_ids=[first.pk, first.pk], role="mentee")) == 1
    assert not of_programs.is_kept(program_ids=[first.pk, first.pk], role="mentee")
    assert of_programs(program_ids=[], role="mentee") == []
    assert not of_programs.is_kept(program_ids=[], role="mentee")
    users = of_programs(program_ids=[first.pk, second.pk], role="mentee")
    assert sorted(a.user.pk for a in users) == sorted([ada.pk, bob.pk])


def test_counting_counts_the_kept_sql_in_the_database(people):
    ada, bob, first, _second = people
    since = timezone.now() - datetime.timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        assert _applications_of.count(user=ada, since=since) == 2
        assert _applications_of.count(user=bob, since=since) == 1
    assert len(queries) == 2 and all("COUNT(*)" in q["sql"] for q in queries)
    assert _applications_of.is_kept(user=ada, since=since)
    assert _topic_names.count(program_id=first.pk, like="Z") == 0
    assert _since_the_day_of.count(moment=timezone.now()) == 3  # not kept: Django counts


def test_annotations_and_prefetches_come_as_from_the_queryset(people):
    _ada, _bob, first, second = people
    first.status = second.status = "running"
    first.save(update_fields=["status"])
    second.save(update_fields=["status"])
    with CaptureQueriesContext(connection) as queries:
        rows = _programs_with_counts(status="running")
    assert len(queries) == 2  # the programs, then their topics
    assert [(p.name, p.mentors) for p in rows] == [("First", 1), ("Second", 0)]
    topics = [t.name for t in rows[0].topics.all()]
    assert topics == ["Algebra First", "Careers First", "Writing First"]
    assert _programs_with_counts.is_kept(status="running")
    assert _programs_with_counts(status="closed") == []


def test_static_arguments_are_part_of_the_shape(people):
    _ada, _bob, first, second = people
    assert [t.name for t in _first_topics(program=first, limit=1)] == ["Algebra First"]
    assert [t.name for t in _first_topics(program=second, limit=2)] == [
        "Algebra Second",
        "Careers Second",
    ]
    assert _first_topics.is_kept(program=first, limit=1)
    assert _first_topics.is_kept(program=first, limit=2)
    assert _first_topics.first(program=second, limit=1).name == "Algebra Second"
    assert _first_topics.first(program=ProgramFactory(), limit=1) is None


def test_a_value_it_cannot_vary_is_left_to_the_builder(people):
    ada, _bob, _first, _second = people
    since = (timezone.now() - datetime.timedelta(days=1)).timestamp()  # a float: not varied

    @compiled
    def by_float(*, user, since):
        return Application.objects.filter(user=user, pk__gt=since - since).order_by("pk")

    assert len(by_float(user=ada, since=since)) == 2
    assert not by_float.is_kept(user=ada, since=since)


def test_a_value_django_changes_on_the_way_is_left_to_the_builder(people):
    """`name__contains` sends "%value%": not the value, so not kept, and still right."""
    _ada, _bob, first, _second = people

    @compiled
    def containing(*, program_id, word):
        return Topic.objects.filter(program_id=program_id, name__contains=word).order_by("name")

    assert [t.name for t in containing(program_id=first.pk, word="re")] == ["Careers First"]
    assert [t.name for t in containing(program_id=first.pk, word="Writ")] == ["Writing First"]
    assert not containing.is_kept(program_id=first.pk, word="Writ")


def test_a_value_that_never_reaches_the_parameters_is_left_to_the_builder(people):
    """A value the SQL takes only through the builder's Python (here a branch on whether it is
    0) is not found among the parameters: the shape is not kept, and 0 gets its own SQL."""

    @compiled
    def by_flag(*, wanted):
        return Application.objects.filter(role="mentor" if wanted else "mentee").order_by("pk")

    assert len(by_flag(wanted=5)) == 1
    assert not by_flag.is_kept(wanted=5)
    assert len(by_flag(wanted=0)) == 2


def test_a_builder_reading_more_of_an_instance_than_its_key_is_left_to_it(people, settings):
    """Only an instance's key is a value of the SQL: a builder that branches on another field
    (here staff or not) or filters by one is not kept, and every person gets their own rows."""
    ada, bob, _first, _second = people
    ada.is_staff = True
    settings.COMPILED_QUERIES_VERIFY = False

    @compiled
    def seen_by(*, user):
        rows = Application.objects.order_by("pk")
        return rows if user.is_staff else rows.filter(user=user)

    @compiled
    def joined_since(*, user):
        return Application.objects.filter(user=user, submitted_at__gte=user.date_joined)

    assert len(seen_by(user=bob)) == 1
    assert len(seen_by(user=ada)) == 3
    assert len(seen_by(user=bob)) == 1
    assert not seen_by.is_kept(user=bob) and not seen_by.is_kept(user=ada)
    assert len(joined_since(user=ada)) == 2
    assert not joined_since.is_kept(user=ada)


def test_a_value_django_escapes_is_left_to_the_builder_where_it_does():
    """SQLite compares `iexact` with LIKE and sends the value escaped: the same text for an
    address without `_` or `%`, not for one with. Kept from the first, the second's `_` would
    match any character."""

    @compiled
    def by_email(*, email):
        return User.objects.filter(email__iexact=email).values_list("email", flat=True)

    UserFactory(email="axb@example.org")
    UserFactory(email="a_b@example.org")
    assert by_email(email="AXB@example.org") == ["axb@example.org"]
    assert by_email(email="a_b@example.org") == ["a_b@example.org"]
    assert by_email(email="a%b@example.org") == []
    assert by_email.is_kept(email="axb@example.org") == (connection.vendor == "postgresql")


def test_a_related_manager_is_left_to_the_builder(people):
    """Rows read through an instance's related manager are attached to that instance: kept,
    they would be attached to the first call's."""
    _ada, _bob, first, second = people

    @compiled
    def topics_of(*, program):
        return program.topics.order_by("name")

    assert {t.program.name for t in topics_of(program=first)} == {"First"}
    assert {t.program.name for t in topics_of(program=second)} == {"Second"}
    assert not topics_of.is_kept(program=first)


def test_a_datetime_django_turns_into_a_date_is_left_to_the_builder(people):
    """`submitted_at__date` sends the day of the datetime, not the datetime: not kept (a kept
    SQL would keep the first call's day), and every call is right."""
    now = timezone.now()
    assert len(_since_the_day_of(moment=now)) == 3
    assert _since_the_day_of(moment=now + datetime.timedelta(days=1)) == []
    assert len(_since_the_day_of(moment=now - datetime.timedelta(days=1))) == 3
    assert not _since_the_day_of.is_kept(moment=now)


def test_the_shape_follows_the_time_zone(people):
    """SQL that carries the active zone (a date in it) is kept per zone."""
    from django.db.models.functions import TruncDate

    @compiled
    def days(*, user):
        return (
            Application.objects.filter(user=user)
            .annotate(day=TruncDate("submitted_at"))
            .values_list("day", flat=True)
        )

    ada = people[0]
    moment = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=datetime.UTC)
    Application.objects.filter(user=ada).update(submitted_at=moment)
    with timezone.override("UTC"):
        assert set(days(user=ada)) == {datetime.date(2026, 12, 5)}
    with timezone.override("Asia/Tokyo"):
        assert set(days(user=ada)) == {datetime.date(2026, 12, 6)}
        assert days.is_kept(user=ada)
    with timezone.override("UTC"):
        assert set(days(user=ada)) == {datetime.date(2026, 12, 5)}
        assert days.is_kept(user=ada)
    assert len(next(iter(days._kept.values()))) == 2  # kept for each zone


def test_sql_that_does_not_follow_the_zone_is_kept_once_for_every_zone(people):
    """People in a hundred zones open the same page: its SQL is kept once, not per zone."""
    import zoneinfo

    ada = people[0]
    since = timezone.now() - datetime.timedelta(days=30)
    zones = sorted(zoneinfo.available_timezones())[:100]
    for zone in zones:
        with timezone.override(zone):
            assert len(_applications_of(user=ada, since=since)) == 2
    assert len(_applications_of._kept) == 1
    assert not isinstance(next(iter(_applications_of._kept.values())), dict)


def test_verifying_catches_a_builder_whose_sql_follows_a_value(people, settings):
    """A builder with an `if` on a value breaks the rule; the suite's verifying finds it."""
    ada, bob, _first, _second = people

    @compiled
    def branching(*, user_id):
        rows = Application.objects.filter(user_id=user_id)
        return rows.filter(role="mentor") if user_id == ada.pk else rows

    settings.COMPILED_QUERIES_VERIFY = True
    assert len(branching(user_id=bob.pk)) == 1  # kept: bob and the varied ids are not ada
    assert branching.is_kept(user_id=bob.pk)
    with pytest.raises(CompiledQueryMismatch):
        branching(user_id=ada.pk)  # kept, this SQL would give ada her mentee application too


def test_the_kept_query_cannot_be_filtered_further(people):
    ada = people[0]
    since = timezone.now() - datetime.timedelta(days=30)
    assert isinstance(_applications_of(user=ada, since=since), list)
    kept = next(k for k in _applications_of._kept.values() if k is not None)
    from mentoring.compiled import _KeptQuery

    query = _KeptQuery.__new__(_KeptQuery)
    query.__dict__ = dict(kept.query.__dict__)
    with pytest.raises(TypeError):
        query.clone()
