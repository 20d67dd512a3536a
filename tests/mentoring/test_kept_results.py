"""A kept result is returned while the rows its compiled queries read are the same, and
computed again after any write to them, by any path; what cannot be checked that way (a query
that is not a kept call, a write, a caller's transaction) is computed every time."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mentoring.compiled import calls_recorded, compiled
from mentoring.kept_results import KeptResults
from programs.models import Topic
from tests.factories import ProgramFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)


@compiled
def _topic_names(*, program):
    return Topic.objects.filter(program=program).order_by("pk").values_list("name", flat=True)


@compiled
def _topics_counted(*, program):
    return Topic.objects.filter(program=program).values("pk")


class Computed:
    """A computation of a program's topic names that counts its runs."""

    def __init__(self, program, extra=None):
        self.program, self.extra, self.runs = program, extra, 0

    def __call__(self):
        self.runs += 1
        if self.extra:
            self.extra()
        names = _topic_names(program=self.program)
        return names, _topics_counted.count(program=self.program)


@pytest.fixture
def program():
    program = ProgramFactory()
    TopicFactory(program=program, name="Careers")
    TopicFactory(program=program, name="Research")
    return program


def _kept(**limits):
    return KeptResults(**({"most": 8, "most_weight": 100, "weight": lambda _: 1} | limits))


def test_a_result_is_kept_and_read_back_by_one_digest_statement(program):
    kept, compute = _kept(), Computed(program)

    first = kept.get("k", inputs=1, compute=compute)
    with CaptureQueriesContext(connection) as queries:
        again = kept.get("k", inputs=1, compute=compute)

    assert first == again == (["Careers", "Research"], 2)
    assert compute.runs == 1
    # One statement on PostgreSQL; on SQLite each query's rows are hashed in the process.
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert "md5" in queries[0]["sql"] or connection.vendor != "postgresql"


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda p: Topic.objects.filter(program=p, name="Careers").update(name="Ethics"),
            id="update",
        ),
        pytest.param(lambda p: TopicFactory(program=p, name="Zoology"), id="create"),
        pytest.param(
            lambda p: Topic.objects.filter(program=p, name="Careers").delete(), id="delete"
        ),
        pytest.param(
            lambda p: connection.cursor().execute(
                "UPDATE programs_topic SET name = %s WHERE program_id = %s AND name = %s",
                ["Raw", p.pk, "Careers"],
            ),
            id="raw SQL",
        ),
    ],
)
def test_any_write_to_the_rows_read_computes_it_again(program, write):
    kept, compute = _kept(), Computed(program)
    before = kept.get("k", inputs=1, compute=compute)

    write(program)
    after = kept.get("k", inputs=1, compute=compute)

    assert compute.runs == 2
    assert after != before
    assert after == Computed(program)()
    assert kept.get("k", inputs=1, compute=compute) == after
    assert compute.runs == 2  # and the new result is kept


def test_a_write_elsewhere_keeps_it(program):
    kept, compute = _kept(), Computed(program)
    kept.get("k", inputs=1, compute=compute)

    TopicFactory(name="In another program")
    kept.get("k", inputs=1, compute=compute)

    assert compute.runs == 1


def test_other_inputs_compute_it_again(program):
    kept, compute = _kept(), Computed(program)
    kept.get("k", inputs=1, compute=compute)
    kept.get("k", inputs=2, compute=compute)
    kept.get("k", inputs=2, compute=compute)

    assert compute.runs == 2


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(lambda: Topic.objects.count(), id="a query that is not compiled"),
        pytest.param(lambda: TopicFactory(name="Written"), id="a write"),
    ],
)
def test_a_computation_that_runs_anything_else_is_never_kept(program, extra):
    kept, compute = _kept(), Computed(program, extra)
    first = kept.get("k", inputs=1, compute=compute)
    second = kept.get("k", inputs=1, compute=compute)

    assert compute.runs == 2
    assert len(kept) == 0
    assert first[0] == second[0] == ["Careers", "Research"]


def test_inside_a_callers_transaction_nothing_is_kept(program):
    kept, compute = _kept(), Computed(program)
    with transaction.atomic():
        kept.get("k", inputs=1, compute=compute)
        kept.get("k", inputs=1, compute=compute)

    assert compute.runs == 2
    assert len(kept) == 0


@pytest.mark.postgres
def test_the_computation_reads_one_snapshot_on_postgresql(program):
    """It runs in a REPEATABLE READ transaction of its own (the statement that asks is not a
    compiled call, so that computation is not kept)."""
    levels = []

    def asks():
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            levels.append(cursor.fetchone()[0])

    kept = _kept()
    kept.get("k", inputs=1, compute=Computed(program, asks))

    assert levels == ["repeatable read"]
    assert len(kept) == 0


def test_the_least_recently_used_go_first_past_either_limit(program):
    kept = _kept(most=2)
    for key in ("a", "b"):
        kept.get(key, inputs=1, compute=Computed(program))
    kept.get("a", inputs=1, compute=Computed(program))  # "a" used last
    kept.get("c", inputs=1, compute=Computed(program))

    assert len(kept) == 2
    computed = Computed(program)
    kept.get("a", inputs=1, compute=computed)
    kept.get("b", inputs=1, compute=computed)
    assert computed.runs == 1  # "b" was dropped, "a" kept

    heavy = _kept(most_weight=5, weight=lambda value: 3)
    heavy.get("a", inputs=1, compute=Computed(program))
    heavy.get("b", inputs=1, compute=Computed(program))
    assert len(heavy) == 1
    assert heavy.total_weight == 3
    too_heavy = _kept(most_weight=2, weight=lambda value: 3)
    too_heavy.get("a", inputs=1, compute=Computed(program))
    assert len(too_heavy) == 0


def test_the_statements_run_must_be_the_calls_recorded_one_for_one(program):
    """As many statements as calls is not enough: each must be the next call's SQL with its
    values (a call recorded that never ran, and a statement that was not one, are not kept)."""

    def mismatched():
        calls_recorded.get().append(("SELECT 1", []))  # a call recorded that never ran
        return Topic.objects.count()  # and a statement that is not a call

    kept = _kept()
    kept.get("k", inputs=1, compute=mismatched)

    assert len(kept) == 0


def test_the_inputs_are_copied_when_kept(program):
    """A caller that changes its own inputs afterwards (a list in place) changes nothing kept:
    the next call with the changed inputs computes again."""
    kept, compute = _kept(), Computed(program)
    languages = ["English"]
    kept.get("k", inputs=(languages,), compute=compute)
    languages.append("Portuguese")
    kept.get("k", inputs=(languages,), compute=compute)

    assert compute.runs == 2
