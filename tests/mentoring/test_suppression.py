"""Small-cell suppression shared by the survey and outcome reports (pure, no database)."""

from mentoring.suppression import publishable_keys


def test_groups_below_the_minimum_are_withheld():
    assert publishable_keys(sizes={"a": 9, "b": 6, "c": 3, "d": 2}, min_group=5) == {"a", "b"}


def test_a_lone_small_group_also_withholds_the_smallest_other_group():
    assert publishable_keys(sizes={"a": 7, "b": 6, "c": 1}, min_group=5) == {"a"}


def test_complementary_suppression_breaks_size_ties_by_key():
    assert publishable_keys(sizes={"b": 6, "a": 6, "c": 2}, min_group=5) == {"b"}


def test_everything_is_withheld_when_all_groups_together_are_below_the_minimum():
    assert publishable_keys(sizes={"a": 2, "b": 2}, min_group=5) == set()


def test_no_groups_publish_nothing():
    assert publishable_keys(sizes={}, min_group=5) == set()
